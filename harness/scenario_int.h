/*
 * scenario_int.h: private to harness/scenario*.c. The loader context, diagnostics and the
 * typed readers that turn YAML tree nodes into struct scenario fields.
 *
 * Loading runs in phases so that every check sees everything it depends on, whatever the key
 * order in the file: names of nodes and segments, then links, then the interface registry and
 * topology checks, then node options, routes and steps (which refer to interfaces and
 * addresses). Each phase works on what earlier phases could extract, so one mistake does not
 * hide the others.
 */
#ifndef VPNLAB_HARNESS_SCENARIO_INT_H
#define VPNLAB_HARNESS_SCENARIO_INT_H

#include "harness/scenario.h"
#include "harness/yaml_tree.h"

/* Where each address of a link was written, kept beside sc->links (same index). */
struct sc_link_pos {
	struct sc_pos addr[2][SC_ADDRS_MAX];
	struct sc_pos mtu;              /* of the mtu value, or of the link */
};

struct sc_ctx {
	struct scenario *sc;
	struct sc_diags *d;
	bool oom;
	const char *text;               /* the file's text, for positions inside block scalars */
	size_t text_len;
	struct sc_link_pos *lpos;       /* parallel to sc->links */
	/* Node and segment keys as written, for lookups before their options are read. */
	const struct ynode *nodes_map;
	const struct ynode *segments_map;
};

/* Diagnostics. */
void sc_err_at(struct sc_ctx *c, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sc_err(struct sc_ctx *c, const struct ynode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* At byte offset off inside a one-line scalar. */
void sc_err_off(struct sc_ctx *c, const struct ynode *at, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sc_err_pos(struct sc_ctx *c, const struct sc_pos *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Order d->lines[from..] by LINE:COL; prefix_len is the length of "FILE". */
void sc_diags_sort(struct sc_diags *d, size_t from, size_t prefix_len);
struct sc_pos sc_pos_of(struct sc_ctx *c, const struct ynode *n);

/* Typed readers: true when *out was set; otherwise the problem has been reported (or the node
 * was already bad). what names the key in messages ("mtu", "ping size"). */
bool sc_want_map(struct sc_ctx *c, const struct ynode *n, const char *what);
bool sc_want_seq(struct sc_ctx *c, const struct ynode *n, const char *what);
bool sc_want_scalar(struct sc_ctx *c, const struct ynode *n, const char *what);
/* Report every key of map not in allowed (NULL-terminated); where says whose map it is. */
void sc_check_keys(struct sc_ctx *c, const struct ynode *map, const char *where,
                   const char *const *allowed);
bool sc_read_bool(struct sc_ctx *c, const struct ynode *n, const char *what, bool *out);
bool sc_read_int(struct sc_ctx *c, const struct ynode *n, const char *what, long min, long max,
                 int *out);
bool sc_read_u64(struct sc_ctx *c, const struct ynode *n, const char *what, uint64_t max,
                 uint64_t *out);
bool sc_read_duration(struct sc_ctx *c, const struct ynode *n, const char *what, bool positive,
                      lab_ns *out);
bool sc_read_size(struct sc_ctx *c, const struct ynode *n, const char *what, uint64_t min,
                  uint64_t max, uint64_t *out);
/* Names: 1..SC_NAME_MAX-1 (or SC_IFNAME_MAX-1 for interfaces) of [A-Za-z0-9_.-], starting with
 * a letter or digit. The text form returns a static message or NULL. */
const char *sc_name_problem(const char *s, size_t len, size_t max);
bool sc_read_name(struct sc_ctx *c, const struct ynode *n, const char *what, char *buf,
                  size_t max);

/* The lab as extracted so far: interfaces are link ends that name a node. */
const struct sc_end *sc_lab_iface(const struct scenario *sc, const char *node,
                                  const char *iface, const struct sc_link **link);
bool sc_lab_node_declared(const struct sc_ctx *c, const char *node);
bool sc_lab_segment_declared(const struct sc_ctx *c, const char *seg);
/* First address of family (AF_UNSPEC: IPv4 first, then IPv6) on node (iface NULL: any). */
const struct sc_prefix *sc_lab_addr(const struct scenario *sc, const char *node,
                                    const char *iface, int family);
/* Is addr inside a subnet configured on node (on iface if not NULL)? */
bool sc_lab_connected(const struct scenario *sc, const char *node, const char *iface,
                      const struct sc_prefix *addr);
bool sc_prefix_contains(const struct sc_prefix *net, const struct sc_prefix *a);
bool sc_prefix_equal_addr(const struct sc_prefix *a, const struct sc_prefix *b);

/* "node 'r1' has no interface 'wan0' (its interfaces: lan0, wan1)" at at. */
void sc_iface_missing(struct sc_ctx *c, const struct ynode *at, size_t off, const char *node,
                      const char *iface);

/* Phases. */
void sc_topology_load(struct sc_ctx *c, const struct ynode *topo);
void sc_links_check(struct sc_ctx *c);
void sc_nodes_options_load(struct sc_ctx *c);
void sc_routes_load(struct sc_ctx *c, const struct ynode *routes);
void sc_gateways_load(struct sc_ctx *c, const struct ynode *gws);
/* Where the lines of scalar n are in the file (struct sc_text_map). */
void sc_text_map_of(struct sc_ctx *c, const struct ynode *n, struct sc_text_map *m);
/* Report the FITELnet importer's errors (texts named "#0", "#1", ... = maps[0], maps[1], ...)
 * at their positions in the scenario file. Returns the number reported. */
struct fitelnet_diags;
size_t sc_fitelnet_diags_report(struct sc_ctx *c, const struct fitelnet_diags *d,
                                const struct sc_text_map *const *maps, size_t n);
void sc_steps_load(struct sc_ctx *c, const struct ynode *steps);
/* The mock clouds (scenario_cloud.c): the `clouds:` section (before the gateways); a
 * gateway's `cloud:` keys (false when it has none); the api and cloud wait steps. */
void sc_clouds_load(struct sc_ctx *c, const struct ynode *clouds);
bool sc_gateway_cloud_load(struct sc_ctx *c, struct sc_gateway *g, const struct ynode *v);
void sc_api_step_load(struct sc_ctx *c, const struct ynode *m, struct sc_step *st);
void sc_cloud_wait_load(struct sc_ctx *c, const struct ynode *m, struct sc_cloud_wait *w);
/* Frees (and wipes: login passwords) what api steps own. */
void scenario_steps_free_cloud(struct scenario *sc);
/* "a, b, c": the gateway's connection names, for messages. */
void sc_gateway_conn_list(const struct sc_gateway *g, char *buf, size_t len);
/* Steps about gateways (scenario_gateway.c): reconfigure: {gateway, config, connections},
 * show: {gateway}. Every problem reported; on return the step may still be partial. */
void sc_reconfigure_load(struct sc_ctx *c, const struct ynode *m, struct sc_reconfigure *r);
void sc_show_load(struct sc_ctx *c, const struct ynode *m, struct sc_show *s);
/* A loaded `profile: strongswan` gateway (v: its map, conns: its connections map or NULL):
 * the real clock, and every key charon cannot honour refused at the key
 * (scenario_gateway_sswan.c). */
void sc_gateway_sswan_check(struct sc_ctx *c, const struct sc_gateway *g,
                            const struct ynode *v, const struct ynode *conns);
/* Its `profile: strongswan` (at profile) needs the real clock: reported otherwise. */
void sc_gateway_sswan_clock(struct sc_ctx *c, const struct sc_gateway *g,
                            const struct ynode *profile);
/* Frees (and wipes: pre-shared keys) sc->gateways. */
void scenario_gateways_free(struct scenario *sc);
void sc_expect_load(struct sc_ctx *c, const struct ynode *list);   /* scenario_expect.c */

#endif

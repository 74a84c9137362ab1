/*
 * scenario.h: a scenario file as plain structs (docs/scenario-format.md is the format).
 *
 * scenario_load() reads YAML with libyaml, fills these structs and then runs a whole-document
 * validation pass (names resolve, addresses fit, steps refer to things that exist). Every
 * problem becomes a diagnostic "FILE:LINE:COL: message"; all of a file's problems are reported,
 * not only the first. Nothing here touches the system: validate runs without privileges.
 *
 * Ownership: a struct scenario owns everything it points to; scenario_free() releases it.
 * Positions point into sc->file (borrowed by every sc_pos).
 */
#ifndef VPNLAB_HARNESS_SCENARIO_H
#define VPNLAB_HARNESS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "peers/ike/ike_alg.h"
#include "captures/check.h"
#include "peers/labtime.h"

#define SC_NAME_MAX   32        /* node, segment, filter names: 1..31 chars */
#define SC_IFNAME_MAX 16        /* interface names: 1..15 chars (IFNAMSIZ) */
#define SC_ADDRS_MAX  4         /* addresses per link end */

struct sc_pos {
	const char *file;       /* borrowed from struct scenario */
	int line;               /* 1-based */
	int col;                /* 1-based */
};

/* An address with a prefix length: 192.0.2.1/24, 2001:db8::1/64, or a bare address (prefix
 * = 32 / 128). family is AF_INET or AF_INET6. */
struct sc_prefix {
	int family;
	uint8_t addr[16];
	int len;
};

/* A link end: "node:iface ADDR/LEN ADDR/LEN", or the name of a segment. */
struct sc_end {
	char node[SC_NAME_MAX];         /* a node, or a segment when is_segment */
	char iface[SC_IFNAME_MAX];      /* "" for a segment end */
	bool is_segment;
	struct sc_prefix addrs[SC_ADDRS_MAX];
	int naddrs;
	struct sc_pos pos;
};

/* A veth pair between two node interfaces, or a node interface plugged into a segment. */
struct sc_link {
	struct sc_end ends[2];
	int mtu;                        /* 0: default 1500 */
	struct sc_pos pos;
};

/* A shared L2 segment: a bridge that lives in a hidden namespace of its own. */
struct sc_segment {
	char name[SC_NAME_MAX];
	int mtu;                        /* 0: default 1500 */
	struct sc_pos pos;
};

/* "default via 192.0.2.1", "10.1.0.0/16 via 10.0.0.2", "10.2.0.0/16 dev eth1",
 * "2001:db8:2::/48 via 2001:db8::2 dev eth0" */
struct sc_route {
	struct sc_prefix dst;           /* default: the family's /0 */
	bool has_via;
	struct sc_prefix via;           /* len unused */
	char dev[SC_IFNAME_MAX];        /* "" if not given */
	struct sc_pos pos;
};

enum sc_filter_match {
	SC_MATCH_ESP,                   /* IP protocol 50 */
	SC_MATCH_IKE,                   /* UDP 500 and 4500 */
	SC_MATCH_UDP,                   /* UDP to or from port */
	SC_MATCH_TCP,                   /* TCP to or from port */
	SC_MATCH_ICMP,                  /* ICMP and ICMPv6 */
	SC_MATCH_ALL,                   /* every IP packet */
};

/* A filter: drop matching packets crossing iface (or any interface) of a node, optionally only
 * after the first N matching packets of a flow have passed. Steps switch it on and off. */
struct sc_filter {
	char name[SC_NAME_MAX];
	char iface[SC_IFNAME_MAX];      /* "" = every interface */
	enum sc_filter_match match;
	int port;                       /* SC_MATCH_UDP / SC_MATCH_TCP */
	uint64_t after;                 /* 0 = drop from the first packet */
	bool enabled;                   /* initial state */
	struct sc_pos pos;
};

struct sc_node {
	char name[SC_NAME_MAX];
	bool forward;                   /* IPv4 and IPv6 forwarding */
	char masquerade[SC_IFNAME_MAX]; /* source NAT out of this interface; "" = none */
	bool has_mss_clamp;
	char mss_iface[SC_IFNAME_MAX];  /* "" = every forwarded SYN */
	int mss;                        /* clamp to this value; 0 = to the path MTU */
	struct sc_route *routes;
	size_t nroutes;
	struct sc_filter *filters;
	size_t nfilters;
	struct sc_pos pos;
};

/*
 * A simulated gateway on a node (the `gateways:` section, docs/scenario-format.md). What is
 * written is kept as written: a field not given has its has_ flag (or -1) unset, so that
 * scenario_gateway_config() can lay the scenario's values over a profile's defaults.
 */
#define SC_GW_CONNS_MAX 24
#define SC_PSK_MAX      128
#define SC_ID_MAX       64

struct sc_gw_id {                       /* local_id / remote_id */
	uint8_t type;                   /* ISAKMP_ID_*; 0 = not given */
	uint8_t data[SC_ID_MAX];
	size_t len;
};

struct sc_gw_conn {
	char name[SC_NAME_MAX];
	bool from_config;               /* a crypto map of the gateway's config text: the keys
	                                   below, when given, override the map's values */
	bool has_remote;
	struct sc_prefix remote;        /* the peer's address (required without a config) */
	bool has_local;
	struct sc_prefix local;         /* default: the uplink's first address of remote's family */
	uint8_t psk[SC_PSK_MAX];        /* required without a config; wiped by scenario_free */
	size_t psk_len;
	struct sc_gw_id local_id, remote_id;
	struct ike_prop ike[IKE_MAX_PROPS];
	int nike;                       /* 0 = not given */
	struct ike_prop esp[IKE_MAX_PROPS];
	int nesp;
	bool has_local_ts, has_remote_ts;
	struct sc_prefix local_ts, remote_ts;   /* default 0.0.0.0/0 */
	int initiate;                   /* -1 not given, 0, 1 */
	int always_up;
	lab_ns ike_lifetime, esp_lifetime;      /* 0 = not given */
	bool has_dpd;
	lab_ns dpd_delay, dpd_timeout;  /* 0 = not given */
	int dpd_action;                 /* -1 or enum ike_dpd_action */
	int dpd_mode;                   /* -1 or enum ike_dpd_mode */
	int force_encap;                /* -1, 0, 1 */
	int lifetime_rule;              /* -1 or enum ike_life_rule: as responder, what a
	                                   proposed lifetime that differs from ours becomes */
	int responder_lifetime;         /* -1, 0, 1: ike_policy.send_responder_lifetime */
	bool has_natt_keepalive;
	lab_ns natt_keepalive;          /* 0s = none */
	struct sc_pos pos;              /* of the connection's name */
	struct sc_pos remote_pos;
};

/* Where the lines of a multi-line scalar (a `config: |` block) are in the scenario file:
 * the text's line k (1-based), column c is the file's line0 + k, column indent + c. A scalar
 * that is not a block maps every position to its own start (line0 + 1 = its line). */
struct sc_text_map {
	int line0;
	int indent;
	bool block;
	struct sc_pos at;               /* the scalar itself */
};

/* A K5 router node's interface and the K5 network whose router interface it is (`ports:`). */
#define SC_K5_PORTS_MAX 8
struct sc_k5_port {
	char iface[SC_IFNAME_MAX];
	char network[64];               /* the K5 network's name (or id) */
	struct sc_pos pos;
};

struct sc_gateway {
	char node[SC_NAME_MAX];
	char uplink[SC_IFNAME_MAX];     /* resolved at load: given, or the default route's */
	char tunnel[SC_IFNAME_MAX];     /* default "tun0" */
	int tunnel_mtu;                 /* 0 = not given (1500) */
	int df;                         /* -1 or enum esp_df_mode */
	int frag;                       /* -1 or enum gw_frag */
	bool has_mss_clamp;
	int mss_clamp;                  /* -1 off, 0 auto, N */
	int hairpin;                    /* -1, 0, 1 */
	bool has_replay_window;
	uint32_t replay_window;
	char profile[SC_NAME_MAX];      /* "" = none; else a name profile_find() knows */
	int cloud;                      /* enum sc_cloud_kind: configured from a mock cloud */
	char cloud_object[64];          /* the K5 router's / Sakura appliance's name */
	struct sc_pos cloud_pos;
	struct sc_k5_port k5_ports[SC_K5_PORTS_MAX];    /* K5: interfaces the API addresses */
	size_t nk5_ports;
	char *config;                   /* vendor CLI text (fitelnet-f220); owned; NULL = none */
	struct sc_text_map config_map;  /* where config's lines are in the scenario file */
	struct sc_gw_conn *conns;       /* owned */
	size_t nconns;
	struct sc_pos pos;              /* of the node key */
	struct sc_pos profile_pos;
};

enum sc_step_kind {
	SC_STEP_WAIT,           /* let lab time pass: wait: 5s */
	SC_STEP_ADVANCE,        /* skip lab time (virtual clock): advance: 1h */
	SC_STEP_PING,
	SC_STEP_UDP,
	SC_STEP_TCP,
	SC_STEP_LINK,
	SC_STEP_FILTER,
	SC_STEP_WAIT_TUNNEL,    /* wait: {tunnel: r1/to-r2, up: true, within: 60s} */
	SC_STEP_SEQ_RESTART,    /* seq_restart: {gateway: r1, connection: to-r2, next: 1} */
	SC_STEP_TUNNEL,         /* tunnel: {gateway: r1, connection: to-r2, action: down} */
	SC_STEP_API,            /* api: {cloud: k5, method: POST, path: ..., body: {...}} */
	SC_STEP_WAIT_CLOUD,     /* wait: {cloud: k5, connection: NAME, status: ACTIVE} */
	SC_STEP_RECONFIGURE,    /* reconfigure: {gateway: r1, config: |..., connections: {..}} */
	SC_STEP_SHOW,           /* show: {gateway: r1}: its status into the report */
};

/* Where a probe is aimed: an address, or "node" / "node:iface" (its first address of the
 * probe's family, resolved when the lab is built). */
struct sc_target {
	bool is_addr;
	struct sc_prefix addr;
	char node[SC_NAME_MAX];
	char iface[SC_IFNAME_MAX];
};

/* ICMP error the probe must (or must not) see. */
enum sc_icmp_expect {
	SC_ICMP_ANY,            /* not checked */
	SC_ICMP_NONE,           /* no ICMP error at all */
	SC_ICMP_FRAG_NEEDED,    /* IPv4 type 3 code 4 / ICMPv6 packet too big */
	SC_ICMP_UNREACHABLE,    /* any other destination unreachable */
};

/* What a probe step asserts; each assertion becomes one check in the report. */
struct sc_probe_expect {
	bool has_replies;
	int replies_min, replies_max;   /* ping: replies received, within [min, max] */
	bool has_loss;
	double loss_max_pct;            /* udp: loss at most this (percent) */
	bool has_bytes;                 /* tcp: every byte delivered */
	enum sc_icmp_expect icmp;
	int icmp_mtu;                   /* with SC_ICMP_FRAG_NEEDED: 0 = any MTU */
};

struct sc_ping {
	char from[SC_NAME_MAX];
	struct sc_target to;
	int size;                       /* ICMP data bytes, as ping -s; default 56 */
	bool df;                        /* set DF (IPv4); default false */
	int count;                      /* default 1 */
	lab_ns interval;                /* default 1s */
	lab_ns timeout;                 /* per echo, default 2s */
	struct sc_probe_expect expect;  /* default: every echo answered */
};

struct sc_udp {
	char from[SC_NAME_MAX];
	struct sc_target to;
	int port;
	int size;                       /* payload bytes; default 100 */
	int count;                      /* default 10 */
	double rate;                    /* datagrams per second; default 10 */
	bool df;
	struct sc_probe_expect expect;  /* default: loss at most 0% */
};

struct sc_tcp {
	char from[SC_NAME_MAX];
	struct sc_target to;
	int port;
	uint64_t bytes;                 /* default 1 MiB */
	lab_ns timeout;                 /* default 30s */
	struct sc_probe_expect expect;  /* default: every byte delivered */
};

struct sc_linkop {
	char node[SC_NAME_MAX];
	char iface[SC_IFNAME_MAX];
	int up;                         /* -1 unchanged, 0 down, 1 up */
	int mtu;                        /* 0 unchanged */
};

struct sc_filterop {
	char node[SC_NAME_MAX];
	char filter[SC_NAME_MAX];
	bool enabled;
};

/* A gateway's connection, as steps name it (both resolved at load). */
struct sc_conn_ref {
	char gateway[SC_NAME_MAX];
	char conn[SC_NAME_MAX];
};

struct sc_tunnel_wait {
	struct sc_conn_ref ref;
	bool up;                        /* wait for up (true) or down */
	lab_ns within;                  /* default 60s */
};

struct sc_seq_restart {
	struct sc_conn_ref ref;
	uint32_t next;                  /* default 1 */
};

enum sc_tunnel_action { SC_TUNNEL_DOWN, SC_TUNNEL_INITIATE, SC_TUNNEL_RESTART };

struct sc_tunnelop {
	struct sc_conn_ref ref;
	enum sc_tunnel_action action;
};

/*
 * The mock clouds of a run (the `clouds:` section, harness/scenario_cloud.c): the mock's HTTP
 * server listens in a node's namespace, or with no node in the lab's home namespace.
 */
enum sc_cloud_kind { SC_CLOUD_NONE, SC_CLOUD_K5, SC_CLOUD_SAKURA, SC_CLOUD_COUNT };

struct sc_cloud {
	bool present;
	char node[SC_NAME_MAX];         /* "" = the lab's home namespace */
	struct sc_prefix addr;          /* listen address (len unused) */
	int port;
	char region[32];                /* K5: "jp-east-1" */
	char zone[8];                   /* Sakura: "tk1v" */
	bool stuck_migration;           /* Sakura: the v1 -> v2 migration sticks (seeds/002) */
	char user[64], password[64];    /* K5 credentials the mock accepts; "" = any */
	char token[64], secret[64];     /* Sakura HTTP Basic credentials */
	struct sc_prefix ext_cidr[2];   /* K5: the external subnets of AZ1 / AZ2 (mocks/k5.h) */
	struct sc_prefix ext_gw[2];     /*     and their gateway_ip (bare addresses) */
	struct sc_pos pos;
};

/* api: one HTTP request to a mock cloud; strings are templates where {var} is a value an
 * earlier step saved ({zone} is predefined for Sakura). */
#define SC_API_SAVES_MAX 8
#define SC_API_CONTAINS_MAX 8
struct sc_api_save {
	char var[SC_NAME_MAX];
	char from[128];                 /* "ikepolicy.id" (JSON path, dots, array indexes) or
	                                   "header:NAME" */
};

struct sc_api {
	int cloud;                      /* enum sc_cloud_kind */
	bool login;                     /* K5: POST /v3/auth/tokens, token kept for later calls */
	char user[64], password[64], project[64], domain[64];
	char method[8];
	char path[512];
	char *body;                     /* JSON text (a template); owned; NULL = no body */
	int expect_status;              /* 0 = any 2xx */
	char expect_error[64];          /* K5 NeutronError type / Sakura error_code; "" = none */
	char *expect_contains[SC_API_CONTAINS_MAX];     /* texts the answer must hold; owned */
	size_t ncontains;
	struct sc_api_save saves[SC_API_SAVES_MAX];
	size_t nsaves;
};

/* wait: {cloud: ...}: poll the API until an object reaches a state. */
struct sc_cloud_wait {
	int cloud;
	char object[256];               /* K5 connection name / Sakura appliance name */
	char field[16];                 /* "status" (K5); "availability", "instance", "peer" */
	char value[32];                 /* ACTIVE, available, up, UP, ... */
	char peer[64];                  /* Sakura "peer": the peer address whose status counts */
	lab_ns within;                  /* default 60s */
	lab_ns every;                   /* poll interval, default 1s */
};

/*
 * A gateway's configuration changed while it runs (the F220 config edited after the VPC
 * router's v2 migration). config is CLI text applied on top of everything before it (the
 * gateway's config, then earlier reconfigure steps' texts, in step order); conns is the whole
 * connection list as it is after this step (the gateway's, with this step's key overrides
 * laid over the previous state), NULL when the step changes no key.
 */
struct sc_reconfigure {
	char gateway[SC_NAME_MAX];
	char *config;                   /* owned; NULL = no CLI text */
	struct sc_text_map config_map;
	struct sc_gw_conn *conns;       /* owned (wiped on free: PSKs); nconns = the gateway's */
	size_t nconns;
};

struct sc_show {
	char gateway[SC_NAME_MAX];
};

struct sc_step {
	enum sc_step_kind kind;
	char name[64];                  /* optional label, 1..63 chars; "" = generated in reports */
	struct sc_pos pos;
	union {
		lab_ns duration;        /* WAIT, ADVANCE */
		struct sc_ping ping;
		struct sc_udp udp;
		struct sc_tcp tcp;
		struct sc_linkop link;
		struct sc_filterop filter;
		struct sc_tunnel_wait twait;
		struct sc_seq_restart seq;
		struct sc_tunnelop tunnel;
		struct sc_api *api;     /* owned */
		struct sc_cloud_wait cwait;
		struct sc_reconfigure reconf;
		struct sc_show show;
	} u;
};

/* One item of the top-level expect: list (harness/scenario_expect.c), judged on the pcaps. */
struct sc_expect {
	struct check_expect ex;         /* addresses resolved from node names at load time */
	char label[64];                 /* "expect dpd" */
	struct sc_pos pos;
};

enum sc_clock {
	SC_CLOCK_VIRTUAL,
	SC_CLOCK_REAL,
};

struct scenario {
	char *file;                     /* path as given; owned */
	char name[64];
	char *description;              /* owned; may be NULL */
	uint64_t seed;
	bool has_seed;
	enum sc_clock clock;
	lab_ns timeout;                 /* lab-time budget for the steps; 0 = none */

	struct sc_node *nodes;
	size_t nnodes;
	struct sc_segment *segments;
	size_t nsegments;
	struct sc_link *links;
	size_t nlinks;
	struct sc_step *steps;
	size_t nsteps;
	struct sc_gateway *gateways;
	size_t ngateways;
	struct sc_expect *expects;
	size_t nexpects;
	struct sc_cloud clouds[SC_CLOUD_COUNT];   /* by enum sc_cloud_kind */
};

/* A diagnostic list: "FILE:LINE:COL: message" lines. */
struct sc_diags {
	char **lines;                   /* owned */
	size_t n;
	size_t cap;
};

void sc_diags_free(struct sc_diags *d);
/* Print every diagnostic, one per line. */
void sc_diags_print(const struct sc_diags *d, FILE *f);

/*
 * Load and validate a scenario file. On success returns 0 and *out (caller frees with
 * scenario_free). On failure returns -EINVAL (or -errno if the file cannot be read) and diags
 * holds every problem found; *out is NULL. diags must be zeroed by the caller.
 */
int scenario_load(const char *path, struct scenario **out, struct sc_diags *diags);

/* The same from a buffer; name is used in positions. */
int scenario_load_buffer(const char *name, const char *text, size_t len,
                         struct scenario **out, struct sc_diags *diags);

void scenario_free(struct scenario *sc);

/* Lookups; NULL if absent. */
const struct sc_node *scenario_node(const struct scenario *sc, const char *name);
const struct sc_segment *scenario_segment(const struct scenario *sc, const char *name);
const struct sc_gateway *scenario_gateway(const struct scenario *sc, const char *node);
/* "k5" / "sakura" */
const char *scenario_cloud_name(int kind);

/* Parsers shared with the CLI (--seed, durations on the command line). 0, -EINVAL when the text
 * is malformed, or -ERANGE when a duration or size is well-formed but does not fit (durations
 * past INT64_MAX ns, sizes past 2^64-1). *out is written only on success. */
int sc_parse_duration(const char *text, lab_ns *out);   /* "250ms", "30s", "8h", "1h30m", "2d" */
int sc_parse_size(const char *text, uint64_t *out);     /* "1400", "1.5KiB", "10MiB", "1GB" */
int sc_parse_prefix(const char *text, struct sc_prefix *out, bool need_len);
/* Format back, for reports: "192.0.2.1/24" (or without /len if with_len is false). */
void sc_format_prefix(const struct sc_prefix *p, bool with_len, char *buf, size_t len);

#endif

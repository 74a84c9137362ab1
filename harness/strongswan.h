/*
 * strongswan.h: a real strongSwan charon (Debian's, with kernel-libipsec) as a lab gateway.
 *
 * sswan_start forks a child that enters the node's network namespace, takes a mount
 * namespace of its own with / made private and a tmpfs on /run (charon's pid file and
 * anything else it puts there stay out of the host), asks the kernel to SIGKILL it when
 * vpnlab dies (PR_SET_PDEATHSIG: a kill -9 of vpnlab leaves no charon behind), and execs
 * /usr/lib/ipsec/charon with STRONGSWAN_CONF pointing at the strongswan.conf rendered into
 * OUT/strongswan/NODE/. The parent waits (bounded) for charon's VICI socket, loads every
 * enabled connection and its pre-shared key over VICI (load-shared, load-conn: no swanctl
 * binary involved), having first registered for ike-updown, child-updown, ike-rekey and
 * child-rekey on a second VICI connection that lives in the run's event loop.
 *
 * Files under OUT/strongswan/NODE/: strongswan.conf, swanctl.conf (the same configuration as
 * text, mode 0600: it holds the keys), charon.log, charon.stdout, charon.vici (the socket),
 * events.log (each connection's state changes, "old -> new").
 *
 * State is read like a simulated gateway's (struct gw_conn_stats): sswan_conn_stats asks
 * charon (list-sas) at that moment. charon runs in wall time: a scenario using it needs the
 * real lab clock.
 */
#ifndef VPNLAB_HARNESS_STRONGSWAN_H
#define VPNLAB_HARNESS_STRONGSWAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness/loop.h"
#include "harness/vici_sa.h"
#include "peers/gw/gw.h"
#include "peers/gw/gw_config.h"

#define SSWAN_CHARON "/usr/lib/ipsec/charon"
/* kernel-libipsec's TUN in the node: its default name and fixed MTU
 * (kernel_libipsec_plugin.c, 5.9.8) */
#define SSWAN_TUN_NAME "ipsec0"
#define SSWAN_TUN_MTU 1400

struct sswan;

enum sswan_event_type {
	SSWAN_EV_IKE_UP, SSWAN_EV_IKE_DOWN, SSWAN_EV_CHILD_UP, SSWAN_EV_CHILD_DOWN,
	SSWAN_EV_IKE_REKEY, SSWAN_EV_CHILD_REKEY,
};

struct sswan_event {
	enum sswan_event_type type;
	int conn;                       /* index into the config's conns; -1 if unknown */
	struct vici_ike_sa sa;          /* as the event carried it (new SA for rekeys) */
};

typedef void (*sswan_event_fn)(void *ctx, const struct sswan_event *ev);

/*
 * Start charon for node in the network namespace nsfd (borrowed; the child enters it).
 * loop (borrowed) receives the event connection; with NULL no events are registered, so
 * nothing is delivered and the stats count no rekeys or reauthentications.
 * cfg is checked (swanctl_conf_check) and copied; outdir must exist. Exit-3-worthy failures
 * (charon not installed, /dev/net/tun missing, a config charon cannot represent, charon not
 * starting within 10 s) return -errno with err saying which; nothing is left running.
 */
int sswan_start(struct sswan **out, struct loop *loop, int nsfd, const char *node,
                const struct gw_config *cfg, const char *outdir, char *err, size_t errlen);

/* Called for every event (borrowed ctx), from the loop. The events connection is registered
 * before the configuration is loaded, so an initiator's first ike-updown is not missed; it
 * comes once the loop runs. The callback may query (sswan_conn_stats, sswan_list_sas: another VICI connection) but must
 * not call sswan_stop: stop from outside the callback. */
void sswan_on_event(struct sswan *s, sswan_event_fn fn, void *ctx);

/* SIGTERM, up to 3 s for charon to delete its SAs and exit, then SIGKILL; always reaps.
 * Frees s (wiping the keys). NULL is fine. */
void sswan_stop(struct sswan *s);

/* Is charon still running? false once it exited on its own (reaped here; err says how). */
bool sswan_alive(struct sswan *s, char *err, size_t errlen);

pid_t sswan_pid(const struct sswan *s);
const char *sswan_dir(const struct sswan *s);   /* OUT/strongswan/NODE */
size_t sswan_conn_count(const struct sswan *s);
int sswan_conn_find(const struct sswan *s, const char *name);  /* index or -1 */

/* The connection's state as the events left it, without asking charon (cheap enough for a
 * wait predicate): UP after a child-updown up, DOWN after the ike-updown down of its last
 * IKE_SA. A CHILD_SA deleted alone (its IKE_SA staying) shows only in sswan_conn_stats. */
enum gw_conn_state sswan_conn_state(const struct sswan *s, int conn);

/*
 * The connection's state now, as for a simulated gateway: DOWN without an IKE_SA, CONNECTING
 * while main or quick mode runs, UP with an INSTALLED CHILD_SA; the SPIs of the newest
 * installed CHILD_SA; packets and bytes summed over the CHILD_SAs charon still holds (charon
 * forgets counters of deleted SAs); rekeys and reauths counted from events; drops are not
 * reported by charon (0). 0, or -errno with err (charon gone, VICI timeout).
 */
int sswan_conn_stats(struct sswan *s, int conn, struct gw_conn_stats *out, char *err,
                     size_t errlen);

/* All IKE_SAs charon has (list-sas). *n gets the count (at most max are filled). */
int sswan_list_sas(struct sswan *s, struct vici_ike_sa *sas, size_t max, size_t *n, char *err,
                   size_t errlen);

/* Start (initiate, without waiting for the result) / delete (terminate) one connection. */
int sswan_conn_initiate(struct sswan *s, int conn, char *err, size_t errlen);
int sswan_conn_terminate(struct sswan *s, int conn, char *err, size_t errlen);

#endif

/*
 * strongswan_int.h: private to harness/strongswan*.c: the node's state, shared by the
 * process side (strongswan_proc.c), the event side (strongswan_events.c) and the API
 * (strongswan.c).
 */
#ifndef VPNLAB_HARNESS_STRONGSWAN_INT_H
#define VPNLAB_HARNESS_STRONGSWAN_INT_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/strongswan.h"
#include "harness/vici.h"

#define START_TIMEOUT_MS 10000  /* charon is up in well under a second; a bound, not a wait */
#define CALL_TIMEOUT_MS  5000
#define STOP_TIMEOUT_MS  3000
#define MAX_UP_IKE       8      /* IKE_SAs of one connection tracked as up at once */

struct sswan_conn {
	enum gw_conn_state state;
	uint64_t up_ike[MAX_UP_IKE];    /* uniqueids of its IKE_SAs that are up */
	size_t nup;
	uint32_t rekeys, reauths;
	bool replacing;                 /* its last IKE_SA went down with another standing */
};

struct sswan {
	pid_t pid;                      /* 0 once reaped */
	int exit_status;                /* waitpid status, once reaped */
	struct loop *loop;
	struct gw_config cfg;
	char node[64];
	char dir[PATH_MAX];
	char sock[PATH_MAX];
	struct vici_conn *cmd, *events;
	bool list_registered;           /* cmd registered for list-sa (streamed by list-sas) */
	struct sswan_conn conn[GW_MAX_CONNS];
	FILE *evlog;
	sswan_event_fn fn;
	void *ctx;
};

int64_t sswan_mono_ms(void);
void sswan_sleep_ms(int ms);
/* One line in events.log, wall-clock stamped. */
void sswan_evlog(struct sswan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The connection's state machine: logs "NAME: old -> new (why)" on a change. */
void sswan_conn_set_state(struct sswan *s, int i, enum gw_conn_state st, const char *why);
int sswan_conn_index(const struct sswan *s, const char *name);
/* How many IKE_SAs charon has for conns[conn], not counting uniqueid except (list-sas). */
int sswan_conn_ike_count(struct sswan *s, int conn, uint64_t except, size_t *n);

/* strongswan_proc.c: files, the charon process. 0 or -errno with err. */
int sswan_preflight(char *err, size_t errlen);
/* OUT/strongswan/NODE (s->dir) and the socket path in it (s->sock). */
int sswan_make_dirs(struct sswan *s, const char *outdir, char *err, size_t errlen);
int sswan_write_configs(struct sswan *s, char *err, size_t errlen);
/* fork, set the child up (netns, mount namespace, /run, PDEATHSIG) and exec charon; a failed
 * step in the child comes back as the error. */
int sswan_spawn(struct sswan *s, int nsfd, char *err, size_t errlen);
/* Connect s->cmd to charon's VICI socket once it listens (bounded). */
int sswan_wait_socket(struct sswan *s, char *err, size_t errlen);
/* SIGTERM, a bound, SIGKILL; reaps. */
void sswan_kill(struct sswan *s);

/* strongswan_events.c: the VICI event callback. */
void sswan_on_vici_event(void *ctx, const char *name, const struct vici_node *msg);

#endif

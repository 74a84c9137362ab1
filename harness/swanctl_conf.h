/*
 * swanctl_conf.h: a gateway configuration (struct gw_config) as strongSwan configuration, pure.
 *
 * One mapping, three forms:
 *   - the VICI `load-conn` message of each connection and the `load-shared` message of its
 *     pre-shared key (what harness/strongswan.c sends to charon: no swanctl binary needed);
 *   - swanctl.conf text rendered from those same messages (written next to the run's logs, so
 *     a person can read what charon was given, or load it by hand with swanctl --load-all);
 *   - strongswan.conf text for the daemon (plugins, log file, VICI socket, global options
 *     that come from the connections: proposal preference, retransmission).
 *
 * Every gw_config field is either rendered, or refused with an error naming it when charon
 * cannot do what it asks in a way that changes what the wire shows, or noted (a warning) when
 * charon's fixed behaviour is close but not configurable. docs/strongswan-node.md has the
 * table. IKEv1 only (version = 1), PSK authentication only.
 *
 * Ownership: the texts and messages hold the pre-shared keys; free them with
 * swanctl_text_free / vici_buf_free, which wipe them.
 */
#ifndef VPNLAB_HARNESS_SWANCTL_CONF_H
#define VPNLAB_HARNESS_SWANCTL_CONF_H

#include <stddef.h>

#include "harness/vici_msg.h"
#include "peers/gw/gw_config.h"

/* Warnings: fields charon cannot honour exactly, one line each ("conns[0].ike.dpd: ..."). */
struct swanctl_notes {
	char text[2048];
	size_t len;
	int count;
};

/* Where the daemon's files go (absolute paths; borrowed). */
struct swanctl_paths {
	const char *vici_socket;        /* unix socket path, without "unix://" */
	const char *log;                /* charon.log */
};

/* Check that cfg can be given to charon: 0, or -EINVAL with err naming the first field that
 * cannot ("conns[1] (to-dc).dp.frag: ..."). notes (may be NULL) collects the warnings. */
int swanctl_conf_check(const struct gw_config *cfg, struct swanctl_notes *notes, char *err,
                       size_t errlen);

/* The load-conn message for conns[i] (a checked config; disabled connections are never
 * loaded). Appends to msg. 0 or -EINVAL / -ENOMEM with err. */
int swanctl_conn_msg(const struct gw_config *cfg, size_t i, struct vici_buf *msg, char *err,
                     size_t errlen);
/* The load-shared message for conns[i]'s pre-shared key (id "ike-NAME"). */
int swanctl_secret_msg(const struct gw_config *cfg, size_t i, struct vici_buf *msg, char *err,
                       size_t errlen);

/* swanctl.conf text for every enabled connection and its secret; the notes become comments
 * at the top. *text is NUL-terminated, caller frees with swanctl_text_free. */
int swanctl_conf_render(const struct gw_config *cfg, char **text, char *err, size_t errlen);
/* strongswan.conf text. */
int swanctl_strongswan_conf_render(const struct gw_config *cfg, const struct swanctl_paths *paths,
                                   char **text, char *err, size_t errlen);
void swanctl_text_free(char *text);

#endif

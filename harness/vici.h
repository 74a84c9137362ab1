/*
 * vici.h: a client of charon's VICI socket (wire format in vici_msg.h).
 *
 * One connection carries one command at a time (the protocol has no request ids): requests
 * queue and go out one after the other; events the connection registered for can arrive at
 * any moment, also between a request and its response (list-sas streams its list-sa events
 * that way). Two ways to drive it, on the same connection object:
 *
 *   - blocking, for start-up and tools: vici_call() sends one command and waits (poll, with a
 *     bound) for its response, handing any event that arrives meanwhile to the event callback;
 *   - in the run's event loop: vici_attach() watches the socket, vici_request() queues a
 *     command whose response is handed to a callback later; events go to the event callback
 *     as they arrive. Nothing blocks.
 *
 * Ownership: trees handed to callbacks are borrowed for the call; a tree returned by
 * vici_call belongs to the caller (vici_tree_free).
 */
#ifndef VPNLAB_HARNESS_VICI_H
#define VPNLAB_HARNESS_VICI_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/loop.h"
#include "harness/vici_msg.h"

struct vici_conn;

/* An event: its name ("ike-updown") and message. */
typedef void (*vici_event_fn)(void *ctx, const char *name, const struct vici_node *msg);
/* A response: rc 0 with the message, or -ENOENT (CMD_UNKNOWN / EVENT_UNKNOWN), -EPIPE
 * (connection lost), -EBADMSG; err says what. resp is NULL unless rc is 0. */
typedef void (*vici_reply_fn)(void *ctx, int rc, const struct vici_node *resp, const char *err);

/* Connect to the unix socket at path. 0 or -errno with err. */
int vici_connect(struct vici_conn **out, const char *path, char *err, size_t errlen);
/* Unwatches (if attached), closes; pending requests get -EPIPE. */
void vici_close(struct vici_conn *c);
void vici_on_event(struct vici_conn *c, vici_event_fn fn, void *ctx);

/* Blocking: send cmd (msg may be NULL: an empty message) and wait up to timeout_ms for its
 * response. 0 with *resp (caller frees; pass NULL to drop it), -ENOENT for an unknown
 * command, -ETIMEDOUT, -EPIPE, -EBADMSG. Not while requests queued with vici_request are
 * outstanding (-EBUSY). */
int vici_call(struct vici_conn *c, const char *cmd, const struct vici_buf *msg,
              struct vici_node **resp, int timeout_ms, char *err, size_t errlen);
/* Blocking EVENT_REGISTER: 0, -ENOENT (no such event), -ETIMEDOUT, -EPIPE. */
int vici_register(struct vici_conn *c, const char *event, int timeout_ms, char *err,
                  size_t errlen);

/* Non-blocking: watch the socket in l. 0 or -errno. */
int vici_attach(struct vici_conn *c, struct loop *l);
/* Queue cmd; fn(ctx, ...) runs when its response arrives. 0, -ENOMEM, -EINVAL. */
int vici_request(struct vici_conn *c, const char *cmd, const struct vici_buf *msg,
                 vici_reply_fn fn, void *ctx);
/* Queue an event registration; fn gets rc 0 or -ENOENT. */
int vici_request_register(struct vici_conn *c, const char *event, vici_reply_fn fn, void *ctx);
/* Requests sent or queued and not answered yet. */
size_t vici_pending(const struct vici_conn *c);
/* False once the socket failed or charon closed it. */
bool vici_alive(const struct vici_conn *c);

/* Success of a charon command response: true for success = yes; otherwise err gets errmsg
 * (or "no success key"). */
bool vici_success(const struct vici_node *resp, char *err, size_t errlen);

#endif

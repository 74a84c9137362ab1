/*
 * cloud_step.h: the api and `wait: {cloud: ...}` steps of a run: HTTP requests to the mock
 * clouds (harness/http_client.h) on the loop, as a user's script sends them, each judged as
 * a check of the report.
 *
 *   api:   the request (templates filled from the run's variables, K5 token or Sakura Basic
 *          credentials added), then checks: the status (expect.status, default any 2xx),
 *          the API's error type (expect.error: K5's NeutronError type, Keystone's title,
 *          Sakura's error_code), and every `save:` found in the answer.
 *   wait:  the same GET every `every` of lab time until the object's field has the value or
 *          `within` has passed; one check.
 */
#ifndef VPNLAB_HARNESS_CLOUD_STEP_H
#define VPNLAB_HARNESS_CLOUD_STEP_H

#include <stddef.h>

#include "harness/lab_cloud.h"
#include "harness/report.h"

/* 0 when the step ran (its verdicts are checks), -EINTR on a signal, or -errno with msg when
 * it could not run (no such cloud, no connection). */
int cloud_step_api(struct lab_clouds *lc, struct loop *loop, struct report *r,
                   struct step_result *sr, const struct sc_step *s, const char *where,
                   lab_ns deadline, char *msg, size_t msglen);
int cloud_step_wait(struct lab_clouds *lc, struct loop *loop, struct report *r,
                    struct step_result *sr, const struct sc_step *s, const char *where,
                    lab_ns deadline, char *msg, size_t msglen);

/* "{a}/b/{c}" with the values get(ctx, NAME, &json) gives (the run's variables:
 * lab_clouds_var_get); quote: a JSON body, where values are JSON-escaped and a string that
 * is exactly "{NAME}" of a JSON-document variable becomes that document. Text in braces that
 * is not a name ({"a":1}) stays. Pure. 0 or -ENOENT (a variable not set; msg names it) /
 * -ENOSPC (out too small). */
typedef const char *(*cloud_var_fn)(void *ctx, const char *name, bool *json);
int cloud_step_fill(cloud_var_fn get, void *ctx, const char *tmpl, bool quote, char *out,
                    size_t outlen, char *msg, size_t msglen);

#endif

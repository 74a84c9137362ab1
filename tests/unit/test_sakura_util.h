/*
 * test_sakura_util.h: a Sakura mock on a fake lab clock, with a recording gateway, and a
 * helper that sends one request through sakura_mock_handle() and parses the JSON answer.
 */
#ifndef VPNLAB_TESTS_UNIT_TEST_SAKURA_UTIL_H
#define VPNLAB_TESTS_UNIT_TEST_SAKURA_UTIL_H

#include <jansson.h>
#include <stdbool.h>

#include "mocks/sakura.h"

/* base64("vpnlab-token:vpnlab-secret"), the default credentials */
#define SK_AUTH "Basic dnBubGFiLXRva2VuOnZwbmxhYi1zZWNyZXQ="
#define SK_API  "/cloud/zone/is1a/api/cloud/1.1"
#define SK_VL   "/_vpnlab/sakura/is1a"

struct sk_env {
	struct sakura_mock *m;
	struct sakura_config cfg;
	lab_ns now;
	bool gateway;                   /* attach the recording gateway */
	/* what the gateway saw */
	int napplied, npoweroff, nping, nstopping, nnic;
	int last_nic;                   /* index connected, or -index disconnected */
	uint64_t ping_token;            /* of the last deferred ping */
	char ping_dest[16];
	enum sakura_apply_reason last_why;
	struct sakura_intent last;
	char translog[8192];            /* cfg.log lines, '\n'-separated */
};

struct sk_resp {
	int status;
	json_t *json;                   /* parsed body (owned) or NULL */
	char *body;                     /* raw body (owned) */
	char www_auth[128];             /* WWW-Authenticate header, "" if none */
};

/* Fill cfg with defaults; the caller may change e->cfg before sk_env_start(). */
void sk_env_init(struct sk_env *e);
void sk_env_start(struct sk_env *e);
void sk_env_fini(struct sk_env *e);

/* One request. auth NULL means SK_AUTH, "" means no Authorization header; the Bigint header
 * is sent when bigint is true. Returns the status. */
int sk_req(struct sk_env *e, const char *method, const char *path, const char *query,
           const char *body, const char *auth, bool bigint, struct sk_resp *out);
/* The common case: default auth and bigint IDs. */
int sk_call(struct sk_env *e, const char *method, const char *path, const char *body,
            struct sk_resp *out);
void sk_resp_free(struct sk_resp *r);

/* Advance the lab clock and fold transitions. */
void sk_advance(struct sk_env *e, lab_ns by);

/* POST a router of this version (Settings JSON or NULL), wait until available; its ID. */
uint64_t sk_create(struct sk_env *e, int version, const char *settings_json);
/* Power on and wait until up. */
void sk_boot(struct sk_env *e, uint64_t id);

/* Path helpers into a static buffer: SK_API "/appliance/ID" + suffix. */
const char *sk_path(uint64_t id, const char *suffix);
const char *sk_vpath(uint64_t id, const char *suffix);

/* A JSON string value at a dotted path ("Appliance.Instance.Status"); "" if absent. */
const char *sk_str(const json_t *root, const char *dotted);
json_t *sk_get(const json_t *root, const char *dotted);

/* A full v2 Settings with one S2S peer (198.51.100.10, PSK "secret_1"). */
extern const char SK_S2S_SETTINGS[];

#endif

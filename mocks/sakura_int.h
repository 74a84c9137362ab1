/*
 * sakura_int.h: private to mocks/sakura*.c. The store, the router state machine and the
 * reply helpers the endpoint files share. Nothing outside mocks/sakura*.c includes it.
 */
#ifndef VPNLAB_MOCKS_SAKURA_INT_H
#define VPNLAB_MOCKS_SAKURA_INT_H

#include <jansson.h>
#include <stdarg.h>

#include "mocks/sakura.h"

/* Instance.Status as a state machine; "down" is shown while booting (notes §6). */
enum sakura_power {
	SAKURA_POWER_DOWN,
	SAKURA_POWER_BOOTING,
	SAKURA_POWER_UP,
	SAKURA_POWER_CLEANING,
};

/* Availability (notes §2.4: "migrating" then "available"). */
enum sakura_avail {
	SAKURA_AVAIL_MIGRATING,
	SAKURA_AVAIL_AVAILABLE,
};

struct sakura_peer_state {
	char peer[16];
	bool up;
};

struct sakura_router {
	uint64_t id;
	char zone[8];
	int version;                    /* fixed at creation; only a migration changes it */
	json_t *doc;                    /* stored Appliance fields, Settings included (owned) */
	json_t *running;                /* running Settings.Router snapshot (owned) or NULL */
	lab_ns created;
	enum sakura_avail avail;
	lab_ns avail_until;             /* while MIGRATING */
	enum sakura_power power;
	lab_ns power_until;             /* while BOOTING / CLEANING */
	lab_ns status_changed;          /* Instance.StatusChangedAt */
	bool migrating_v2;              /* the current MIGRATING is a v1 -> v2 migration */
	bool stuck;                     /* seeds/002: no VPN, no logs */
	bool repaired;                  /* config imported while down after getting stuck */
	struct sakura_peer_state peers[SAKURA_MAX_PEERS];
	size_t npeers;
	char *log[SAKURA_MAX_LOG];      /* ring: oldest at log_head */
	size_t log_head, nlog;
};

struct sakura_mock {
	struct sakura_config cfg;       /* strings point at the copies below */
	char *s_api_prefix, *s_vpnlab_prefix, *s_zones, *s_token, *s_secret;
	char zone[8][8];
	size_t nzones;
	struct drbg drbg;
	struct sakura_gateway gw;
	bool have_gw;
	struct sakura_router **routers;
	size_t nrouters, cap;
	uint32_t next_host;             /* next shared-segment host number */
	uint64_t shared_switch_id;
	/* While a due transition is folded, "now" is the time it was due, so logs and
	 * StatusChangedAt carry that time, not the time of the request that noticed it. */
	bool folding;
	lab_ns fold_at;
	uint64_t ping_seq;              /* deferred pings so far (tokens) */
};

/* sakura.c: store and state machine */
lab_ns sakura_now(const struct sakura_mock *m);
void sakura_logf(const struct sakura_mock *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct sakura_router *sakura_router_find(const struct sakura_mock *m, const char *zone,
                                         uint64_t id);
struct sakura_router *sakura_router_new(struct sakura_mock *m, const char *zone);
void sakura_router_remove(struct sakura_mock *m, struct sakura_router *r);
void sakura_router_free(struct sakura_router *r);
void sakura_router_advance(struct sakura_mock *m, struct sakura_router *r, lab_ns now);
void sakura_power_set(struct sakura_mock *m, struct sakura_router *r, enum sakura_power to,
                      lab_ns until);
void sakura_avail_set(struct sakura_mock *m, struct sakura_router *r, enum sakura_avail to,
                      lab_ns until);
const char *sakura_power_name(enum sakura_power p);
const char *sakura_status_text(enum sakura_power p);
/* Make the saved settings the running ones and tell the gateway. */
void sakura_router_apply(struct sakura_mock *m, struct sakura_router *r,
                         enum sakura_apply_reason why);
/* Power (sakura.h struct sakura_gateway): a graceful stop begins; the power is cut. */
void sakura_router_stopping(struct sakura_mock *m, struct sakura_router *r);
void sakura_router_cut(struct sakura_mock *m, struct sakura_router *r);
void sakura_router_log(struct sakura_mock *m, struct sakura_router *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sakura_router_log_push(struct sakura_router *r, char *line);
uint64_t sakura_id_new(struct sakura_mock *m);
void sakura_serial_new(struct sakura_mock *m, char out[33]);
/* RFC 3339 with +09:00 (JST), as the API shows times (notes §3.7). */
void sakura_time_format(const struct sakura_mock *m, lab_ns t, char *buf, size_t len);
/* MD5 of the canonical Settings JSON: 32 hex digits like the real SettingsHash. */
int sakura_settings_hash(const json_t *settings, char out[33]);
/* Wipe the secrets in a JSON tree only this caller holds, then release it (keys in memory
 * are cleansed on every path, STYLE.md 6). */
void sakura_json_wipe_secrets(json_t *v);
void sakura_json_drop(json_t *v);
bool sakura_zone_valid(const struct sakura_mock *m, const char *zone, size_t len);

/* sakura_settings.c: validation and intent */
/* Check an Appliance.Settings object ({"Router":{...}}) for a router of this version. 0, or
 * -EINVAL with a message naming the JSON path. */
int sakura_settings_check(const json_t *settings, int version, char *err, size_t errlen);
/* Resolve running settings into an intent (the caller wipes it). */
void sakura_intent_build(const struct sakura_mock *m, const struct sakura_router *r,
                         struct sakura_intent *in);
/* True for the flag strings "True"/"False" (case-insensitive, as IAAS decodes them). */
bool sakura_flag_valid(const json_t *v);
bool sakura_flag_true(const json_t *v);
int sakura_ipv4_parse(const char *s, uint32_t *out);
/* A JSON integer or a string of digits (IDs travel both ways, notes §1.2). */
int sakura_json_id(const json_t *v, uint64_t *out);

/* sakura_api.c: replies */
void sakura_reply(struct http_response *resp, int status, json_t *body, bool pretty);
void sakura_reply_error(struct sakura_mock *m, struct http_response *resp, int status,
                        const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Render one Appliance object; IDs as numbers when bigint_int (X-Sakura-Bigint-As-Int). */
json_t *sakura_render_appliance(struct sakura_mock *m, const struct sakura_router *r,
                                bool bigint_int);

/* sakura_api.c: one request as the endpoint files see it */
struct sakura_call {
	struct sakura_mock *m;
	const struct http_request *req;
	struct http_response *resp;
	const char *zone;               /* NUL-terminated copy in zone_buf */
	char zone_buf[8];
	json_t *body;                   /* parsed JSON body or NULL (owned) */
	json_t *query;                  /* parsed GET query or NULL (owned) */
	bool bigint_int;                /* X-Sakura-Bigint-As-Int: 1 */
	bool pretty;                    /* X-Sakura-API-Beautify */
};

void sakura_reply_ok(struct sakura_call *c, int status, json_t *extra);
json_t *sakura_appliance_env(struct sakura_call *c, const struct sakura_router *r);
/* 409 still_creating while Availability is migrating; true when it replied. */
bool sakura_still_creating(struct sakura_call *c, const struct sakura_router *r);
/* The "Appliance" object of the body; replies 400 and returns NULL when missing. */
json_t *sakura_body_appliance(struct sakura_call *c);
/* Percent-decode len bytes (malloc'd, caller frees; NULL when out of memory). */
char *sakura_pct_decode(const char *s, size_t len);

/* sakura_appliance.c */
void sakura_appliance_create(struct sakura_call *c);
void sakura_appliance_update(struct sakura_call *c, struct sakura_router *r);
void sakura_appliance_delete(struct sakura_call *c, struct sakura_router *r);
json_t *sakura_user_nic(uint64_t switch_id, const char *scope);

/* sakura_find.c */
void sakura_appliance_find(struct sakura_call *c);

/* sakura_actions.c */
void sakura_router_config(struct sakura_call *c, struct sakura_router *r);
void sakura_power_on(struct sakura_call *c, struct sakura_router *r);
void sakura_power_off(struct sakura_call *c, struct sakura_router *r);
void sakura_power_reset(struct sakura_call *c, struct sakura_router *r);
void sakura_router_status(struct sakura_call *c, struct sakura_router *r);
void sakura_router_logs(struct sakura_call *c, struct sakura_router *r);
void sakura_router_ping(struct sakura_call *c, struct sakura_router *r, const char *dest);
void sakura_nic_connect(struct sakura_call *c, struct sakura_router *r, const char *idx,
                        const char *swid);
void sakura_nic_disconnect(struct sakura_call *c, struct sakura_router *r, const char *idx);

/* sakura_vpnlab.c: vpnlab's own endpoints; segs are the path segments after
 * {vpnlab_prefix}/{zone}/appliance/{id}/. */
void sakura_vpnlab_route(struct sakura_mock *m, struct sakura_router *r, const char *method,
                         char **segs, size_t n, const json_t *body,
                         struct http_response *resp, bool pretty);

#endif

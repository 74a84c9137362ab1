/*
 * k5_internal.h: shared by the mocks/k5_*.c files only (not a public header).
 *
 * The store is one jansson object: {"networks": [...], "subnets": [...], ..., "tokens": {},
 * "vpnlab_intents": {}, "vpnlab_due": {}}. Each resource family file describes its attributes
 * in a table (struct k5_kind) and adds hooks for what a table cannot say; k5_store.c does the
 * generic create / show / list / update / delete from those tables.
 */
#ifndef VPNLAB_MOCKS_K5_INTERNAL_H
#define VPNLAB_MOCKS_K5_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "mocks/k5.h"

struct k5_mock {
	struct k5_config cfg;
	char region[64];
	char az[2][72];                 /* region + "a", region + "b" */
	char username[256], password[256];
	char ext_cidr[2][48], ext_gw[2][48];    /* the external subnets (cfg.external, copied) */
	struct drbg *drbg;              /* borrowed */
	struct k5_gateway gw;
	bool have_gw;
	json_t *state;
	/* per request */
	char project_id[72];
	char host[256];                 /* Host header, for catalog URLs */
};

/* A NeutronError (or Keystone error) being built. */
struct k5_err {
	int status;
	char type[64];
	char msg[768];
};

int k5_fail(struct k5_err *e, int status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "Invalid input for ATTR. Reason: REASON." as neutron's attribute validation says it. */
int k5_fail_input(struct k5_err *e, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

enum k5_type {
	K5_T_STR,               /* string, <= 255 chars, never null */
	K5_T_STR_NULL,          /* string or null */
	K5_T_BOOL,              /* true/false, or the strings "true"/"false" */
	K5_T_INT,               /* integer, or a decimal string ("1400") */
	K5_T_LIST,              /* list; a lone string becomes a one-item list (convert_to_list) */
	K5_T_OBJ,               /* object; PUT merges it into the old one (dpd, lifetime) */
	K5_T_OBJ_NULL,          /* object or null; PUT replaces it (external_gateway_info) */
	K5_T_ANY,
};

#define K5_A_POST 1u            /* may be given on create */
#define K5_A_PUT  2u            /* may be given on update */
#define K5_A_REQ  4u            /* required on create */

struct k5_attr {
	const char *name;
	enum k5_type type;
	unsigned flags;
	const char *def;                        /* default as JSON text; NULL: null */
	const char *const *values;              /* allowed strings (upstream), NULL-terminated */
};

struct k5_kind {
	const char *path;                       /* under /v2.0: "vpn/ikepolicies" */
	const char *plural, *single;            /* JSON keys */
	const char *nf_type, *nf_fmt;           /* 404: "IKEPolicyNotFound", "IKEPolicy %s could ..." */
	const struct k5_attr *attrs;            /* kind-specific; the common ones are added */
	bool no_description;                    /* kinds without a description attribute */
	int (*on_create)(struct k5_mock *k, json_t *obj, struct k5_err *e);
	/* obj is the updated copy, old the stored one; changes what the client sent */
	int (*on_update)(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
	                 struct k5_err *e);
	int (*on_delete)(struct k5_mock *k, json_t *obj, struct k5_err *e);
	/* after a create or update was stored (gateway callbacks may read the store back) */
	void (*after_write)(struct k5_mock *k, json_t *obj, bool created);
	/* after the object was removed from the store */
	void (*after_delete)(struct k5_mock *k, json_t *obj);
	/* PUT /{coll}/{id}/{action}: fills *out (a new reference) and returns the status */
	int (*on_action)(struct k5_mock *k, json_t *obj, const char *action, json_t *body,
	                 json_t **out, struct k5_err *e);
};

extern const struct k5_kind k5_kind_network, k5_kind_subnet, k5_kind_port, k5_kind_router,
	k5_kind_floatingip, k5_kind_vpnservice, k5_kind_ikepolicy, k5_kind_ipsecpolicy,
	k5_kind_conn, k5_kind_endpoint_group, k5_kind_fw_rule, k5_kind_fw_policy,
	k5_kind_firewall;

/* ---- k5_store.c ---- */
json_t *k5_coll(struct k5_mock *k, const struct k5_kind *kind);     /* borrowed array */
json_t *k5_find(struct k5_mock *k, const struct k5_kind *kind, const char *id); /* borrowed */
/* Find or fail with the kind's 404. */
json_t *k5_get(struct k5_mock *k, const struct k5_kind *kind, const char *id, struct k5_err *e);
const char *k5_str(const json_t *obj, const char *key);             /* "" if absent/not str */
void k5_uuid(struct k5_mock *k, char out[37]);
void k5_time(struct k5_mock *k, char *out, size_t len, bool micro, lab_ns offset);
lab_ns k5_now(struct k5_mock *k);
bool k5_is_uuid(const char *s);
/* Standalone status timer: at lab time now + delay, the object's status becomes ACTIVE. */
void k5_due_set(struct k5_mock *k, const char *id, lab_ns delay);
void k5_due_clear(struct k5_mock *k, const char *id);
/* Generic endpoints over a kind; return the HTTP status, *out a new reference or NULL. */
int k5_store_list(struct k5_mock *k, const struct k5_kind *kind, const char *query,
                  json_t **out, struct k5_err *e);
int k5_store_create(struct k5_mock *k, const struct k5_kind *kind, json_t *body, json_t **out,
                    struct k5_err *e);
int k5_store_update(struct k5_mock *k, const struct k5_kind *kind, const char *id, json_t *body,
                    json_t **out, struct k5_err *e);
int k5_store_delete(struct k5_mock *k, const struct k5_kind *kind, const char *id,
                    struct k5_err *e);
/* Remove obj (by identity) from its collection. */
void k5_store_remove(struct k5_mock *k, const struct k5_kind *kind, json_t *obj);
void k5_touch(struct k5_mock *k, json_t *obj);                      /* updated_at, revision */
/* The one place a status changes: sets obj.status and logs old -> new through cfg.log. */
void k5_status_set(struct k5_mock *k, const char *what, json_t *obj, const char *status);

/* ---- k5_addr.c ---- */
struct k5_cidr {
	int family;                     /* 4 or 6 */
	unsigned char addr[16];
	int prefix;
};
/* Parse "a.b.c.d/n" or "x::/n"; strict: host bits must be zero. 0 or -EINVAL with a reason. */
int k5_cidr_parse(const char *s, struct k5_cidr *c, char *why, size_t whylen);
/* 4, 6 or 0 when s is not an IP address. */
int k5_ip_version(const char *s);
bool k5_cidr_contains(const struct k5_cidr *c, const char *ip);
/* The n-th address of the block (0 = network address), as text; -ERANGE beyond the block. */
int k5_cidr_host(const struct k5_cidr *c, unsigned long n, char *out, size_t len);

/* ---- k5_network.c ---- */
/* Allocate a free IPv4 address on subnet (skipping the gateway and every address in use). */
int k5_subnet_alloc_ip(struct k5_mock *k, json_t *subnet, char *out, size_t len,
                       struct k5_err *e);
bool k5_ip_in_use(struct k5_mock *k, const char *subnet_id, const char *ip);
/* Create a port object (not through the API) on network_id with one fixed IP. New reference
 * stored in the collection; returned borrowed. */
json_t *k5_port_make(struct k5_mock *k, const char *network_id, const char *subnet_id,
                     const char *ip, const char *owner, const char *device_id, const char *az);
void k5_network_provision(struct k5_mock *k);
/* cfg.external[i] into k->ext_cidr / ext_gw (defaults for NULL); -EINVAL if not usable. */
int k5_network_external_set(struct k5_mock *k, const struct k5_config *cfg);

/* ---- k5_vpnaas.c ---- */
/* After any connection change: vpnservice status follows its connections. */
void k5_vpn_service_status_refresh(struct k5_mock *k);
int k5_vpn_router_in_use(struct k5_mock *k, const char *router_id, struct k5_err *e);
int k5_vpn_subnet_in_use(struct k5_mock *k, const char *subnet_id, struct k5_err *e);
void k5_vpn_intents_json(struct k5_mock *k, const char *id, json_t **out);

/* ---- k5_keystone.c ---- */
/* Handles /, /v3, /v3/auth/tokens. Returns true if the path was an identity path. */
bool k5_keystone_handle(struct k5_mock *k, const struct http_request *req,
                        struct http_response *resp);
/* Checks X-Auth-Token; sets k->project_id. false: resp holds the 401. */
bool k5_keystone_check(struct k5_mock *k, const struct http_request *req,
                       struct http_response *resp);

/* ---- k5_mock.c ---- */
void k5_reply_json(struct http_response *resp, int status, json_t *body);   /* steals body */
void k5_reply_err(struct http_response *resp, const struct k5_err *e);

#endif

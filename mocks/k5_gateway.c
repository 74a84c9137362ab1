/*
 * k5_gateway.c: K5 site-connection intents -> gw_config connections (k5_gateway.h).
 */
#include "mocks/k5_gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peers/profile/profile.h"

#define PROFILE_NAME "k5-vpnaas"

static int fail(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

int k5_gateway_config_init(struct gw_config *c)
{
	const struct profile *p = profile_find(PROFILE_NAME);

	return p ? profile_config_init(p, c, NULL) : -EINVAL;
}

/* "aes-128" / "aes-192" / "aes-256" / "3des" */
static int encr_parse(const char *v, struct ike_prop *pr)
{
	if (!strcmp(v, "3des")) {
		pr->encr = IKE_ENCR_3DES;
		pr->keylen = 192;
		return 0;
	}
	if (!strncmp(v, "aes-", 4) && (!strcmp(v + 4, "128") || !strcmp(v + 4, "192") ||
	                               !strcmp(v + 4, "256"))) {
		pr->encr = IKE_ENCR_AES_CBC;
		pr->keylen = atoi(v + 4);
		return 0;
	}
	return -1;
}

/* neutron's auth_algorithm values */
static int hash_parse(const char *v, enum ike_hash *h)
{
	static const struct { const char *name; enum ike_hash h; } t[] = {
		{ "sha1", IKE_HASH_SHA1 }, { "sha256", IKE_HASH_SHA256 },
		{ "sha384", IKE_HASH_SHA384 }, { "sha512", IKE_HASH_SHA512 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(v, t[i].name)) {
			*h = t[i].h;
			return 0;
		}
	return -1;
}

/* "groupN" with a MODP group the engine knows */
static int group_parse(const char *v, int *g)
{
	char *end;
	long n;

	if (strncmp(v, "group", 5))
		return -1;
	n = strtol(v + 5, &end, 10);
	if (*end || end == v + 5 || !ike_modp_len((int)n))
		return -1;
	*g = (int)n;
	return 0;
}

static int prop_from(const char *what, const char *encr, const char *auth, const char *pfs,
                     struct ike_prop *pr, char *err, size_t errlen)
{
	memset(pr, 0, sizeof *pr);
	if (encr_parse(encr, pr))
		return fail(err, errlen, -EINVAL, "%s encryption_algorithm '%s' not supported",
		            what, encr);
	if (hash_parse(auth, &pr->hash))
		return fail(err, errlen, -EINVAL, "%s auth_algorithm '%s' not supported", what, auth);
	if (group_parse(pfs, &pr->group))
		return fail(err, errlen, -EINVAL, "%s pfs '%s' not supported", what, pfs);
	return 0;
}

static int endpoint_parse(const char *v, struct ike_endpoint *e)
{
	memset(e, 0, sizeof *e);
	if (inet_pton(AF_INET, v, e->addr) != 1)
		return -1;
	e->family = AF_INET;
	e->port = 500;
	return 0;
}

static int net_parse(const char *v, struct ike_net *n)
{
	char buf[48], *slash;
	long len;

	snprintf(buf, sizeof buf, "%s", v);
	slash = strchr(buf, '/');
	memset(n, 0, sizeof *n);
	if (!slash)
		return -1;
	*slash = 0;
	len = strtol(slash + 1, &slash, 10);
	if (*slash || len < 0 || len > 32 || inet_pton(AF_INET, buf, n->addr) != 1)
		return -1;
	n->family = AF_INET;
	n->len = (int)len;
	return 0;
}

static struct gw_conn *conn_find(struct gw_config *c, const char *id)
{
	char name[GW_NAME_MAX];
	size_t n = strnlen(id, sizeof name - 1);

	memcpy(name, id, n);
	name[n] = 0;
	for (size_t i = 0; i < c->nconns; i++)
		if (!strcmp(c->conns[i].name, name))
			return &c->conns[i];
	return NULL;
}

int k5_gateway_conn_remove(struct gw_config *c, const char *conn_id)
{
	struct gw_conn *conn = conn_find(c, conn_id);
	size_t i;

	if (!conn)
		return -ENOENT;
	i = (size_t)(conn - c->conns);
	explicit_bzero(conn, sizeof *conn);
	memmove(&c->conns[i], &c->conns[i + 1], (c->nconns - i - 1) * sizeof c->conns[0]);
	c->nconns--;
	explicit_bzero(&c->conns[c->nconns], sizeof c->conns[0]);
	return 0;
}

/* Fill pol from in after the profile's defaults. */
static int policy_from(const struct k5_conn_intent *in, struct gw_conn *conn, char *err,
                       size_t errlen)
{
	struct ike_policy *pol = &conn->ike;
	const char *local = *in->floating_ip ? in->floating_ip : in->router_external_ip;
	int rc;

	if (strcmp(in->ike.phase1_mode, "main"))
		return fail(err, errlen, -ENOTSUP, "ikepolicy phase1_negotiation_mode '%s': only "
		            "main mode is simulated (K5 refuses anything else)", in->ike.phase1_mode);
	if (*in->ike.ike_version && strcmp(in->ike.ike_version, "v1"))
		return fail(err, errlen, -ENOTSUP, "ikepolicy ike_version '%s': only IKEv1 is "
		            "simulated", in->ike.ike_version);
	rc = prop_from("ikepolicy", in->ike.encryption, in->ike.auth, in->ike.pfs, &pol->ike[0],
	               err, errlen);
	if (!rc)
		rc = prop_from("ipsecpolicy", in->ipsec.encryption, in->ipsec.auth, in->ipsec.pfs,
		               &pol->esp[0], err, errlen);
	if (rc)
		return rc;
	pol->nike = pol->nesp = 1;
	if (in->ike.lifetime_s <= 0 || in->ipsec.lifetime_s <= 0)
		return fail(err, errlen, -EINVAL, "lifetime %d / %d: expected seconds > 0",
		            in->ike.lifetime_s, in->ipsec.lifetime_s);
	pol->ike_lifetime = lab_sec(in->ike.lifetime_s);
	pol->esp_lifetime = lab_sec(in->ipsec.lifetime_s);

	if (!strcmp(in->dpd.action, "disabled")) {
		pol->dpd = IKE_DPD_OFF;
	} else {
		if (!strcmp(in->dpd.action, "hold"))
			pol->dpd_action = IKE_DPD_HOLD;
		else if (!strcmp(in->dpd.action, "restart"))
			pol->dpd_action = IKE_DPD_RESTART;
		else if (!strcmp(in->dpd.action, "clear"))
			pol->dpd_action = IKE_DPD_CLEAR;
		else
			return fail(err, errlen, -EINVAL, "dpd action '%s' not supported",
			            in->dpd.action);
		if (in->dpd.interval_s <= 0 || in->dpd.timeout_s <= in->dpd.interval_s)
			return fail(err, errlen, -EINVAL, "dpd interval %d / timeout %d: expected "
			            "0 < interval < timeout", in->dpd.interval_s, in->dpd.timeout_s);
		pol->dpd_delay = lab_sec(in->dpd.interval_s);
		pol->dpd_timeout = lab_sec(in->dpd.timeout_s);
	}
	if (!strcmp(in->initiator, "bi-directional")) {
		pol->initiator = conn->always_up = true;
	} else if (!strcmp(in->initiator, "response-only")) {
		pol->initiator = conn->always_up = false;
	} else {
		return fail(err, errlen, -EINVAL, "initiator '%s' not supported", in->initiator);
	}

	if (endpoint_parse(in->peer_address, &pol->remote))
		return fail(err, errlen, -EINVAL, "peer_address '%s': expected an IPv4 address",
		            in->peer_address);
	if (*local && endpoint_parse(local, &pol->local))
		return fail(err, errlen, -EINVAL, "local endpoint '%s': expected an IPv4 address",
		            local);
	if (*in->peer_id) {
		struct in_addr a;

		if (inet_pton(AF_INET, in->peer_id, &a) == 1) {
			pol->remote_id_type = ISAKMP_ID_IPV4_ADDR;
			memcpy(pol->remote_id, &a, 4);
			pol->remote_id_len = 4;
		} else if (strlen(in->peer_id) <= sizeof pol->remote_id) {
			pol->remote_id_type = ISAKMP_ID_FQDN;
			pol->remote_id_len = strlen(in->peer_id);
			memcpy(pol->remote_id, in->peer_id, pol->remote_id_len);
		} else {
			return fail(err, errlen, -EINVAL, "peer_id longer than %zu bytes",
			            sizeof pol->remote_id);
		}
	}
	if (in->nlocal != 1 || in->npeer != 1)
		return fail(err, errlen, -EINVAL, "%zu local and %zu peer CIDRs: a K5 connection "
		            "carries one of each", in->nlocal, in->npeer);
	if (net_parse(in->local_cidrs[0], &pol->local_ts))
		return fail(err, errlen, -EINVAL, "local CIDR '%s' not an IPv4 prefix",
		            in->local_cidrs[0]);
	if (net_parse(in->peer_cidrs[0], &pol->remote_ts))
		return fail(err, errlen, -EINVAL, "peer_cidrs '%s' not an IPv4 prefix",
		            in->peer_cidrs[0]);
	if (strlen(in->psk) > sizeof pol->psk)
		return fail(err, errlen, -EINVAL, "psk longer than %zu bytes", sizeof pol->psk);
	pol->psk_len = strlen(in->psk);
	memcpy(pol->psk, in->psk, pol->psk_len);
	conn->enabled = in->admin_state_up;
	return 0;
}

int k5_gateway_conn_set(struct gw_config *c, const struct k5_conn_intent *in, char *err,
                        size_t errlen)
{
	const struct profile *p = profile_find(PROFILE_NAME);
	struct gw_config tmp;
	struct gw_conn *conn;
	int rc;

	if (!p)
		return fail(err, errlen, -EINVAL, "profile %s missing", PROFILE_NAME);
	/* built on a copy, so a refused intent leaves c as it was */
	memcpy(&tmp, c, sizeof tmp);
	if (conn_find(&tmp, in->id))
		k5_gateway_conn_remove(&tmp, in->id);
	conn = profile_conn_add(p, &tmp, in->id, NULL);
	if (!conn) {
		rc = fail(err, errlen, -ENOSPC, "more than %d connections", GW_MAX_CONNS);
		goto out;
	}
	rc = policy_from(in, conn, err, errlen);
	if (!rc)
		rc = profile_apply(p, &tmp, PROFILE_STAGE_FORCED, NULL);
	if (!rc)
		memcpy(c, &tmp, sizeof tmp);
out:
	gw_config_wipe(&tmp);
	return rc;
}

/* A string attribute of a policy object, or the neutron default. */
static const char *attr(const json_t *obj, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* lifetime {"units": "seconds", "value": N}; neutron's default 3600 s. */
static int lifetime_of(const json_t *obj, const char *what, lab_ns *out, char *err,
                       size_t errlen)
{
	const json_t *l = json_object_get(obj, "lifetime"), *v = json_object_get(l, "value");
	const char *units = attr(l, "units", "seconds");

	if (!l) {
		*out = lab_sec(3600);
		return 0;
	}
	if (strcmp(units, "seconds"))
		return fail(err, errlen, -ENOTSUP, "%s lifetime units '%s': only seconds are "
		            "simulated", what, units);
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return fail(err, errlen, -EINVAL, "%s lifetime value: expected seconds > 0", what);
	*out = lab_sec(json_integer_value(v));
	return 0;
}

int k5_gateway_policies_parse(const char *json, struct ike_policy *pol, char *err,
                              size_t errlen)
{
	json_error_t je;
	json_t *doc = json_loads(json, 0, &je);
	const json_t *ike, *ipsec;
	const char *mode;
	int rc = 0;

	if (!doc)
		return fail(err, errlen, -EINVAL, "%d:%d: %s", je.line, je.column, je.text);
	ike = json_object_get(doc, "ikepolicy");
	ipsec = json_object_get(doc, "ipsecpolicy");
	if (!json_is_object(ike) && !json_is_object(ipsec)) {
		rc = fail(err, errlen, -EINVAL, "expected an object with \"ikepolicy\" and/or "
		          "\"ipsecpolicy\"");
		goto out;
	}
	if (json_is_object(ike)) {
		mode = attr(ike, "phase1_negotiation_mode", "main");
		if (strcmp(mode, "main")) {
			rc = fail(err, errlen, -ENOTSUP, "ikepolicy phase1_negotiation_mode '%s': K5 "
			          "answers main mode only", mode);
			goto out;
		}
		rc = prop_from("ikepolicy", attr(ike, "encryption_algorithm", "aes-128"),
		               attr(ike, "auth_algorithm", "sha1"), attr(ike, "pfs", "group5"),
		               &pol->ike[0], err, errlen);
		if (!rc)
			rc = lifetime_of(ike, "ikepolicy", &pol->ike_lifetime, err, errlen);
		if (rc)
			goto out;
		pol->nike = 1;
	}
	if (json_is_object(ipsec)) {
		rc = prop_from("ipsecpolicy", attr(ipsec, "encryption_algorithm", "aes-128"),
		               attr(ipsec, "auth_algorithm", "sha1"), attr(ipsec, "pfs", "group5"),
		               &pol->esp[0], err, errlen);
		if (!rc)
			rc = lifetime_of(ipsec, "ipsecpolicy", &pol->esp_lifetime, err, errlen);
		if (rc)
			goto out;
		pol->nesp = 1;
	}
out:
	json_decref(doc);
	return rc;
}

/*
 * k5_vpn_policy.c: IKE and IPsec policies (neutron-lib api/definitions/vpn.py at 3.1.0 for the
 * upstream values; defaults from neutron-vpnaas vpn_db.py; the K5 narrowing from the K5 "Update
 * IPsec Policy" page and README-IPSEC.md, research note section 5.1).
 */
#include "mocks/k5_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const auth_values[] = { "sha1", "sha256", "sha384", "sha512", NULL };
static const char *const enc_values[] = { "3des", "aes-128", "aes-192", "aes-256", NULL };
static const char *const pfs_values[] = { "group2", "group5", "group14", NULL };
static const char *const phase1_values[] = { "main", "aggressive", NULL };
static const char *const ike_values[] = { "v1", "v2", NULL };
static const char *const transform_values[] = { "esp", "ah", "ah-esp", NULL };
static const char *const encap_values[] = { "tunnel", "transport", NULL };

#define LIFETIME_DEFAULT "{\"units\": \"seconds\", \"value\": 3600}"

static const struct k5_attr ike_attrs[] = {
	{ "auth_algorithm", K5_T_STR, K5_A_POST | K5_A_PUT, "\"sha1\"", auth_values },
	{ "encryption_algorithm", K5_T_STR, K5_A_POST | K5_A_PUT, "\"aes-128\"", enc_values },
	{ "phase1_negotiation_mode", K5_T_STR, K5_A_POST | K5_A_PUT, "\"main\"", phase1_values },
	{ "lifetime", K5_T_OBJ, K5_A_POST | K5_A_PUT, LIFETIME_DEFAULT, NULL },
	{ "ike_version", K5_T_STR, K5_A_POST | K5_A_PUT, "\"v1\"", ike_values },
	{ "pfs", K5_T_STR, K5_A_POST | K5_A_PUT, "\"group5\"", pfs_values },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct k5_attr ipsec_attrs[] = {
	{ "transform_protocol", K5_T_STR, K5_A_POST | K5_A_PUT, "\"esp\"", transform_values },
	{ "auth_algorithm", K5_T_STR, K5_A_POST | K5_A_PUT, "\"sha1\"", auth_values },
	{ "encapsulation_mode", K5_T_STR, K5_A_POST | K5_A_PUT, "\"tunnel\"", encap_values },
	{ "encryption_algorithm", K5_T_STR, K5_A_POST | K5_A_PUT, "\"aes-128\"", enc_values },
	{ "lifetime", K5_T_OBJ, K5_A_POST | K5_A_PUT, LIFETIME_DEFAULT, NULL },
	{ "pfs", K5_T_STR, K5_A_POST | K5_A_PUT, "\"group5\"", pfs_values },
	{ NULL, 0, 0, NULL, NULL },
};

/* A value outside a K5 list is refused with neutron's own attribute message, as K5 (Mitaka,
 * which listed only sha1 and main) answered. */
static int k5_only(const char *attr, const char *val, const char *const *allowed,
                   const char *allowed_text, struct k5_err *e)
{
	for (; *allowed; allowed++)
		if (!strcmp(val, *allowed))
			return 0;
	return k5_fail_input(e, attr, "'%.64s' is not in %s", val, allowed_text);
}

/* lifetime: dict_or_empty, units in [seconds], value >= 60 (K5: <= 86400). Fills defaults. */
static int lifetime_check(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *lt = json_object_get(obj, "lifetime"), *v;
	const char *key;
	json_int_t val;

	json_object_foreach(lt, key, v)
		if (strcmp(key, "units") && strcmp(key, "value"))
			return k5_fail_input(e, "lifetime", "Unexpected keys supplied: %s", key);
	if (!json_object_get(lt, "units"))
		json_object_set_new(lt, "units", json_string("seconds"));
	if (!json_object_get(lt, "value"))
		json_object_set_new(lt, "value", json_integer(3600));
	if (!json_is_string(json_object_get(lt, "units")) || strcmp(k5_str(lt, "units"),
	                                                            "seconds"))
		return k5_fail_input(e, "lifetime", "'%s' is not in ['seconds']",
		                     json_is_string(json_object_get(lt, "units")) ?
		                     k5_str(lt, "units") : "non-string value");
	v = json_object_get(lt, "value");
	if (json_is_string(v)) {
		/* neutronclient converts client-side; a raw client may send "7200" */
		char *end;
		long long n = strtoll(json_string_value(v), &end, 10);

		if (!*json_string_value(v) || *end)
			return k5_fail_input(e, "lifetime", "'%.32s' is not an integer",
			                     json_string_value(v));
		json_object_set_new(lt, "value", json_integer(n));
		v = json_object_get(lt, "value");
	}
	if (!json_is_integer(v))
		return k5_fail_input(e, "lifetime", "the value is not an integer");
	val = json_integer_value(v);
	if (val < 60)
		return k5_fail_input(e, "lifetime", "'%" JSON_INTEGER_FORMAT "' is too small - must "
		                     "be at least '60'", val);
	if (k->cfg.rules.lifetime_max_86400 && val > 86400)
		return k5_fail_input(e, "lifetime", "'%" JSON_INTEGER_FORMAT "' is too large - must "
		                     "be no larger than '86400'", val);
	return 0;
}

static int common_rules(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	static const char *const sha1[] = { "sha1", NULL };
	static const char *const aes[] = { "aes-128", "aes-192", "aes-256", NULL };
	static const char *const pfs[] = { "group2", "group5", "group14", NULL };
	const struct k5_rules *r = &k->cfg.rules;

	if (lifetime_check(k, obj, e))
		return -1;
	if (r->sha1_only && k5_only("auth_algorithm", k5_str(obj, "auth_algorithm"), sha1,
	                            "['sha1']", e))
		return -1;
	if (r->aes_only && k5_only("encryption_algorithm", k5_str(obj, "encryption_algorithm"),
	                           aes, "['aes-128', 'aes-192', 'aes-256']", e))
		return -1;
	if (r->pfs_2_5_14 && k5_only("pfs", k5_str(obj, "pfs"), pfs,
	                             "['group2', 'group5', 'group14']", e))
		return -1;
	return 0;
}

static int ike_check(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	static const char *const main_only[] = { "main", NULL };
	static const char *const v1[] = { "v1", NULL };

	if (common_rules(k, obj, e))
		return -1;
	if (k->cfg.rules.main_mode_only &&
	    k5_only("phase1_negotiation_mode", k5_str(obj, "phase1_negotiation_mode"), main_only,
	            "['main']", e))
		return -1;
	if (k->cfg.rules.ike_v1_only &&
	    k5_only("ike_version", k5_str(obj, "ike_version"), v1, "['v1']", e))
		return -1;
	return 0;
}

static int ipsec_check(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	static const char *const esp[] = { "esp", NULL };
	static const char *const tunnel[] = { "tunnel", NULL };

	if (common_rules(k, obj, e))
		return -1;
	if (k->cfg.rules.esp_tunnel_only &&
	    (k5_only("transform_protocol", k5_str(obj, "transform_protocol"), esp, "['esp']", e) ||
	     k5_only("encapsulation_mode", k5_str(obj, "encapsulation_mode"), tunnel,
	             "['tunnel']", e)))
		return -1;
	/* the strongSwan driver's validator (ipsec_validator.py) */
	if (!strcmp(k5_str(obj, "transform_protocol"), "ah-esp"))
		return k5_fail(e, 400, "IpsecValidationFailure", "IPSec does not support IPsec "
		               "Policy attribute transform_protocol with value 'ah-esp'");
	return 0;
}

/* In use by a site connection: 409 on update and delete (vpn_db update_ikepolicy). */
static int policy_in_use(struct k5_mock *k, json_t *obj, const char *ref, const char *type,
                         const char *label, struct k5_err *e)
{
	json_t *c;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_conn), i, c)
		if (!strcmp(k5_str(c, ref), k5_str(obj, "id")))
			return k5_fail(e, 409, type, "%s %s is in use by existing IPsecSiteConnection "
			               "and can't be updated or deleted", label, k5_str(obj, "id"));
	return 0;
}

static int ike_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	return ike_check(k, obj, e);
}

static int ike_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                      struct k5_err *e)
{
	(void)changes;
	if (policy_in_use(k, old, "ikepolicy_id", "IKEPolicyInUse", "IKEPolicy", e))
		return -1;
	return ike_check(k, obj, e);
}

static int ike_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	return policy_in_use(k, obj, "ikepolicy_id", "IKEPolicyInUse", "IKEPolicy", e);
}

static int ipsec_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	return ipsec_check(k, obj, e);
}

static int ipsec_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                        struct k5_err *e)
{
	(void)changes;
	if (policy_in_use(k, old, "ipsecpolicy_id", "IPsecPolicyInUse", "IPsecPolicy", e))
		return -1;
	return ipsec_check(k, obj, e);
}

static int ipsec_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	return policy_in_use(k, obj, "ipsecpolicy_id", "IPsecPolicyInUse", "IPsecPolicy", e);
}

const struct k5_kind k5_kind_ikepolicy = {
	.path = "vpn/ikepolicies", .plural = "ikepolicies", .single = "ikepolicy",
	.nf_type = "IKEPolicyNotFound", .nf_fmt = "IKEPolicy %s could not be found",
	.attrs = ike_attrs, .on_create = ike_create, .on_update = ike_update,
	.on_delete = ike_delete,
};

const struct k5_kind k5_kind_ipsecpolicy = {
	.path = "vpn/ipsecpolicies", .plural = "ipsecpolicies", .single = "ipsecpolicy",
	.nf_type = "IPsecPolicyNotFound", .nf_fmt = "IPsecPolicy %s could not be found",
	.attrs = ipsec_attrs, .on_create = ipsec_create, .on_update = ipsec_update,
	.on_delete = ipsec_delete,
};

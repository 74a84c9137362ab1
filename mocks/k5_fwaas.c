/*
 * k5_fwaas.c: FWaaS v1 as K5 had it (research note 1.4 and 5.1): firewall_rules,
 * firewall_policies (insert_rule / remove_rule), firewalls with K5's router_id (and router_ids;
 * neither means every router of the project) and K5's reset_connections action.
 */
#include "mocks/k5_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const actions[] = { "allow", "deny", "reject", NULL };
static const char *const protocols[] = { "tcp", "udp", "icmp", NULL };

static const struct k5_attr rule_attrs[] = {
	{ "enabled", K5_T_BOOL, K5_A_POST | K5_A_PUT, "true", NULL },
	{ "action", K5_T_STR, K5_A_POST | K5_A_PUT, "\"deny\"", actions },
	{ "ip_version", K5_T_INT, K5_A_POST | K5_A_PUT, "4", NULL },
	{ "protocol", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, protocols },
	{ "source_ip_address", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "destination_ip_address", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "source_port", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "destination_port", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "shared", K5_T_BOOL, K5_A_POST | K5_A_PUT, "false", NULL },
	{ "position", K5_T_INT, 0, NULL, NULL },
	{ "firewall_policy_id", K5_T_STR_NULL, 0, NULL, NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct k5_attr policy_attrs[] = {
	{ "firewall_rules", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ "audited", K5_T_BOOL, K5_A_POST | K5_A_PUT, "false", NULL },
	{ "shared", K5_T_BOOL, K5_A_POST | K5_A_PUT, "false", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct k5_attr fw_attrs[] = {
	{ "admin_state_up", K5_T_BOOL, K5_A_POST | K5_A_PUT, "true", NULL },
	{ "firewall_policy_id", K5_T_STR, K5_A_POST | K5_A_PUT | K5_A_REQ, NULL, NULL },
	{ "router_id", K5_T_STR_NULL, K5_A_POST | K5_A_PUT, NULL, NULL },
	{ "router_ids", K5_T_LIST, K5_A_POST | K5_A_PUT, "[]", NULL },
	{ "status", K5_T_STR, 0, "\"PENDING_CREATE\"", NULL },
	{ "shared", K5_T_BOOL, K5_A_POST | K5_A_PUT, "false", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* ---- rules ---- */

static int port_range_ok(const char *s)
{
	char *end;
	long a = strtol(s, &end, 10), b = a;

	if (end == s)
		return 0;
	if (*end == ':') {
		const char *t = end + 1;

		b = strtol(t, &end, 10);
		if (end == t)
			return 0;
	}
	return !*end && a >= 0 && a <= 65535 && b >= a && b <= 65535;
}

static int rule_check(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	static const char *const addr_keys[] = { "source_ip_address", "destination_ip_address" };
	static const char *const port_keys[] = { "source_port", "destination_port" };
	json_int_t ver = json_integer_value(json_object_get(obj, "ip_version"));
	const char *proto = json_string_value(json_object_get(obj, "protocol"));

	(void)k;
	if (ver != 4 && ver != 6)
		return k5_fail_input(e, "ip_version", "'%" JSON_INTEGER_FORMAT "' is not in [4, 6]",
		                     ver);
	for (int i = 0; i < 2; i++) {
		const char *a = json_string_value(json_object_get(obj, addr_keys[i]));
		const char *p = json_string_value(json_object_get(obj, port_keys[i]));
		struct k5_cidr c;
		char why[160];

		if (a && !k5_ip_version(a) && k5_cidr_parse(a, &c, why, sizeof why))
			return k5_fail_input(e, addr_keys[i], "'%.64s' is not a valid IP address or "
			                     "subnet", a);
		if (p && !port_range_ok(p))
			return k5_fail_input(e, port_keys[i], "'%.32s' is not a valid port or port "
			                     "range", p);
		if (p && (!proto || !strcmp(proto, "icmp")))
			return k5_fail(e, 400, "FirewallRuleWithPortWithoutProtocolInvalid", "Source/"
			               "destination port requires a protocol");
	}
	return 0;
}

static int rule_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	return rule_check(k, obj, e);
}

static int rule_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                       struct k5_err *e)
{
	(void)old;
	(void)changes;
	return rule_check(k, obj, e);
}

static int rule_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	(void)k;
	/* k5-delete-fw-rule.py NOTE: a rule in a policy cannot be deleted */
	if (json_is_string(json_object_get(obj, "firewall_policy_id")))
		return k5_fail(e, 409, "FirewallRuleInUse", "Firewall rule %s is being used.",
		               k5_str(obj, "id"));
	return 0;
}

/* ---- policies ---- */

/* Point each rule of the policy back at it with its position; clear rules it dropped. */
static void policy_link_rules(struct k5_mock *k, json_t *policy, bool unlink_all)
{
	json_t *r, *ids = json_object_get(policy, "firewall_rules"), *id;
	size_t i, j;

	json_array_foreach(k5_coll(k, &k5_kind_fw_rule), i, r) {
		bool member = false;

		json_array_foreach(ids, j, id)
			if (!unlink_all && !strcmp(json_string_value(id), k5_str(r, "id"))) {
				json_object_set_new(r, "firewall_policy_id",
				                    json_string(k5_str(policy, "id")));
				json_object_set_new(r, "position", json_integer((json_int_t)j + 1));
				member = true;
			}
		if (!member && !strcmp(k5_str(r, "firewall_policy_id"), k5_str(policy, "id"))) {
			json_object_set_new(r, "firewall_policy_id", json_null());
			json_object_set_new(r, "position", json_null());
		}
	}
}

static int policy_rules_check(struct k5_mock *k, json_t *policy, struct k5_err *e)
{
	json_t *id, *r;
	size_t i, j;

	json_array_foreach(json_object_get(policy, "firewall_rules"), i, id) {
		if (!json_is_string(id))
			return k5_fail_input(e, "firewall_rules", "each rule id must be a string");
		r = k5_find(k, &k5_kind_fw_rule, json_string_value(id));
		if (!r)
			return k5_fail(e, 404, "FirewallRuleNotFound", "Firewall rule %s could not be "
			               "found.", json_string_value(id));
		if (json_is_string(json_object_get(r, "firewall_policy_id")) &&
		    strcmp(k5_str(r, "firewall_policy_id"), k5_str(policy, "id")))
			return k5_fail(e, 409, "FirewallRuleInUse", "Firewall rule %s is being used.",
			               json_string_value(id));
		for (j = 0; j < i; j++)
			if (!strcmp(json_string_value(json_array_get(
			            json_object_get(policy, "firewall_rules"), j)),
			            json_string_value(id)))
				return k5_fail(e, 409, "FirewallRuleInUse", "Firewall rule %s is being "
				               "used.", json_string_value(id));
	}
	return 0;
}

static int policy_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	return policy_rules_check(k, obj, e);
}

static void policy_after_write(struct k5_mock *k, json_t *obj, bool created)
{
	(void)created;
	policy_link_rules(k, obj, false);
}

static int policy_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                         struct k5_err *e)
{
	(void)old;
	if (json_object_get(changes, "firewall_rules") && !json_object_get(changes, "audited"))
		json_object_set_new(obj, "audited", json_false());
	return policy_rules_check(k, obj, e);
}

static int policy_delete(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *f;
	size_t i;

	json_array_foreach(k5_coll(k, &k5_kind_firewall), i, f)
		if (!strcmp(k5_str(f, "firewall_policy_id"), k5_str(obj, "id")))
			return k5_fail(e, 409, "FirewallPolicyInUse", "Firewall policy %s is being "
			               "used.", k5_str(obj, "id"));
	return 0;
}

static void policy_after_delete(struct k5_mock *k, json_t *obj)
{
	policy_link_rules(k, obj, true);
}

static int policy_action(struct k5_mock *k, json_t *policy, const char *action, json_t *body,
                         json_t **out, struct k5_err *e)
{
	const char *rid = json_string_value(json_object_get(body, "firewall_rule_id"));
	json_t *rules = json_object_get(policy, "firewall_rules"), *r;
	size_t i;

	if (strcmp(action, "insert_rule") && strcmp(action, "remove_rule"))
		return k5_fail(e, 404, "HTTPNotFound", "The resource could not be found."), 404;
	if (!rid)
		return k5_fail(e, 400, "FirewallRuleInfoMissing", "Missing rule info argument for "
		               "insert/remove rule operation."), 400;
	r = k5_get(k, &k5_kind_fw_rule, rid, e);
	if (!r)
		return e->status;
	if (!strcmp(action, "insert_rule")) {
		const char *before = json_string_value(json_object_get(body, "insert_before"));
		const char *after = json_string_value(json_object_get(body, "insert_after"));
		size_t at = json_array_size(rules);

		if (json_is_string(json_object_get(r, "firewall_policy_id")))
			return k5_fail(e, 409, "FirewallRuleInUse", "Firewall rule %s is being used.",
			               rid), 409;
		if (before && *before)
			at = 0;
		for (i = 0; i < json_array_size(rules); i++) {
			const char *have = json_string_value(json_array_get(rules, i));

			if (before && *before && !strcmp(have, before))
				at = i;
			else if (after && *after && !(before && *before) && !strcmp(have, after))
				at = i + 1;
		}
		json_array_insert_new(rules, at, json_string(rid));
	} else {
		bool found = false;

		for (i = 0; i < json_array_size(rules); i++)
			if (!strcmp(json_string_value(json_array_get(rules, i)), rid)) {
				json_array_remove(rules, i);
				found = true;
				break;
			}
		if (!found)
			return k5_fail(e, 400, "FirewallRuleNotAssociatedWithPolicy", "Firewall rule %s "
			               "is not associated with firewall policy %s.", rid,
			               k5_str(policy, "id")), 400;
	}
	json_object_set_new(policy, "audited", json_false());
	k5_touch(k, policy);
	policy_link_rules(k, policy, false);
	*out = json_deep_copy(policy);          /* insert/remove_rule answer unwrapped */
	return 200;
}

/* ---- firewalls ---- */

static int fw_check(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	json_t *rid = json_object_get(obj, "router_id"), *ids = json_object_get(obj, "router_ids");
	json_t *id;
	size_t i;

	if (!k5_find(k, &k5_kind_fw_policy, k5_str(obj, "firewall_policy_id")))
		return k5_fail(e, 404, "FirewallPolicyNotFound", "Firewall policy %s could not be "
		               "found.", k5_str(obj, "firewall_policy_id"));
	if (json_is_string(rid) && !k5_get(k, &k5_kind_router, json_string_value(rid), e))
		return -1;
	json_array_foreach(ids, i, id)
		if (!json_is_string(id) || !k5_get(k, &k5_kind_router, json_string_value(id), e))
			return json_is_string(id) ? -1 :
			       k5_fail_input(e, "router_ids", "each router id must be a string");
	if (json_is_string(rid)) {
		bool have = false;

		json_array_foreach(ids, i, id)
			have |= !strcmp(json_string_value(id), json_string_value(rid));
		if (!have)
			json_array_append(ids, rid);
	}
	return 0;
}

static int fw_create(struct k5_mock *k, json_t *obj, struct k5_err *e)
{
	if (fw_check(k, obj, e))
		return -1;
	k5_status_set(k, "firewall", obj, "PENDING_CREATE");
	return 0;
}

static int fw_update(struct k5_mock *k, json_t *old, json_t *obj, json_t *changes,
                     struct k5_err *e)
{
	(void)changes;
	if (!strncmp(k5_str(old, "status"), "PENDING_", 8))
		return k5_fail(e, 409, "FirewallInPendingState", "Operation cannot be performed "
		               "since associated Firewall %s is in %s.", k5_str(old, "id"),
		               k5_str(old, "status"));
	if (fw_check(k, obj, e))
		return -1;
	k5_status_set(k, "firewall", obj, "PENDING_UPDATE");
	return 0;
}

static void fw_after_write(struct k5_mock *k, json_t *obj, bool created)
{
	(void)created;
	k5_due_set(k, k5_str(obj, "id"), k->cfg.active_delay);
}

static int fw_action(struct k5_mock *k, json_t *fw, const char *action, json_t *body,
                     json_t **out, struct k5_err *e)
{
	(void)k;
	(void)body;
	if (strcmp(action, "reset_connections"))
		return k5_fail(e, 404, "HTTPNotFound", "The resource could not be found."), 404;
	/* K5 resets the router's sessions a few seconds later; the mock has none to reset */
	*out = json_pack("{sO}", "firewall", fw);
	return 200;
}

const struct k5_kind k5_kind_fw_rule = {
	.path = "fw/firewall_rules", .plural = "firewall_rules", .single = "firewall_rule",
	.nf_type = "FirewallRuleNotFound", .nf_fmt = "Firewall rule %s could not be found.",
	.attrs = rule_attrs, .on_create = rule_create, .on_update = rule_update,
	.on_delete = rule_delete,
};

const struct k5_kind k5_kind_fw_policy = {
	.path = "fw/firewall_policies", .plural = "firewall_policies",
	.single = "firewall_policy",
	.nf_type = "FirewallPolicyNotFound", .nf_fmt = "Firewall policy %s could not be found.",
	.attrs = policy_attrs, .on_create = policy_create, .on_update = policy_update,
	.on_delete = policy_delete, .after_write = policy_after_write,
	.after_delete = policy_after_delete, .on_action = policy_action,
};

const struct k5_kind k5_kind_firewall = {
	.path = "fw/firewalls", .plural = "firewalls", .single = "firewall",
	.nf_type = "FirewallNotFound", .nf_fmt = "Firewall %s could not be found.",
	.attrs = fw_attrs, .on_create = fw_create, .on_update = fw_update,
	.after_write = fw_after_write, .on_action = fw_action,
};

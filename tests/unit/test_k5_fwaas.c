/*
 * FWaaS v1 as K5 had it (research note 1.4, 5.1): rules, policies with insert/remove_rule,
 * firewalls with router_id, reset_connections, and the in-use answers.
 */
#include "tests/unit/test_k5_rig.h"
#include "tests/unit/unit.h"

#include <stdio.h>
#include <string.h>

static void test_rules(void)
{
	struct k5_rig r;
	char id[37], path[128];

	rig_init(&r, false);
	/* k5-create-fw-rule.py's body */
	CU_ASSERT_EQUAL(rig_create(&r, id, "/v2.0/fw/firewall_rules", "firewall_rule",
	                           "{\"firewall_rule\": {\"name\": \"ssh\", \"enabled\": true, "
	                           "\"action\": \"allow\", \"ip_version\": 4, \"protocol\": "
	                           "\"tcp\", \"source_ip_address\": \"192.0.2.0/24\", "
	                           "\"source_port\": null, \"destination_ip_address\": "
	                           "\"10.1.1.5\", \"destination_port\": \"22\", \"description\": "
	                           "\"\", \"availability_zone\": \"jp-east-1a\"}}"), 201);
	CU_ASSERT(json_is_null(rig_at(&r, "firewall_rule.firewall_policy_id")));
	CU_ASSERT(json_is_null(rig_at(&r, "firewall_rule.position")));
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_rules", "{\"firewall_rule\": "
	                         "{}}"), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall_rule.action"), "deny");
	CU_ASSERT(json_is_null(rig_at(&r, "firewall_rule.protocol")));  /* any, ESP included */
	CU_ASSERT(json_is_true(rig_at(&r, "firewall_rule.enabled")));
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_rules", "{\"firewall_rule\": "
	                         "{\"action\": \"maybe\"}}"), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_rules", "{\"firewall_rule\": "
	                         "{\"protocol\": \"gre\"}}"), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_rules", "{\"firewall_rule\": "
	                         "{\"destination_port\": \"22\"}}"), 400);     /* no protocol */
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FirewallRuleWithPortWithoutProtocolInvalid");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_rules", "{\"firewall_rule\": "
	                         "{\"protocol\": \"udp\", \"destination_port\": \"500:70000\"}}"),
	                400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_rules", "{\"firewall_rule\": "
	                         "{\"protocol\": \"udp\", \"destination_port\": \"500:4500\"}}"),
	                201);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_rules", "{\"firewall_rule\": "
	                         "{\"source_ip_address\": \"10.0.0.300\"}}"), 400);
	snprintf(path, sizeof path, "/v2.0/fw/firewall_rules/%s", id);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"firewall_rule\": {\"enabled\": false}}"),
	                200);
	CU_ASSERT(json_is_false(rig_at(&r, "firewall_rule.enabled")));
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/fw/firewall_rules/nope", NULL), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FirewallRuleNotFound");
	rig_free(&r);
}

static void test_policies_and_firewalls(void)
{
	struct k5_rig r;
	struct k5_topo t;
	char r1[37], r2[37], r3[37], pol[37], fw[37], path[160];

	rig_init(&r, false);
	rig_topology(&r, &t);
	rig_create(&r, r1, "/v2.0/fw/firewall_rules", "firewall_rule", "{\"firewall_rule\": "
	           "{\"name\": \"r1\"}}");
	rig_create(&r, r2, "/v2.0/fw/firewall_rules", "firewall_rule", "{\"firewall_rule\": "
	           "{\"name\": \"r2\"}}");
	rig_create(&r, r3, "/v2.0/fw/firewall_rules", "firewall_rule", "{\"firewall_rule\": "
	           "{\"name\": \"r3\"}}");
	CU_ASSERT_EQUAL(rig_create(&r, pol, "/v2.0/fw/firewall_policies", "firewall_policy",
	                           "{\"firewall_policy\": {\"name\": \"p\", \"firewall_rules\": "
	                           "[\"%s\", \"%s\"], \"availability_zone\": \"jp-east-1a\"}}",
	                           r1, r2), 201);
	CU_ASSERT(json_is_false(rig_at(&r, "firewall_policy.audited")));
	snprintf(path, sizeof path, "/v2.0/fw/firewall_rules/%s", r2);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall_rule.firewall_policy_id"), pol);
	CU_ASSERT_EQUAL(rig_i(&r, "firewall_rule.position"), 2);
	/* a rule in a policy cannot be deleted (k5-delete-fw-rule.py NOTE), nor join another */
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FirewallRuleInUse");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_policies", "{\"firewall_policy\": "
	                         "{\"firewall_rules\": [\"%s\"]}}", r1), 409);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewall_policies", "{\"firewall_policy\": "
	                         "{\"firewall_rules\": [\"nope\"]}}"), 404);
	/* insert r3 before r1, then remove r2; answers are the policy, unwrapped */
	snprintf(path, sizeof path, "/v2.0/fw/firewall_policies/%s/insert_rule", pol);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"firewall_rule_id\": \"%s\", "
	                         "\"insert_before\": \"%s\"}", r3, r1), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall_rules.0"), r3);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall_rules.1"), r1);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"firewall_rule_id\": \"%s\"}", r3), 409);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{}"), 400);
	snprintf(path, sizeof path, "/v2.0/fw/firewall_policies/%s/remove_rule", pol);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"firewall_rule_id\": \"%s\"}", r2), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "firewall_rules")), 2);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"firewall_rule_id\": \"%s\"}", r2), 400);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FirewallRuleNotAssociatedWithPolicy");
	snprintf(path, sizeof path, "/v2.0/fw/firewall_rules/%s", r2);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);      /* free again */
	snprintf(path, sizeof path, "/v2.0/fw/firewall_rules/%s", r3);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_EQUAL(rig_i(&r, "firewall_rule.position"), 1);

	/* k5-create-firewall.py: singular router_id */
	CU_ASSERT_EQUAL(rig_create(&r, fw, "/v2.0/fw/firewalls", "firewall", "{\"firewall\": "
	                           "{\"name\": \"fw\", \"firewall_policy_id\": \"%s\", "
	                           "\"router_id\": \"%s\", \"availability_zone\": "
	                           "\"jp-east-1a\"}}", pol, t.router), 201);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall.status"), "PENDING_CREATE");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall.router_id"), t.router);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall.router_ids.0"), t.router);
	snprintf(path, sizeof path, "/v2.0/fw/firewalls/%s", fw);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"firewall\": {\"name\": \"x\"}}"), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FirewallInPendingState");
	r.now = lab_sec(3);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall.status"), "ACTIVE");
	snprintf(path, sizeof path, "/v2.0/fw/firewalls/%s/reset_connections", fw);
	CU_ASSERT_EQUAL(rig_call(&r, "PUT", path, "{\"target\": null}"), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "firewall.id"), fw);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewalls", "{\"firewall\": "
	                         "{\"firewall_policy_id\": \"nope\"}}"), 404);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FirewallPolicyNotFound");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v2.0/fw/firewalls", "{\"firewall\": "
	                         "{\"firewall_policy_id\": \"%s\", \"router_id\": \"nope\"}}", pol),
	                404);
	/* a policy in use by a firewall */
	snprintf(path, sizeof path, "/v2.0/fw/firewall_policies/%s", pol);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 409);
	CU_ASSERT_STRING_EQUAL(rig_err(&r), "FirewallPolicyInUse");
	/* K5: a firewall can be deleted while applied */
	snprintf(path, sizeof path, "/v2.0/fw/firewalls/%s", fw);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	snprintf(path, sizeof path, "/v2.0/fw/firewall_policies/%s", pol);
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	snprintf(path, sizeof path, "/v2.0/fw/firewall_rules/%s", r1);
	rig_call(&r, "GET", path, NULL);
	CU_ASSERT(json_is_null(rig_at(&r, "firewall_rule.firewall_policy_id")));
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", path, NULL), 204);
	rig_free(&r);
}

UNIT_SUITE(k5_fwaas,
	UNIT_TEST(test_rules),
	UNIT_TEST(test_policies_and_firewalls))

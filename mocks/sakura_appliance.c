/*
 * sakura_appliance.c: create, update and delete of a VPC router appliance (notes §2.1, §3).
 * The stored document holds what a Read shows except ID, SettingsHash, Availability and
 * Instance, which sakura_render_appliance() adds from the state machine.
 */
#include "mocks/sakura_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int check_name_fields(struct sakura_call *c, const json_t *a)
{
	const char *strs[] = { "Name", "Description" };
	const json_t *v;
	size_t i;
	json_t *t;

	for (size_t k = 0; k < 2; k++) {
		v = json_object_get(a, strs[k]);
		if (v && !json_is_string(v)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.%s: expected a "
			                   "string", strs[k]);
			return -EINVAL;
		}
		if (v && json_string_length(v) > 512) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.%s: longer than 512 "
			                   "characters", strs[k]);
			return -EINVAL;
		}
	}
	v = json_object_get(a, "Tags");
	if (v && !json_is_null(v)) {
		if (!json_is_array(v)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.Tags: expected an "
			                   "array of strings");
			return -EINVAL;
		}
		json_array_foreach(v, i, t)
			if (!json_is_string(t)) {
				sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.Tags[%zu]: "
				                   "expected a string", i);
				return -EINVAL;
			}
	}
	v = json_object_get(a, "Icon");
	if (v && !json_is_null(v)) {
		uint64_t id;

		if (!json_is_object(v) || sakura_json_id(json_object_get(v, "ID"), &id)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.Icon: expected null "
			                   "or {\"ID\":id}");
			return -EINVAL;
		}
	}
	return 0;
}

static void copy_name_fields(json_t *doc, const json_t *a)
{
	const char *keys[] = { "Name", "Description", "Tags", "Icon" };

	for (size_t k = 0; k < 4; k++) {
		json_t *v = json_object_get(a, keys[k]);

		if (v)
			json_object_set(doc, keys[k], v);
	}
	if (json_is_null(json_object_get(doc, "Tags")))
		json_object_set_new(doc, "Tags", json_array());
}


static int zone_id(const char *zone)
{
	static const struct { const char *name; int id; } z[] = {
		{ "tk1a", 21001 }, { "tk1b", 21002 }, { "is1a", 31001 }, { "is1b", 31002 },
		{ "is1c", 31003 }, { "tk1v", 29001 },     /* IAAS types/zone.go (notes §1.1) */
	};

	for (size_t i = 0; i < sizeof z / sizeof z[0]; i++)
		if (!strcmp(z[i].name, zone))
			return z[i].id;
	return 0;
}

static void ipv4_str(uint32_t a, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Interfaces[0] of a standard plan: the next address of the shared segment (notes §3.2, §7.5). */
static json_t *shared_nic(struct sakura_mock *m, uint64_t *host_out)
{
	uint32_t mask = m->cfg.shared_masklen == 32 ? 0xffffffffu :
	                ~(0xffffffffu >> m->cfg.shared_masklen);
	uint32_t net = m->cfg.shared_net & mask;
	uint64_t hosts = (uint64_t)(~mask) - 1;
	char ip[16], nw[16], gw[16];

	if (m->next_host > hosts)
		return NULL;
	*host_out = m->next_host;
	ipv4_str(net + m->next_host, ip);
	ipv4_str(net, nw);
	ipv4_str(net + 1, gw);
	return json_pack("{s:s, s:n, s:n, s:{s:I, s:s, s:s, s:{s:s, s:i, s:s, s:{s:i}}, s:n}}",
	                 "IPAddress", ip, "UserIPAddress", "HostName",
	                 "Switch", "ID", (json_int_t)m->shared_switch_id, "Name", "スイッチ",
	                 "Scope", "shared", "Subnet", "NetworkAddress", nw, "NetworkMaskLen",
	                 (int)m->cfg.shared_masklen, "DefaultRoute", gw, "Internet",
	                 "BandWidthMbps", 100, "UserSubnet");
}

json_t *sakura_user_nic(uint64_t switch_id, const char *scope)
{
	return json_pack("{s:n, s:n, s:n, s:{s:I, s:s, s:s, s:n, s:n}}", "IPAddress",
	                 "UserIPAddress", "HostName", "Switch", "ID", (json_int_t)switch_id,
	                 "Name", "", "Scope", scope, "Subnet", "UserSubnet");
}

void sakura_appliance_create(struct sakura_call *c)
{
	struct sakura_mock *m = c->m;
	json_t *a = sakura_body_appliance(c), *remark, *v, *doc = NULL, *nics = NULL, *settings, *nic0;
	uint64_t plan = 0, sw = 0, host = 0;
	int version = 2;
	char err[384], t[40];
	struct sakura_router *r;

	if (!a || check_name_fields(c, a))
		return;
	v = json_object_get(a, "Class");
	if (!json_is_string(v) || strcmp(json_string_value(v), "vpcrouter")) {
		sakura_reply_error(m, c->resp, 400, NULL, "Appliance.Class: this mock serves "
		                   "\"vpcrouter\" only");
		return;
	}
	if (sakura_json_id(json_object_get(json_object_get(a, "Plan"), "ID"), &plan) ||
	    plan < 1 || plan > 4) {
		sakura_reply_error(m, c->resp, 400, NULL, "Appliance.Plan.ID: expected 1 "
		                   "(standard), 2 (premium), 3 (highspec) or 4 (highspec4000)");
		return;
	}
	remark = json_object_get(a, "Remark");
	if (remark && !json_is_object(remark)) {
		sakura_reply_error(m, c->resp, 400, NULL, "Appliance.Remark: expected an object");
		return;
	}
	v = json_object_get(json_object_get(remark, "Router"), "VPCRouterVersion");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || (json_integer_value(v) != 1 &&
		                            json_integer_value(v) != 2)) {
			sakura_reply_error(m, c->resp, 400, NULL, "Appliance.Remark.Router."
			                   "VPCRouterVersion: expected 1 or 2");
			return;
		}
		version = (int)json_integer_value(v);
	}
	if (plan > 1 && sakura_json_id(json_object_get(json_object_get(remark, "Switch"), "ID"),
	                               &sw)) {
		sakura_reply_error(m, c->resp, 400, NULL, "Appliance.Remark.Switch.ID: a premium "
		                   "or highspec router needs the ID of its internet switch");
		return;
	}
	settings = json_object_get(a, "Settings");
	if (settings && sakura_settings_check(settings, version, err, sizeof err)) {
		sakura_reply_error(m, c->resp, 400, NULL, "%s", err);
		return;
	}
	nic0 = plan == 1 ? shared_nic(m, &host) : sakura_user_nic(sw, "user");
	if (!nic0) {
		sakura_reply_error(m, c->resp, 409, NULL, "the shared segment has no free "
		                   "address left");
		return;
	}
	r = sakura_router_new(m, c->zone);
	nics = json_array();
	doc = json_object();
	if (!r || !nics || !doc) {
		json_decref(nic0);
		goto oom;
	}
	json_array_append_new(nics, nic0);
	for (int i = 1; i < 8; i++)
		json_array_append_new(nics, json_null());
	r->version = version;
	r->created = sakura_now(m);
	r->status_changed = r->created;
	sakura_time_format(m, r->created, t, sizeof t);
	json_object_set_new(doc, "Class", json_string("vpcrouter"));
	json_object_set_new(doc, "Name", json_string(""));
	json_object_set_new(doc, "Description", json_string(""));
	json_object_set_new(doc, "Tags", json_array());
	json_object_set_new(doc, "Icon", json_null());
	copy_name_fields(doc, a);
	json_object_set_new(doc, "Plan", json_pack("{s:I}", "ID", (json_int_t)plan));
	json_object_set_new(doc, "Remark", json_pack(
		"{s:{s:i}, s:o, s:o, s:{s:i}, s:{s:I}}",
		"Router", "VPCRouterVersion", version,
		"Switch", plan == 1 ? json_pack("{s:s}", "Scope", "shared") :
		                      json_pack("{s:I}", "ID", (json_int_t)sw),
		"Servers", json_object_get(remark, "Servers") && plan > 1 ?
		           json_deep_copy(json_object_get(remark, "Servers")) :
		           json_pack("[[]]"),
		"Zone", "ID", zone_id(c->zone), "Plan", "ID", (json_int_t)plan));
	json_object_set_new(doc, "Settings", settings ? json_deep_copy(settings) :
	                    json_pack("{s:{}}", "Router"));
	if (!json_object_get(json_object_get(doc, "Settings"), "Router"))
		json_object_set_new(json_object_get(doc, "Settings"), "Router", json_object());
	/* "cloud/appliance/vpc/1" is the standard plan's (notes §3.1); others UNCONFIRMED */
	json_object_set_new(doc, "ServiceClass", json_sprintf("cloud/appliance/vpc/%u",
	                                                      (unsigned)plan));
	json_object_set_new(doc, "CreatedAt", json_string(t));
	json_object_set_new(doc, "Switch", json_null());
	json_object_set_new(doc, "Interfaces", nics);
	nics = NULL;
	r->doc = doc;
	if (plan == 1)
		m->next_host = (uint32_t)host + 1;
	/* born migrating and down (notes §2.4): a start state, not a transition */
	r->power = SAKURA_POWER_DOWN;
	r->power_until = LAB_NEVER;
	r->avail = SAKURA_AVAIL_MIGRATING;
	r->avail_until = r->created + m->cfg.create_delay;
	sakura_logf(m, "sakura: appliance %llu: created (version %d, plan %llu, zone %s): "
	            "migrating, down", (unsigned long long)r->id, version,
	            (unsigned long long)plan, c->zone);
	sakura_reply_ok(c, 202, json_pack("{s:o, s:s}", "Appliance",
	                           sakura_render_appliance(m, r, c->bigint_int),
	                           "Success", "Accepted"));
	return;
oom:
	json_decref(nics);
	json_decref(doc);
	if (r)
		sakura_router_remove(m, r);
	sakura_reply_error(m, c->resp, 500, NULL, "out of memory");
}

/* Filter values are url.PathEscape'd strings (notes §1.3). */
void sakura_appliance_update(struct sakura_call *c, struct sakura_router *r)
{
	json_t *a = sakura_body_appliance(c), *v, *settings;
	char err[384], hash[33] = "";
	uint64_t plan;

	if (!a || check_name_fields(c, a) || sakura_still_creating(c, r))
		return;
	v = json_object_get(json_object_get(json_object_get(a, "Remark"), "Router"),
	                    "VPCRouterVersion");
	if (v && !json_equal(v, json_object_get(json_object_get(json_object_get(r->doc, "Remark"),
	                                                        "Router"), "VPCRouterVersion"))) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.Remark.Router."
		                   "VPCRouterVersion: fixed at creation (version %d)", r->version);
		return;
	}
	v = json_object_get(a, "Class");
	if (v && !(json_is_string(v) && !strcmp(json_string_value(v), "vpcrouter"))) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.Class: cannot be changed");
		return;
	}
	v = json_object_get(json_object_get(a, "Plan"), "ID");
	if (v && (sakura_json_id(v, &plan) ||
	          (json_int_t)plan != json_integer_value(json_object_get(json_object_get(r->doc,
	                                                                 "Plan"), "ID")))) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.Plan.ID: the plan cannot "
		                   "be changed");
		return;
	}
	settings = json_object_get(a, "Settings");
	if (settings) {
		const json_t *sent = json_object_get(a, "SettingsHash");

		if (sakura_settings_check(settings, r->version, err, sizeof err)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "%s", err);
			return;
		}
		if (sent && !json_is_null(sent) && !json_is_string(sent)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "Appliance.SettingsHash: "
			                   "expected a string");
			return;
		}
		sakura_settings_hash(json_object_get(r->doc, "Settings"), hash);
		/* vpnlab's choice (notes §8: reaction UNCONFIRMED): a stale hash loses the race */
		if (json_string_length(sent) && strcmp(json_string_value(sent), hash)) {
			sakura_reply_error(c->m, c->resp, 409, NULL, "Appliance.SettingsHash: '%.40s' "
			                   "is stale, the settings changed since it was read "
			                   "(now %s); read the appliance again",
			                   json_string_value(sent), hash);
			return;
		}
	}
	copy_name_fields(r->doc, a);
	if (settings) {
		json_t *copy = json_deep_copy(settings);

		if (!json_object_get(copy, "Router") || json_is_null(json_object_get(copy, "Router")))
			json_object_set_new(copy, "Router", json_object());
		sakura_json_wipe_secrets(json_object_get(r->doc, "Settings"));
		json_object_set_new(r->doc, "Settings", copy);
	}
	sakura_reply_ok(c, 200, sakura_appliance_env(c, r));
}

void sakura_appliance_delete(struct sakura_call *c, struct sakura_router *r)
{
	json_t *env;

	if (sakura_still_creating(c, r))
		return;
	/* vpnlab's choice (notes §8): clients always stop it first */
	if (r->power != SAKURA_POWER_DOWN) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is %s: shut it down "
		                   "first", (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	env = sakura_appliance_env(c, r);
	sakura_logf(c->m, "sakura: appliance %llu: deleted", (unsigned long long)r->id);
	sakura_router_remove(c->m, r);
	sakura_reply_ok(c, 200, env);
}


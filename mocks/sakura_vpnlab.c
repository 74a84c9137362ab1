/*
 * sakura_vpnlab.c: vpnlab's own endpoints, NOT part of the Sakura Cloud API (sakura.h).
 *
 * The manual's "APIを利用したバージョン1からのマイグレーション" section and any "VPN reconnect"
 * endpoint are not in public sources (notes §2.3), so these sit under cfg.vpnlab_prefix:
 *
 *   POST .../migrate          v1 -> v2, "現在のネットワーク設定や構成情報は維持されます"
 *                             (seeds/002 quoting the manual): saved settings are kept
 *   GET  .../config/export    {"Export":{"VPCRouterVersion","Settings","SettingsHash",
 *                                        "ExportedAt"},"is_ok":true}
 *   PUT  .../config/import    body: that Export (or {"Export":...}); replaces the saved settings
 *   PUT  .../vpn/reconnect    the control panel's 「VPN再接続」: restart every S2S SA
 *
 * The seeds/002 failure: with cfg.stuck_migration the migrated router is stuck; an import
 * made while it is powered off marks it repaired, and the next boot brings it up normally.
 */
#include "mocks/sakura_int.h"

#include <string.h>

static void ok(struct http_response *resp, int status, json_t *o, bool pretty)
{
	json_object_set_new(o, "is_ok", json_true());
	sakura_reply(resp, status, o, pretty);
}

static bool busy(struct sakura_mock *m, struct sakura_router *r, struct http_response *resp)
{
	if (r->avail != SAKURA_AVAIL_MIGRATING)
		return false;
	sakura_reply_error(m, resp, 409, "still_creating", "appliance %llu is migrating",
	                   (unsigned long long)r->id);
	return true;
}

static void migrate(struct sakura_mock *m, struct sakura_router *r, struct http_response *resp,
                    bool pretty)
{
	lab_ns now = sakura_now(m);

	if (busy(m, r, resp))
		return;
	if (r->version != 1) {
		sakura_reply_error(m, resp, 409, NULL, "appliance %llu is already version %d",
		                   (unsigned long long)r->id, r->version);
		return;
	}
	if (r->power == SAKURA_POWER_CLEANING) {
		sakura_reply_error(m, resp, 409, NULL, "appliance %llu is shutting down",
		                   (unsigned long long)r->id);
		return;
	}
	sakura_logf(m, "sakura: appliance %llu: migration to version 2 started%s",
	            (unsigned long long)r->id, m->cfg.stuck_migration ? " (it will stick)" : "");
	r->migrating_v2 = true;
	sakura_avail_set(m, r, SAKURA_AVAIL_MIGRATING, now + m->cfg.migrate_delay);
	if (r->power == SAKURA_POWER_UP || r->power == SAKURA_POWER_BOOTING) {
		/* the router is rebuilt: it goes off the network and boots again as version 2 */
		sakura_router_stopping(m, r);
		sakura_router_cut(m, r);
		sakura_power_set(m, r, SAKURA_POWER_BOOTING, r->avail_until + m->cfg.boot_delay);
	}
	ok(resp, 202, json_pack("{s:o}", "Appliance", sakura_render_appliance(m, r, true)),
	   pretty);
}

static void export(struct sakura_mock *m, struct sakura_router *r, struct http_response *resp,
                   bool pretty)
{
	const json_t *settings = json_object_get(r->doc, "Settings");
	char hash[33] = "", t[40];

	sakura_settings_hash(settings, hash);
	sakura_time_format(m, sakura_now(m), t, sizeof t);
	ok(resp, 200, json_pack("{s:{s:I, s:i, s:O, s:s, s:s}}", "Export",
	                        "ID", (json_int_t)r->id, "VPCRouterVersion", r->version,
	                        "Settings", settings, "SettingsHash", hash, "ExportedAt", t),
	   pretty);
}

static void import(struct sakura_mock *m, struct sakura_router *r, const json_t *body,
                   struct http_response *resp, bool pretty)
{
	const json_t *ex = json_object_get(body, "Export") ? json_object_get(body, "Export") : body;
	const json_t *settings = json_object_get(ex, "Settings");
	char err[384];
	json_t *copy;

	if (busy(m, r, resp))
		return;
	if (!settings) {
		sakura_reply_error(m, resp, 400, NULL, "import: expected an export "
		                   "{\"Export\":{\"Settings\":{...}}}");
		return;
	}
	/* a version 1 export is valid on version 2; the check uses the router's version now */
	if (sakura_settings_check(settings, r->version, err, sizeof err)) {
		sakura_reply_error(m, resp, 400, NULL, "import: %s", err);
		return;
	}
	copy = json_deep_copy(settings);
	if (!copy) {
		sakura_reply_error(m, resp, 500, NULL, "out of memory");
		return;
	}
	if (!json_is_object(json_object_get(copy, "Router")))
		json_object_set_new(copy, "Router", json_object());
	sakura_json_wipe_secrets(json_object_get(r->doc, "Settings"));
	json_object_set_new(r->doc, "Settings", copy);
	if (r->stuck && r->power == SAKURA_POWER_DOWN) {
		r->repaired = true;
		sakura_logf(m, "sakura: appliance %llu: config imported while down: the next boot "
		            "comes up", (unsigned long long)r->id);
	}
	ok(resp, 200, json_pack("{s:o}", "Appliance", sakura_render_appliance(m, r, true)),
	   pretty);
}

static void reconnect(struct sakura_mock *m, struct sakura_router *r,
                      struct http_response *resp, bool pretty)
{
	if (busy(m, r, resp))
		return;
	if (r->power != SAKURA_POWER_UP || r->stuck) {
		sakura_reply_error(m, resp, 409, NULL, "appliance %llu is %s: VPN reconnect needs "
		                   "it up", (unsigned long long)r->id,
		                   r->stuck ? "stuck after its migration" :
		                   sakura_power_name(r->power));
		return;
	}
	sakura_router_apply(m, r, SAKURA_APPLY_RECONNECT);
	ok(resp, 200, json_object(), pretty);
}

void sakura_vpnlab_route(struct sakura_mock *m, struct sakura_router *r, const char *method,
                         char **segs, size_t n, const json_t *body,
                         struct http_response *resp, bool pretty)
{
	enum { NONE, MIGRATE, EXPORT, IMPORT, RECONNECT } act = NONE;
	static const char *const want[] = { "", "POST", "GET", "PUT", "PUT" };

	if (n == 1 && !strcmp(segs[0], "migrate"))
		act = MIGRATE;
	else if (n == 2 && !strcmp(segs[0], "config") && !strcmp(segs[1], "export"))
		act = EXPORT;
	else if (n == 2 && !strcmp(segs[0], "config") && !strcmp(segs[1], "import"))
		act = IMPORT;
	else if (n == 2 && !strcmp(segs[0], "vpn") && !strcmp(segs[1], "reconnect"))
		act = RECONNECT;
	if (act == NONE) {
		sakura_reply_error(m, resp, 404, NULL, "no such vpnlab action");
		return;
	}
	if (strcmp(method, want[act])) {
		sakura_reply_error(m, resp, 405, NULL, "use %s here", want[act]);
		return;
	}
	switch (act) {
	case MIGRATE:   migrate(m, r, resp, pretty); break;
	case EXPORT:    export(m, r, resp, pretty); break;
	case IMPORT:    import(m, r, body, resp, pretty); break;
	case RECONNECT: reconnect(m, r, resp, pretty); break;
	case NONE:      break;
	}
}

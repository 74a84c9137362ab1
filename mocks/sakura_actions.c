/*
 * sakura_actions.c: what a router does besides its document: /config, power, reset, status,
 * VPN logs, ping, NIC connect / disconnect (notes §2.1, §4).
 */
#include "mocks/sakura_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- actions ------------------------------------------------------------------------ */

void sakura_router_config(struct sakura_call *c, struct sakura_router *r)
{
	if (sakura_still_creating(c, r))
		return;
	if (r->power == SAKURA_POWER_UP && !r->stuck)
		sakura_router_apply(c->m, r, SAKURA_APPLY_CONFIG);
	else if (r->stuck)
		sakura_logf(c->m, "sakura: appliance %llu: /config ignored: the router is stuck",
		            (unsigned long long)r->id);
	/* down or in transition: the boot applies the saved settings (notes §7.4) */
	sakura_reply_ok(c, 200, NULL);
}

void sakura_power_on(struct sakura_call *c, struct sakura_router *r)
{
	if (sakura_still_creating(c, r))
		return;
	if (r->power != SAKURA_POWER_DOWN) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is already %s",
		                   (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	sakura_power_set(c->m, r, SAKURA_POWER_BOOTING, sakura_now(c->m) + c->m->cfg.boot_delay);
	sakura_reply_ok(c, 200, NULL);
}

void sakura_power_off(struct sakura_call *c, struct sakura_router *r)
{
	const json_t *force = json_object_get(c->body, "Force");
	lab_ns delay;

	if (force && !json_is_boolean(force)) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "Force: expected true or false");
		return;
	}
	if (sakura_still_creating(c, r))
		return;
	if (r->power != SAKURA_POWER_UP && r->power != SAKURA_POWER_BOOTING) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is %s",
		                   (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	delay = json_is_true(force) ? c->m->cfg.force_stop_delay : c->m->cfg.stop_delay;
	sakura_power_set(c->m, r, SAKURA_POWER_CLEANING, sakura_now(c->m) + delay);
	if (json_is_true(force))
		sakura_router_cut(c->m, r);     /* the plug is pulled: nothing more is sent */
	else
		sakura_router_stopping(c->m, r);        /* charon stops first */
	sakura_reply_ok(c, 200, NULL);
}

void sakura_power_reset(struct sakura_call *c, struct sakura_router *r)
{
	if (sakura_still_creating(c, r))
		return;
	if (r->power != SAKURA_POWER_UP) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is %s: reset needs "
		                   "it up", (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	/* a power cycle: cut, then the boot brings it back */
	sakura_router_cut(c->m, r);
	sakura_power_set(c->m, r, SAKURA_POWER_BOOTING, sakura_now(c->m) + c->m->cfg.boot_delay);
	sakura_reply_ok(c, 200, NULL);
}

/* {"Router":{...}} (notes §4) */
void sakura_router_status(struct sakura_call *c, struct sakura_router *r)
{
	json_t *logs = json_array(), *peers = json_array(), *router;
	size_t first = r->nlog > 100 ? r->nlog - 100 : 0;

	if (!r->stuck)
		for (size_t i = first; i < r->nlog; i++)
			json_array_append_new(logs, json_string(r->log[(r->log_head + i) %
			                                              SAKURA_MAX_LOG]));
	for (size_t i = 0; i < r->npeers; i++) {
		bool up = r->peers[i].up && r->power == SAKURA_POWER_UP && !r->stuck;

		json_array_append_new(peers, json_pack("{s:s, s:s}", "Status", up ? "UP" : "DOWN",
		                                       "Peer", r->peers[i].peer));
	}
	router = json_pack("{s:[], s:[], s:o, s:i}", "FirewallReceiveLogs", "FirewallSendLogs",
	                   "VPNLogs", logs, "SessionCount", 0);
	if (router && r->npeers)
		json_object_set(router, "SiteToSiteIPsecVPNPeers", peers);
	json_decref(peers);
	sakura_reply_ok(c, 200, json_pack("{s:o}", "Router", router));
}

/* {"Log":"line\n...","is_ok":true} (notes §1.4, libsacloud #821) */
void sakura_router_logs(struct sakura_call *c, struct sakura_router *r)
{
	size_t len = 1;
	char *text, *p;

	if (r->stuck) {
		/* seeds/002: "ログなども見れない状態"; the real error is UNCONFIRMED */
		sakura_reply_error(c->m, c->resp, 500, NULL, "VPN logs are unavailable: appliance "
		                   "%llu has not come up since its migration",
		                   (unsigned long long)r->id);
		return;
	}
	for (size_t i = 0; i < r->nlog; i++)
		len += strlen(r->log[(r->log_head + i) % SAKURA_MAX_LOG]) + 1;
	text = p = malloc(len);
	if (!text) {
		sakura_reply_error(c->m, c->resp, 500, NULL, "out of memory");
		return;
	}
	*p = '\0';
	for (size_t i = 0; i < r->nlog; i++) {
		const char *l = r->log[(r->log_head + i) % SAKURA_MAX_LOG];
		size_t n = strlen(l);

		memcpy(p, l, n);
		p[n] = '\n';
		p += n + 1;
	}
	*p = '\0';
	sakura_reply_ok(c, 200, json_pack("{s:s}", "Log", text));
	free(text);
}

static void ping_result(json_t *res, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		json_array_append_new(res, json_string(line));
}

/* The answer waits for the lab's ping (sakura_mock_ping_done); without a lab it is at once. */
void sakura_router_ping(struct sakura_call *c, struct sakura_router *r, const char *dest)
{
	char out[160];
	uint32_t a;
	uint64_t token;
	json_t *res;
	int rc;

	if (sakura_ipv4_parse(dest, &a)) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "ping: '%.64s' is not an IPv4 "
		                   "address", dest);
		return;
	}
	if (sakura_still_creating(c, r))
		return;
	if (r->power != SAKURA_POWER_UP) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is %s: ping needs it "
		                   "up", (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	if (c->m->have_gw && c->m->gw.ping) {
		/* the low bit carries X-Sakura-API-Beautify to the deferred answer */
		token = ++c->m->ping_seq << 1 | (c->pretty ? 1 : 0);
		rc = c->m->gw.ping(c->m->gw.ctx, r->id, dest, token);
		if (rc) {
			sakura_reply_error(c->m, c->resp, 500, NULL, "ping %s failed: %s", dest,
			                   strerror(-rc));
			return;
		}
		http_response_defer(c->resp, token);
		return;
	}
	snprintf(out, sizeof out, "vpnlab: no gateway attached, ping to %s not sent", dest);
	res = json_array();
	ping_result(res, out);
	sakura_reply_ok(c, 200, json_pack("{s:o}", "Result", res));
}

int sakura_mock_ping_done(struct sakura_mock *m, uint64_t token, const char *text,
                          struct http_response *resp)
{
	char *copy = strdup(text);
	json_t *res = json_array(), *o;

	if (!copy || !res) {
		free(copy);
		json_decref(res);
		return -ENOMEM;
	}
	(void)m;
	ping_result(res, copy);
	free(copy);
	o = json_pack("{s:o, s:b}", "Result", res, "is_ok", 1);
	if (!o)
		return -ENOMEM;
	sakura_reply(resp, 200, o, token & 1);
	return resp->body ? 0 : -ENOMEM;
}

static int nic_index(struct sakura_call *c, const char *s, long *out)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (end == s || *end || n < 1 || n > 7 || !isdigit((unsigned char)*s)) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "interface index '%.16s': expected 1 "
		                   "to 7 (0 is the public side)", s);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

void sakura_nic_connect(struct sakura_call *c, struct sakura_router *r, const char *idx,
                        const char *swid)
{
	json_t *nics = json_object_get(r->doc, "Interfaces"), *sw = json_string(swid);
	uint64_t id = 0;
	long n;
	int bad = sakura_json_id(sw, &id);

	json_decref(sw);
	if (nic_index(c, idx, &n))
		return;
	if (bad) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "switch ID '%.24s': expected a "
		                   "number", swid);
		return;
	}
	if (sakura_still_creating(c, r))
		return;
	if (!json_is_null(json_array_get(nics, (size_t)n))) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "interface %ld is already connected",
		                   n);
		return;
	}
	json_array_set_new(nics, (size_t)n, sakura_user_nic(id, "user"));
	if (c->m->have_gw && c->m->gw.nic)
		c->m->gw.nic(c->m->gw.ctx, r->id, (int)n, true);
	sakura_reply_ok(c, 200, NULL);
}

void sakura_nic_disconnect(struct sakura_call *c, struct sakura_router *r, const char *idx)
{
	json_t *nics = json_object_get(r->doc, "Interfaces");
	long n;

	if (nic_index(c, idx, &n) || sakura_still_creating(c, r))
		return;
	if (json_is_null(json_array_get(nics, (size_t)n))) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "interface %ld is not connected", n);
		return;
	}
	json_array_set_new(nics, (size_t)n, json_null());
	if (c->m->have_gw && c->m->gw.nic)
		c->m->gw.nic(c->m->gw.ctx, r->id, (int)n, false);
	sakura_reply_ok(c, 200, NULL);
}


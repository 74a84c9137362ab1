/*
 * k5_mock.c: the K5 mock's entry points: request routing, the standalone status timers, the
 * gateway hook-up, and state save/load.
 */
#include "mocks/k5_internal.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct k5_kind *const kinds[] = {
	&k5_kind_network, &k5_kind_subnet, &k5_kind_port, &k5_kind_router, &k5_kind_floatingip,
	&k5_kind_vpnservice, &k5_kind_ikepolicy, &k5_kind_ipsecpolicy, &k5_kind_conn,
	&k5_kind_endpoint_group, &k5_kind_fw_rule, &k5_kind_fw_policy, &k5_kind_firewall,
};

/* GET /v2.0/extensions: what OSC and neutronclient look for (research note 3.3). */
static const struct {
	const char *alias, *name, *description;
} extensions[] = {
	{ "router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between "
	  "L2 Neutron networks and access to external networks via a NAT gateway." },
	{ "extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router" },
	{ "extraroute-atomic", "Atomically add/remove extra routes", "Edit extra routes of a "
	  "router on server side by atomically adding/removing extra routes" },
	{ "external-net", "Neutron external network", "Adds external network attribute to "
	  "network resource." },
	{ "vpnaas", "VPN service", "Extension for VPN service" },
	{ "vpn-endpoint-groups", "VPN Endpoint Groups", "VPN endpoint groups support" },
	{ "fwaas", "Firewall service", "Extension for Firewall service" },
};

void k5_rules_k5(struct k5_rules *r)
{
	r->main_mode_only = r->ike_v1_only = r->sha1_only = r->aes_only = true;
	r->pfs_2_5_14 = r->lifetime_max_86400 = r->esp_tunnel_only = r->dpd_hold_restart = true;
	r->one_peer_cidr = r->one_service_per_router = true;
	r->max_conns_per_service = 20;
}

void k5_rules_upstream(struct k5_rules *r)
{
	memset(r, 0, sizeof *r);
}

void k5_config_default(struct k5_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->region = "jp-east-1";
	cfg->epoch_unix = 1493716318;           /* 2017-05-02T09:11:58Z, the K5 era */
	cfg->active_delay = lab_sec(2);
	cfg->token_lifetime = lab_sec(3 * 3600);
	k5_rules_k5(&cfg->rules);
}

void k5_reply_json(struct http_response *resp, int status, json_t *body)
{
	char *text;

	resp->status = status;
	if (!body)
		return;
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text)
		http_response_take_body(resp, text, strlen(text));
	else
		resp->status = 500;
}

void k5_reply_err(struct http_response *resp, const struct k5_err *e)
{
	k5_reply_json(resp, e->status, json_pack("{s{ssssss}}", "NeutronError", "type", e->type,
	                                         "message", e->msg, "detail", ""));
}

static void state_init(struct k5_mock *k)
{
	json_decref(k->state);
	k->state = json_object();
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		k5_coll(k, kinds[i]);
	json_object_set_new(k->state, "tokens", json_object());
	json_object_set_new(k->state, "vpnlab_intents", json_object());
	json_object_set_new(k->state, "vpnlab_due", json_object());
}

int k5_mock_new(struct k5_mock **out, const struct k5_config *cfg, struct drbg *drbg)
{
	struct k5_mock *k;

	*out = NULL;
	if (!cfg || !drbg || !cfg->region || strlen(cfg->region) >= 63)
		return -EINVAL;
	k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	k->cfg = *cfg;
	snprintf(k->region, sizeof k->region, "%s", cfg->region);
	snprintf(k->az[0], sizeof k->az[0], "%sa", cfg->region);
	snprintf(k->az[1], sizeof k->az[1], "%sb", cfg->region);
	snprintf(k->username, sizeof k->username, "%s", cfg->username ? cfg->username : "");
	snprintf(k->password, sizeof k->password, "%s", cfg->password ? cfg->password : "");
	k->cfg.region = k->region;
	k->cfg.username = k->cfg.password = NULL;
	if (k5_network_external_set(k, cfg)) {
		OPENSSL_cleanse(k->password, sizeof k->password);
		free(k);
		return -EINVAL;
	}
	memset(k->cfg.external, 0, sizeof k->cfg.external);     /* copied into ext_cidr, ext_gw */
	k->drbg = drbg;
	snprintf(k->project_id, sizeof k->project_id, "infra");
	snprintf(k->host, sizeof k->host, "127.0.0.1");
	state_init(k);
	if (!k->state) {
		free(k);
		return -ENOMEM;
	}
	k5_network_provision(k);
	*out = k;
	return 0;
}

void k5_mock_free(struct k5_mock *k)
{
	if (!k)
		return;
	json_decref(k->state);
	OPENSSL_cleanse(k->password, sizeof k->password);
	free(k);
}

void k5_mock_attach_gateway(struct k5_mock *k, const struct k5_gateway *gw)
{
	if (gw) {
		k->gw = *gw;
		k->have_gw = true;
	} else {
		memset(&k->gw, 0, sizeof k->gw);
		k->have_gw = false;
	}
}

int k5_mock_set_conn_status(struct k5_mock *k, const char *conn_id, const char *status)
{
	static const char *const ok[] = { "ACTIVE", "DOWN", "PENDING_CREATE", "PENDING_UPDATE",
	                                  "ERROR", NULL };
	const char *const *p;
	json_t *c = k5_find(k, &k5_kind_conn, conn_id);

	for (p = ok; *p && strcmp(*p, status ? status : ""); p++)
		;
	if (!*p)
		return -EINVAL;
	if (!c)
		return -ENOENT;
	k5_status_set(k, "ipsec_site_connection", c, status);
	k5_due_clear(k, conn_id);
	k5_vpn_service_status_refresh(k);
	return 0;
}

/* Standalone timers: statuses that were due move on (evaluated lazily, per request). */
static void tick(struct k5_mock *k)
{
	json_t *due = json_object_get(k->state, "vpnlab_due"), *v, *o;
	lab_ns now = k5_now(k);
	const char *id;
	void *it;
	bool changed = false;

	it = json_object_iter(due);
	while (it) {
		id = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (json_integer_value(v) > now) {
			it = json_object_iter_next(due, it);
			continue;
		}
		if ((o = k5_find(k, &k5_kind_conn, id)) && !k->have_gw)
			/* an administratively down connection does not come up */
			k5_status_set(k, "ipsec_site_connection", o,
			              json_is_false(json_object_get(o, "admin_state_up")) ?
			              "DOWN" : "ACTIVE");
		else if ((o = k5_find(k, &k5_kind_floatingip, id)) && !k->have_gw &&
		         json_is_string(json_object_get(o, "port_id")))
			k5_status_set(k, "floatingip", o, "ACTIVE");
		else if ((o = k5_find(k, &k5_kind_firewall, id)))
			k5_status_set(k, "firewall", o, "ACTIVE");
		it = json_object_iter_next(due, it);
		json_object_del(due, id);
		changed = true;
	}
	if (changed)
		k5_vpn_service_status_refresh(k);
}

/* ---- routing ---- */

static int split(char *path, char **seg, int max)
{
	int n = 0;

	char *save = NULL;

	for (char *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -1;
		seg[n++] = s;
	}
	return n;
}

static void not_found(struct http_response *resp)
{
	struct k5_err e;

	k5_fail(&e, 404, "HTTPNotFound", "The resource could not be found.");
	k5_reply_err(resp, &e);
}

static void bad_method(struct http_response *resp, const char *method)
{
	struct k5_err e;

	k5_fail(&e, 405, "HTTPMethodNotAllowed", "The method %.16s is not allowed for this "
	        "resource.", method);
	k5_reply_err(resp, &e);
}

static void reply(struct http_response *resp, int status, json_t *out, struct k5_err *e)
{
	if (status >= 400) {
		json_decref(out);
		k5_reply_err(resp, e);
	} else if (status == 204) {
		json_decref(out);
		resp->status = 204;
	} else {
		k5_reply_json(resp, status, out);
	}
}

static json_t *ext_obj(size_t i)
{
	return json_pack("{ss ss ss ss s[]}", "alias", extensions[i].alias, "name",
	                 extensions[i].name, "description", extensions[i].description,
	                 "updated", "2013-01-20T00:00:00-00:00", "links");
}

static void handle_extensions(const struct http_request *req, char **seg, int n,
                              struct http_response *resp)
{
	json_t *list;

	if (strcmp(req->method, "GET"))
		return bad_method(resp, req->method);
	if (n == 1) {
		list = json_array();
		for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
			json_array_append_new(list, ext_obj(i));
		return k5_reply_json(resp, 200, json_pack("{so}", "extensions", list));
	}
	for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
		if (!strcmp(seg[1], extensions[i].alias))
			return k5_reply_json(resp, 200, json_pack("{so}", "extension", ext_obj(i)));
	/* OSC probes tag-ports-during-bulk-creation and must get a 404 (research note 3.3) */
	not_found(resp);
}

static void handle_neutron(struct k5_mock *k, const struct http_request *req, char **seg, int n,
                           json_t *body, struct http_response *resp)
{
	const struct k5_kind *kind = NULL;
	struct k5_err e = { 0 };
	json_t *out = NULL;
	int used = 0, status;

	if (n >= 1 && !strcmp(seg[0], "extensions") && n <= 2)
		return handle_extensions(req, seg, n, resp);
	/* K5 network connectors: k5-inspect needs them to list (empty) */
	if (n == 1 && !strncmp(seg[0], "network_connector", 17) && !strcmp(req->method, "GET"))
		return k5_reply_json(resp, 200, json_pack("{s[]}", seg[0]));
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !kind; i++) {
		const char *p = kinds[i]->path, *slash = strchr(p, '/');

		if (slash && n >= 2 && !strncmp(seg[0], p, (size_t)(slash - p)) &&
		    strlen(seg[0]) == (size_t)(slash - p) && !strcmp(seg[1], slash + 1)) {
			kind = kinds[i];
			used = 2;
		} else if (!slash && n >= 1 && !strcmp(seg[0], p)) {
			kind = kinds[i];
			used = 1;
		}
	}
	if (!kind || n - used > 2)
		return not_found(resp);
	seg += used;
	n -= used;
	if (n == 0) {
		if (!strcmp(req->method, "GET"))
			status = k5_store_list(k, kind, req->query, &out, &e);
		else if (!strcmp(req->method, "POST"))
			status = k5_store_create(k, kind, body, &out, &e);
		else
			return bad_method(resp, req->method);
	} else if (n == 1) {
		if (!strcmp(req->method, "GET")) {
			json_t *o = k5_get(k, kind, seg[0], &e);

			status = o ? 200 : e.status;
			if (o)
				out = json_pack("{sO}", kind->single, o);
		} else if (!strcmp(req->method, "PUT")) {
			status = k5_store_update(k, kind, seg[0], body, &out, &e);
		} else if (!strcmp(req->method, "DELETE")) {
			status = k5_store_delete(k, kind, seg[0], &e);
		} else {
			return bad_method(resp, req->method);
		}
	} else {
		json_t *o;

		if (!kind->on_action)
			return not_found(resp);
		if (strcmp(req->method, "PUT"))
			return bad_method(resp, req->method);
		o = k5_get(k, kind, seg[0], &e);
		status = o ? kind->on_action(k, o, seg[1], body, &out, &e) : e.status;
	}
	reply(resp, status, out, &e);
}

static void handle_vpnlab(struct k5_mock *k, const struct http_request *req, char **seg, int n,
                          struct http_response *resp)
{
	json_t *out = NULL;

	if (n < 3 || n > 4 || strcmp(seg[1], "v1") || strcmp(seg[2], "intents"))
		return not_found(resp);
	if (strcmp(req->method, "GET"))
		return bad_method(resp, req->method);
	k5_vpn_intents_json(k, n == 4 ? seg[3] : NULL, &out);
	if (!out)
		return not_found(resp);
	k5_reply_json(resp, 200, out);
}

void k5_mock_handle(void *k5, const struct http_request *req, struct http_response *resp)
{
	struct k5_mock *k = k5;
	const char *host = http_request_header(req, "Host");
	json_t *body = NULL;
	json_error_t jerr;
	char *path = NULL, *seg[8];
	int n;

	snprintf(k->host, sizeof k->host, "%s", host && *host && !strpbrk(host, "\"\\ /") ?
	         host : "127.0.0.1");
	tick(k);
	if (k5_keystone_handle(k, req, resp))
		return;
	if (!k5_keystone_check(k, req, resp))
		return;
	path = strdup(req->path);
	if (!path) {
		resp->status = 500;
		return;
	}
	n = split(path, seg, 8);
	if (n < 1 || (strcmp(seg[0], "v2.0") && strcmp(seg[0], "vpnlab"))) {
		not_found(resp);
		goto out;
	}
	if (!strcmp(seg[0], "vpnlab")) {
		handle_vpnlab(k, req, seg, n, resp);
		goto out;
	}
	if (n == 1) {
		k5_reply_json(resp, 200, json_pack("{s[]}", "resources"));
		goto out;
	}
	if (req->body_len) {
		body = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES,
		                  &jerr);
		if (!body) {
			struct k5_err e;

			k5_fail(&e, 400, "HTTPBadRequest", "Malformed JSON in request body: %s "
			        "(line %d, column %d)", jerr.text, jerr.line, jerr.column);
			k5_reply_err(resp, &e);
			goto out;
		}
	}
	handle_neutron(k, req, seg + 1, n - 1, body, resp);
out:
	json_decref(body);
	free(path);
}

/* ---- save / load ---- */

int k5_mock_save(const struct k5_mock *k, const char *file, char *err, size_t errlen)
{
	json_t *doc = json_pack("{si sI sO}", "vpnlab_k5_state", 1, "saved_at_ns",
	                        (json_int_t)k5_now((struct k5_mock *)k), "store", k->state);
	char tmp[4096];
	int rc = 0;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", file) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", file);
		rc = -ENAMETOOLONG;
		goto out;
	}
	/* write then rename: a crash mid-save never leaves half a state file */
	if (!doc || json_dump_file(doc, tmp, JSON_INDENT(1) | JSON_SORT_KEYS)) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(-rc));
		goto out;
	}
	if (rename(tmp, file)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot rename to %s: %s", tmp, file, strerror(errno));
		remove(tmp);
	}
out:
	json_decref(doc);
	return rc;
}

int k5_mock_load(struct k5_mock *k, const char *file, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr), *store;
	int rc = 0;

	if (!doc) {
		if (jerr.line < 0)
			snprintf(err, errlen, "%s: %s", file, jerr.text);
		else
			snprintf(err, errlen, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	store = json_object_get(doc, "store");
	if (json_integer_value(json_object_get(doc, "vpnlab_k5_state")) != 1 ||
	    !json_is_object(store)) {
		snprintf(err, errlen, "%s: not a vpnlab K5 state file (expected "
		         "\"vpnlab_k5_state\": 1 and a \"store\" object)", file);
		rc = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		json_t *a = json_object_get(store, kinds[i]->plural), *o;
		size_t j;

		if (a && !json_is_array(a)) {
			snprintf(err, errlen, "%s: store.%s must be a list", file, kinds[i]->plural);
			rc = -EINVAL;
			goto out;
		}
		json_array_foreach(a, j, o)
			if (!json_is_object(o) || !json_is_string(json_object_get(o, "id"))) {
				snprintf(err, errlen, "%s: store.%s[%zu] must be an object with a "
				         "string id", file, kinds[i]->plural, j);
				rc = -EINVAL;
				goto out;
			}
	}
	json_decref(k->state);
	k->state = json_incref(store);
	/* lab time restarts at 0 in a new process: timers and token expiry are re-based */
	{
		json_int_t saved = json_integer_value(json_object_get(doc, "saved_at_ns"));
		json_int_t shift = (json_int_t)k5_now(k) - saved;
		const char *key;
		json_t *v;

		json_object_foreach(json_object_get(k->state, "vpnlab_due"), key, v)
			json_integer_set(v, json_integer_value(v) + shift);
		json_object_foreach(json_object_get(k->state, "tokens"), key, v) {
			json_t *x = json_object_get(v, "expires_ns");

			json_integer_set(x, json_integer_value(x) + shift);
		}
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		k5_coll(k, kinds[i]);
	if (!json_is_object(json_object_get(k->state, "tokens")))
		json_object_set_new(k->state, "tokens", json_object());
out:
	json_decref(doc);
	return rc;
}

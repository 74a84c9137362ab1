/*
 * sakura_api.c: the handler. Routing, HTTP Basic auth, the raw "?{json}" query, request
 * bodies, envelopes and errors (notes §1). The endpoints are in sakura_appliance.c,
 * sakura_find.c, sakura_actions.c and sakura_vpnlab.c.
 */
#include "mocks/sakura_int.h"
#include "peers/hex.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define API_SUFFIX "/api/cloud/1.1/"
/* API 1.0, as node-sacloud (Sakura's 2013 Node.js client and CLI) speaks it: the same
 * resources with a ".json" suffix on the last segment, also without a zone ("/cloud/api/cloud/
 * 1.0/appliance.json", the zone-less root of its default apiRoot), which stands for the first
 * zone served. */
#define API10_SUFFIX "/api/cloud/1.0/"
#define API10_LEGACY "/cloud/api/cloud/1.0"

/* Everything one request carries into an endpoint. */
static const char *header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders && i < HTTP_MAX_HEADERS; i++)
		if (req->headers[i].name && !strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "200 OK";
	case 202: return "202 Accepted";
	case 400: return "400 Bad Request";
	case 401: return "401 Unauthorized";
	case 404: return "404 Not Found";
	case 405: return "405 Method Not Allowed";
	case 409: return "409 Conflict";
	case 500: return "500 Internal Server Error";
	}
	return "500 Internal Server Error";
}

static void set_body(struct http_response *resp, char *text)
{
	free(resp->body);
	resp->body = text;
	resp->body_len = text ? strlen(text) : 0;
	snprintf(resp->content_type, sizeof resp->content_type, "application/json; charset=UTF-8");
}

void sakura_reply(struct http_response *resp, int status, json_t *body, bool pretty)
{
	char *text = json_dumps(body, pretty ? JSON_INDENT(4) : JSON_COMPACT);

	json_decref(body);
	resp->status = text ? status : 500;
	if (!text)
		text = strdup("{\"is_fatal\":true,\"serial\":\"\",\"status\":\"500 Internal Server "
		              "Error\",\"error_code\":\"internal_server_error\","
		              "\"error_msg\":\"out of memory\"}");
	set_body(resp, text);
}

static const char *default_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	}
	return "internal_server_error";
}

/* {is_fatal, serial, status, error_code, error_msg} (notes §1.5) */
void sakura_reply_error(struct sakura_mock *m, struct http_response *resp, int status,
                        const char *code, const char *fmt, ...)
{
	char msg[512], serial[33];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sakura_serial_new(m, serial);
	sakura_reply(resp, status,
	             json_pack("{s:b, s:s, s:s, s:s, s:s}", "is_fatal", 1, "serial", serial,
	                       "status", status_text(status), "error_code",
	                       code ? code : default_code(status), "error_msg", msg),
	             false);
}

void sakura_reply_ok(struct sakura_call *c, int status, json_t *extra)
{
	json_t *o = extra ? extra : json_object();

	json_object_set_new(o, "is_ok", json_true());
	sakura_reply(c->resp, status, o, c->pretty);
}

/* IDs as strings unless the client sent X-Sakura-Bigint-As-Int: 1 (notes §1.2). Only 12-digit
 * resource IDs are bigints; plan and zone IDs stay numbers. */
static void ids_to_strings(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, x) {
			if (!strcmp(key, "ID") && json_is_integer(x) &&
			    json_integer_value(x) >= 100000000000LL) {
				char s[24];

				snprintf(s, sizeof s, "%lld", (long long)json_integer_value(x));
				json_object_set_new(v, key, json_string(s));
			} else {
				ids_to_strings(x);
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			ids_to_strings(x);
	}
}

json_t *sakura_render_appliance(struct sakura_mock *m, const struct sakura_router *r,
                                bool bigint_int)
{
	json_t *o = json_object(), *inst;
	const char *key;
	char t[40], hash[33] = "";
	json_t *v;

	if (!o)
		return NULL;
	json_object_set_new(o, "ID", json_integer((json_int_t)r->id));
	json_object_foreach(r->doc, key, v)
		json_object_set(o, key, v);
	sakura_settings_hash(json_object_get(r->doc, "Settings"), hash);
	json_object_set_new(o, "SettingsHash", json_string(hash));
	json_object_set_new(o, "Availability", json_string(r->avail == SAKURA_AVAIL_MIGRATING ?
	                                                   "migrating" : "available"));
	sakura_time_format(m, r->status_changed, t, sizeof t);
	inst = json_pack("{s:s, s:s}", "Status", sakura_status_text(r->power),
	                 "StatusChangedAt", t);
	if (inst && r->power == SAKURA_POWER_UP) {
		char host[32];

		snprintf(host, sizeof host, "sac-%s-sv%03u", r->zone, (unsigned)(r->id % 1000));
		json_object_set_new(inst, "Host", json_pack("{s:s, s:n}", "Name", host,
		                                            "InfoURL"));
	}
	json_object_set_new(o, "Instance", inst);
	v = json_deep_copy(o);
	json_decref(o);
	if (v && !bigint_int)
		ids_to_strings(v);
	return v;
}

json_t *sakura_appliance_env(struct sakura_call *c, const struct sakura_router *r)
{
	return json_pack("{s:o}", "Appliance", sakura_render_appliance(c->m, r, c->bigint_int));
}

/* ---- auth --------------------------------------------------------------------------- */

static int b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z') return ch - 'A';
	if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9') return ch - '0' + 52;
	if (ch == '+') return 62;
	if (ch == '/') return 63;
	return -1;
}

/* RFC 4648 base64, padding optional; -EINVAL on anything else. */
static int b64_decode(const char *s, char *out, size_t cap, size_t *outlen)
{
	uint32_t acc = 0;
	size_t n = 0, bits = 0;

	for (; *s && *s != '='; s++) {
		int v = b64val((unsigned char)*s);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= cap)
				return -EINVAL;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	while (*s == '=')
		s++;
	if (*s)
		return -EINVAL;
	out[n] = '\0';
	*outlen = n;
	return 0;
}

static bool authorized(const struct sakura_mock *m, const struct http_request *req)
{
	const char *h = header(req, "Authorization");
	char dec[512], want[512];
	size_t n = 0, wl;
	bool ok;

	if (!h || strncasecmp(h, "Basic ", 6))
		return false;
	h += 6;
	while (*h == ' ')
		h++;
	if (b64_decode(h, dec, sizeof dec, &n))
		return false;
	wl = (size_t)snprintf(want, sizeof want, "%s:%s", m->cfg.token, m->cfg.secret);
	ok = wl < sizeof want && n == wl && CRYPTO_memcmp(dec, want, n) == 0;
	OPENSSL_cleanse(dec, sizeof dec);
	OPENSSL_cleanse(want, sizeof want);
	return ok;
}

/* ---- request parsing ---------------------------------------------------------------- */

/* Percent-decode len bytes of s ('+' is kept: Go's PathEscape does not use it). */
char *sakura_pct_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len && (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			out[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	return out;
}

/* GET parameters: raw JSON after '?' (notes §1.3); percent-decoded when a client encoded it. */
static int query_parse(struct sakura_call *c)
{
	const char *q = c->req->query ? c->req->query : "";
	size_t len = strlen(q);
	json_error_t e;
	char *dec;

	if (!len)
		return 0;
	c->query = json_loadb(q, len, JSON_REJECT_DUPLICATES, &e);
	if (c->query && json_is_object(c->query))
		return 0;
	json_decref(c->query);
	c->query = NULL;
	dec = sakura_pct_decode(q, len);
	if (!dec) {
		sakura_reply_error(c->m, c->resp, 500, NULL, "out of memory");
		return -ENOMEM;
	}
	c->query = json_loads(dec, JSON_REJECT_DUPLICATES, &e);
	free(dec);
	if (!c->query) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "query: not JSON at position %d: %s "
		                   "(parameters go as raw JSON after '?')", e.position, e.text);
		return -EINVAL;
	}
	if (!json_is_object(c->query)) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "query: expected a JSON object");
		json_decref(c->query);
		c->query = NULL;
		return -EINVAL;
	}
	return 0;
}

static int body_parse(struct sakura_call *c)
{
	json_error_t e;

	if (!c->req->body_len || !c->req->body)
		return 0;
	if (c->req->body_len > c->m->cfg.max_body) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "request body: %zu bytes, the limit "
		                   "is %zu", c->req->body_len, c->m->cfg.max_body);
		return -EINVAL;
	}
	c->body = json_loadb((const char *)c->req->body, c->req->body_len,
	                     JSON_REJECT_DUPLICATES, &e);
	if (!c->body) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "request body: invalid JSON at line %d "
		                   "column %d (byte %d): %s", e.line, e.column, e.position, e.text);
		return -EINVAL;
	}
	if (!json_is_object(c->body)) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "request body: expected a JSON "
		                   "object");
		json_decref(c->body);
		c->body = NULL;
		return -EINVAL;
	}
	return 0;
}

/* The "Appliance" object of a body; replies 400 and returns NULL when missing. */
json_t *sakura_body_appliance(struct sakura_call *c)
{
	json_t *a = json_object_get(c->body, "Appliance");

	if (!json_is_object(a)) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "request body: expected "
		                   "{\"Appliance\":{...}}");
		return NULL;
	}
	return a;
}

/* ---- common checks ------------------------------------------------------------------ */

bool sakura_still_creating(struct sakura_call *c, const struct sakura_router *r)
{
	if (r->avail != SAKURA_AVAIL_MIGRATING)
		return false;
	/* the power helper retries on exactly this (notes §1.5) */
	sakura_reply_error(c->m, c->resp, 409, "still_creating", "appliance %llu is still being "
	                   "created (Availability: migrating)", (unsigned long long)r->id);
	return true;
}

/* ---- routing ------------------------------------------------------------------------ */

#define MAX_SEGS 8

static size_t split(char *path, char **segs)
{
	size_t n = 0;
	char *save = NULL;

	for (char *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (n == MAX_SEGS)
			return MAX_SEGS + 1;
		segs[n++] = s;
	}
	return n;
}

static bool is(const char *a, const char *b)
{
	return !strcmp(a, b);
}

static void not_allowed(struct sakura_call *c)
{
	sakura_reply_error(c->m, c->resp, 405, NULL, "%s is not allowed on %.200s",
	                   c->req->method, c->req->path);
}

static struct sakura_router *lookup(struct sakura_call *c, const char *idtext)
{
	json_t *s = json_string(idtext);
	struct sakura_router *r = NULL;
	uint64_t id;

	if (s && !sakura_json_id(s, &id))
		r = sakura_router_find(c->m, c->zone, id);
	json_decref(s);
	if (!r)
		sakura_reply_error(c->m, c->resp, 404, NULL, "appliance %.24s not found in zone %s",
		                   idtext, c->zone);
	return r;
}

/* segs after ".../api/cloud/1.1/" */
static void route_api(struct sakura_call *c, char **s, size_t n)
{
	const char *meth = c->req->method;
	struct sakura_router *r;

	if (n == 0 || !is(s[0], "appliance") || n > MAX_SEGS) {
		sakura_reply_error(c->m, c->resp, 404, NULL, "no such resource: %.200s",
		                   c->req->path);
		return;
	}
	if (n == 1) {
		if (is(meth, "GET"))
			sakura_appliance_find(c);
		else if (is(meth, "POST"))
			sakura_appliance_create(c);
		else
			not_allowed(c);
		return;
	}
	r = lookup(c, s[1]);
	if (!r)
		return;
	if (n == 2) {
		if (is(meth, "GET"))
			sakura_reply_ok(c, 200, sakura_appliance_env(c, r));
		else if (is(meth, "PUT"))
			sakura_appliance_update(c, r);
		else if (is(meth, "DELETE"))
			sakura_appliance_delete(c, r);
		else
			not_allowed(c);
	} else if (n == 3 && is(s[2], "config")) {
		is(meth, "PUT") ? sakura_router_config(c, r) : not_allowed(c);
	} else if (n == 3 && is(s[2], "power")) {
		if (is(meth, "PUT"))
			sakura_power_on(c, r);
		else if (is(meth, "DELETE"))
			sakura_power_off(c, r);
		else
			not_allowed(c);
	} else if (n == 3 && is(s[2], "reset")) {
		is(meth, "PUT") ? sakura_power_reset(c, r) : not_allowed(c);
	} else if (n == 3 && is(s[2], "status")) {
		is(meth, "GET") ? sakura_router_status(c, r) : not_allowed(c);
	} else if (n == 5 && is(s[2], "download") && is(s[3], "log") && is(s[4], "VPNLogs")) {
		is(meth, "GET") ? sakura_router_logs(c, r) : not_allowed(c);
	} else if (n == 5 && is(s[2], "vpcrouter") && is(s[3], "ping")) {
		is(meth, "POST") ? sakura_router_ping(c, r, s[4]) : not_allowed(c);
	} else if (n == 7 && is(s[2], "interface") && is(s[4], "to") && is(s[5], "switch")) {
		is(meth, "PUT") ? sakura_nic_connect(c, r, s[3], s[6]) : not_allowed(c);
	} else if (n == 6 && is(s[2], "interface") && is(s[4], "to") && is(s[5], "switch")) {
		is(meth, "DELETE") ? sakura_nic_disconnect(c, r, s[3]) : not_allowed(c);
	} else if ((n == 4 && is(s[3], "monitor") && (is(s[2], "cpu") || is(s[2], "interface"))) ||
	           (n == 5 && is(s[2], "interface") && is(s[4], "monitor"))) {
		/* no traffic samples in vpnlab: an empty series (notes §2.1 shape) */
		is(meth, "GET") ? sakura_reply_ok(c, 200, json_pack("{s:{}}", "Data")) : not_allowed(c);
	} else {
		sakura_reply_error(c->m, c->resp, 404, NULL, "no such resource: %.200s",
		                   c->req->path);
	}
}

/* If path is prefix + "/" + zone + ..., take the zone and return what follows it. */
static const char *strip_zone(struct sakura_call *c, const char *path, const char *prefix)
{
	size_t pl = strlen(prefix), zl;
	const char *z;

	if (strncmp(path, prefix, pl) || path[pl] != '/')
		return NULL;
	z = path + pl + 1;
	zl = strcspn(z, "/");
	if (zl == 0 || zl >= sizeof c->zone_buf)
		return NULL;
	memcpy(c->zone_buf, z, zl);
	c->zone_buf[zl] = '\0';
	c->zone = c->zone_buf;
	return z + zl;
}

void sakura_mock_handle(void *mock, const struct http_request *req, struct http_response *resp)
{
	struct sakura_call c = { .m = mock, .req = req, .resp = resp };
	const char *path = req->path ? req->path : "", *rest, *bi;
	bool vpnlab = false, v10 = false;
	char *copy = NULL, *segs[MAX_SEGS];
	size_t n;

	resp->nheaders = 0;
	c.pretty = header(req, "X-Sakura-API-Beautify") != NULL;
	bi = header(req, "X-Sakura-Bigint-As-Int");
	c.bigint_int = bi && !strcmp(bi, "1");
	if (!req->method) {
		sakura_reply_error(c.m, resp, 400, NULL, "no method");
		return;
	}
	rest = strip_zone(&c, path, c.m->cfg.api_prefix);
	if (rest && (!strncmp(rest, API10_SUFFIX, strlen(API10_SUFFIX)) ||
	             !strcmp(rest, "/api/cloud/1.0"))) {
		v10 = true;
		rest += strlen(API10_SUFFIX) - 1;
	} else if (rest && strncmp(rest, API_SUFFIX, strlen(API_SUFFIX)) &&
	           strcmp(rest, "/api/cloud/1.1")) {
		rest = NULL;
	}
	if (!rest && !strncmp(path, API10_LEGACY, strlen(API10_LEGACY)) &&
	    (path[strlen(API10_LEGACY)] == '/' || !path[strlen(API10_LEGACY)])) {
		v10 = true;
		snprintf(c.zone_buf, sizeof c.zone_buf, "%s", c.m->zone[0]);
		c.zone = c.zone_buf;
		rest = path + strlen(API10_LEGACY);
	}
	if (!rest) {
		rest = strip_zone(&c, path, c.m->cfg.vpnlab_prefix);
		vpnlab = rest != NULL;
	}
	if (!rest) {
		sakura_reply_error(c.m, resp, 404, NULL, "no such path: %.200s", path);
		return;
	}
	if (!sakura_zone_valid(c.m, c.zone, strlen(c.zone))) {
		sakura_reply_error(c.m, resp, 404, NULL, "unknown zone '%s'", c.zone);
		return;
	}
	if (!authorized(c.m, req)) {
		/* room for the challenge header; the handler owns resp->headers here */
		snprintf(resp->headers[0].name, sizeof resp->headers[0].name, "WWW-Authenticate");
		snprintf(resp->headers[0].value, sizeof resp->headers[0].value,
		         "Basic realm=\"sakura\"");
		resp->nheaders = 1;
		sakura_reply_error(c.m, resp, 401, NULL, "authentication failed: HTTP Basic with "
		                   "the access token and secret is required");
		return;
	}
	sakura_mock_advance(c.m);
	if (body_parse(&c))
		return;
	if (is(req->method, "GET") && query_parse(&c))
		goto out;
	if (v10)
		rest += *rest == '/';
	else if (!vpnlab && !strncmp(rest, API_SUFFIX, strlen(API_SUFFIX)))
		rest += strlen(API_SUFFIX);
	else if (!vpnlab)
		rest = "";
	copy = strdup(rest);
	if (!copy) {
		sakura_reply_error(c.m, resp, 500, NULL, "out of memory");
		goto out;
	}
	n = split(copy, segs);
	if (v10 && n > 0 && n <= MAX_SEGS) {
		/* "appliance.json", "123456789012.json": the 1.0 suffix names the format */
		size_t l = strlen(segs[n - 1]);

		if (l > 5 && !strcmp(segs[n - 1] + l - 5, ".json"))
			segs[n - 1][l - 5] = '\0';
	}
	if (!vpnlab) {
		route_api(&c, segs, n);
	} else if (n >= 3 && n <= 5 && is(segs[0], "appliance")) {
		struct sakura_router *r = lookup(&c, segs[1]);

		if (r)
			sakura_vpnlab_route(c.m, r, req->method, segs + 2, n - 2, c.body, resp,
			                    c.pretty);
	} else {
		sakura_reply_error(c.m, resp, 404, NULL, "no such vpnlab path: %.200s", path);
	}
out:
	free(copy);
	sakura_json_drop(c.body);
	json_decref(c.query);
}


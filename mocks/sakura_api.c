/*
 * sakura_api.c: the handler. Routing, HTTP Basic auth, the raw "?{json}" query, request
 * bodies, envelopes and errors (notes §1), and the appliance endpoints (notes §2.1).
 */
#include "mocks/sakura_int.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define API_SUFFIX "/api/cloud/1.1/"

/* Everything one request carries into an endpoint. */
struct call {
	struct sakura_mock *m;
	const struct http_request *req;
	struct http_response *resp;
	const char *zone;               /* NUL-terminated copy in zone_buf */
	char zone_buf[8];
	json_t *body;                   /* parsed JSON body or NULL (owned) */
	json_t *query;                  /* parsed GET query or NULL (owned) */
	bool bigint_int;                /* X-Sakura-Bigint-As-Int: 1 */
	bool pretty;                    /* X-Sakura-API-Beautify */
};

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

static void reply_ok(struct call *c, int status, json_t *extra)
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

static json_t *appliance_env(struct call *c, const struct sakura_router *r)
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

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

/* Percent-decode len bytes of s ('+' is kept: Go's PathEscape does not use it). */
static char *pct_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
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
static int query_parse(struct call *c)
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
	dec = pct_decode(q, len);
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

static int body_parse(struct call *c)
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
static json_t *body_appliance(struct call *c)
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

static bool still_creating(struct call *c, const struct sakura_router *r)
{
	if (r->avail != SAKURA_AVAIL_MIGRATING)
		return false;
	/* the power helper retries on exactly this (notes §1.5) */
	sakura_reply_error(c->m, c->resp, 409, "still_creating", "appliance %llu is still being "
	                   "created (Availability: migrating)", (unsigned long long)r->id);
	return true;
}

static int check_name_fields(struct call *c, const json_t *a)
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

/* ---- create / read / find / update / delete ------------------------------------------- */

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

static json_t *user_nic(uint64_t switch_id, const char *scope)
{
	return json_pack("{s:n, s:n, s:n, s:{s:I, s:s, s:s, s:n, s:n}}", "IPAddress",
	                 "UserIPAddress", "HostName", "Switch", "ID", (json_int_t)switch_id,
	                 "Name", "", "Scope", scope, "Subnet", "UserSubnet");
}

static void appliance_create(struct call *c)
{
	struct sakura_mock *m = c->m;
	json_t *a = body_appliance(c), *remark, *v, *doc = NULL, *nics = NULL, *settings, *nic0;
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
	nic0 = plan == 1 ? shared_nic(m, &host) : user_nic(sw, "user");
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
	r->power = SAKURA_POWER_DOWN;
	r->avail = SAKURA_AVAIL_AVAILABLE;
	sakura_logf(m, "sakura: appliance %llu: created (version %d, plan %llu, zone %s)",
	            (unsigned long long)r->id, version, (unsigned long long)plan, c->zone);
	sakura_avail_set(m, r, SAKURA_AVAIL_MIGRATING, r->created + m->cfg.create_delay);
	reply_ok(c, 202, json_pack("{s:o, s:s}", "Appliance",
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
static char *filter_str(const json_t *v)
{
	const char *s = json_string_value(v);

	return s ? pct_decode(s, strlen(s)) : NULL;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return !n;
}

/* Partial match, words AND-ed (a space or an encoded %20 separates them). */
static bool match_words(const char *value, const json_t *filter)
{
	char *words = filter_str(filter), *save = NULL, *w;
	bool ok = true;

	if (!words)
		return false;
	for (w = strtok_r(words, " ", &save); w && ok; w = strtok_r(NULL, " ", &save))
		ok = contains_ci(value, w);
	free(words);
	return ok;
}

/* Exact match of any element (OR), or partial words for a plain string. */
static bool match_field(const char *value, const json_t *filter, bool exact)
{
	size_t i;
	json_t *e;

	if (json_is_string(filter)) {
		char *d;
		bool ok;

		if (!exact)
			return match_words(value, filter);
		d = filter_str(filter);
		ok = d && !strcmp(d, value);
		free(d);
		return ok;
	}
	if (json_is_array(filter)) {
		json_array_foreach(filter, i, e) {
			char num[24];
			const char *s = NULL;
			char *d = NULL;
			bool ok;

			if (json_is_integer(e)) {
				snprintf(num, sizeof num, "%lld", (long long)json_integer_value(e));
				s = num;
			} else if (json_is_string(e)) {
				s = d = filter_str(e);
			}
			ok = s && (exact ? !strcmp(s, value) : contains_ci(value, s));
			free(d);
			if (ok)
				return true;
		}
		return false;
	}
	if (json_is_integer(filter)) {
		char num[24];

		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(filter));
		return !strcmp(num, value);
	}
	return false;
}

static bool has_tag(const json_t *tags, const char *tag)
{
	size_t i;
	json_t *t;

	json_array_foreach(tags, i, t)
		if (json_is_string(t) && !strcmp(json_string_value(t), tag))
			return true;
	return false;
}

/* "Tags.Name": [["t1","t2"]] or ["t1","t2"]: every tag must be present (AND). */
static bool match_tags(const json_t *tags, const json_t *filter)
{
	size_t i;
	json_t *e;

	if (json_is_string(filter)) {
		char *d = filter_str(filter);
		bool ok = d && has_tag(tags, d);

		free(d);
		return ok;
	}
	json_array_foreach(filter, i, e) {
		if (json_is_array(e)) {
			if (!match_tags(tags, e))
				return false;
		} else {
			char *d = filter_str(e);
			bool ok = d && has_tag(tags, d);

			free(d);
			if (!ok)
				return false;
		}
	}
	return true;
}

static bool router_matches(const struct sakura_router *r, const json_t *filter)
{
	const char *key;
	char id[24];
	json_t *v;

	snprintf(id, sizeof id, "%llu", (unsigned long long)r->id);
	json_object_foreach((json_t *)filter, key, v) {
		const json_t *doc = r->doc;
		bool ok = true;

		if (!strcmp(key, "ID"))
			ok = match_field(id, v, true);
		else if (!strcmp(key, "Name"))
			ok = match_field(json_string_value(json_object_get(doc, "Name")), v, false);
		else if (!strcmp(key, "Description"))
			ok = match_field(json_string_value(json_object_get(doc, "Description")), v,
			                 false);
		else if (!strcmp(key, "Class"))
			ok = match_field("vpcrouter", v, false);
		else if (!strcmp(key, "Tags.Name") || !strcmp(key, "Tags"))
			ok = match_tags(json_object_get(doc, "Tags"), v);
		else if (!strcmp(key, "Availability"))
			ok = match_field(r->avail == SAKURA_AVAIL_MIGRATING ? "migrating" :
			                 "available", v, true);
		else if (!strcmp(key, "Instance.Status"))
			ok = match_field(sakura_status_text(r->power), v, true);
		/* other keys: ignored, as IAAS's fake driver does (notes §6) */
		if (!ok)
			return false;
	}
	return true;
}

struct sort_key {
	char field[16];
	bool desc;
};

static int sort_cmp(const struct sakura_router *a, const struct sakura_router *b,
                    const struct sort_key *keys, size_t nkeys)
{
	for (size_t k = 0; k < nkeys; k++) {
		int d = 0;

		if (!strcmp(keys[k].field, "ID"))
			d = a->id < b->id ? -1 : a->id > b->id;
		else if (!strcmp(keys[k].field, "Name"))
			d = strcmp(json_string_value(json_object_get(a->doc, "Name")),
			           json_string_value(json_object_get(b->doc, "Name")));
		else if (!strcmp(keys[k].field, "CreatedAt"))
			d = a->created < b->created ? -1 : a->created > b->created;
		if (d)
			return keys[k].desc ? -d : d;
	}
	return 0;
}

static int find_params(struct call *c, long long *from, long long *count, json_t **filter,
                       struct sort_key *keys, size_t *nkeys)
{
	const json_t *q = c->query, *v, *s;
	const char *names[] = { "From", "Count" };
	long long *dst[] = { from, count };
	size_t i;

	*from = *count = 0;
	*filter = NULL;
	*nkeys = 0;
	for (int k = 0; k < 2; k++) {
		v = json_object_get(q, names[k]);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.%s: expected an integer "
			                   ">= 0", names[k]);
			return -EINVAL;
		}
		*dst[k] = json_integer_value(v);
	}
	v = json_object_get(q, "Filter");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.Filter: expected an "
			                   "object");
			return -EINVAL;
		}
		*filter = (json_t *)v;
	}
	v = json_object_get(q, "Sort");
	if (json_is_string(v) || (v && !json_is_null(v) && !json_is_array(v))) {
		if (!json_is_string(v)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.Sort: expected an array "
			                   "of field names");
			return -EINVAL;
		}
	}
	for (i = 0; v && i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
		const char *f;

		s = json_is_array(v) ? json_array_get(v, i) : v;
		f = json_string_value(s);
		if (!f) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.Sort[%zu]: expected a "
			                   "string", i);
			return -EINVAL;
		}
		if (*nkeys == 4)
			break;
		keys[*nkeys].desc = *f == '-';
		f += *f == '-';
		if (strcmp(f, "ID") && strcmp(f, "Name") && strcmp(f, "CreatedAt")) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.Sort[%zu]: '%.32s': "
			                   "vpnlab sorts by ID, Name or CreatedAt", i, f);
			return -EINVAL;
		}
		snprintf(keys[*nkeys].field, sizeof keys[0].field, "%s", f);
		(*nkeys)++;
	}
	return 0;
}

static void appliance_find(struct call *c)
{
	struct sakura_mock *m = c->m;
	struct sakura_router **hits;
	struct sort_key keys[4];
	long long from, count;
	size_t nkeys, n = 0, shown = 0;
	json_t *filter, *list;

	if (find_params(c, &from, &count, &filter, keys, &nkeys))
		return;
	hits = calloc(m->nrouters + 1, sizeof *hits);
	list = json_array();
	if (!hits || !list) {
		free(hits);
		json_decref(list);
		sakura_reply_error(m, c->resp, 500, NULL, "out of memory");
		return;
	}
	for (size_t i = 0; i < m->nrouters; i++)
		if (!strcmp(m->routers[i]->zone, c->zone) &&
		    (!filter || router_matches(m->routers[i], filter)))
			hits[n++] = m->routers[i];
	/* insertion sort: stable, and lists are small */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && sort_cmp(hits[j - 1], hits[j], keys, nkeys) > 0; j--) {
			struct sakura_router *t = hits[j];

			hits[j] = hits[j - 1];
			hits[j - 1] = t;
		}
	for (size_t i = (size_t)from; i < n && (count == 0 || (long long)shown < count); i++) {
		json_array_append_new(list, sakura_render_appliance(m, hits[i], c->bigint_int));
		shown++;
	}
	free(hits);
	/* the list envelope (notes §1.4) */
	sakura_reply(c->resp, 200, json_pack("{s:I, s:I, s:I, s:o}", "Total", (json_int_t)n,
	                                     "From", (json_int_t)from, "Count",
	                                     (json_int_t)shown, "Appliances", list), c->pretty);
}

static void appliance_update(struct call *c, struct sakura_router *r)
{
	json_t *a = body_appliance(c), *v, *settings;
	char err[384], hash[33] = "";
	uint64_t plan;

	if (!a || check_name_fields(c, a) || still_creating(c, r))
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
		json_object_set_new(r->doc, "Settings", copy);
	}
	reply_ok(c, 200, appliance_env(c, r));
}

static void appliance_delete(struct call *c, struct sakura_router *r)
{
	json_t *env;

	if (still_creating(c, r))
		return;
	/* vpnlab's choice (notes §8): clients always stop it first */
	if (r->power != SAKURA_POWER_DOWN) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is %s: shut it down "
		                   "first", (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	env = appliance_env(c, r);
	sakura_logf(c->m, "sakura: appliance %llu: deleted", (unsigned long long)r->id);
	sakura_router_remove(c->m, r);
	reply_ok(c, 200, env);
}

/* ---- actions ------------------------------------------------------------------------ */

static void router_config(struct call *c, struct sakura_router *r)
{
	if (still_creating(c, r))
		return;
	if (r->power == SAKURA_POWER_UP && !r->stuck)
		sakura_router_apply(c->m, r, SAKURA_APPLY_CONFIG);
	else if (r->stuck)
		sakura_logf(c->m, "sakura: appliance %llu: /config ignored: the router is stuck",
		            (unsigned long long)r->id);
	/* down or in transition: the boot applies the saved settings (notes §7.4) */
	reply_ok(c, 200, NULL);
}

static void power_on(struct call *c, struct sakura_router *r)
{
	if (still_creating(c, r))
		return;
	if (r->power != SAKURA_POWER_DOWN) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is already %s",
		                   (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	sakura_power_set(c->m, r, SAKURA_POWER_BOOTING, sakura_now(c->m) + c->m->cfg.boot_delay);
	reply_ok(c, 200, NULL);
}

static void power_off(struct call *c, struct sakura_router *r)
{
	const json_t *force = json_object_get(c->body, "Force");
	lab_ns delay;

	if (force && !json_is_boolean(force)) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "Force: expected true or false");
		return;
	}
	if (still_creating(c, r))
		return;
	if (r->power != SAKURA_POWER_UP && r->power != SAKURA_POWER_BOOTING) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is %s",
		                   (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	delay = json_is_true(force) ? c->m->cfg.force_stop_delay : c->m->cfg.stop_delay;
	sakura_power_set(c->m, r, SAKURA_POWER_CLEANING, sakura_now(c->m) + delay);
	reply_ok(c, 200, NULL);
}

static void power_reset(struct call *c, struct sakura_router *r)
{
	if (still_creating(c, r))
		return;
	if (r->power != SAKURA_POWER_UP) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is %s: reset needs "
		                   "it up", (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	for (size_t i = 0; i < r->npeers; i++)
		r->peers[i].up = false;
	if (c->m->have_gw && c->m->gw.powered_off)
		c->m->gw.powered_off(c->m->gw.ctx, r->id);
	sakura_power_set(c->m, r, SAKURA_POWER_BOOTING, sakura_now(c->m) + c->m->cfg.boot_delay);
	reply_ok(c, 200, NULL);
}

/* {"Router":{...}} (notes §4) */
static void router_status(struct call *c, struct sakura_router *r)
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
	reply_ok(c, 200, json_pack("{s:o}", "Router", router));
}

/* {"Log":"line\n...","is_ok":true} (notes §1.4, libsacloud #821) */
static void router_logs(struct call *c, struct sakura_router *r)
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
	reply_ok(c, 200, json_pack("{s:s}", "Log", text));
	free(text);
}

static void router_ping(struct call *c, struct sakura_router *r, const char *dest)
{
	char out[2048] = "", *save = NULL, *line;
	uint32_t a;
	json_t *res;
	int rc;

	if (sakura_ipv4_parse(dest, &a)) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "ping: '%.64s' is not an IPv4 "
		                   "address", dest);
		return;
	}
	if (still_creating(c, r))
		return;
	if (r->power != SAKURA_POWER_UP) {
		sakura_reply_error(c->m, c->resp, 409, NULL, "appliance %llu is %s: ping needs it "
		                   "up", (unsigned long long)r->id, sakura_power_name(r->power));
		return;
	}
	if (c->m->have_gw && c->m->gw.ping) {
		rc = c->m->gw.ping(c->m->gw.ctx, r->id, dest, out, sizeof out);
		if (rc) {
			sakura_reply_error(c->m, c->resp, 500, NULL, "ping %s failed: %s", dest,
			                   strerror(-rc));
			return;
		}
	} else {
		snprintf(out, sizeof out, "vpnlab: no gateway attached, ping to %s not sent",
		         dest);
	}
	res = json_array();
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		json_array_append_new(res, json_string(line));
	reply_ok(c, 200, json_pack("{s:o}", "Result", res));
}

static int nic_index(struct call *c, const char *s, long *out)
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

static void nic_connect(struct call *c, struct sakura_router *r, const char *idx,
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
	if (still_creating(c, r))
		return;
	if (!json_is_null(json_array_get(nics, (size_t)n))) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "interface %ld is already connected",
		                   n);
		return;
	}
	json_array_set_new(nics, (size_t)n, user_nic(id, "user"));
	reply_ok(c, 200, NULL);
}

static void nic_disconnect(struct call *c, struct sakura_router *r, const char *idx)
{
	json_t *nics = json_object_get(r->doc, "Interfaces");
	long n;

	if (nic_index(c, idx, &n) || still_creating(c, r))
		return;
	if (json_is_null(json_array_get(nics, (size_t)n))) {
		sakura_reply_error(c->m, c->resp, 400, NULL, "interface %ld is not connected", n);
		return;
	}
	json_array_set_new(nics, (size_t)n, json_null());
	reply_ok(c, 200, NULL);
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

static void not_allowed(struct call *c)
{
	sakura_reply_error(c->m, c->resp, 405, NULL, "%s is not allowed on %.200s",
	                   c->req->method, c->req->path);
}

static struct sakura_router *lookup(struct call *c, const char *idtext)
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
static void route_api(struct call *c, char **s, size_t n)
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
			appliance_find(c);
		else if (is(meth, "POST"))
			appliance_create(c);
		else
			not_allowed(c);
		return;
	}
	r = lookup(c, s[1]);
	if (!r)
		return;
	if (n == 2) {
		if (is(meth, "GET"))
			reply_ok(c, 200, appliance_env(c, r));
		else if (is(meth, "PUT"))
			appliance_update(c, r);
		else if (is(meth, "DELETE"))
			appliance_delete(c, r);
		else
			not_allowed(c);
	} else if (n == 3 && is(s[2], "config")) {
		is(meth, "PUT") ? router_config(c, r) : not_allowed(c);
	} else if (n == 3 && is(s[2], "power")) {
		if (is(meth, "PUT"))
			power_on(c, r);
		else if (is(meth, "DELETE"))
			power_off(c, r);
		else
			not_allowed(c);
	} else if (n == 3 && is(s[2], "reset")) {
		is(meth, "PUT") ? power_reset(c, r) : not_allowed(c);
	} else if (n == 3 && is(s[2], "status")) {
		is(meth, "GET") ? router_status(c, r) : not_allowed(c);
	} else if (n == 5 && is(s[2], "download") && is(s[3], "log") && is(s[4], "VPNLogs")) {
		is(meth, "GET") ? router_logs(c, r) : not_allowed(c);
	} else if (n == 5 && is(s[2], "vpcrouter") && is(s[3], "ping")) {
		is(meth, "POST") ? router_ping(c, r, s[4]) : not_allowed(c);
	} else if (n == 7 && is(s[2], "interface") && is(s[4], "to") && is(s[5], "switch")) {
		is(meth, "PUT") ? nic_connect(c, r, s[3], s[6]) : not_allowed(c);
	} else if (n == 6 && is(s[2], "interface") && is(s[4], "to") && is(s[5], "switch")) {
		is(meth, "DELETE") ? nic_disconnect(c, r, s[3]) : not_allowed(c);
	} else if ((n == 4 && is(s[3], "monitor") && (is(s[2], "cpu") || is(s[2], "interface"))) ||
	           (n == 5 && is(s[2], "interface") && is(s[4], "monitor"))) {
		/* no traffic samples in vpnlab: an empty series (notes §2.1 shape) */
		is(meth, "GET") ? reply_ok(c, 200, json_pack("{s:{}}", "Data")) : not_allowed(c);
	} else {
		sakura_reply_error(c->m, c->resp, 404, NULL, "no such resource: %.200s",
		                   c->req->path);
	}
}

/* If path is prefix + "/" + zone + ..., take the zone and return what follows it. */
static const char *strip_zone(struct call *c, const char *path, const char *prefix)
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
	struct call c = { .m = mock, .req = req, .resp = resp };
	const char *path = req->path ? req->path : "", *rest, *bi;
	bool vpnlab = false;
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
	if (rest && strncmp(rest, API_SUFFIX, strlen(API_SUFFIX)) &&
	    strcmp(rest, "/api/cloud/1.1"))
		rest = NULL;
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
	if (!vpnlab && !strncmp(rest, API_SUFFIX, strlen(API_SUFFIX)))
		rest += strlen(API_SUFFIX);
	else if (!vpnlab)
		rest = "";
	copy = strdup(rest);
	if (!copy) {
		sakura_reply_error(c.m, resp, 500, NULL, "out of memory");
		goto out;
	}
	n = split(copy, segs);
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
	json_decref(c.body);
	json_decref(c.query);
}

/*
 * cloud_step.c: api and cloud wait steps (see cloud_step.h).
 */
#include "harness/cloud_step.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "harness/http_client.h"

#define FILL_MAX (64u * 1024)
#define REQUEST_TIMEOUT_S 30

static const char *var_get(void *ctx, const char *name, bool *json)
{
	return lab_clouds_var_get(ctx, name, json);
}

static bool var_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || ch == '.';
}

int cloud_step_fill(cloud_var_fn get, void *ctx, const char *tmpl, bool quote, char *out,
                    size_t outlen, char *msg, size_t msglen)
{
	size_t o = 0;

	for (const char *p = tmpl; *p;) {
		size_t len = 0;

		if (*p == '{') {
			while (var_char(p[1 + len]))
				len++;
		}
		if (len && p[1 + len] == '}') {
			char name[SC_NAME_MAX];
			const char *v;
			bool json = false, whole;

			snprintf(name, sizeof name, "%.*s", (int)len, p + 1);
			v = get(ctx, name, &json);
			if (!v) {
				snprintf(msg, msglen, "{%s}: no step has saved it yet", name);
				return -ENOENT;
			}
			/* "{NAME}" as a whole JSON string, in a body: the document itself */
			whole = quote && json && o > 0 && out[o - 1] == '"' && p[len + 2] == '"';
			if (whole)
				o--;
			for (; *v; v++) {
				if (o + 7 >= outlen)
					goto full;
				if (quote && !whole && (*v == '"' || *v == '\\'))
					out[o++] = '\\';
				out[o++] = *v;
			}
			p += len + 2 + (whole ? 1 : 0);
			continue;
		}
		if (o + 1 >= outlen)
			goto full;
		out[o++] = *p++;
	}
	out[o] = 0;
	return 0;
full:
	snprintf(msg, msglen, "the filled-in text is over %zu bytes", outlen - 1);
	return -ENOSPC;
}

/* Percent-encode what may not stand in a request target (the Sakura API takes raw JSON in
 * the query; RFC 3986 2.1). */
static void target_encode(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < outlen; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch <= 0x20 || ch >= 0x7f || strchr("\"<>\\^`{|}", ch)) {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = 0;
}

static bool call_done(void *ctx)
{
	return http_call_done(ctx);
}

/* One request, run on the loop until answered. 0 with *call done (caller frees), or -errno. */
static int request(struct lab_clouds *lc, struct loop *loop, int cloud, const char *method,
                   const char *target, const char *body, lab_ns deadline,
                   struct http_call **call, char *msg, size_t msglen)
{
	const struct sockaddr *to;
	socklen_t tolen;
	int nsfd, err;
	const char *host;
	char auth[700] = "", enc[4096];
	const char *headers[2] = { NULL, NULL };
	struct http_call_opts o = { 0 };

	if (lab_clouds_endpoint(lc, cloud, &to, &tolen, &nsfd, &host)) {
		snprintf(msg, msglen, "the %s cloud is not running", scenario_cloud_name(cloud));
		return -ENOENT;
	}
	if (cloud == SC_CLOUD_K5 && lab_clouds_k5_token(lc)[0]) {
		snprintf(auth, sizeof auth, "X-Auth-Token: %s", lab_clouds_k5_token(lc));
		headers[0] = auth;
	} else if (cloud == SC_CLOUD_SAKURA) {
		const struct sc_cloud *cl = lab_clouds_config(lc, cloud);
		char cred[200];
		unsigned char b64[300];
		int n = snprintf(cred, sizeof cred, "%s:%s", cl->token, cl->secret);

		EVP_EncodeBlock(b64, (const unsigned char *)cred, n);
		snprintf(auth, sizeof auth, "Authorization: Basic %s", b64);
		explicit_bzero(cred, sizeof cred);
		headers[0] = auth;
	}
	target_encode(target, enc, sizeof enc);
	o.loop = loop;
	o.nsfd = nsfd;
	o.to = to;
	o.tolen = tolen;
	o.method = method;
	o.host = host;
	o.target = enc;
	o.headers = headers;
	o.body = body;
	o.body_len = body ? strlen(body) : 0;
	err = http_call_start(call, &o, msg, msglen);
	explicit_bzero(auth, sizeof auth);
	if (err)
		return err;
	/* a mock answers within the same lab instant; 30 s is for one that never does */
	if (deadline > loop_now(loop) + lab_sec(REQUEST_TIMEOUT_S))
		deadline = loop_now(loop) + lab_sec(REQUEST_TIMEOUT_S);
	err = loop_run(loop, deadline, call_done, *call);
	if (err) {
		if (err == -ETIMEDOUT || err == -EDEADLK)
			snprintf(msg, msglen, "%s %s: no answer within %d s of lab time (or before the "
			         "scenario's timeout)", method, target, REQUEST_TIMEOUT_S);
		http_call_free(*call);
		*call = NULL;
	}
	return err;
}

/* A value at a dotted path ("ikepolicy.id", "Appliances.0.ID") as text. */
static bool json_path(json_t *root, const char *path, char *out, size_t outlen, bool *doc)
{
	char buf[128], *save = NULL, *tok;
	json_t *v = root;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v)) {
			char *end;
			long i = strtol(tok, &end, 10);

			v = *end || i < 0 ? NULL : json_array_get(v, (size_t)i);
		} else {
			v = json_object_get(v, tok);
		}
	}
	if (doc)
		*doc = false;
	if (!v)
		return false;
	if (json_is_string(v)) {
		if (json_string_length(v) >= outlen)
			return false;
		snprintf(out, outlen, "%s", json_string_value(v));
	}
	else if (json_is_integer(v))
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
	else if (json_is_true(v) || json_is_false(v))
		snprintf(out, outlen, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_real(v))
		snprintf(out, outlen, "%g", json_real_value(v));
	else if (json_is_object(v) || json_is_array(v)) {
		char *t = json_dumps(v, JSON_COMPACT);
		bool fits = t && strlen(t) < outlen;

		if (fits)
			memcpy(out, t, strlen(t) + 1);
		if (t) {
			explicit_bzero(t, strlen(t));   /* an export holds pre-shared keys */
			free(t);
		}
		if (!fits)
			return false;
		if (doc)
			*doc = true;
	} else {
		return false;
	}
	return true;
}

/* The error an API answered with: "type: message". */
static void api_error(json_t *j, char *type, size_t tlen, char *text, size_t xlen)
{
	json_t *ne = json_object_get(j, "NeutronError"), *ks = json_object_get(j, "error");

	type[0] = text[0] = 0;
	if (ne) {
		snprintf(type, tlen, "%s", json_string_value(json_object_get(ne, "type")) ?: "");
		snprintf(text, xlen, "%s", json_string_value(json_object_get(ne, "message")) ?: "");
	} else if (json_is_object(ks)) {
		/* Keystone: {"error": {"code": 401, "title": "Unauthorized", "message": ...}} */
		snprintf(type, tlen, "%s", json_string_value(json_object_get(ks, "title")) ?: "");
		snprintf(text, xlen, "%s", json_string_value(json_object_get(ks, "message")) ?: "");
	} else if (json_object_get(j, "error_code")) {
		snprintf(type, tlen, "%s", json_string_value(json_object_get(j, "error_code")) ?: "");
		snprintf(text, xlen, "%s", json_string_value(json_object_get(j, "error_msg")) ?: "");
	}
}

static void excerpt(const char *body, char *out, size_t outlen)
{
	size_t n = strlen(body);

	if (n > 160)
		snprintf(out, outlen, "%.160s...", body);
	else
		snprintf(out, outlen, "%s", body);
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void login_body(const struct sc_api *a, char *out, size_t outlen)
{
	json_t *j = json_pack("{s{s{s[s]s{s{sss{ss}ss}}}s{s{sss{ss}}}}}", "auth", "identity",
	                      "methods", "password", "password", "user", "name", a->user,
	                      "domain", "name", a->domain, "password", a->password, "scope",
	                      "project", "name", a->project, "domain", "name", a->domain);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	snprintf(out, outlen, "%s", s ? s : "");
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
	json_decref(j);
}

int cloud_step_api(struct lab_clouds *lc, struct loop *loop, struct report *r,
                   struct step_result *sr, const struct sc_step *s, const char *where,
                   lab_ns deadline, char *msg, size_t msglen)
{
	const struct sc_api *a = s->u.api;
	char path[2048], *body = NULL, type[128], text[256], ex[200], name[192];
	const struct http_client_response *resp;
	const char *cmsg;
	struct http_call *call = NULL;
	struct check *c;
	json_t *j = NULL;
	bool pass;
	int err;

	if (!lc) {
		snprintf(msg, msglen, "no cloud is running");
		return -ENOENT;
	}
	if (a->cloud == SC_CLOUD_SAKURA)
		lab_clouds_var_set(lc, "zone", lab_clouds_config(lc, a->cloud)->zone, false);
	if ((err = cloud_step_fill(var_get, lc, a->path, false, path, sizeof path, msg, msglen)))
		return err;
	body = malloc(FILL_MAX);
	if (!body)
		return -ENOMEM;
	if (a->login)
		login_body(a, body, FILL_MAX);
	else if (!a->body)
		body[0] = 0;
	else if ((err = cloud_step_fill(var_get, lc, a->body, true, body, FILL_MAX, msg,
	                                msglen)))
		goto out;
	err = request(lc, loop, a->cloud, a->method, path, a->login || a->body ? body : NULL,
	              deadline, &call, msg, msglen);
	if (err)
		goto out;
	err = http_call_result(call, &resp, &cmsg);
	if (err) {
		snprintf(msg, msglen, "%s %s: %s", a->method, path, cmsg);
		goto out;
	}
	j = json_loadb(resp->body, resp->body_len, 0, NULL);
	api_error(j, type, sizeof type, text, sizeof text);
	excerpt(resp->body, ex, sizeof ex);

	pass = a->expect_status ? resp->status == a->expect_status :
	       resp->status >= 200 && resp->status < 300;
	snprintf(name, sizeof name, "%s: status", sr->label);
	c = report_check(r, sr, pass, name);
	if (a->expect_status)
		snprintf(c->expected, sizeof c->expected, "HTTP %d", a->expect_status);
	else
		snprintf(c->expected, sizeof c->expected, "HTTP 2xx");
	if (type[0])
		snprintf(c->observed, sizeof c->observed, "HTTP %d %s: %s: %s", resp->status,
		         resp->reason, type, text);
	else
		snprintf(c->observed, sizeof c->observed, "HTTP %d %s %s", resp->status, resp->reason,
		         ex);
	snprintf(c->where, sizeof c->where, "%s", where);
	c->at = loop_now(loop);

	if (a->expect_error[0]) {
		snprintf(name, sizeof name, "%.120s: error %.63s", sr->label, a->expect_error);
		c = report_check(r, sr, !strcmp(type, a->expect_error), name);
		snprintf(c->expected, sizeof c->expected, "the API answers with error %s",
		         a->expect_error);
		if (type[0])
			snprintf(c->observed, sizeof c->observed, "%s: %s", type, text);
		else
			snprintf(c->observed, sizeof c->observed, "no error in the answer: %s", ex);
		snprintf(c->where, sizeof c->where, "%s", where);
		c->at = loop_now(loop);
	}
	for (size_t i = 0; i < a->ncontains; i++) {
		const char *t = a->expect_contains[i];
		const char *at = resp->body ? strstr(resp->body, t) : NULL;

		snprintf(name, sizeof name, "%.110s: contains '%.60s'", sr->label, t);
		c = report_check(r, sr, at != NULL, name);
		snprintf(c->expected, sizeof c->expected, "the answer holds '%.200s'", t);
		if (at) {
			/* the line it is on (in a JSON string lines end in the two characters
			 * backslash n), so a reader sees it in context */
			const char *b = at, *e = at;

			while (b > resp->body && at - b < 160 && !(b - resp->body >= 2 &&
			       b[-2] == '\\' && b[-1] == 'n'))
				b--;
			while (*e && e - at < 160 && !(e[0] == '\\' && e[1] == 'n'))
				e++;
			snprintf(c->observed, sizeof c->observed, "found: %.*s", (int)(e - b), b);
		} else {
			snprintf(c->observed, sizeof c->observed, "not in the %zu-byte answer: %s",
			         resp->body_len, ex);
		}
		snprintf(c->where, sizeof c->where, "%s", where);
		c->at = loop_now(loop);
	}
	if (a->login && resp->status == 201) {
		const char *tok = http_client_response_header(resp, "X-Subject-Token");

		lab_clouds_k5_token_set(lc, tok ? tok : "");
	}
	for (size_t i = 0; i < a->nsaves && body; i++) {
		const struct sc_api_save *sv = &a->saves[i];
		char *val = body;       /* the request is sent: its buffer holds the value now */
		bool ok, doc = false;

		explicit_bzero(body, FILL_MAX);
		if (!strncmp(sv->from, "header:", 7)) {
			const char *h = http_client_response_header(resp, sv->from + 7);

			ok = h != NULL;
			snprintf(val, LAB_CLOUD_VAR_MAX, "%s", h ? h : "");
		} else {
			ok = j && json_path(j, sv->from, val, LAB_CLOUD_VAR_MAX, &doc);
		}
		if (ok)
			ok = lab_clouds_var_set(lc, sv->var, val, doc) == 0;
		snprintf(name, sizeof name, "%s: save %s", sr->label, sv->var);
		c = report_check(r, sr, ok, name);
		snprintf(c->expected, sizeof c->expected, "%s in the answer (a value under %d bytes)",
		         sv->from, LAB_CLOUD_VAR_MAX);
		if (ok && doc) {
			/* a document (an export) may hold keys: its size, not its text */
			snprintf(c->observed, sizeof c->observed, "{%s} = a JSON %s of %zu bytes", sv->var,
			         val[0] == '[' ? "array" : "object", strlen(val));
		} else if (ok) {
			size_t nl = strcspn(val, "\n");

			/* a log is many lines: the first stands for it in the report */
			snprintf(c->observed, sizeof c->observed, "{%s} = %.*s%s", sv->var,
			         (int)(nl > 400 ? 400 : nl), val, val[nl] ? " ..." : "");
		} else {
			snprintf(c->observed, sizeof c->observed, "not there (or too long): %s", ex);
		}
		snprintf(c->where, sizeof c->where, "%s", where);
		c->at = loop_now(loop);
	}
out:
	json_decref(j);
	http_call_free(call);
	if (body) {
		explicit_bzero(body, strlen(body));
		free(body);
	}
	return err;
}

/* GET target and parse the body (*j NULL when it is not JSON). On success the caller owns
 * *call (http_call_free) and *j (json_decref); *resp lives as long as *call. */
static int get_json(struct lab_clouds *lc, struct loop *loop, int cloud, const char *target,
                    lab_ns deadline, struct http_call **call,
                    const struct http_client_response **resp, json_t **j, char *msg,
                    size_t msglen)
{
	const char *cmsg;
	int err;

	if ((err = request(lc, loop, cloud, "GET", target, NULL, deadline, call, msg, msglen)))
		return err;
	if ((err = http_call_result(*call, resp, &cmsg))) {
		snprintf(msg, msglen, "GET %s: %s", target, cmsg);
		http_call_free(*call);
		*call = NULL;
		return err;
	}
	*j = json_loadb((*resp)->body, (*resp)->body_len, 0, NULL);
	return 0;
}

/* The state the wait looks at, from one poll; "" if the object is not (yet) there. */
static int poll_once(struct lab_clouds *lc, struct loop *loop, const struct sc_cloud_wait *w,
                     lab_ns deadline, char *seen, size_t seenlen, char *msg, size_t msglen)
{
	char target[1024], obj[600];
	struct http_call *call = NULL;
	const struct http_client_response *resp;
	json_t *j, *list;
	int err;

	seen[0] = 0;
	if (w->cloud == SC_CLOUD_K5) {
		target_encode(w->object, obj, sizeof obj);
		snprintf(target, sizeof target, "/v2.0/vpn/ipsec-site-connections?name=%s", obj);
	} else {
		json_t *q = json_pack("{s{ss}}", "Filter", "Name", w->object);
		char *qs = q ? json_dumps(q, JSON_COMPACT) : NULL;

		snprintf(target, sizeof target, "/cloud/zone/%s/api/cloud/1.1/appliance?%s",
		         lab_clouds_config(lc, w->cloud)->zone, qs ? qs : "");
		free(qs);
		json_decref(q);
	}
	if ((err = get_json(lc, loop, w->cloud, target, deadline, &call, &resp, &j, msg, msglen)))
		return err;
	if (resp->status != 200) {
		char type[128], text[256];

		api_error(j, type, sizeof type, text, sizeof text);
		snprintf(seen, seenlen, "HTTP %d %.60s %.150s", resp->status, type, text);
	} else if (w->cloud == SC_CLOUD_K5) {
		list = json_object_get(j, "ipsec_site_connections");
		if (!json_path(list, "0.status", seen, seenlen, NULL))
			snprintf(seen, seenlen, "no connection named '%.150s'", w->object);
	} else {
		char id[32];

		list = json_object_get(j, "Appliances");
		if (!json_path(list, "0.ID", id, sizeof id, NULL)) {
			snprintf(seen, seenlen, "no appliance named '%.150s'", w->object);
		} else if (!strcmp(w->field, "availability")) {
			json_path(list, "0.Availability", seen, seenlen, NULL);
		} else if (!strcmp(w->field, "instance")) {
			json_path(list, "0.Instance.Status", seen, seenlen, NULL);
		} else {
			/* the status endpoint: Router.SiteToSiteIPsecVPNPeers[] {Peer, Status} */
			json_t *st, *peers, *p;
			size_t i;

			json_decref(j);
			j = NULL;
			http_call_free(call);
			call = NULL;
			snprintf(target, sizeof target, "/cloud/zone/%s/api/cloud/1.1/appliance/%s/status",
			         lab_clouds_config(lc, w->cloud)->zone, id);
			err = get_json(lc, loop, w->cloud, target, deadline, &call, &resp, &j, msg,
			               msglen);
			if (err)
				return err;
			st = json_object_get(j, "Router");
			peers = json_object_get(st, "SiteToSiteIPsecVPNPeers");
			snprintf(seen, seenlen, "HTTP %d, peer %s not in the status", resp->status,
			         w->peer);
			json_array_foreach(peers, i, p)
				if (!strcmp(json_string_value(json_object_get(p, "Peer")) ?: "", w->peer))
					snprintf(seen, seenlen, "%s",
					         json_string_value(json_object_get(p, "Status")) ?: "?");
		}
	}
	json_decref(j);
	http_call_free(call);
	return 0;
}

int cloud_step_wait(struct lab_clouds *lc, struct loop *loop, struct report *r,
                    struct step_result *sr, const struct sc_step *s, const char *where,
                    lab_ns deadline, char *msg, size_t msglen)
{
	const struct sc_cloud_wait *w = &s->u.cwait;
	lab_ns start = loop_now(loop), end = start + w->within;
	char seen[256] = "", took[32], within[32];
	struct check *c;
	bool pass = false;
	int err = 0, polls = 0;

	if (!lc) {
		snprintf(msg, msglen, "no cloud is running");
		return -ENOENT;
	}
	if (end > deadline)
		end = deadline;
	for (;;) {
		err = poll_once(lc, loop, w, end, seen, sizeof seen, msg, msglen);
		polls++;
		if (err)
			break;
		if (!strcmp(seen, w->value)) {
			pass = true;
			break;
		}
		if (loop_now(loop) + w->every > end)
			break;
		err = loop_run(loop, loop_now(loop) + w->every, NULL, NULL);
		if (err == -ETIMEDOUT)
			err = 0;
		if (err)
			break;
	}
	if (err == -ETIMEDOUT) {
		err = 0;
		snprintf(seen, sizeof seen, "no answer in time");
	}
	if (err)
		return err;
	c = report_check(r, sr, pass, sr->label);
	report_fmt_time(w->within, within, sizeof within);
	report_fmt_time(loop_now(loop) - start, took, sizeof took);
	if (!strcmp(w->field, "peer"))
		snprintf(c->expected, sizeof c->expected, "%.100s peer %.63s %.31s within %.30s", w->object, w->peer,
		         w->value, within);
	else
		snprintf(c->expected, sizeof c->expected, "%.150s %.15s %.31s within %.30s", w->object, w->field,
		         w->value, within);
	snprintf(c->observed, sizeof c->observed, "%s after %s (%d polls)", seen, took, polls);
	snprintf(c->where, sizeof c->where, "%s", where);
	c->at = loop_now(loop);
	return 0;
}

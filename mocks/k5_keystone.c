/*
 * k5_keystone.c: the part of Keystone v3 the clients use (research note section 2): version
 * discovery (GET /v3, GET /), password authentication with project scope (POST
 * /v3/auth/tokens -> 201, X-Subject-Token, a token body with a catalog pointing back at this
 * mock), token validation (GET /v3/auth/tokens), and the X-Auth-Token check of every other call
 * with Keystone's 401 shape.
 */
#include "mocks/k5_internal.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* ---- errors in Keystone's shape: {"error": {"code", "title", "message"}} ---- */

static void ks_error(struct k5_mock *k, struct http_response *resp, int code, const char *title,
                     const char *msg)
{
	char uri[320];

	if (code == 401) {
		snprintf(uri, sizeof uri, "Keystone uri=\"http://%s/v3\"", k->host);
		http_response_add_header(resp, "WWW-Authenticate", uri);
	}
	k5_reply_json(resp, code, json_pack("{s{sissss}}", "error", "code", code, "title", title,
	                                    "message", msg));
}

static void ks_unauthorized(struct k5_mock *k, struct http_response *resp)
{
	ks_error(k, resp, 401, "Unauthorized",
	         "The request you have made requires authentication.");
}

/* A stable 32-hex id for a name (Keystone ids are uuid4().hex). */
static void name_id(const char *kind, const char *name, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	memset(md, 0, sizeof md);
	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(c, kind, strlen(kind) + 1) &&
	    EVP_DigestUpdate(c, name, strlen(name)))
		EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static json_t *version_obj(struct k5_mock *k)
{
	char self[320];

	snprintf(self, sizeof self, "http://%s/v3/", k->host);
	return json_pack("{ss ss ss s[{ssss}] s[{ssss}]}", "id", "v3.14", "status", "stable",
	                 "updated", "2020-04-07T00:00:00Z", "links", "rel", "self", "href", self,
	                 "media-types", "base", "application/json", "type",
	                 "application/vnd.openstack.identity-v3+json");
}

static json_t *catalog(struct k5_mock *k)
{
	char net[300], ident[320], id1[37], id2[37], id3[37], id4[37];

	/* URLs point back at the host the client used; the network one is unversioned */
	snprintf(net, sizeof net, "http://%s", k->host);
	snprintf(ident, sizeof ident, "http://%s/v3", k->host);
	name_id("service", "network", id1);
	name_id("service", "identity", id2);
	name_id("endpoint", "network", id3);
	name_id("endpoint", "identity", id4);
	return json_pack("[{ss ss ss s[{ss ss ss ss ss}]}, {ss ss ss s[{ss ss ss ss ss}]}]",
	                 "type", "network", "name", "neutron", "id", id1, "endpoints",
	                 "id", id3, "interface", "public", "region", k->region,
	                 "region_id", k->region, "url", net,
	                 "type", "identity", "name", "keystone", "id", id2, "endpoints",
	                 "id", id4, "interface", "public", "region", k->region,
	                 "region_id", k->region, "url", ident);
}

/* {"name": x} or {"id": x} -> (id, name). */
static bool ref_parse(json_t *ref, const char *kind, char id[33], const char **name)
{
	const char *i = json_string_value(json_object_get(ref, "id"));
	const char *n = json_string_value(json_object_get(ref, "name"));

	if (!json_is_object(ref) || (!i && !n))
		return false;
	if (i)
		snprintf(id, 33, "%.32s", i);
	else
		name_id(kind, n, id);
	*name = n ? n : i;
	return true;
}

static void issue_token(struct k5_mock *k, const struct http_request *req,
                        struct http_response *resp)
{
	json_error_t jerr;
	json_t *body = NULL, *auth, *ident, *user, *udom, *scope, *proj, *pdom, *methods, *tok;
	json_t *tokens, *v;
	const char *uname, *pw, *udom_name = "", *pname = NULL, *pdom_name = "", *key;
	char uid[33], udom_id[33], pid[33], pdom_id[33], token[65], audit[23];
	char issued[40], expires[40];
	uint8_t raw[32];
	bool pw_method = false;
	size_t i;
	void *iter;

	if (req->body_len)
		body = json_loadb((const char *)req->body, req->body_len, 0, &jerr);
	auth = json_object_get(body, "auth");
	ident = json_object_get(auth, "identity");
	methods = json_object_get(ident, "methods");
	json_array_foreach(methods, i, v)
		pw_method |= json_is_string(v) && !strcmp(json_string_value(v), "password");
	user = json_object_get(json_object_get(ident, "password"), "user");
	if (!body || !json_is_object(auth) || !json_is_object(ident) || !json_is_object(user)) {
		ks_error(k, resp, 400, "Bad Request", body ? "Expecting auth.identity.password.user "
		         "in the request body." : "Malformed JSON in the request body.");
		goto out;
	}
	if (!pw_method) {
		ks_error(k, resp, 401, "Unauthorized", "Only the password method is supported.");
		goto out;
	}
	uname = json_string_value(json_object_get(user, "name"));
	pw = json_string_value(json_object_get(user, "password"));
	udom = json_object_get(user, "domain");
	if (json_string_value(json_object_get(user, "id")) && !uname)
		uname = json_string_value(json_object_get(user, "id"));
	if (!uname || !pw || (json_object_get(user, "name") && !ref_parse(udom, "domain", udom_id,
	                                                                 &udom_name))) {
		ks_error(k, resp, 400, "Bad Request", "Expecting user name (with its domain name or "
		         "id) or user id, and a password.");
		goto out;
	}
	if (!json_object_get(user, "name"))
		snprintf(udom_id, sizeof udom_id, "default");
	if ((k->username[0] && strcmp(uname, k->username)) ||
	    (k->password[0] && strcmp(pw, k->password))) {
		ks_error(k, resp, 401, "Unauthorized", "The request you have made requires "
		         "authentication.");
		goto out;
	}
	scope = json_object_get(auth, "scope");
	proj = json_object_get(scope, "project");
	if (proj) {
		if (!ref_parse(proj, "project", pid, &pname)) {
			ks_error(k, resp, 400, "Bad Request", "Expecting scope.project.id or "
			         "scope.project.name.");
			goto out;
		}
		pdom = json_object_get(proj, "domain");
		if (!json_object_get(proj, "id") && !ref_parse(pdom, "domain", pdom_id,
		                                               &pdom_name)) {
			ks_error(k, resp, 400, "Bad Request", "Expecting the project's domain (name "
			         "or id) with a project name.");
			goto out;
		}
		if (json_object_get(proj, "name"))
			name_id("project", json_string_value(json_object_get(proj, "name")), pid);
		if (json_object_get(proj, "id"))
			snprintf(pdom_id, sizeof pdom_id, "%s", udom_id);
	}
	name_id("user", uname, uid);
	drbg_bytes(k->drbg, raw, sizeof raw);
	for (i = 0; i < 32; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	drbg_bytes(k->drbg, raw, 16);
	EVP_EncodeBlock((unsigned char *)audit, raw, 15);       /* 20 chars, like Keystone's */
	audit[20] = '\0';
	k5_time(k, issued, sizeof issued, true, 0);
	k5_time(k, expires, sizeof expires, true, k->cfg.token_lifetime);

	/* drop expired tokens, then remember this one */
	tokens = json_object_get(k->state, "tokens");
	if (!json_is_object(tokens)) {
		tokens = json_object();
		json_object_set_new(k->state, "tokens", tokens);
	}
	iter = json_object_iter(tokens);
	while (iter) {
		key = json_object_iter_key(iter);
		v = json_object_iter_value(iter);
		iter = json_object_iter_next(tokens, iter);
		if (json_integer_value(json_object_get(v, "expires_ns")) <= k5_now(k))
			json_object_del(tokens, key);
	}
	json_object_set_new(tokens, token, json_pack("{ss sI}", "project_id", proj ? pid : "",
	                                             "expires_ns", (json_int_t)(k5_now(k) +
	                                             k->cfg.token_lifetime)));

	tok = json_pack("{s[s] s{s{ssss} ss ss sn} s[s] ss ss sb s[{ssss}]}",
	                "methods", "password",
	                "user", "domain", "id", udom_id, "name", udom_name, "id", uid,
	                "name", uname, "password_expires_at",
	                "audit_ids", audit, "expires_at", expires, "issued_at", issued,
	                "is_domain", 0, "roles", "id", "9fe2ff9ee4384b1894a90878d3e92bab",
	                "name", "member");
	if (proj) {
		json_object_set_new(tok, "project", json_pack("{s{ssss} ss ss}", "domain", "id",
		                    pdom_id, "name", pdom_name[0] ? pdom_name : udom_name, "id", pid,
		                    "name", pname));
		json_object_set_new(tok, "catalog", catalog(k));
	}
	http_response_add_header(resp, "X-Subject-Token", token);
	k5_reply_json(resp, 201, json_pack("{so}", "token", tok));
out:
	json_decref(body);
}

/* The project of a valid token, or NULL. */
static const char *token_project(struct k5_mock *k, const char *token)
{
	json_t *t = json_object_get(json_object_get(k->state, "tokens"), token ? token : "");

	if (!t || json_integer_value(json_object_get(t, "expires_ns")) <= k5_now(k))
		return NULL;
	return k5_str(t, "project_id");
}

bool k5_keystone_check(struct k5_mock *k, const struct http_request *req,
                       struct http_response *resp)
{
	const char *p = token_project(k, http_request_header(req, "X-Auth-Token"));

	if (!p || !*p) {
		ks_unauthorized(k, resp);
		return false;
	}
	snprintf(k->project_id, sizeof k->project_id, "%s", p);
	return true;
}

bool k5_keystone_handle(struct k5_mock *k, const struct http_request *req,
                        struct http_response *resp)
{
	const char *path = req->path;
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 1 && path[0] == '/') {
		if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
			ks_error(k, resp, 405, "Method Not Allowed", "The method is not allowed.");
		else
			k5_reply_json(resp, 300, json_pack("{s{s[o]}}", "versions", "values",
			                                   version_obj(k)));
		return true;
	}
	if (len == 3 && !strncmp(path, "/v3", 3)) {
		if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
			ks_error(k, resp, 405, "Method Not Allowed", "The method is not allowed.");
		else
			k5_reply_json(resp, 200, json_pack("{so}", "version", version_obj(k)));
		return true;
	}
	if (len == 15 && !strncmp(path, "/v3/auth/tokens", 15)) {
		if (!strcmp(req->method, "POST")) {
			issue_token(k, req, resp);
		} else if (!strcmp(req->method, "GET") || !strcmp(req->method, "HEAD")) {
			/* validation: the caller's token in X-Auth-Token, the checked one in
			 * X-Subject-Token */
			const char *sub = http_request_header(req, "X-Subject-Token");

			if (!token_project(k, http_request_header(req, "X-Auth-Token")))
				ks_unauthorized(k, resp);
			else if (!token_project(k, sub))
				ks_error(k, resp, 404, "Not Found", "Could not find token.");
			else
				k5_reply_json(resp, 200, json_pack("{s{ss}}", "token", "project_id",
				                                   token_project(k, sub)));
		} else if (!strcmp(req->method, "DELETE")) {
			const char *sub = http_request_header(req, "X-Subject-Token");

			if (!token_project(k, http_request_header(req, "X-Auth-Token")))
				ks_unauthorized(k, resp);
			else if (!token_project(k, sub))
				ks_error(k, resp, 404, "Not Found", "Could not find token.");
			else {
				json_object_del(json_object_get(k->state, "tokens"), sub);
				resp->status = 204;
			}
		} else {
			ks_error(k, resp, 405, "Method Not Allowed", "The method is not allowed.");
		}
		return true;
	}
	return false;
}

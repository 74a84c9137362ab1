/* test_k5_rig.c: the request rig of test_k5_rig.h. */
#include "tests/unit/test_k5_rig.h"
#include "tests/unit/unit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lab_ns rig_clock(void *ctx)
{
	return ((struct k5_rig *)ctx)->now;
}

void rig_init_cfg(struct k5_rig *r, const struct k5_config *cfg_in)
{
	struct k5_config cfg = *cfg_in;

	memset(r, 0, sizeof *r);
	drbg_init(&r->drbg, 1);
	cfg.now = rig_clock;
	cfg.now_ctx = r;
	CU_ASSERT_FATAL(k5_mock_new(&r->k, &cfg, &r->drbg) == 0);
	rig_call(r, "POST", "/v3/auth/tokens", "{\"auth\": {\"identity\": {\"methods\": "
	         "[\"password\"], \"password\": {\"user\": {\"domain\": {\"name\": \"dom\"}, "
	         "\"name\": \"user\", \"password\": \"pass\"}}}, \"scope\": {\"project\": {\"id\": "
	         "\"a5001a8b9c4a4712985c11377bd6d4fe\"}}}}");
	CU_ASSERT_FATAL(r->status == 201);
	snprintf(r->token, sizeof r->token, "%s", r->subject_token);
}

void rig_init(struct k5_rig *r, bool upstream)
{
	struct k5_config cfg;

	k5_config_default(&cfg);
	if (upstream)
		k5_rules_upstream(&cfg.rules);
	rig_init_cfg(r, &cfg);
}

void rig_free(struct k5_rig *r)
{
	json_decref(r->body);
	r->body = NULL;
	k5_mock_free(r->k);
	r->k = NULL;
}

int rig_call(struct k5_rig *r, const char *method, const char *path, const char *body_fmt, ...)
{
	struct http_request req;
	struct http_response resp;
	char body[16384], pathbuf[1024];
	const char *q;
	va_list ap;
	int n = 0;

	memset(&req, 0, sizeof req);
	if (body_fmt) {
		va_start(ap, body_fmt);
		n = vsnprintf(body, sizeof body, body_fmt, ap);
		va_end(ap);
		CU_ASSERT_FATAL(n >= 0 && (size_t)n < sizeof body);
	}
	q = strchr(path, '?');
	snprintf(pathbuf, sizeof pathbuf, "%.*s", q ? (int)(q - path) : (int)strlen(path), path);
	req.method = method;
	req.path = pathbuf;
	req.query = q ? q + 1 : "";
	req.body = body_fmt ? (const uint8_t *)body : NULL;
	req.body_len = body_fmt ? (size_t)n : 0;
	req.headers[req.nheaders++] = (struct http_header){ "Host", "mock.test:5000" };
	req.headers[req.nheaders++] = (struct http_header){ "Accept", "application/json" };
	if (r->token[0])
		req.headers[req.nheaders++] = (struct http_header){ "X-Auth-Token", r->token };

	http_response_init(&resp);
	k5_mock_handle(r->k, &req, &resp);
	r->status = resp.status;
	json_decref(r->body);
	r->body = resp.body_len ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
	snprintf(r->raw, sizeof r->raw, "%.*s", (int)resp.body_len, resp.body ? resp.body : "");
	r->subject_token[0] = r->www_auth[0] = '\0';
	for (size_t i = 0; i < resp.nheaders; i++) {
		if (!strcmp(resp.headers[i].name, "X-Subject-Token"))
			snprintf(r->subject_token, sizeof r->subject_token, "%s",
			         resp.headers[i].value);
		if (!strcmp(resp.headers[i].name, "WWW-Authenticate"))
			snprintf(r->www_auth, sizeof r->www_auth, "%s", resp.headers[i].value);
	}
	/* every answer with a body is JSON, whatever the request was */
	CU_ASSERT(resp.body_len == 0 || r->body != NULL);
	CU_ASSERT_STRING_EQUAL(resp.content_type, "application/json");
	http_response_clear(&resp);
	return r->status;
}

json_t *rig_at(const struct k5_rig *r, const char *dotted)
{
	char buf[256], *save = NULL;
	json_t *v = r->body;

	snprintf(buf, sizeof buf, "%s", dotted);
	for (char *s = strtok_r(buf, ".", &save); s && v; s = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, strtoul(s, NULL, 10));
		else
			v = json_object_get(v, s);
	}
	return v;
}

const char *rig_s(const struct k5_rig *r, const char *dotted)
{
	const char *s = json_string_value(rig_at(r, dotted));

	return s ? s : "";
}

long long rig_i(const struct k5_rig *r, const char *dotted)
{
	return (long long)json_integer_value(rig_at(r, dotted));
}

const char *rig_err(const struct k5_rig *r)
{
	return rig_s(r, "NeutronError.type");
}

int rig_create(struct k5_rig *r, char id[37], const char *path, const char *key,
               const char *body_fmt, ...)
{
	char body[8192], idpath[96];
	va_list ap;

	va_start(ap, body_fmt);
	vsnprintf(body, sizeof body, body_fmt, ap);
	va_end(ap);
	rig_call(r, "POST", path, "%s", body);
	snprintf(idpath, sizeof idpath, "%s.id", key);
	snprintf(id, 37, "%s", rig_s(r, idpath));
	return r->status;
}

void rig_find(struct k5_rig *r, char id[37], const char *path, const char *plural,
              const char *name)
{
	char q[256], at[96];

	snprintf(q, sizeof q, "%s?name=%s", path, name);
	CU_ASSERT_FATAL(rig_call(r, "GET", q, NULL) == 200);
	snprintf(at, sizeof at, "%s.0.id", plural);
	snprintf(id, 37, "%s", rig_s(r, at));
}

void rig_topology(struct k5_rig *r, struct k5_topo *t)
{
	rig_find(r, t->ext_net, "/v2.0/networks", "networks", "inf_az1_ext-net01");
	rig_find(r, t->ext_net2, "/v2.0/networks", "networks", "inf_az2_ext-net01");
	CU_ASSERT_FATAL(strlen(t->ext_net) == 36);
	CU_ASSERT_FATAL(rig_create(r, t->net, "/v2.0/networks", "network",
	                           "{\"network\": {\"name\": \"net1\"}}") == 201);
	CU_ASSERT_FATAL(rig_create(r, t->subnet, "/v2.0/subnets", "subnet",
	                           "{\"subnet\": {\"name\": \"sub1\", \"network_id\": \"%s\", "
	                           "\"ip_version\": 4, \"cidr\": \"10.1.1.0/24\"}}",
	                           t->net) == 201);
	CU_ASSERT_FATAL(rig_create(r, t->router, "/v2.0/routers", "router",
	                           "{\"router\": {\"name\": \"r1\", \"external_gateway_info\": "
	                           "{\"network_id\": \"%s\"}}}", t->ext_net) == 201);
	CU_ASSERT_FATAL(rig_call(r, "PUT", "/v2.0/routers/x", NULL) == 404);
	{
		char p[128];

		snprintf(p, sizeof p, "/v2.0/routers/%s/add_router_interface", t->router);
		CU_ASSERT_FATAL(rig_call(r, "PUT", p, "{\"subnet_id\": \"%s\"}", t->subnet) == 200);
	}
	/* the field note's policies: aes-256 / sha1 / group14, 86400 s and 28800 s */
	CU_ASSERT_FATAL(rig_create(r, t->ike, "/v2.0/vpn/ikepolicies", "ikepolicy",
	                           "{\"ikepolicy\": {\"name\": \"ike1\", \"encryption_algorithm\": "
	                           "\"aes-256\", \"pfs\": \"group14\", \"lifetime\": {\"units\": "
	                           "\"seconds\", \"value\": 86400}}}") == 201);
	CU_ASSERT_FATAL(rig_create(r, t->ipsec, "/v2.0/vpn/ipsecpolicies", "ipsecpolicy",
	                           "{\"ipsecpolicy\": {\"name\": \"ipsec1\", "
	                           "\"encryption_algorithm\": \"aes-256\", \"pfs\": \"group14\", "
	                           "\"lifetime\": {\"value\": 28800}}}") == 201);
	CU_ASSERT_FATAL(rig_create(r, t->service, "/v2.0/vpn/vpnservices", "vpnservice",
	                           "{\"vpnservice\": {\"name\": \"vpn1\", \"router_id\": \"%s\", "
	                           "\"subnet_id\": \"%s\"}}", t->router, t->subnet) == 201);
}

int rig_conn(struct k5_rig *r, const struct k5_topo *t, char id[37], const char *extra_json)
{
	return rig_create(r, id, "/v2.0/vpn/ipsec-site-connections", "ipsec_site_connection",
	                  "{\"ipsec_site_connection\": {\"vpnservice_id\": \"%s\", "
	                  "\"ikepolicy_id\": \"%s\", \"ipsecpolicy_id\": \"%s\", "
	                  "\"peer_address\": \"192.0.2.1\", \"peer_id\": \"192.0.2.1\", "
	                  "\"psk\": \"secret\", \"peer_cidrs\": \"10.2.1.0/24\"%s%s}}",
	                  t->service, t->ike, t->ipsec, extra_json ? ", " : "",
	                  extra_json ? extra_json : "");
}

/* test_sakura_util.c: see test_sakura_util.h. */
#include "tests/unit/test_sakura_util.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char SK_S2S_SETTINGS[] =
	"{\"Router\":{\"InternetConnection\":{\"Enabled\":\"True\"},"
	"\"Interfaces\":[null,{\"IPAddress\":[\"192.168.21.1\"],\"NetworkMaskLen\":24}],"
	"\"SiteToSiteIPsecVPN\":{\"Config\":[{\"Peer\":\"198.51.100.10\","
	"\"PreSharedSecret\":\"secret_1\",\"RemoteID\":\"172.30.128.254\","
	"\"Routes\":[\"10.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}],"
	"\"IKE\":{\"Lifetime\":28800,\"DPD\":{\"Interval\":15,\"Timeout\":30}},"
	"\"ESP\":{\"Lifetime\":180},\"EncryptionAlgo\":\"aes256\",\"HashAlgo\":\"sha256\","
	"\"DHGroup\":\"modp2048\",\"Enabled\":\"True\"},\"SyslogHost\":\"\"}}";

static lab_ns clock_now(void *ctx)
{
	return ((struct sk_env *)ctx)->now;
}

static void record_log(void *ctx, const char *line)
{
	struct sk_env *e = ctx;
	size_t n = strlen(e->translog);

	snprintf(e->translog + n, sizeof e->translog - n, "%s\n", line);
}

static void gw_applied(void *ctx, const struct sakura_intent *in, enum sakura_apply_reason why)
{
	struct sk_env *e = ctx;

	e->napplied++;
	e->last_why = why;
	e->last = *in;
}

static void gw_off(void *ctx, uint64_t id)
{
	(void)id;
	((struct sk_env *)ctx)->npoweroff++;
}

static int gw_ping(void *ctx, uint64_t id, const char *dest, uint64_t token)
{
	struct sk_env *e = ctx;

	(void)id;
	e->nping++;
	e->ping_token = token;
	snprintf(e->ping_dest, sizeof e->ping_dest, "%s", dest);
	return 0;
}

static void gw_stopping(void *ctx, uint64_t id)
{
	(void)id;
	((struct sk_env *)ctx)->nstopping++;
}

static void gw_nic(void *ctx, uint64_t id, int index, bool connected)
{
	struct sk_env *e = ctx;

	(void)id;
	e->nnic++;
	e->last_nic = connected ? index : -index;
}

void sk_env_init(struct sk_env *e)
{
	memset(e, 0, sizeof *e);
	sakura_config_default(&e->cfg);
	e->cfg.now = clock_now;
	e->cfg.now_ctx = e;
	e->cfg.log = record_log;
	e->cfg.log_ctx = e;
	e->gateway = true;
}

void sk_env_start(struct sk_env *e)
{
	struct drbg d;

	drbg_init(&d, 7);
	CU_ASSERT_FATAL(sakura_mock_new(&e->m, &e->cfg, &d) == 0);
	drbg_wipe(&d);
	if (e->gateway) {
		struct sakura_gateway gw = { .applied = gw_applied, .stopping = gw_stopping,
		                             .powered_off = gw_off, .ping = gw_ping,
		                             .nic = gw_nic, .ctx = e };

		sakura_mock_attach_gateway(e->m, &gw);
	}
}

void sk_env_fini(struct sk_env *e)
{
	sakura_mock_free(e->m);
	e->m = NULL;
}

int sk_req(struct sk_env *e, const char *method, const char *path, const char *query,
           const char *body, const char *auth, bool bigint, struct sk_resp *out)
{
	struct http_request req;
	struct http_response resp;
	json_error_t je;

	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	memset(out, 0, sizeof *out);
	req.method = method;
	req.path = path;
	req.query = query ? query : "";
	req.body = (const uint8_t *)body;
	req.body_len = body ? strlen(body) : 0;
	if (!auth)
		auth = SK_AUTH;
	if (*auth) {
		req.headers[req.nheaders].name = "Authorization";
		req.headers[req.nheaders++].value = auth;
	}
	if (bigint) {
		req.headers[req.nheaders].name = "X-Sakura-Bigint-As-Int";
		req.headers[req.nheaders++].value = "1";
	}
	req.headers[req.nheaders].name = "X-Requested-With";
	req.headers[req.nheaders++].value = "XMLHttpRequest";
	sakura_mock_handle(e->m, &req, &resp);
	out->status = resp.status;
	out->body = resp.body;
	for (size_t i = 0; i < resp.nheaders; i++)
		if (!strcmp(resp.headers[i].name, "WWW-Authenticate"))
			snprintf(out->www_auth, sizeof out->www_auth, "%s", resp.headers[i].value);
	CU_ASSERT(resp.body != NULL && resp.body_len == strlen(resp.body));
	if (resp.body)
		out->json = json_loadb(resp.body, resp.body_len, 0, &je);
	/* every answer is JSON, errors included (notes §1.5) */
	CU_ASSERT(out->json != NULL);
	return out->status;
}

int sk_call(struct sk_env *e, const char *method, const char *path, const char *body,
            struct sk_resp *out)
{
	return sk_req(e, method, path, NULL, body, NULL, true, out);
}

void sk_resp_free(struct sk_resp *r)
{
	json_decref(r->json);
	free(r->body);
	memset(r, 0, sizeof *r);
}

void sk_advance(struct sk_env *e, lab_ns by)
{
	e->now += by;
	sakura_mock_advance(e->m);
}

json_t *sk_get(const json_t *root, const char *dotted)
{
	char buf[256], *save = NULL;
	json_t *v = (json_t *)root;

	snprintf(buf, sizeof buf, "%s", dotted);
	for (char *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, strtoul(k, NULL, 10));
		else
			v = json_object_get(v, k);
	}
	return v;
}

const char *sk_str(const json_t *root, const char *dotted)
{
	const char *s = json_string_value(sk_get(root, dotted));

	return s ? s : "";
}

const char *sk_path(uint64_t id, const char *suffix)
{
	static char buf[256];

	snprintf(buf, sizeof buf, SK_API "/appliance/%llu%s", (unsigned long long)id, suffix);
	return buf;
}

const char *sk_vpath(uint64_t id, const char *suffix)
{
	static char buf[256];

	snprintf(buf, sizeof buf, SK_VL "/appliance/%llu%s", (unsigned long long)id, suffix);
	return buf;
}

uint64_t sk_create(struct sk_env *e, int version, const char *settings_json)
{
	char body[4096];
	struct sk_resp r;
	uint64_t id;

	snprintf(body, sizeof body,
	         "{\"Appliance\":{\"Class\":\"vpcrouter\",\"Name\":\"vr%d\",\"Description\":\"\","
	         "\"Tags\":[],\"Plan\":{\"ID\":1},\"Remark\":{\"Switch\":{\"Scope\":\"shared\"},"
	         "\"Servers\":[{}],\"Router\":{\"VPCRouterVersion\":%d}},\"Settings\":%s}}",
	         version, version,
	         settings_json ? settings_json :
	         "{\"Router\":{\"InternetConnection\":{\"Enabled\":\"True\"}}}");
	CU_ASSERT_FATAL(sk_call(e, "POST", SK_API "/appliance", body, &r) == 202);
	id = (uint64_t)json_integer_value(sk_get(r.json, "Appliance.ID"));
	sk_resp_free(&r);
	sk_advance(e, e->cfg.create_delay);
	return id;
}

void sk_boot(struct sk_env *e, uint64_t id)
{
	struct sk_resp r;

	CU_ASSERT(sk_call(e, "PUT", sk_path(id, "/power"), NULL, &r) == 200);
	sk_resp_free(&r);
	sk_advance(e, e->cfg.boot_delay);
	CU_ASSERT(sk_call(e, "GET", sk_path(id, ""), NULL, &r) == 200);
	CU_ASSERT_STRING_EQUAL(sk_str(r.json, "Appliance.Instance.Status"), "up");
	sk_resp_free(&r);
}

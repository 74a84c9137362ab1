/*
 * fuzz_k5.c: random methods, paths, queries and bodies into the K5 mock's handler.
 *
 * Input layout: byte 0 picks the method, byte 1 a path template (the collections and their
 * members and actions, with the id of an existing object spliced in when the template asks),
 * then "QUERY\0BODY". One mock lives for the whole run so the store grows and the in-use and
 * reference checks see real objects. Every 4096 inputs the mock starts over (memory stays
 * bounded over a long libFuzzer run), with a fresh token so none expires.
 */
#include "tests/fuzz/fuzz.h"
#include "mocks/k5.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD" };
static const char *const paths[] = {
	"/", "/v3", "/v3/auth/tokens", "/v2.0", "/v2.0/extensions",
	"/v2.0/networks", "/v2.0/networks/%s", "/v2.0/subnets", "/v2.0/subnets/%s",
	"/v2.0/ports", "/v2.0/ports/%s", "/v2.0/routers", "/v2.0/routers/%s",
	"/v2.0/routers/%s/add_router_interface", "/v2.0/routers/%s/remove_router_interface",
	"/v2.0/routers/%s/add_extraroutes", "/v2.0/routers/%s/remove_extraroutes",
	"/v2.0/floatingips", "/v2.0/floatingips/%s", "/v2.0/vpn/vpnservices",
	"/v2.0/vpn/vpnservices/%s", "/v2.0/vpn/ikepolicies", "/v2.0/vpn/ikepolicies/%s",
	"/v2.0/vpn/ipsecpolicies", "/v2.0/vpn/ipsecpolicies/%s",
	"/v2.0/vpn/ipsec-site-connections", "/v2.0/vpn/ipsec-site-connections/%s",
	"/v2.0/vpn/endpoint-groups", "/v2.0/vpn/endpoint-groups/%s", "/v2.0/fw/firewall_rules",
	"/v2.0/fw/firewall_rules/%s", "/v2.0/fw/firewall_policies",
	"/v2.0/fw/firewall_policies/%s/insert_rule", "/v2.0/fw/firewall_policies/%s/remove_rule",
	"/v2.0/fw/firewalls", "/v2.0/fw/firewalls/%s/reset_connections", "/vpnlab/v1/intents",
	"/vpnlab/v1/intents/%s", NULL,
};

static struct k5_mock *mock;
static struct drbg rng;
static char token[128];
static lab_ns now_ns;
static char last_id[40] = "none";
static unsigned long inputs;

static lab_ns fuzz_clock(void *ctx)
{
	(void)ctx;
	return now_ns;
}

static void call(const char *method, const char *path, const char *query, const uint8_t *body,
                 size_t len, struct http_response *resp)
{
	struct http_request req;

	memset(&req, 0, sizeof req);
	req.method = method;
	req.path = path;
	req.query = query;
	req.body = len ? body : NULL;
	req.body_len = len;
	req.headers[req.nheaders++] = (struct http_header){ "Host", "fuzz:1" };
	req.headers[req.nheaders++] = (struct http_header){ "X-Auth-Token", token };
	http_response_init(resp);
	k5_mock_handle(mock, &req, resp);
}

static void setup(void)
{
	static const char auth[] = "{\"auth\": {\"identity\": {\"methods\": [\"password\"], "
		"\"password\": {\"user\": {\"id\": \"u\", \"password\": \"p\"}}}, \"scope\": "
		"{\"project\": {\"id\": \"p1\"}}}}";
	struct k5_config cfg;
	struct http_response resp;

	k5_config_default(&cfg);
	cfg.now = fuzz_clock;
	drbg_init(&rng, 7);
	k5_mock_free(mock);
	mock = NULL;
	snprintf(last_id, sizeof last_id, "none");
	if (k5_mock_new(&mock, &cfg, &rng))
		abort();
	token[0] = '\0';
	call("POST", "/v3/auth/tokens", "", (const uint8_t *)auth, sizeof auth - 1, &resp);
	for (size_t i = 0; i < resp.nheaders; i++)
		if (!strcmp(resp.headers[i].name, "X-Subject-Token"))
			snprintf(token, sizeof token, "%s", resp.headers[i].value);
	if (resp.status != 201 || !token[0])
		abort();
	http_response_clear(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response resp;
	char path[256], query[256];
	const uint8_t *nul;
	size_t npaths = 0, qlen;
	const char *tmpl, *method;

	if (inputs++ % 4096 == 0)
		setup();
	while (paths[npaths])
		npaths++;
	if (size < 2)
		return 0;
	method = methods[data[0] % 6];
	tmpl = paths[data[1] % npaths];
	snprintf(path, sizeof path, tmpl, last_id);
	data += 2;
	size -= 2;
	nul = memchr(data, 0, size);
	qlen = nul ? (size_t)(nul - data) : 0;
	snprintf(query, sizeof query, "%.*s", (int)(qlen < 255 ? qlen : 255), (const char *)data);
	if (nul) {
		data = nul + 1;
		size -= qlen + 1;
	}
	now_ns += LAB_NS_PER_SEC / 2;  /* 4096 x 0.5 s stays well inside a token's 3 h */
	call(method, path, query, data, size, &resp);
	/* every answer is a status code and, if it has a body, JSON */
	if (resp.status < 200 || resp.status > 599)
		abort();
	if (resp.body_len) {
		json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
		json_t *inner;
		const char *id;

		if (!j)
			abort();
		/* remember an id the next inputs can aim at */
		inner = json_object_iter_value(json_object_iter(j));
		id = json_string_value(json_object_get(inner, "id"));
		if (resp.status == 201 && id)
			snprintf(last_id, sizeof last_id, "%s", id);
		json_decref(j);
	}
	http_response_clear(&resp);
	return 0;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static struct fuzz_seed seeds[16];
	static uint8_t store[16][512];
	static const struct { unsigned char m, p; const char *q, *b; } raw[] = {
		{ 1, 5, "", "{\"network\": {\"name\": \"n\", \"availability_zone\": \"jp-east-1a\"}}" },
		{ 1, 7, "", "{\"subnet\": {\"network_id\": \"x\", \"ip_version\": 4, \"cidr\": "
		  "\"10.0.0.0/24\"}}" },
		{ 1, 11, "", "{\"router\": {\"name\": \"r\", \"external_gateway_info\": "
		  "{\"network_id\": \"x\"}}}" },
		{ 2, 13, "", "{\"subnet_id\": \"x\"}" },
		{ 1, 21, "", "{\"ikepolicy\": {\"lifetime\": {\"units\": \"seconds\", \"value\": "
		  "86400}, \"pfs\": \"group14\"}}" },
		{ 1, 23, "", "{\"ipsecpolicy\": {\"encryption_algorithm\": \"aes-256\"}}" },
		{ 1, 25, "", "{\"ipsec_site_connection\": {\"psk\": \"s\", \"peer_cidrs\": "
		  "\"10.2.0.0/24\", \"mtu\": \"1400\", \"dpd\": {\"action\": \"restart\", "
		  "\"interval\": 10, \"timeout\": 30}}}" },
		{ 2, 26, "", "{\"ipsec_site_connection\": {}}" },
		{ 0, 5, "name=a&id=b&id=c&fields=id", "" },
		{ 1, 27, "", "{\"endpoint_group\": {\"type\": \"cidr\", \"endpoints\": "
		  "[\"10.0.0.0/8\"]}}" },
		{ 1, 29, "", "{\"firewall_rule\": {\"protocol\": \"tcp\", \"destination_port\": "
		  "\"22\"}}" },
		{ 2, 32, "", "{\"firewall_rule_id\": \"x\", \"insert_before\": \"y\"}" },
		{ 1, 2, "", "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": "
		  "{\"user\": {\"name\": \"u\", \"domain\": {\"name\": \"d\"}, \"password\": "
		  "\"p\"}}}, \"scope\": {\"project\": {\"name\": \"x\", \"domain\": {\"id\": "
		  "\"d\"}}}}}" },
		{ 3, 6, "", "" },
		{ 1, 17, "", "{\"floatingip\": {\"floating_network_id\": \"x\", \"port_id\": null}}" },
		{ 2, 12, "", "{\"router\": {\"routes\": [{\"destination\": \"1.0.0.0/8\", "
		  "\"nexthop\": \"10.0.0.9\"}], \"external_gateway_info\": {}}}" },
	};

	for (size_t i = 0; i < 16; i++) {
		size_t ql = strlen(raw[i].q), bl = strlen(raw[i].b);

		/* [method][path][query]\0[body] */
		store[i][0] = raw[i].m;
		store[i][1] = raw[i].p;
		memcpy(store[i] + 2, raw[i].q, ql);
		store[i][2 + ql] = 0;
		memcpy(store[i] + 3 + ql, raw[i].b, bl);
		seeds[i].data = store[i];
		seeds[i].len = 3 + ql + bl;
	}
	*n = 16;
	return seeds;
}

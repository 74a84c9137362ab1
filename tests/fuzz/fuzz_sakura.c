/*
 * fuzz_sakura: the Sakura mock's handler over arbitrary requests.
 *
 * Input: one byte of lab-clock advance (x 100 ms), then "METHOD PATH[?QUERY]\n", then the
 * body. "{ID}" in the path stands for a router that exists (created, available, booted, with
 * one S2S peer), so mutations reach the deep endpoints. Each input gets a fresh mock; every
 * answer must be a JSON body with a status the API uses.
 *
 * A first byte of 0xff makes the rest a state file for sakura_mock_load() (the other parser
 * of the module); a load that succeeds must leave a mock that answers and saves.
 */
#include "tests/fuzz/fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mocks/sakura.h"

#define AUTH "Basic dnBubGFiLXRva2VuOnZwbmxhYi1zZWNyZXQ="

struct fz {
	struct sakura_mock *m;
	lab_ns now;
};

static lab_ns fz_now(void *ctx)
{
	return ((struct fz *)ctx)->now;
}

static void call(struct fz *f, const char *method, const char *path, const char *query,
                 const uint8_t *body, size_t len, int *status, char *idbuf, size_t idlen)
{
	struct http_request req;
	struct http_response resp;

	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	req.method = method;
	req.path = path;
	req.query = query;
	req.body = body;
	req.body_len = len;
	req.headers[0].name = "Authorization";
	req.headers[0].value = AUTH;
	req.headers[1].name = "X-Sakura-Bigint-As-Int";
	req.headers[1].value = "1";
	req.nheaders = 2;
	sakura_mock_handle(f->m, &req, &resp);
	if (!resp.body || resp.status < 200 || resp.status > 500 || !strchr(resp.body, '{'))
		abort();
	if (status)
		*status = resp.status;
	if (idbuf) {
		json_t *j = json_loads(resp.body, 0, NULL);
		json_t *id = json_object_get(json_object_get(j, "Appliance"), "ID");

		snprintf(idbuf, idlen, "%lld", (long long)json_integer_value(id));
		json_decref(j);
	}
	free(resp.body);
}

static const char SETTINGS[] =
	"{\"Appliance\":{\"Class\":\"vpcrouter\",\"Plan\":{\"ID\":1},\"Remark\":{\"Router\":"
	"{\"VPCRouterVersion\":1}},\"Settings\":{\"Router\":{\"SiteToSiteIPsecVPN\":{\"Config\":"
	"[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"k\",\"Routes\":[\"10.0.0.0/8\"],"
	"\"LocalPrefix\":[\"192.168.21.0/24\"]}],\"Enabled\":\"True\"}}}}}";

static int setup(struct fz *f, char *id, size_t idlen)
{
	struct sakura_config cfg;
	struct drbg d;
	char path[128];

	sakura_config_default(&cfg);
	cfg.now = fz_now;
	cfg.now_ctx = f;
	cfg.stuck_migration = true;
	cfg.max_body = 8192;
	drbg_init(&d, 1);
	f->now = 0;
	if (sakura_mock_new(&f->m, &cfg, &d))
		return -1;
	call(f, "POST", "/cloud/zone/is1a/api/cloud/1.1/appliance", "",
	     (const uint8_t *)SETTINGS, strlen(SETTINGS), NULL, id, idlen);
	f->now = lab_sec(3);
	snprintf(path, sizeof path, "/cloud/zone/is1a/api/cloud/1.1/appliance/%s/power", id);
	call(f, "PUT", path, "", NULL, 0, NULL, NULL, 0);
	f->now = lab_sec(6);
	sakura_mock_advance(f->m);
	return 0;
}

static const char *state_path(void)
{
	static char path[64];

	if (!path[0])
		snprintf(path, sizeof path, "/tmp/vpnlab-fuzz-sakura-%d.json", (int)getpid());
	return path;
}

static void fuzz_state(struct fz *f, const uint8_t *data, size_t size)
{
	char err[512];
	FILE *fp = fopen(state_path(), "wb");
	int st;

	if (!fp)
		return;
	fwrite(data, 1, size, fp);
	fclose(fp);
	if (sakura_mock_load(f->m, state_path(), err, sizeof err) == 0) {
		f->now += lab_sec(5);
		sakura_mock_advance(f->m);
		call(f, "GET", "/cloud/zone/is1a/api/cloud/1.1/appliance", "", NULL, 0, &st, NULL,
		     0);
		if (st != 200)
			abort();
		for (size_t i = 0; i < sakura_mock_count(f->m); i++) {
			char path[128];

			snprintf(path, sizeof path, "/cloud/zone/is1a/api/cloud/1.1/appliance/%llu"
			         "/status", (unsigned long long)sakura_mock_id_at(f->m, i));
			call(f, "GET", path, "", NULL, 0, NULL, NULL, 0);
		}
		if (sakura_mock_save(f->m, state_path(), err, sizeof err))
			abort();
	} else if (!err[0]) {
		abort();                /* every failure says why */
	}
	unlink(state_path());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[512], path[600], id[24], *q, *sp, *tok;
	const uint8_t *nl;
	struct fz f;
	size_t ll;
	int st;

	if (size < 1)
		return 0;
	if (setup(&f, id, sizeof id))
		return 0;
	if (data[0] == 0xff) {
		fuzz_state(&f, data + 1, size - 1);
		goto out;
	}
	f.now += (lab_ns)data[0] * lab_ms(100);
	data++;
	size--;
	nl = memchr(data, '\n', size);
	ll = nl ? (size_t)(nl - data) : size;
	if (ll >= sizeof line)
		ll = sizeof line - 1;
	memcpy(line, data, ll);
	line[ll] = '\0';
	if (strlen(line) != ll)                 /* a NUL inside: the HTTP layer never passes it */
		goto out;
	sp = strchr(line, ' ');
	if (!sp)
		goto out;
	*sp = '\0';
	q = strchr(sp + 1, '?');
	if (q)
		*q++ = '\0';
	tok = strstr(sp + 1, "{ID}");
	if (tok)
		snprintf(path, sizeof path, "%.*s%s%s", (int)(tok - (sp + 1)), sp + 1, id, tok + 4);
	else
		snprintf(path, sizeof path, "%s", sp + 1);
	call(&f, line, path, q ? q : "", nl ? nl + 1 : NULL, nl ? size - ll - 1 : 0, &st, NULL, 0);
	/* a second look at the same router after whatever the request did */
	snprintf(path, sizeof path, "/cloud/zone/is1a/api/cloud/1.1/appliance/%s/status", id);
	call(&f, "GET", path, "", NULL, 0, NULL, NULL, 0);
	f.now += lab_sec(10);
	sakura_mock_advance(f.m);
	call(&f, "GET", "/cloud/zone/is1a/api/cloud/1.1/appliance", "{\"Count\":0}", NULL, 0,
	     NULL, NULL, 0);
out:
	sakura_mock_free(f.m);
	return 0;
}

#define A "/cloud/zone/is1a/api/cloud/1.1/appliance"
#define V "/_vpnlab/sakura/is1a/appliance/{ID}"

static const char *const seed_text[] = {
	"\x00" "GET " A "?{\"Count\":0,\"From\":0,\"Filter\":{\"Class\":[\"vpcrouter\"],"
	"\"Name\":\"a%20b\",\"Tags.Name\":[[\"x\"]],\"ID\":[\"1\",2]},\"Sort\":[\"-Name\"]}\n",
	"\x00" "GET " A "?%7B%22Filter%22%3A%7B%22Name%22%3A%22x%22%7D%7D\n",
	"\x00" "POST " A "\n{\"Appliance\":{\"Class\":\"vpcrouter\",\"Name\":\"vr\",\"Tags\":[],"
	"\"Plan\":{\"ID\":2},\"Remark\":{\"Switch\":{\"ID\":\"123456789012\"},\"Servers\":"
	"[{\"IPAddress\":\"192.0.2.11\"}],\"Router\":{\"VPCRouterVersion\":2}},\"Settings\":"
	"{\"Router\":{\"VRID\":1,\"InternetConnection\":{\"Enabled\":\"True\"}}}}}",
	"\x00" "PUT " A "/{ID}\n{\"Appliance\":{\"Settings\":{\"Router\":{\"SiteToSiteIPsecVPN\":"
	"{\"Config\":[{\"Peer\":\"198.51.100.10\",\"PreSharedSecret\":\"abc\",\"RemoteID\":"
	"\"172.30.128.254\",\"Routes\":[\"10.0.0.0/8\"],\"LocalPrefix\":[\"192.168.21.0/24\"]}],"
	"\"IKE\":{\"Lifetime\":28800,\"DPD\":{\"Interval\":15,\"Timeout\":30}},\"ESP\":"
	"{\"Lifetime\":1800},\"EncryptionAlgo\":\"aes256\",\"HashAlgo\":\"sha256\","
	"\"Enabled\":\"True\"}}},\"SettingsHash\":\"00\"}}",
	"\x00" "PUT " A "/{ID}/config\n",
	"\x00" "DELETE " A "/{ID}/power\n{\"Force\":true}",
	"\x14" "PUT " A "/{ID}/power\n",
	"\x00" "PUT " A "/{ID}/reset\n",
	"\x00" "GET " A "/{ID}/status\n",
	"\x00" "GET " A "/{ID}/download/log/VPNLogs\n",
	"\x00" "POST " A "/{ID}/vpcrouter/ping/192.0.2.1\n",
	"\x00" "PUT " A "/{ID}/interface/1/to/switch/123456789012\n",
	"\x00" "DELETE " A "/{ID}/interface/1/to/switch\n",
	"\x00" "GET " A "/{ID}/interface/2/monitor?{\"Start\":\"2025-01-01T00:00:00+09:00\"}\n",
	"\x00" "DELETE " A "/{ID}\n",
	"\x00" "POST " V "/migrate\n",
	"\x00" "GET " V "/config/export\n",
	"\x00" "PUT " V "/config/import\n{\"Export\":{\"Settings\":{\"Router\":{}}}}",
	"\x00" "PUT " V "/vpn/reconnect\n",
	/* API 1.0 as node-sacloud sends it: ".json" on the last segment, zone-less root too */
	"\x00" "GET /cloud/zone/is1a/api/cloud/1.0/appliance.json?{\"Count\":0}\n",
	"\x00" "GET /cloud/zone/is1a/api/cloud/1.0/appliance/{ID}.json?{}\n",
	"\x00" "PUT /cloud/zone/is1a/api/cloud/1.0/appliance/{ID}/power.json\n{}",
	"\x00" "GET /cloud/api/cloud/1.0/appliance.json?%7B%22Count%22%3A0%7D\n",
};

/* A state file as the mock saves it: a booted router with a peer, and one migrating. */
static uint8_t *saved_state(size_t *len)
{
	struct fz f;
	char id[24], err[256];
	uint8_t *buf = NULL;
	FILE *fp;
	long n;

	*len = 0;
	if (setup(&f, id, sizeof id))
		return NULL;
	call(&f, "POST", "/cloud/zone/is1a/api/cloud/1.1/appliance", "",
	     (const uint8_t *)SETTINGS, strlen(SETTINGS), NULL, NULL, 0);
	if (sakura_mock_save(f.m, state_path(), err, sizeof err) == 0 &&
	    (fp = fopen(state_path(), "rb")) != NULL) {
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		rewind(fp);
		buf = n > 0 ? malloc((size_t)n + 1) : NULL;
		if (buf && fread(buf + 1, 1, (size_t)n, fp) == (size_t)n) {
			buf[0] = 0xff;
			*len = (size_t)n + 1;
		}
		fclose(fp);
	}
	unlink(state_path());
	sakura_mock_free(f.m);
	return buf;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static struct fuzz_seed seeds[sizeof seed_text / sizeof seed_text[0] + 1];
	static size_t count;

	if (!count) {
		for (size_t i = 0; i < sizeof seed_text / sizeof seed_text[0]; i++) {
			/* the leading clock byte may be NUL: the text starts after it */
			seeds[count].data = (const uint8_t *)seed_text[i];
			seeds[count++].len = 1 + strlen(seed_text[i] + 1);
		}
		seeds[count].data = saved_state(&seeds[count].len);   /* kept for the run */
		if (seeds[count].data)
			count++;
	}
	*n = count;
	return seeds;
}

/* The K5 mock's state file: a round trip, and clear errors for bad files. */
#include "tests/unit/test_k5_rig.h"
#include "tests/unit/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void tmp_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "/tmp/vpnlab-k5-test-%d-%s", (int)getpid(), name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_round_trip(void)
{
	struct k5_rig a, b;
	struct k5_topo t;
	char file[256], err[512], conn[37], path[128];

	tmp_path(file, sizeof file, "state.json");
	rig_init(&a, false);
	rig_topology(&a, &t);
	rig_conn(&a, &t, conn, "\"name\": \"saved\"");
	a.now = lab_sec(1);                     /* the 2 s timer is 1 s from done */
	CU_ASSERT_EQUAL(k5_mock_save(a.k, file, err, sizeof err), 0);

	rig_init(&b, true);
	b.now = lab_sec(50);
	CU_ASSERT_EQUAL(k5_mock_load(b.k, file, err, sizeof err), 0);
	snprintf(b.token, sizeof b.token, "%s", a.token);       /* tokens survive (k5c caches) */
	snprintf(path, sizeof path, "/v2.0/vpn/ipsec-site-connections/%s", conn);
	CU_ASSERT_EQUAL(rig_call(&b, "GET", path, NULL), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&b, "ipsec_site_connection.name"), "saved");
	/* lab time is re-based at load: still pending, ACTIVE one second later */
	CU_ASSERT_STRING_EQUAL(rig_s(&b, "ipsec_site_connection.status"), "PENDING_CREATE");
	b.now = lab_sec(51);
	rig_call(&b, "GET", path, NULL);
	CU_ASSERT_STRING_EQUAL(rig_s(&b, "ipsec_site_connection.status"), "ACTIVE");
	CU_ASSERT_EQUAL(rig_call(&b, "GET", "/v2.0/routers?name=r1", NULL), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&b, "routers.0.id"), t.router);
	snprintf(path, sizeof path, "/vpnlab/v1/intents/%s", conn);
	CU_ASSERT_EQUAL(rig_call(&b, "GET", path, NULL), 200);
	/* the in-use rules hold over loaded objects */
	snprintf(path, sizeof path, "/v2.0/vpn/ikepolicies/%s", t.ike);
	CU_ASSERT_EQUAL(rig_call(&b, "DELETE", path, NULL), 409);
	rig_free(&a);
	rig_free(&b);
	unlink(file);
}

static void test_bad_files(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\"vpnlab_k5_state\": 1,\n \"store\": {\"networks\": [}\n}", ":2:" },
		{ "[]", "not a vpnlab K5 state file" },
		{ "{\"vpnlab_k5_state\": 2, \"store\": {}}", "not a vpnlab K5 state file" },
		{ "{\"vpnlab_k5_state\": 1, \"store\": {\"networks\": 5}}",
		  "store.networks must be a list" },
		{ "{\"vpnlab_k5_state\": 1, \"store\": {\"routers\": [{\"id\": 5}]}}",
		  "store.routers[0] must be an object with a string id" },
		{ "{\"a\": 1, \"a\": 2}", "duplicate" },
	};
	struct k5_rig r;
	char file[256], err[512], path[128];

	tmp_path(file, sizeof file, "bad.json");
	rig_init(&r, false);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(file, cases[i].text);
		err[0] = '\0';
		CU_ASSERT_EQUAL(k5_mock_load(r.k, file, err, sizeof err), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, file));
		if (!strstr(err, cases[i].want))
			fprintf(stderr, "case %zu: %s\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].want));
	}
	/* a failed load leaves the store as it was */
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/networks", NULL), 200);
	CU_ASSERT_EQUAL(json_array_size(rig_at(&r, "networks")), 2);
	unlink(file);
	CU_ASSERT_EQUAL(k5_mock_load(r.k, file, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, file));
	snprintf(path, sizeof path, "/nonexistent-dir-%d/state.json", (int)getpid());
	CU_ASSERT(k5_mock_save(r.k, path, err, sizeof err) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nonexistent-dir"));
	rig_free(&r);
}

UNIT_SUITE(k5_state,
	UNIT_TEST(test_round_trip),
	UNIT_TEST(test_bad_files))

/*
 * Keystone v3 as the clients need it (research note section 2): discovery, password auth with
 * the scope shapes OSC and k5c send, the token body (expires_at with microseconds and Z, for
 * k5c's strptime), the catalog pointing back at the Host used, and the 401 shape.
 */
#include "tests/unit/test_k5_rig.h"
#include "tests/unit/unit.h"

#include <ctype.h>
#include <string.h>

static const char *const osc_body =
	"{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": "
	"{\"password\": \"pass\", \"name\": \"user\", \"domain\": {\"name\": \"dom\"}}}}, "
	"\"scope\": {\"project\": {\"id\": \"a5001a8b9c4a4712985c11377bd6d4fe\"}}}}";

static void test_discovery(void)
{
	struct k5_rig r;

	rig_init(&r, false);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v3", NULL), 200);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "version.id"), "v3.14");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "version.status"), "stable");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "version.links.0.href"), "http://mock.test:5000/v3/");
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v3/", NULL), 200);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/", NULL), 300);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "versions.values.0.id"), "v3.14");
	CU_ASSERT_EQUAL(rig_call(&r, "DELETE", "/v3", NULL), 405);
	rig_free(&r);
}

static void test_token_issue(void)
{
	struct k5_rig r;
	const char *exp;

	rig_init(&r, false);
	r.token[0] = '\0';
	r.now = lab_sec(10) + 198526 * LAB_NS_PER_US;
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v3/auth/tokens", "%s", osc_body), 201);
	CU_ASSERT_EQUAL(strlen(r.subject_token), 64);
	for (size_t i = 0; i < strlen(r.subject_token); i++)
		CU_ASSERT(isxdigit((unsigned char)r.subject_token[i]));
	/* epoch 2017-05-02T09:11:58Z + 10.198526 s, + 3 h for the expiry (K5 tokens: 3 h) */
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.issued_at"), "2017-05-02T09:12:08.198526Z");
	exp = rig_s(&r, "token.expires_at");
	CU_ASSERT_STRING_EQUAL(exp, "2017-05-02T12:12:08.198526Z");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.project.id"), "a5001a8b9c4a4712985c11377bd6d4fe");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.user.name"), "user");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.user.domain.name"), "dom");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.methods.0"), "password");
	/* the catalog: network (unversioned) and identity, public, with the region id */
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.catalog.0.type"), "network");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.catalog.0.endpoints.0.url"),
	                       "http://mock.test:5000");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.catalog.0.endpoints.0.interface"), "public");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.catalog.0.endpoints.0.region_id"), "jp-east-1");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.catalog.1.type"), "identity");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "token.catalog.1.endpoints.0.url"),
	                       "http://mock.test:5000/v3");
	/* the new token works */
	snprintf(r.token, sizeof r.token, "%s", r.subject_token);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/networks", NULL), 200);
	rig_free(&r);
}

static void test_scope_shapes(void)
{
	static const struct {
		const char *user, *scope;
		int status;
	} cases[] = {
		/* user domain by name, project by id (k5c, OSC) */
		{ "\"name\": \"u\", \"domain\": {\"name\": \"d\"}", "{\"id\": \"p1\"}", 201 },
		/* user domain by id, project by name + domain name */
		{ "\"name\": \"u\", \"domain\": {\"id\": \"default\"}",
		  "{\"name\": \"proj\", \"domain\": {\"name\": \"d\"}}", 201 },
		/* project by name + domain id */
		{ "\"name\": \"u\", \"domain\": {\"id\": \"x\"}",
		  "{\"name\": \"proj\", \"domain\": {\"id\": \"x\"}}", 201 },
		/* user by id */
		{ "\"id\": \"0123\"", "{\"id\": \"p1\"}", 201 },
		/* a project name needs its domain */
		{ "\"name\": \"u\", \"domain\": {\"name\": \"d\"}", "{\"name\": \"proj\"}", 400 },
		/* a user name needs its domain */
		{ "\"name\": \"u\"", "{\"id\": \"p1\"}", 400 },
		{ "\"name\": \"u\", \"domain\": {\"name\": \"d\"}", "{}", 400 },
	};
	struct k5_rig r;

	rig_init(&r, false);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rig_call(&r, "POST", "/v3/auth/tokens", "{\"auth\": {\"identity\": {\"methods\": "
		         "[\"password\"], \"password\": {\"user\": {%s, \"password\": \"pw\"}}}, "
		         "\"scope\": {\"project\": %s}}}", cases[i].user, cases[i].scope);
		CU_ASSERT_EQUAL(r.status, cases[i].status);
		if (cases[i].status == 201) {
			CU_ASSERT_EQUAL(strlen(r.subject_token), 64);
			CU_ASSERT(strlen(rig_s(&r, "token.project.id")) >= 2);
		} else {
			CU_ASSERT_EQUAL(rig_i(&r, "error.code"), 400);
		}
	}
	/* a project by name gets a stable 32-hex id */
	rig_call(&r, "POST", "/v3/auth/tokens", "{\"auth\": {\"identity\": {\"methods\": "
	         "[\"password\"], \"password\": {\"user\": {\"name\": \"u\", \"domain\": "
	         "{\"name\": \"d\"}, \"password\": \"pw\"}}}, \"scope\": {\"project\": "
	         "{\"name\": \"proj\", \"domain\": {\"name\": \"d\"}}}}}");
	CU_ASSERT_EQUAL(strlen(rig_s(&r, "token.project.id")), 32);
	rig_free(&r);
}

static void test_bad_auth_bodies(void)
{
	struct k5_rig r;

	rig_init(&r, false);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v3/auth/tokens", "{\"auth\": "), 400);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "error.title"), "Bad Request");
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v3/auth/tokens", NULL), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v3/auth/tokens", "[1, 2]"), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v3/auth/tokens", "{\"auth\": {\"identity\": "
	                         "{\"methods\": [\"token\"], \"password\": {\"user\": {\"id\": "
	                         "\"u\", \"password\": \"p\"}}}}}"), 401);
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v3/auth/tokens", "{\"auth\": {\"identity\": "
	                         "{\"methods\": [\"password\"], \"password\": {\"user\": "
	                         "{\"id\": \"u\", \"password\": 5}}}}}"), 400);
	CU_ASSERT_EQUAL(rig_call(&r, "PATCH", "/v3/auth/tokens", NULL), 405);
	rig_free(&r);
}

static void test_configured_credentials(void)
{
	struct k5_config cfg;
	struct k5_rig r;

	k5_config_default(&cfg);
	cfg.username = "user";
	cfg.password = "pass";
	rig_init_cfg(&r, &cfg);         /* the rig's own login uses user/pass: accepted */
	CU_ASSERT_EQUAL(rig_call(&r, "POST", "/v3/auth/tokens", "{\"auth\": {\"identity\": "
	                         "{\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": "
	                         "\"user\", \"domain\": {\"name\": \"d\"}, \"password\": "
	                         "\"wrong\"}}}, \"scope\": {\"project\": {\"id\": \"p\"}}}}"), 401);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "error.title"), "Unauthorized");
	rig_free(&r);
}

static void test_401_shape_and_expiry(void)
{
	struct k5_rig r;
	char good[128];

	rig_init(&r, false);
	snprintf(good, sizeof good, "%s", r.token);
	snprintf(r.token, sizeof r.token, "not-a-token");
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/networks", NULL), 401);
	CU_ASSERT_EQUAL(rig_i(&r, "error.code"), 401);
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "error.title"), "Unauthorized");
	CU_ASSERT_STRING_EQUAL(rig_s(&r, "error.message"),
	                       "The request you have made requires authentication.");
	CU_ASSERT_STRING_EQUAL(r.www_auth, "Keystone uri=\"http://mock.test:5000/v3\"");
	r.token[0] = '\0';
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/vpn/ikepolicies", NULL), 401);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/vpnlab/v1/intents", NULL), 401);
	snprintf(r.token, sizeof r.token, "%s", good);
	/* valid until 3 h of lab time have passed, not after */
	r.now = lab_sec(3 * 3600) - 1;
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/networks", NULL), 200);
	r.now = lab_sec(3 * 3600);
	CU_ASSERT_EQUAL(rig_call(&r, "GET", "/v2.0/networks", NULL), 401);
	rig_free(&r);
}

static void test_token_validation(void)
{
	struct k5_rig r;
	struct http_request req;
	struct http_response resp;

	rig_init(&r, false);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.path = "/v3/auth/tokens";
	req.query = "";
	req.headers[0] = (struct http_header){ "X-Auth-Token", r.token };
	req.headers[1] = (struct http_header){ "X-Subject-Token", r.token };
	req.nheaders = 2;
	http_response_init(&resp);
	k5_mock_handle(r.k, &req, &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	http_response_clear(&resp);
	req.headers[1].value = "deadbeef";
	http_response_init(&resp);
	k5_mock_handle(r.k, &req, &resp);
	CU_ASSERT_EQUAL(resp.status, 404);
	http_response_clear(&resp);
	rig_free(&r);
}

UNIT_SUITE(k5_keystone,
	UNIT_TEST(test_discovery),
	UNIT_TEST(test_token_issue),
	UNIT_TEST(test_scope_shapes),
	UNIT_TEST(test_bad_auth_bodies),
	UNIT_TEST(test_configured_credentials),
	UNIT_TEST(test_401_shape_and_expiry),
	UNIT_TEST(test_token_validation))

/*
 * The template filling of api steps (harness/cloud_step.h): {name} replaced, JSON escaping
 * in bodies, braces that are not names kept, a missing variable and a full buffer refused.
 */
#include "tests/unit/unit.h"
#include "harness/cloud_step.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static const char *vars(void *ctx, const char *name, bool *json)
{
	(void)ctx;
	*json = !strcmp(name, "doc");
	if (*json)
		return "{\"Settings\":{\"a\":\"b\"}}";
	if (!strcmp(name, "id"))
		return "0f8e-11";
	if (!strcmp(name, "q"))
		return "say \"hi\" \\ bye";
	if (!strcmp(name, "zone"))
		return "tk1v";
	return NULL;
}

static void test_fill(void)
{
	static const struct {
		const char *tmpl;
		bool quote;
		int rc;
		const char *out;        /* or the message's start */
	} t[] = {
		{ "/v2.0/routers/{id}/add_router_interface", false, 0,
		  "/v2.0/routers/0f8e-11/add_router_interface" },
		{ "/cloud/zone/{zone}/api?{\"Filter\":{\"Name\":\"x\"}}", false, 0,
		  "/cloud/zone/tk1v/api?{\"Filter\":{\"Name\":\"x\"}}" },
		{ "{\"a\":\"{q}\",\"b\":{}}", true, 0, "{\"a\":\"say \\\"hi\\\" \\\\ bye\",\"b\":{}}" },
		{ "{q}", false, 0, "say \"hi\" \\ bye" },
		{ "{id}{id}", false, 0, "0f8e-110f8e-11" },
		{ "{ id}", false, 0, "{ id}" },
		{ "{id", false, 0, "{id" },
		{ "/x/{nope}", false, -ENOENT, "{nope}: no step has saved it yet" },
		/* a document variable as a whole body string is the document; inside a longer
		 * string, or in a path, it is text */
		{ "\"{doc}\"", true, 0, "{\"Settings\":{\"a\":\"b\"}}" },
		{ "{\"Export\":\"{doc}\"}", true, 0, "{\"Export\":{\"Settings\":{\"a\":\"b\"}}}" },
		{ "{\"x\":\"v={doc}\"}", true, 0,
		  "{\"x\":\"v={\\\"Settings\\\":{\\\"a\\\":\\\"b\\\"}}\"}" },
	};
	char out[128], msg[128];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = cloud_step_fill(vars, NULL, t[i].tmpl, t[i].quote, out, sizeof out, msg,
		                         sizeof msg);

		CU_ASSERT_EQUAL(rc, t[i].rc);
		if (!rc) {
			CU_ASSERT_STRING_EQUAL(out, t[i].out);
		} else {
			CU_ASSERT_STRING_EQUAL(msg, t[i].out);
		}
	}
	/* no room: refused, not cut */
	CU_ASSERT_EQUAL(cloud_step_fill(vars, NULL, "/routers/{id}/{id}/{id}", false, out, 20, msg,
	                                sizeof msg), -ENOSPC);
}

UNIT_SUITE(cloud_step, UNIT_TEST(test_fill))

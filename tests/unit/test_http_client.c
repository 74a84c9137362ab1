/*
 * The api steps' HTTP client: the response parser over byte tables (complete, incomplete,
 * malformed, over the limits), and whole calls on the loop against mocks/http.c in-process.
 */
#include "tests/unit/unit.h"
#include "harness/http_client.h"
#include "harness/loop.h"
#include "mocks/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

struct parse_case {
	const char *name;
	const char *in;
	bool eof;
	int rc;
	int status;
	const char *body;               /* with rc 0 */
	const char *err;                /* part of the message with rc < 0 (not -EAGAIN) */
};

static const struct parse_case pcases[] = {
	{ "content_length", "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello",
	  false, 0, 201, "hello", NULL },
	{ "content_length_extra_ignored", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokXX",
	  false, 0, 200, "ok", NULL },
	{ "short_body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello", false, -EAGAIN, 0,
	  NULL, NULL },
	{ "short_body_eof", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello", true, -EINVAL, 0,
	  NULL, "5 of 9 bytes" },
	{ "no_length_until_close", "HTTP/1.0 200 OK\r\n\r\nall of it", true, 0, 200, "all of it",
	  NULL },
	{ "no_length_open", "HTTP/1.0 200 OK\r\n\r\nall of it", false, -EAGAIN, 0, NULL, NULL },
	{ "no_content_204", "HTTP/1.1 204 No Content\r\n\r\n", false, 0, 204, "", NULL },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n", false, 0, 200,
	  "Wikipedia", NULL },
	{ "chunked_incomplete", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi",
	  false, -EAGAIN, 0, NULL, NULL },
	{ "chunked_cut", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi", true,
	  -EINVAL, 0, NULL, "inside a chunk" },
	{ "chunk_size_bad", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false,
	  -EINVAL, 0, NULL, "chunk size at offset 47: not a hex number" },
	{ "chunk_no_crlf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY0\r\n\r\n",
	  false, -EINVAL, 0, NULL, "no CRLF after 2 data bytes" },
	{ "chunk_huge", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffff\r\n",
	  false, -EMSGSIZE, 0, NULL, "over" },
	{ "gzip_refused", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, -EINVAL, 0,
	  NULL, "only chunked" },
	{ "status_line_bad", "HTTP/2 200 OK\r\n\r\n", false, -EINVAL, 0, NULL,
	  "status line at offset 0" },
	{ "status_code_bad", "HTTP/1.1 2x0 OK\r\n\r\n", false, -EINVAL, 0, NULL, "status line" },
	{ "header_bad", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", false, -EINVAL, 0, NULL,
	  "header at offset 17" },
	{ "header_ctl", "HTTP/1.1 200 OK\r\nX: a\001b\r\n\r\n", false, -EINVAL, 0, NULL,
	  "control character" },
	{ "length_bad", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, -EINVAL, 0, NULL,
	  "Content-Length '-1': not a number" },
	{ "length_huge", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", false,
	  -EMSGSIZE, 0, NULL, "over" },
	{ "headers_incomplete", "HTTP/1.1 200 OK\r\nContent-Le", false, -EAGAIN, 0, NULL, NULL },
	{ "nothing", "", false, -EAGAIN, 0, NULL, NULL },
	{ "nothing_eof", "", true, -EINVAL, 0, NULL, "incomplete" },
};

static void test_parse_table(void)
{
	for (size_t i = 0; i < sizeof pcases / sizeof pcases[0]; i++) {
		const struct parse_case *t = &pcases[i];
		struct http_client_response r;
		char err[256] = "";
		int rc = http_response_parse((const uint8_t *)t->in, strlen(t->in), t->eof, &r, err,
		                             sizeof err);

		if (rc != t->rc)
			fprintf(stderr, "\n[%s] rc %d, want %d (%s)\n", t->name, rc, t->rc, err);
		CU_ASSERT_EQUAL(rc, t->rc);
		if (!rc && t->rc == 0) {
			CU_ASSERT_EQUAL(r.status, t->status);
			CU_ASSERT_STRING_EQUAL(r.body, t->body);
			CU_ASSERT_EQUAL(r.body_len, strlen(t->body));
			http_client_response_clear(&r);
		} else if (t->err) {
			if (!strstr(err, t->err))
				fprintf(stderr, "\n[%s] message '%s' lacks '%s'\n", t->name, err, t->err);
			CU_ASSERT_PTR_NOT_NULL(strstr(err, t->err));
		}
	}
}

static void test_parse_headers(void)
{
	const char *in = "HTTP/1.1 201 Created\r\nX-Subject-Token:   tok 1  \r\ncontent-length: 0\r\n"
	                 "\r\n";
	struct http_client_response r;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(http_response_parse((const uint8_t *)in, strlen(in), false, &r, err,
	                                          sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(r.reason, "Created");
	CU_ASSERT_STRING_EQUAL(http_client_response_header(&r, "x-subject-token"), "tok 1");
	CU_ASSERT_PTR_NULL(http_client_response_header(&r, "X-Other"));
	CU_ASSERT_EQUAL(r.nheaders, 2);
	http_client_response_clear(&r);
}

/* Every prefix of a valid response is "more, please", never an error or a crash. */
static void test_parse_prefixes(void)
{
	const char *in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";

	for (size_t n = 0; n < strlen(in); n++) {
		struct http_client_response r;
		char err[128];

		CU_ASSERT_EQUAL(http_response_parse((const uint8_t *)in, n, false, &r, err,
		                                    sizeof err), -EAGAIN);
	}
}

static void too_many_headers(void)
{
	char in[4096];
	size_t n = (size_t)snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\n");
	struct http_client_response r;
	char err[128];

	for (int i = 0; i <= HTTP_CLIENT_HEADERS_MAX; i++)
		n += (size_t)snprintf(in + n, sizeof in - n, "X-%d: v\r\n", i);
	n += (size_t)snprintf(in + n, sizeof in - n, "\r\n");
	CU_ASSERT_EQUAL(http_response_parse((const uint8_t *)in, n, false, &r, err, sizeof err),
	                -EMSGSIZE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than"));
}

/* ---- calls on the loop against the mocks' server ---- */

static void echo(void *ctx, const struct http_request *req, struct http_response *resp)
{
	char text[512];
	const char *tok = http_request_header(req, "X-Auth-Token");
	int n = snprintf(text, sizeof text, "{\"method\":\"%s\",\"path\":\"%s\",\"query\":\"%s\","
	                 "\"body\":%zu,\"token\":\"%s\"}", req->method, req->path, req->query,
	                 req->body_len, tok ? tok : "");

	(void)ctx;
	resp->status = req->body_len ? 201 : 200;
	http_response_add_header(resp, "X-Subject-Token", "tok-9");
	http_response_set_body(resp, text, (size_t)n);
}

static void on_srv(void *ctx, int fd, uint32_t ev)
{
	(void)fd;
	(void)ev;
	for (int i = 0; i < 8; i++) {
		http_server_run(ctx);
		if (http_server_timeout_ms(ctx) != 0)
			break;
	}
}

static bool call_done(void *ctx)
{
	return http_call_done(ctx);
}

static void test_call_on_loop(void)
{
	struct loop loop;
	struct http_server *srv = NULL;
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	char err[256];
	int fd;

	CU_ASSERT_EQUAL_FATAL(loop_init(&loop, LOOP_CLOCK_REAL), 0);
	fd = http_listen("127.0.0.1:0", err, sizeof err);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	CU_ASSERT_EQUAL_FATAL(http_server_start(&srv, fd, 1024, echo, NULL, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(loop_watch(&loop, http_server_fd(srv), EPOLLIN, on_srv, srv), 0);

	for (int k = 0; k < 3; k++) {
		static const char *const hdrs[] = { "X-Auth-Token: abc", NULL };
		struct http_call_opts o = {
			.loop = &loop, .nsfd = -1, .to = (struct sockaddr *)&a, .tolen = al,
			.method = k == 1 ? "POST" : "GET", .host = "127.0.0.1",
			.target = "/v2.0/x?name=a%20b", .headers = hdrs,
			.body = k == 1 ? "{\"a\":1}" : NULL, .body_len = k == 1 ? 7 : 0,
		};
		const struct http_client_response *r;
		const char *msg;
		struct http_call *c = NULL;

		if (k == 2) {
			static char big[2048];

			memset(big, 'x', sizeof big);
			o.method = "PUT";
			o.body = big;
			o.body_len = sizeof big;
		}
		CU_ASSERT_EQUAL_FATAL(http_call_start(&c, &o, err, sizeof err), 0);
		CU_ASSERT_EQUAL(loop_run(&loop, loop_now(&loop) + lab_sec(5), call_done, c), 0);
		CU_ASSERT_TRUE(http_call_done(c));
		CU_ASSERT_EQUAL(http_call_result(c, &r, &msg), 0);
		if (k == 0) {
			CU_ASSERT_EQUAL(r->status, 200);
			CU_ASSERT_STRING_EQUAL(http_client_response_header(r, "X-Subject-Token"), "tok-9");
			CU_ASSERT_PTR_NOT_NULL(strstr(r->body, "\"path\":\"/v2.0/x\""));
			CU_ASSERT_PTR_NOT_NULL(strstr(r->body, "\"query\":\"name=a%20b\""));
			CU_ASSERT_PTR_NOT_NULL(strstr(r->body, "\"token\":\"abc\""));
		} else if (k == 1) {
			CU_ASSERT_EQUAL(r->status, 201);
			CU_ASSERT_PTR_NOT_NULL(strstr(r->body, "\"method\":\"POST\""));
			CU_ASSERT_PTR_NOT_NULL(strstr(r->body, "\"body\":7"));
		} else {
			/* over the server's max_body: 413 from the server, read as any answer */
			CU_ASSERT_EQUAL(r->status, 413);
		}
		http_call_free(c);
	}
	loop_unwatch(&loop, http_server_fd(srv));
	http_server_stop(srv);
	loop_fini(&loop);
}

/* Nobody listening: connect fails, and the call ends with the reason (not a hang). */
static void test_call_refused(void)
{
	struct loop loop;
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct http_call_opts o = {
		.loop = &loop, .nsfd = -1, .to = (struct sockaddr *)&a, .tolen = sizeof a,
		.method = "GET", .host = "127.0.0.1", .target = "/",
	};
	const struct http_client_response *r;
	const char *msg;
	struct http_call *c = NULL;
	char err[256];
	int fd = http_listen("127.0.0.1:0", err, sizeof err);
	socklen_t al = sizeof a;

	CU_ASSERT_EQUAL_FATAL(loop_init(&loop, LOOP_CLOCK_REAL), 0);
	/* a port that was free a moment ago: bound, then closed */
	CU_ASSERT_FATAL(fd >= 0);
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	if (http_call_start(&c, &o, err, sizeof err) == 0) {
		loop_run(&loop, loop_now(&loop) + lab_sec(5), call_done, c);
		CU_ASSERT_TRUE(http_call_done(c));
		CU_ASSERT_EQUAL(http_call_result(c, &r, &msg), -ECONNREFUSED);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "connect"));
	} else {
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "connect"));
	}
	http_call_free(c);
	loop_fini(&loop);
}

UNIT_SUITE(http_client, UNIT_TEST(test_parse_table), UNIT_TEST(test_parse_headers),
           UNIT_TEST(test_parse_prefixes), UNIT_TEST(too_many_headers),
           UNIT_TEST(test_call_on_loop), UNIT_TEST(test_call_refused))

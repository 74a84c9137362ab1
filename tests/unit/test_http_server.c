/* The HTTP layer over a real socket: a server on 127.0.0.1 port 0, a plain socket client. */
#include "tests/unit/unit.h"
#include "mocks/http.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* What the echo handler saw last, for the assertions. */
struct echo_ctx {
	int calls;
	char method[16];
	char path[256];
	char query[256];
	char token[128];
	size_t body_len;
};

/* Answers with "METHOD PATH?QUERY LEN" so the client can check what arrived. */
static void echo_handler(void *vctx, const struct http_request *req, struct http_response *resp)
{
	struct echo_ctx *c = vctx;
	const char *tok = http_request_header(req, "x-auth-token");
	char text[1024];
	int n;

	c->calls++;
	if (!strcmp(req->path, "/defer")) {     /* answered later by http_server_complete */
		http_response_defer(resp, 7);
		return;
	}
	snprintf(c->method, sizeof c->method, "%s", req->method);
	snprintf(c->path, sizeof c->path, "%s", req->path);
	snprintf(c->query, sizeof c->query, "%s", req->query);
	snprintf(c->token, sizeof c->token, "%s", tok ? tok : "");
	c->body_len = req->body_len;
	n = snprintf(text, sizeof text, "%s %s?%s %zu", req->method, req->path, req->query,
	             req->body_len);
	resp->status = req->body_len ? 201 : 200;
	http_response_add_header(resp, "X-Subject-Token", "tok-123");
	http_response_set_body(resp, text, (size_t)n);
}

struct rig {
	struct http_server *srv;
	struct echo_ctx ctx;
	uint16_t port;
};

static int rig_start(struct rig *r, size_t max_body)
{
	char err[256];
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int fd;

	memset(r, 0, sizeof *r);
	fd = http_listen("127.0.0.1:0", err, sizeof err);
	if (fd < 0)
		return fd;
	if (getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		close(fd);
		return -errno;
	}
	r->port = ntohs(a.sin_port);
	return http_server_start(&r->srv, fd, max_body, echo_handler, &r->ctx, err, sizeof err);
}

/* Let the server do its work for up to ms milliseconds of polling. */
static void rig_pump(struct rig *r, int ms)
{
	struct pollfd p = { .fd = http_server_fd(r->srv), .events = POLLIN };

	for (int i = 0; i < ms; i++) {
		poll(&p, 1, 1);
		http_server_run(r->srv);
	}
}

static int client_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void client_send(struct rig *r, int fd, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN)
			return;         /* the server may close early (413); the reply is read next */
		rig_pump(r, 1);
	}
}

/* Read one whole response (headers + Content-Length body) into buf; returns its length. */
static size_t client_recv(struct rig *r, int fd, char *buf, size_t cap)
{
	size_t have = 0;

	for (int spins = 0; spins < 3000; spins++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *hend, *cl;

		rig_pump(r, 1);
		if (poll(&p, 1, 0) > 0) {
			ssize_t n = recv(fd, buf + have, cap - 1 - have, 0);

			if (n <= 0)
				break;
			have += (size_t)n;
			buf[have] = '\0';
		}
		hend = strstr(buf, "\r\n\r\n");
		cl = strcasestr(buf, "content-length:");
		if (hend && cl && have >= (size_t)(hend + 4 - buf) + strtoul(cl + 15, NULL, 10))
			break;
	}
	buf[have] = '\0';
	return have;
}

static void test_get_with_query_and_header(void)
{
	struct rig r;
	char buf[4096];
	int fd;
	const char *rq = "GET /v2.0/vpn/ike%70olicies?name=a%20b&id=1 HTTP/1.1\r\n"
	                 "Host: 127.0.0.1\r\nX-Auth-Token: abc\r\n\r\n";

	CU_ASSERT_FATAL(rig_start(&r, 1024) == 0);
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	client_send(&r, fd, rq, strlen(rq));
	client_recv(&r, fd, buf, sizeof buf);
	CU_ASSERT(strncmp(buf, "HTTP/1.1 200", 12) == 0);
	CU_ASSERT_PTR_NOT_NULL(strcasestr(buf, "X-Subject-Token: tok-123"));
	CU_ASSERT_PTR_NOT_NULL(strcasestr(buf, "Content-Type: application/json"));
	CU_ASSERT_STRING_EQUAL(r.ctx.path, "/v2.0/vpn/ikepolicies");     /* %70 decoded */
	CU_ASSERT_STRING_EQUAL(r.ctx.query, "name=a%20b&id=1");          /* raw */
	CU_ASSERT_STRING_EQUAL(r.ctx.token, "abc");
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "GET /v2.0/vpn/ikepolicies?name=a%20b&id=1 0"));
	close(fd);
	http_server_stop(r.srv);
}

static void test_body_split_across_writes(void)
{
	struct rig r;
	char buf[4096];
	const char *head = "POST /v2.0/networks HTTP/1.1\r\nHost: x\r\n"
	                   "Content-Type: application/json\r\nContent-Length: 40\r\n\r\n";
	const char *body = "{\"network\": {\"name\": \"net-split-12345\"}}";  /* 40 bytes */
	int fd;

	CU_ASSERT_FATAL(strlen(body) == 40);
	CU_ASSERT_FATAL(rig_start(&r, 1024) == 0);
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	/* headers cut mid-line, body in three pieces, the server running between each */
	client_send(&r, fd, head, 10);
	rig_pump(&r, 5);
	client_send(&r, fd, head + 10, strlen(head) - 10);
	rig_pump(&r, 5);
	client_send(&r, fd, body, 7);
	rig_pump(&r, 5);
	client_send(&r, fd, body + 7, 20);
	rig_pump(&r, 5);
	CU_ASSERT_EQUAL(r.ctx.calls, 0);        /* not complete yet: the handler has not run */
	client_send(&r, fd, body + 27, 13);
	client_recv(&r, fd, buf, sizeof buf);
	CU_ASSERT(strncmp(buf, "HTTP/1.1 201", 12) == 0);
	CU_ASSERT_EQUAL(r.ctx.calls, 1);
	CU_ASSERT_EQUAL(r.ctx.body_len, 40);
	CU_ASSERT_STRING_EQUAL(r.ctx.method, "POST");
	close(fd);
	http_server_stop(r.srv);
}

static void test_oversized_body_413(void)
{
	struct rig r;
	char buf[4096], head[256], big[3000];
	int fd, n;

	memset(big, 'a', sizeof big);
	CU_ASSERT_FATAL(rig_start(&r, 1000) == 0);
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	n = snprintf(head, sizeof head, "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
	             sizeof big);
	client_send(&r, fd, head, (size_t)n);
	client_send(&r, fd, big, sizeof big);
	client_recv(&r, fd, buf, sizeof buf);
	CU_ASSERT(strncmp(buf, "HTTP/1.1 413", 12) == 0);
	CU_ASSERT_EQUAL(r.ctx.calls, 0);        /* the handler never saw it */
	close(fd);

	/* Chunked upload: no Content-Length up front, so the limit trips while accumulating. */
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	n = snprintf(head, sizeof head, "PUT /x HTTP/1.1\r\nHost: x\r\n"
	             "Transfer-Encoding: chunked\r\n\r\n");
	client_send(&r, fd, head, (size_t)n);
	for (int i = 0; i < 3; i++) {
		client_send(&r, fd, "1f4\r\n", 5);              /* 500-byte chunks */
		client_send(&r, fd, big, 500);
		client_send(&r, fd, "\r\n", 2);
	}
	client_send(&r, fd, "0\r\n\r\n", 5);
	client_recv(&r, fd, buf, sizeof buf);
	CU_ASSERT(strncmp(buf, "HTTP/1.1 413", 12) == 0);
	CU_ASSERT_EQUAL(r.ctx.calls, 0);
	close(fd);

	/* A body at the limit still passes. */
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	n = snprintf(head, sizeof head, "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
	client_send(&r, fd, head, (size_t)n);
	client_send(&r, fd, big, 1000);
	client_recv(&r, fd, buf, sizeof buf);
	CU_ASSERT(strncmp(buf, "HTTP/1.1 201", 12) == 0);
	CU_ASSERT_EQUAL(r.ctx.body_len, 1000);
	close(fd);
	http_server_stop(r.srv);
}

static void test_many_sequential_requests(void)
{
	struct rig r;
	char buf[4096], rq[256], want[128];
	int fd, ok = 0;

	CU_ASSERT_FATAL(rig_start(&r, 1024) == 0);
	fd = client_connect(r.port);                    /* one keep-alive connection */
	CU_ASSERT_FATAL(fd >= 0);
	for (int i = 0; i < 200; i++) {
		int n = snprintf(rq, sizeof rq, "GET /item/%d HTTP/1.1\r\nHost: x\r\n\r\n", i);

		client_send(&r, fd, rq, (size_t)n);
		client_recv(&r, fd, buf, sizeof buf);
		snprintf(want, sizeof want, "GET /item/%d? 0", i);
		if (!strncmp(buf, "HTTP/1.1 200", 12) && strstr(buf, want))
			ok++;
	}
	close(fd);
	for (int i = 0; i < 50; i++) {                  /* and fresh connections */
		int n = snprintf(rq, sizeof rq, "DELETE /c/%d HTTP/1.1\r\nHost: x\r\n"
		                 "Connection: close\r\n\r\n", i);

		fd = client_connect(r.port);
		CU_ASSERT_FATAL(fd >= 0);
		client_send(&r, fd, rq, (size_t)n);
		client_recv(&r, fd, buf, sizeof buf);
		snprintf(want, sizeof want, "DELETE /c/%d? 0", i);
		if (!strncmp(buf, "HTTP/1.1 200", 12) && strstr(buf, want))
			ok++;
		close(fd);
	}
	CU_ASSERT_EQUAL(ok, 250);
	CU_ASSERT_EQUAL(r.ctx.calls, 250);
	http_server_stop(r.srv);
}

/* Twenty connections open at once, all requests written before any answer is read. */
static void test_concurrent_connections(void)
{
	struct rig r;
	char buf[4096], rq[128], want[64];
	int fds[20], ok = 0;
	int64_t t;

	CU_ASSERT_FATAL(rig_start(&r, 1024) == 0);
	CU_ASSERT(http_server_fd(r.srv) >= 0);
	for (int i = 0; i < 20; i++) {
		fds[i] = client_connect(r.port);
		CU_ASSERT_FATAL(fds[i] >= 0);
	}
	rig_pump(&r, 5);
	/* open idle connections: the 120 s connection timeout bounds the wait */
	t = http_server_timeout_ms(r.srv);
	CU_ASSERT(t > 0 && t <= 120000);
	for (int i = 0; i < 20; i++) {
		int n = snprintf(rq, sizeof rq, "GET /c%d HTTP/1.1\r\nHost: x\r\n\r\n", i);

		client_send(&r, fds[i], rq, (size_t)n);
	}
	for (int i = 19; i >= 0; i--) {
		client_recv(&r, fds[i], buf, sizeof buf);
		snprintf(want, sizeof want, "GET /c%d? 0", i);
		if (!strncmp(buf, "HTTP/1.1 200", 12) && strstr(buf, want))
			ok++;
		close(fds[i]);
	}
	CU_ASSERT_EQUAL(ok, 20);
	http_server_stop(r.srv);
}

static void test_bad_percent_escape_400(void)
{
	struct rig r;
	char buf[4096];
	const char *rq = "GET /v2.0/a%00b HTTP/1.1\r\nHost: x\r\n\r\n";
	int fd;

	CU_ASSERT_FATAL(rig_start(&r, 1024) == 0);
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	client_send(&r, fd, rq, strlen(rq));
	client_recv(&r, fd, buf, sizeof buf);
	CU_ASSERT(strncmp(buf, "HTTP/1.1 400", 12) == 0);
	CU_ASSERT_EQUAL(r.ctx.calls, 0);
	close(fd);
	http_server_stop(r.srv);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Stopping closes the listening socket it was given, the epoll fd and every connection. */
static void test_stop_closes_everything(void)
{
	struct rig r;
	int before = count_fds(), fd;

	CU_ASSERT_FATAL(before > 0);
	CU_ASSERT_FATAL(rig_start(&r, 1024) == 0);
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	rig_pump(&r, 5);
	CU_ASSERT(count_fds() >= before + 3);
	http_server_stop(r.srv);
	close(fd);
	CU_ASSERT_EQUAL(count_fds(), before);
	http_server_stop(NULL);
}

static void test_listen_addresses(void)
{
	static const struct { const char *in; int ok; } cases[] = {
		{ "127.0.0.1:0", 1 },
		{ "[::1]:0", 1 },
		{ "127.0.0.1", 0 },             /* no port */
		{ "127.0.0.1:70000", 0 },       /* port out of range */
		{ "[::1]0", 0 },                /* no colon after ] */
		{ "host.example:80", 0 },       /* names are not resolved */
		{ ":80", 0 },
	};
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int fd;

		err[0] = '\0';
		fd = http_listen(cases[i].in, err, sizeof err);
		if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)
			continue;               /* no IPv6 on this host */
		CU_ASSERT_EQUAL(fd >= 0, cases[i].ok);
		if (fd >= 0)
			close(fd);
		else
			CU_ASSERT(err[0] != '\0');
	}
}

static void test_response_helpers(void)
{
	struct http_response r;
	char name[80];

	http_response_init(&r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.content_type, "application/json");
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		CU_ASSERT_EQUAL(http_response_add_header(&r, "A", "b"), 0);
	CU_ASSERT_EQUAL(http_response_add_header(&r, "A", "b"), -ENOSPC);
	r.nheaders = 0;
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	CU_ASSERT_EQUAL(http_response_add_header(&r, name, "b"), -ENOSPC);
	CU_ASSERT_EQUAL(http_response_set_body(&r, "xyz", 3), 0);
	CU_ASSERT_EQUAL(r.body_len, 3);
	CU_ASSERT_STRING_EQUAL(r.body, "xyz");
	http_response_clear(&r);
	CU_ASSERT_PTR_NULL(r.body);
}

/* A deferred answer: nothing until http_server_complete(token); 503 if the server stops. */
static void test_deferred_answer(void)
{
	static const char req[] = "GET /defer HTTP/1.1\r\nHost: x\r\n\r\n";
	struct rig r;
	struct http_response late;
	char buf[4096];
	int fd;

	CU_ASSERT_FATAL(rig_start(&r, 1024) == 0);
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	client_send(&r, fd, req, sizeof req - 1);
	rig_pump(&r, 50);
	CU_ASSERT_EQUAL(r.ctx.calls, 1);
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };

		CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);     /* no answer yet */
	}
	http_response_init(&late);
	late.status = 202;
	http_response_set_body(&late, "late answer", 11);
	CU_ASSERT_EQUAL(http_server_complete(r.srv, 8, &late), -ENOENT);
	CU_ASSERT_EQUAL(http_server_complete(r.srv, 0, &late), -ENOENT);
	CU_ASSERT_EQUAL(http_server_complete(r.srv, 7, &late), 0);
	CU_ASSERT_EQUAL(http_server_complete(r.srv, 7, &late), -ENOENT);     /* answered once */
	http_response_clear(&late);
	client_recv(&r, fd, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "HTTP/1.1 202"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\r\n\r\nlate answer"));
	CU_ASSERT_EQUAL(r.ctx.calls, 1);        /* the handler is not called again */
	close(fd);
	/* one still held when the server stops gets 503 */
	fd = client_connect(r.port);
	CU_ASSERT_FATAL(fd >= 0);
	client_send(&r, fd, req, sizeof req - 1);
	rig_pump(&r, 50);
	CU_ASSERT_EQUAL(r.ctx.calls, 2);
	http_server_stop(r.srv);
	{
		size_t have = 0;

		for (int i = 0; i < 200 && have < sizeof buf - 1; i++) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			ssize_t n;

			if (poll(&p, 1, 5) <= 0)
				continue;
			n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
			if (n <= 0)
				break;
			have += (size_t)n;
		}
		buf[have] = '\0';
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "HTTP/1.1 503"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "service_unavailable"));
	close(fd);
}

UNIT_SUITE(http_server,
	UNIT_TEST(test_deferred_answer),
	UNIT_TEST(test_get_with_query_and_header),
	UNIT_TEST(test_body_split_across_writes),
	UNIT_TEST(test_oversized_body_413),
	UNIT_TEST(test_many_sequential_requests),
	UNIT_TEST(test_concurrent_connections),
	UNIT_TEST(test_bad_percent_escape_400),
	UNIT_TEST(test_stop_closes_everything),
	UNIT_TEST(test_listen_addresses),
	UNIT_TEST(test_response_helpers))

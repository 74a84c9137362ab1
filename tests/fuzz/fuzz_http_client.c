/*
 * fuzz_http_client.c: bytes as an HTTP response into the api steps' parser
 * (harness/http_client.c), once as if more may follow and once as if the server closed.
 *
 * What it promises, checked on every input: it never reads past len (ASan), a complete answer
 * has a status 100..599 and a NUL-terminated body no longer than the input, "need more" and
 * errors leave nothing allocated, and an error says why.
 */
#include "tests/fuzz/fuzz.h"
#include "harness/http_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S(x) { (const uint8_t *)(x), sizeof(x) - 1 }

static const struct fuzz_seed seeds[] = {
	S("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Subject-Token: abc\r\n"
	  "Content-Length: 17\r\n\r\n{\"token\":{\"a\":1}}"),
	S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nWiki\r\n5\r\npedia\r\n"
	  "0\r\nTrailer: t\r\n\r\n"),
	S("HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nuntil the end"),
	S("HTTP/1.1 204 No Content\r\n\r\n"),
	S("HTTP/1.1 409 Conflict\r\nContent-Length: 60\r\n\r\n{\"NeutronError\":{\"type\":\"RouterInUse\","
	  "\"message\":\"x\"}}"),
	S("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"),
};

static void one(const uint8_t *data, size_t size, bool eof)
{
	struct http_client_response r;
	char err[256] = "";
	int rc = http_response_parse(data, size, eof, &r, err, sizeof err);

	if (rc == 0) {
		if (r.status < 100 || r.status > 599 || !r.body || r.body_len > size ||
		    r.body[r.body_len] != 0 || r.nheaders > HTTP_CLIENT_HEADERS_MAX)
			abort();
		http_client_response_clear(&r);
		return;
	}
	if (rc != -EAGAIN && rc != -EINVAL && rc != -EMSGSIZE && rc != -ENOMEM)
		abort();
	if (rc != -EAGAIN && !err[0])
		abort();
	if (eof && rc == -EAGAIN)
		abort();        /* closed: the answer is complete or wrong, never "more" */
	if (r.body)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, false);
	one(data, size, true);
	return 0;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	*n = sizeof seeds / sizeof seeds[0];
	return seeds;
}

/*
 * http_client.h: a small HTTP/1.1 client on the run's loop, for scenario steps that call the
 * mock clouds' APIs as a user's script would (harness/lab_cloud.c).
 *
 * One request per connection ("Connection: close"), non-blocking: the caller starts a call
 * and lets the loop run until http_call_done(). The response parser is a pure function over
 * bytes (http_response_parse), so it is unit-tested and fuzzed without a socket.
 *
 * Ownership: a call borrows the loop; it owns its socket and the response it collects.
 */
#ifndef VPNLAB_HARNESS_HTTP_CLIENT_H
#define VPNLAB_HARNESS_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "harness/loop.h"

#define HTTP_CLIENT_HEADERS_MAX 32
#define HTTP_CLIENT_BODY_MAX    (4u << 20)      /* a mock's answer is a few KiB */

struct http_client_response {
	int status;                     /* 100..599 */
	char reason[64];
	struct {
		char name[64];
		char value[512];
	} headers[HTTP_CLIENT_HEADERS_MAX];
	size_t nheaders;
	char *body;                     /* malloc'd, NUL-terminated (not counted in body_len) */
	size_t body_len;
};

void http_client_response_clear(struct http_client_response *r);
/* Case-insensitive; NULL if absent. */
const char *http_client_response_header(const struct http_client_response *r,
                                        const char *name);

/*
 *   HTTP-version SP status-code SP [ reason-phrase ] CRLF      (RFC 9112 4)
 *   *( field-name ":" OWS field-value OWS CRLF )
 *   CRLF
 *   [ message-body ]   Content-Length bytes, or chunked (RFC 9112 7.1), or until close
 *
 * Parse one response from buf[0..len). eof: the peer closed (a body without length ends
 * there). Returns 0 with *out filled (the caller clears it), -EAGAIN when more bytes are
 * needed, -EINVAL (malformed) or -EMSGSIZE (over the limits) with err naming the part and the
 * byte offset. Pure: no I/O, no clock.
 */
int http_response_parse(const uint8_t *buf, size_t len, bool eof,
                        struct http_client_response *out, char *err, size_t errlen);

struct http_call;

struct http_call_opts {
	struct loop *loop;
	int nsfd;                       /* namespace to connect from; -1: the current one */
	const struct sockaddr *to;
	socklen_t tolen;
	const char *method, *host, *target;     /* target: path and query */
	const char *const *headers;     /* "Name: value" lines, NULL-terminated; may be NULL */
	const char *body;               /* may be NULL */
	size_t body_len;
};

/* Connect and send. 0 or -errno with msg. */
int http_call_start(struct http_call **out, const struct http_call_opts *o, char *msg,
                    size_t msglen);
bool http_call_done(const struct http_call *c);
/* After done: 0 and the response, or -errno and a message. */
int http_call_result(const struct http_call *c, const struct http_client_response **resp,
                     const char **msg);
/* Closes the socket (if still open) and frees everything. NULL is fine. */
void http_call_free(struct http_call *c);

#endif

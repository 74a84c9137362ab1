/*
 * http.h: the mock clouds' HTTP layer (libmicrohttpd in external-select mode, epoll backend).
 *
 * A mock is a pure handler: it turns one whole request into one response, so it can be tested
 * by calling it directly, with no socket. The server wraps the handler for a real client
 * (curl, the OpenStack CLI, Terraform). It never blocks and starts no thread: the owner watches
 * http_server_fd() in its own event loop and calls http_server_run() when it is readable or
 * when http_server_timeout_ms() has passed.
 */
#ifndef VPNLAB_MOCKS_HTTP_H
#define VPNLAB_MOCKS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 16

struct http_header {
	const char *name;       /* borrowed */
	const char *value;      /* borrowed */
};

/* One whole request. Everything is borrowed for the duration of the handler call. */
struct http_request {
	const char *method;                     /* "GET", "POST", ... */
	const char *path;                       /* percent-decoded path, no query */
	const char *query;                      /* raw text after '?', not decoded; "" if none */
	const uint8_t *body;                    /* may be NULL when body_len == 0 */
	size_t body_len;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
};

/* Case-insensitive header lookup; NULL if absent. */
const char *http_request_header(const struct http_request *req, const char *name);

/* What a handler fills in. body is malloc'd and owned by the response (http_response_clear). */
struct http_response {
	int status;
	char *body;
	size_t body_len;
	char content_type[64];                  /* default "application/json" */
	struct {
		char name[64];
		char value[512];
	} headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	uint64_t defer;                         /* != 0: no answer now (http_response_defer) */
};

void http_response_init(struct http_response *resp);
void http_response_clear(struct http_response *resp);
/* Set the body to a copy of text (or take ownership of a malloc'd buffer). 0 or -ENOMEM. */
int http_response_set_body(struct http_response *resp, const char *text, size_t len);
int http_response_take_body(struct http_response *resp, char *malloced, size_t len);
/* Add a response header; -ENOSPC when full or too long. */
int http_response_add_header(struct http_response *resp, const char *name, const char *value);

/*
 * A handler that cannot answer at once (the Sakura ping runs on the loop for seconds) marks the
 * response deferred with a token of its own (not 0) and leaves the rest empty: the server
 * holds the connection (libmicrohttpd suspend) until http_server_complete() with that token.
 * Tokens are unique among a server's open requests.
 */
void http_response_defer(struct http_response *resp, uint64_t token);

typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
                                struct http_response *resp);

struct http_server;

/*
 * Serve on an already bound, listening TCP socket (the harness makes it inside a node's
 * network namespace). The server takes ownership of listen_fd. Bodies over max_body bytes get
 * 413 without reaching the handler. Returns 0 or -errno with a message in err.
 */
int http_server_start(struct http_server **out, int listen_fd, size_t max_body,
                      http_handler_fn handler, void *ctx, char *err, size_t errlen);

/* Open, bind and listen on "ADDR:PORT" ("127.0.0.1:5000", "[::1]:5000") in the current netns.
 * Returns the fd or -errno with a message in err. */
int http_listen(const char *addr_port, char *err, size_t errlen);

/* One fd to watch for readability (libmicrohttpd's epoll fd). */
int http_server_fd(const struct http_server *s);
/* Milliseconds until http_server_run() must be called even if nothing is readable; -1: none. */
int64_t http_server_timeout_ms(struct http_server *s);
/* Do all pending work without blocking. */
void http_server_run(struct http_server *s);
/* Answer the deferred request of token with a copy of resp. 0, -ENOENT (no such request
 * waits), -ENOMEM. A request still waiting when the server stops gets 503. */
int http_server_complete(struct http_server *s, uint64_t token,
                         const struct http_response *resp);
/* Close every connection and the listening socket; frees s. NULL is fine. */
void http_server_stop(struct http_server *s);

#endif

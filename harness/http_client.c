/*
 * http_client.c: the HTTP/1.1 client of api steps (see http_client.h).
 */
#include "harness/http_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "harness/netns.h"

#define HEAD_MAX (64u * 1024)   /* status line and headers together */

void http_client_response_clear(struct http_client_response *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

const char *http_client_response_header(const struct http_client_response *r,
                                        const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

/* Index of the first CRLF at or after from, or -1. */
static long find_crlf(const uint8_t *b, size_t len, size_t from)
{
	for (size_t i = from; i + 1 < len; i++)
		if (b[i] == '\r' && b[i + 1] == '\n')
			return (long)i;
	return -1;
}

static bool is_tchar(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Status line "HTTP/1.x NNN reason". */
static int status_line(const uint8_t *b, size_t n, struct http_client_response *out, char *err,
                       size_t errlen)
{
	size_t r;

	if (n < 12 || memcmp(b, "HTTP/1.", 7) || (b[7] != '0' && b[7] != '1') || b[8] != ' ' ||
	    b[9] < '1' || b[9] > '5' || b[10] < '0' || b[10] > '9' || b[11] < '0' ||
	    b[11] > '9' || (n > 12 && b[12] != ' ')) {
		snprintf(err, errlen, "status line at offset 0: expected 'HTTP/1.x NNN reason'");
		return -EINVAL;
	}
	out->status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
	r = n > 13 ? n - 13 : 0;
	if (r >= sizeof out->reason)
		r = sizeof out->reason - 1;
	memcpy(out->reason, b + 13, r);
	out->reason[r] = 0;
	for (size_t i = 0; i < r; i++)
		if ((unsigned char)out->reason[i] < 0x20 && out->reason[i] != '\t')
			out->reason[i] = '?';
	return 0;
}

/* One "name: value" line at off. */
static int header_line(const uint8_t *b, size_t n, size_t off, struct http_client_response *out,
                       char *err, size_t errlen)
{
	size_t k = 0, vs, ve;

	while (k < n && is_tchar(b[k]))
		k++;
	if (!k || k >= n || b[k] != ':') {
		snprintf(err, errlen, "header at offset %zu: expected 'name: value'", off);
		return -EINVAL;
	}
	if (out->nheaders == HTTP_CLIENT_HEADERS_MAX) {
		snprintf(err, errlen, "header at offset %zu: more than %d headers", off,
		         HTTP_CLIENT_HEADERS_MAX);
		return -EMSGSIZE;
	}
	vs = k + 1;
	while (vs < n && (b[vs] == ' ' || b[vs] == '\t'))
		vs++;
	ve = n;
	while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t'))
		ve--;
	if (k >= sizeof out->headers[0].name || ve - vs >= sizeof out->headers[0].value) {
		snprintf(err, errlen, "header at offset %zu: name or value too long", off);
		return -EMSGSIZE;
	}
	for (size_t i = vs; i < ve; i++)
		if ((b[i] < 0x20 && b[i] != '\t') || b[i] == 0x7f) {
			snprintf(err, errlen, "header at offset %zu: control character in the value",
			         off);
			return -EINVAL;
		}
	memcpy(out->headers[out->nheaders].name, b, k);
	out->headers[out->nheaders].name[k] = 0;
	memcpy(out->headers[out->nheaders].value, b + vs, ve - vs);
	out->headers[out->nheaders].value[ve - vs] = 0;
	out->nheaders++;
	return 0;
}

static int body_set(struct http_client_response *out, const uint8_t *b, size_t n)
{
	out->body = malloc(n + 1);
	if (!out->body)
		return -ENOMEM;
	memcpy(out->body, b, n);
	out->body[n] = 0;
	out->body_len = n;
	return 0;
}

/*
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 */
static int chunked(const uint8_t *b, size_t len, size_t off, struct http_client_response *out,
                   char *err, size_t errlen)
{
	uint8_t *acc = NULL;
	size_t have = 0;
	int r = -EAGAIN;

	for (;;) {
		long e = find_crlf(b, len, off);
		size_t size = 0, i;
		uint8_t *grown;

		if (e < 0)
			break;
		for (i = off; i < (size_t)e; i++) {
			int d = b[i] >= '0' && b[i] <= '9' ? b[i] - '0' :
			        b[i] >= 'a' && b[i] <= 'f' ? b[i] - 'a' + 10 :
			        b[i] >= 'A' && b[i] <= 'F' ? b[i] - 'A' + 10 : -1;

			if (d < 0)
				break;
			if (size > HTTP_CLIENT_BODY_MAX) {
				snprintf(err, errlen, "chunk size at offset %zu: over %u bytes", off,
				         HTTP_CLIENT_BODY_MAX);
				r = -EMSGSIZE;
				goto out;
			}
			size = size * 16 + (size_t)d;
		}
		if (i == off || (i < (size_t)e && b[i] != ';')) {
			snprintf(err, errlen, "chunk size at offset %zu: not a hex number", off);
			r = -EINVAL;
			goto out;
		}
		off = (size_t)e + 2;
		if (!size) {
			/* trailers, then the empty line */
			for (;;) {
				long t = find_crlf(b, len, off);

				if (t < 0)
					goto out;
				if ((size_t)t == off)
					break;
				off = (size_t)t + 2;
			}
			r = body_set(out, acc ? acc : (const uint8_t *)"", have);
			goto out;
		}
		if (have + size > HTTP_CLIENT_BODY_MAX) {
			snprintf(err, errlen, "body: over %u bytes", HTTP_CLIENT_BODY_MAX);
			r = -EMSGSIZE;
			goto out;
		}
		if (len - off < size + 2)
			break;
		if (b[off + size] != '\r' || b[off + size + 1] != '\n') {
			snprintf(err, errlen, "chunk at offset %zu: no CRLF after %zu data bytes", off,
			         size);
			r = -EINVAL;
			goto out;
		}
		grown = realloc(acc, have + size);
		if (!grown) {
			r = -ENOMEM;
			goto out;
		}
		acc = grown;
		memcpy(acc + have, b + off, size);
		have += size;
		off += size + 2;
	}
out:
	free(acc);
	return r;
}

int http_response_parse(const uint8_t *buf, size_t len, bool eof,
                        struct http_client_response *out, char *err, size_t errlen)
{
	size_t off = 0;
	long e;
	const char *te, *cl;
	int r;

	memset(out, 0, sizeof *out);
	snprintf(err, errlen, "incomplete response (%zu bytes)", len);
	e = find_crlf(buf, len, 0);
	if (e < 0) {
		if (len > HEAD_MAX) {
			snprintf(err, errlen, "status line: over %u bytes", HEAD_MAX);
			return -EMSGSIZE;
		}
		return eof ? -EINVAL : -EAGAIN;
	}
	if ((r = status_line(buf, (size_t)e, out, err, errlen)))
		return r;
	off = (size_t)e + 2;
	for (;;) {
		e = find_crlf(buf, len, off);
		if (e < 0) {
			if (len > HEAD_MAX) {
				snprintf(err, errlen, "headers: over %u bytes", HEAD_MAX);
				r = -EMSGSIZE;
			} else {
				r = eof ? -EINVAL : -EAGAIN;
			}
			goto fail;
		}
		if ((size_t)e == off)
			break;
		if ((r = header_line(buf + off, (size_t)e - off, off, out, err, errlen)))
			goto fail;
		off = (size_t)e + 2;
	}
	off += 2;
	te = http_client_response_header(out, "Transfer-Encoding");
	cl = http_client_response_header(out, "Content-Length");
	/* no body: 1xx, 204, 304 (RFC 9112 6.3) */
	if (out->status < 200 || out->status == 204 || out->status == 304) {
		r = body_set(out, (const uint8_t *)"", 0);
	} else if (te) {
		if (strcasecmp(te, "chunked")) {
			snprintf(err, errlen, "Transfer-Encoding '%s': only chunked is understood", te);
			r = -EINVAL;
			goto fail;
		}
		r = chunked(buf, len, off, out, err, errlen);
		if (r == -EAGAIN && eof) {
			snprintf(err, errlen, "body: the connection closed inside a chunk");
			r = -EINVAL;
		}
	} else if (cl) {
		char *end;
		unsigned long long n;

		if (!*cl || strspn(cl, "0123456789") != strlen(cl)) {
			snprintf(err, errlen, "Content-Length '%s': not a number", cl);
			r = -EINVAL;
			goto fail;
		}
		n = strtoull(cl, &end, 10);
		if (n > HTTP_CLIENT_BODY_MAX) {
			snprintf(err, errlen, "Content-Length %llu: over %u bytes", n,
			         HTTP_CLIENT_BODY_MAX);
			r = -EMSGSIZE;
			goto fail;
		}
		if (len - off < n) {
			r = eof ? -EINVAL : -EAGAIN;
			if (eof)
				snprintf(err, errlen, "body: %zu of %llu bytes before the connection "
				         "closed", len - off, n);
			goto fail;
		}
		r = body_set(out, buf + off, (size_t)n);
	} else if (eof) {
		if (len - off > HTTP_CLIENT_BODY_MAX) {
			snprintf(err, errlen, "body: over %u bytes", HTTP_CLIENT_BODY_MAX);
			r = -EMSGSIZE;
			goto fail;
		}
		r = body_set(out, buf + off, len - off);
	} else {
		r = -EAGAIN;
	}
	if (!r)
		return 0;
fail:
	http_client_response_clear(out);
	return r;
}

/* ---- the call on the loop ---- */

enum call_state { CALL_CONNECTING, CALL_SENDING, CALL_READING, CALL_DONE };

struct http_call {
	struct loop *loop;
	int fd;
	enum call_state state;
	char *req;
	size_t req_len, req_sent;
	uint8_t *in;
	size_t in_len, in_cap;
	int result;
	char msg[256];
	struct http_client_response resp;
};

static void finish(struct http_call *c, int result)
{
	c->result = result;
	c->state = CALL_DONE;
	if (c->fd >= 0) {
		loop_unwatch(c->loop, c->fd);
		close(c->fd);
		c->fd = -1;
	}
}

static void try_parse(struct http_call *c, bool eof)
{
	int r = http_response_parse(c->in, c->in_len, eof, &c->resp, c->msg, sizeof c->msg);

	if (r == -EAGAIN)
		return;
	if (!r)
		c->msg[0] = 0;
	finish(c, r);
}

static void on_io(void *ctx, int fd, uint32_t events)
{
	struct http_call *c = ctx;

	(void)fd;
	if (c->state == CALL_CONNECTING) {
		int soerr = 0;
		socklen_t sl = sizeof soerr;

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			snprintf(c->msg, sizeof c->msg, "connect: %s", strerror(soerr));
			finish(c, -soerr);
			return;
		}
		c->state = CALL_SENDING;
	}
	if (c->state == CALL_SENDING) {
		while (c->req_sent < c->req_len) {
			ssize_t n = send(c->fd, c->req + c->req_sent, c->req_len - c->req_sent,
			                 MSG_NOSIGNAL);

			if (n < 0) {
				if (errno == EAGAIN)
					return;
				snprintf(c->msg, sizeof c->msg, "send: %s", strerror(errno));
				finish(c, -errno);
				return;
			}
			c->req_sent += (size_t)n;
		}
		c->state = CALL_READING;
		loop_watch_mod(c->loop, c->fd, EPOLLIN);
		return;
	}
	if (c->state != CALL_READING)
		return;
	for (;;) {
		ssize_t n;

		if (c->in_cap - c->in_len < 4096) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 16384;
			uint8_t *p;

			if (cap > HTTP_CLIENT_BODY_MAX + HEAD_MAX + 65536) {
				snprintf(c->msg, sizeof c->msg, "response: over %u bytes",
				         HTTP_CLIENT_BODY_MAX + HEAD_MAX);
				finish(c, -EMSGSIZE);
				return;
			}
			if (!(p = realloc(c->in, cap))) {
				finish(c, -ENOMEM);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			snprintf(c->msg, sizeof c->msg, "recv: %s", strerror(errno));
			finish(c, -errno);
			return;
		}
		if (n == 0) {
			try_parse(c, true);
			return;
		}
		c->in_len += (size_t)n;
	}
	try_parse(c, false);
}

int http_call_start(struct http_call **out, const struct http_call_opts *o, char *msg,
                    size_t msglen)
{
	struct http_call *c = calloc(1, sizeof *c);
	size_t hl = 0, cap;
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->loop = o->loop;
	c->fd = -1;
	cap = strlen(o->method) + strlen(o->target) + strlen(o->host) + o->body_len + 256;
	for (size_t i = 0; o->headers && o->headers[i]; i++)
		cap += strlen(o->headers[i]) + 2;
	c->req = malloc(cap);
	if (!c->req) {
		free(c);
		return -ENOMEM;
	}
	hl = (size_t)snprintf(c->req, cap, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
	                      "Accept: application/json\r\nUser-Agent: vpnlab\r\n", o->method,
	                      o->target, o->host);
	for (size_t i = 0; o->headers && o->headers[i]; i++)
		hl += (size_t)snprintf(c->req + hl, cap - hl, "%s\r\n", o->headers[i]);
	if (o->body)
		hl += (size_t)snprintf(c->req + hl, cap - hl, "Content-Type: application/json\r\n"
		                       "Content-Length: %zu\r\n", o->body_len);
	hl += (size_t)snprintf(c->req + hl, cap - hl, "\r\n");
	if (o->body) {
		memcpy(c->req + hl, o->body, o->body_len);
		hl += o->body_len;
	}
	c->req_len = hl;

	if (o->nsfd >= 0 && (err = netns_enter(o->nsfd))) {
		snprintf(msg, msglen, "cannot enter the API's namespace: %s", strerror(-err));
		http_call_free(c);
		return err;
	}
	c->fd = socket(o->to->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	err = c->fd < 0 ? -errno : 0;
	if (o->nsfd >= 0)
		netns_leave();
	if (err) {
		snprintf(msg, msglen, "socket: %s", strerror(-err));
		http_call_free(c);
		return err;
	}
	if (connect(c->fd, o->to, o->tolen) < 0 && errno != EINPROGRESS) {
		err = -errno;
		snprintf(msg, msglen, "connect: %s", strerror(errno));
		http_call_free(c);
		return err;
	}
	c->state = CALL_CONNECTING;
	if ((err = loop_watch(c->loop, c->fd, EPOLLOUT, on_io, c))) {
		snprintf(msg, msglen, "cannot watch the socket: %s", strerror(-err));
		http_call_free(c);
		return err;
	}
	/* No loop_busy: both ends are the loop's fds (the mock's server is in the same loop)
	 * and loopback TCP is delivered in the sender's call, so the exchange is never idle
	 * for the quiet window; busy would make virtual time follow wall time during it, and
	 * the same seed would no longer give the same timestamps. */
	*out = c;
	return 0;
}

bool http_call_done(const struct http_call *c)
{
	return c->state == CALL_DONE;
}

int http_call_result(const struct http_call *c, const struct http_client_response **resp,
                     const char **msg)
{
	*resp = &c->resp;
	*msg = c->msg;
	return c->result;
}

void http_call_free(struct http_call *c)
{
	if (!c)
		return;
	if (c->state != CALL_DONE)
		finish(c, -ECANCELED);
	if (c->fd >= 0)
		close(c->fd);
	http_client_response_clear(&c->resp);
	if (c->req)
		explicit_bzero(c->req, c->req_len);     /* passwords, tokens */
	free(c->req);
	free(c->in);
	free(c);
}

/*
 * http.c: libmicrohttpd in external-select mode with its epoll backend, no thread.
 *
 * libmicrohttpd calls the access handler several times per request: once with the headers,
 * then once per chunk of upload, then once with *upload_data_size == 0 when the request is
 * complete. We keep a per-request struct (created from the URI log callback, which sees the raw
 * request URI before libmicrohttpd splits and unescapes it, so we keep the raw query string),
 * accumulate the body up to max_body, and call the mock's handler only on the final call.
 */
#include "mocks/http.h"
#include "peers/hex.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct http_server {
	struct MHD_Daemon *daemon;
	size_t max_body;
	http_handler_fn handler;
	void *ctx;
	struct http_pending *held;      /* deferred requests (suspended connections) */
};

/* One request in flight; freed by the request-completed callback. */
struct http_pending {
	char *uri;                      /* raw request URI: path?query, still escaped */
	uint8_t *body;
	size_t body_len;
	size_t body_cap;
	int too_large;                  /* upload passed max_body: answer 413, skip the handler */
	int started;                    /* the header call has been seen */
	/* deferred (http_response_defer): held on the server's list until completed */
	uint64_t token;
	struct MHD_Connection *con;
	struct http_response *answer;   /* set by http_server_complete (owned) */
	struct http_pending *next;
	struct http_server *srv;
};

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- request / response helpers ---- */

const char *http_request_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

void http_response_init(struct http_response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->status = 200;
	snprintf(resp->content_type, sizeof resp->content_type, "application/json");
}

void http_response_defer(struct http_response *resp, uint64_t token)
{
	resp->defer = token;
}

void http_response_clear(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

int http_response_take_body(struct http_response *resp, char *malloced, size_t len)
{
	free(resp->body);
	resp->body = malloced;
	resp->body_len = malloced ? len : 0;
	return 0;
}

int http_response_set_body(struct http_response *resp, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	return http_response_take_body(resp, copy, len);
}

int http_response_add_header(struct http_response *resp, const char *name, const char *value)
{
	if (resp->nheaders >= HTTP_MAX_HEADERS)
		return -ENOSPC;
	if (strlen(name) >= sizeof resp->headers[0].name ||
	    strlen(value) >= sizeof resp->headers[0].value)
		return -ENOSPC;
	strcpy(resp->headers[resp->nheaders].name, name);
	strcpy(resp->headers[resp->nheaders].value, value);
	resp->nheaders++;
	return 0;
}

/* ---- the path: percent-decoding ---- */

/*
 * Decode %XX in the first len bytes of in into a new string. '+' stays '+' (it means space only
 * in form-encoded query strings, not in paths). A bad escape or an escaped NUL is an error: the
 * handler sees C strings, and a NUL inside would silently cut the path.
 */
static char *path_decode(const char *in, size_t len)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (in[i] != '%') {
			out[o++] = in[i];
			continue;
		}
		if (len - i < 3 || hex_value(in[i + 1]) < 0 || hex_value(in[i + 2]) < 0)
			goto bad;
		out[o] = (char)(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
		if (!out[o])
			goto bad;
		o++;
		i += 2;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* ---- libmicrohttpd callbacks ---- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct http_pending *p = calloc(1, sizeof *p);

	(void)cls;
	(void)con;
	if (!p)
		return NULL;
	p->uri = strdup(uri ? uri : "/");
	if (!p->uri) {
		free(p);
		return NULL;
	}
	return p;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct http_pending *p = *req_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (!p)
		return;
	if (p->srv)
		for (struct http_pending **pp = &p->srv->held; *pp; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
	if (p->answer) {
		http_response_clear(p->answer);
		free(p->answer);
	}
	free(p->uri);
	free(p->body);
	free(p);
	*req_cls = NULL;
}

struct header_walk {
	struct http_request *req;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
	struct header_walk *w = cls;

	(void)kind;
	if (w->req->nheaders >= HTTP_MAX_HEADERS)
		return MHD_NO;          /* keep the first HTTP_MAX_HEADERS; stop walking */
	w->req->headers[w->req->nheaders].name = key;
	w->req->headers[w->req->nheaders].value = value ? value : "";
	w->req->nheaders++;
	return MHD_YES;
}

static enum MHD_Result queue(struct MHD_Connection *con, const struct http_response *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;

	mr = MHD_create_response_from_buffer(r->body_len, r->body ? r->body : (char *)"",
	                                     MHD_RESPMEM_MUST_COPY);
	if (!mr)
		return MHD_NO;
	if (r->body_len || r->status != 204)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (size_t i = 0; i < r->nheaders; i++)
		MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
	ret = MHD_queue_response(con, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static enum MHD_Result queue_text(struct MHD_Connection *con, int status, const char *json)
{
	struct http_response r;
	enum MHD_Result ret;

	http_response_init(&r);
	r.status = status;
	if (http_response_set_body(&r, json, strlen(json)))
		return MHD_NO;
	ret = queue(con, &r);
	http_response_clear(&r);
	return ret;
}

static int body_append(struct http_pending *p, const char *data, size_t n, size_t max)
{
	if (p->too_large || n > max - p->body_len) {
		p->too_large = 1;       /* keep reading (and dropping) so the 413 reaches the client */
		return 0;
	}
	if (p->body_len + n > p->body_cap) {
		size_t cap = p->body_cap ? p->body_cap : 1024;
		uint8_t *nb;

		while (cap < p->body_len + n)
			cap *= 2;
		if (cap > max)
			cap = max;
		nb = realloc(p->body, cap);
		if (!nb)
			return -ENOMEM;
		p->body = nb;
		p->body_cap = cap;
	}
	memcpy(p->body + p->body_len, data, n);
	p->body_len += n;
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
	struct http_server *s = cls;
	struct http_pending *p = *req_cls;
	struct http_request req;
	struct http_response resp;
	struct header_walk w;
	const char *q;
	char *path = NULL;
	enum MHD_Result ret;

	(void)url;
	(void)version;
	if (!p)
		return MHD_NO;          /* out of memory in on_uri: drop the connection */
	if (!p->started) {
		const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);

		p->started = 1;
		if (cl && strtoull(cl, NULL, 10) > s->max_body)
			p->too_large = 1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (body_append(p, upload_data, *upload_data_size, s->max_body))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (p->token)   /* resumed: the deferred answer is there */
		return p->answer ? queue(con, p->answer) : MHD_YES;

	if (p->too_large)
		return queue_text(con, 413, "{\"error\": {\"code\": 413, \"title\": \"Request Entity "
		                  "Too Large\", \"message\": \"Request body is larger than the "
		                  "limit.\"}}");

	memset(&req, 0, sizeof req);
	q = strchr(p->uri, '?');
	path = path_decode(p->uri, q ? (size_t)(q - p->uri) : strlen(p->uri));
	if (!path)
		return queue_text(con, 400, "{\"error\": {\"code\": 400, \"title\": \"Bad Request\", "
		                  "\"message\": \"Malformed percent-encoding in the request "
		                  "path.\"}}");
	req.method = method;
	req.path = path;
	req.query = q ? q + 1 : "";
	req.body = p->body_len ? p->body : NULL;
	req.body_len = p->body_len;
	w.req = &req;
	MHD_get_connection_values(con, MHD_HEADER_KIND, collect_header, &w);

	http_response_init(&resp);
	s->handler(s->ctx, &req, &resp);
	if (resp.defer) {
		p->token = resp.defer;
		p->con = con;
		p->srv = s;
		p->next = s->held;
		s->held = p;
		MHD_suspend_connection(con);
		ret = MHD_YES;
	} else {
		ret = queue(con, &resp);
	}
	http_response_clear(&resp);
	free(path);
	return ret;
}

/* ---- server ---- */

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int http_server_start(struct http_server **out, int listen_fd, size_t max_body,
                      http_handler_fn handler, void *ctx, char *err, size_t errlen)
{
	struct http_server *s;
	int rc;

	*out = NULL;
	if (listen_fd < 0 || !handler) {
		errf(err, errlen, "http_server_start: bad listen fd %d or no handler", listen_fd);
		if (listen_fd >= 0)
			close(listen_fd);
		return -EINVAL;
	}
	rc = set_nonblock(listen_fd);
	if (rc) {
		errf(err, errlen, "http_server_start: O_NONBLOCK on fd %d: %s", listen_fd,
		     strerror(-rc));
		close(listen_fd);
		return rc;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		close(listen_fd);
		errf(err, errlen, "http_server_start: out of memory");
		return -ENOMEM;
	}
	s->max_body = max_body;
	s->handler = handler;
	s->ctx = ctx;
	s->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, on_request, s,
	                             MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
	                             MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
	                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	                             MHD_OPTION_END);
	if (!s->daemon) {
		errf(err, errlen, "http_server_start: libmicrohttpd refused to start on fd %d",
		     listen_fd);
		close(listen_fd);
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

int http_server_fd(const struct http_server *s)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon,
	                                                       MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

int64_t http_server_timeout_ms(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(s->daemon, &ms) != MHD_YES)
		return -1;
	return ms > INT64_MAX ? INT64_MAX : (int64_t)ms;
}

void http_server_run(struct http_server *s)
{
	MHD_run(s->daemon);
}

int http_server_complete(struct http_server *s, uint64_t token,
                         const struct http_response *resp)
{
	struct http_pending *p = s->held;
	struct http_response *a;

	while (p && (p->token != token || p->answer))
		p = p->next;
	if (!p || !token)
		return -ENOENT;
	a = malloc(sizeof *a);
	if (!a)
		return -ENOMEM;
	*a = *resp;
	a->defer = 0;
	a->body = NULL;
	a->body_len = 0;
	if (resp->body_len && http_response_set_body(a, resp->body, resp->body_len)) {
		free(a);
		return -ENOMEM;
	}
	p->answer = a;
	MHD_resume_connection(p->con);
	return 0;
}

void http_server_stop(struct http_server *s)
{
	static const char busy[] = "{\"is_fatal\":true,\"serial\":\"\",\"status\":\"503 Service "
	                           "Unavailable\",\"error_code\":\"service_unavailable\","
	                           "\"error_msg\":\"the server is stopping\"}";

	if (!s)
		return;
	/* held requests are answered 503, so MHD closes them like any connection */
	for (struct http_pending *p = s->held; p; p = p->next)
		if (!p->answer) {
			struct http_response r;

			http_response_init(&r);
			r.status = 503;
			if (!http_response_set_body(&r, busy, sizeof busy - 1))
				http_server_complete(s, p->token, &r);
			http_response_clear(&r);
		}
	/* let MHD send them (a few non-blocking runs; what is left is closed below) */
	for (int i = 0; i < 64 && s->held; i++)
		MHD_run(s->daemon);
	/* MHD_stop_daemon closes the listening socket it was given, and every connection. */
	MHD_stop_daemon(s->daemon);
	free(s);
}

/* ---- listening sockets ---- */

/* Split "ADDR:PORT" or "[V6]:PORT" into a sockaddr. */
static int parse_addr_port(const char *s, struct sockaddr_storage *ss, socklen_t *sl,
                           char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port, *hend;
	char *end;
	unsigned long pn;
	size_t hl;

	if (s[0] == '[') {
		hend = strchr(s, ']');
		if (!hend || hend[1] != ':') {
			errf(err, errlen, "'%s': expected [IPV6]:PORT", s);
			return -EINVAL;
		}
		hl = (size_t)(hend - s - 1);
		s++;
		port = hend + 2;
	} else {
		hend = strrchr(s, ':');
		if (!hend) {
			errf(err, errlen, "'%s': expected ADDR:PORT", s);
			return -EINVAL;
		}
		hl = (size_t)(hend - s);
		port = hend + 1;
	}
	if (hl == 0 || hl >= sizeof host) {
		errf(err, errlen, "'%.*s': address missing or too long", (int)hl, s);
		return -EINVAL;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	pn = strtoul(port, &end, 10);
	if (!*port || *end || errno || pn > 65535) {
		errf(err, errlen, "'%s': port must be 0..65535", port);
		return -EINVAL;
	}
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)pn);
		*sl = sizeof *a;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)pn);
		*sl = sizeof *a;
		return 0;
	}
	errf(err, errlen, "'%s': not an IPv4 or IPv6 address", host);
	return -EINVAL;
}

int http_listen(const char *addr_port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, rc;

	rc = parse_addr_port(addr_port, &ss, &sl, err, errlen);
	if (rc)
		return rc;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		errf(err, errlen, "socket for %s: %s", addr_port, strerror(errno));
		return rc;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		rc = -errno;
		errf(err, errlen, "listen on %s: %s", addr_port, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

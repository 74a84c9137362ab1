/*
 * vici.c: VICI client over a unix stream socket, blocking or in the event loop (vici.h).
 */
#include "harness/vici.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct vici_req {
	struct vici_req *next;
	struct vici_buf pkt;            /* the whole transport segment */
	bool sent;
	vici_reply_fn fn;
	void *ctx;
	/* blocking calls: where the answer goes */
	bool blocking, done;
	int rc;
	struct vici_node *resp;
	char err[160];
};

struct vici_conn {
	int fd;
	bool alive;
	struct loop *loop;
	struct vici_buf out;            /* bytes not yet written */
	size_t out_off;
	uint8_t *in;
	size_t inlen, incap;
	struct vici_req *head, *tail;
	vici_event_fn efn;
	void *ectx;
};

int vici_connect(struct vici_conn **out, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vici_conn *c;
	int fd, rc;

	*out = NULL;
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "vici: socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "vici: socket: %s", strerror(errno));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		rc = -errno;
		snprintf(err, errlen, "vici: connect %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	/* a unix stream connect completes at once; from here on nothing may block */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		rc = -errno;
		snprintf(err, errlen, "vici: O_NONBLOCK: %s", strerror(errno));
		close(fd);
		return rc;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		snprintf(err, errlen, "vici: out of memory");
		return -ENOMEM;
	}
	c->fd = fd;
	c->alive = true;
	vici_buf_init(&c->out);
	*out = c;
	return 0;
}

void vici_on_event(struct vici_conn *c, vici_event_fn fn, void *ctx)
{
	c->efn = fn;
	c->ectx = ctx;
}

size_t vici_pending(const struct vici_conn *c)
{
	size_t n = 0;

	for (const struct vici_req *r = c->head; r; r = r->next)
		n++;
	return n;
}

bool vici_alive(const struct vici_conn *c)
{
	return c->alive;
}

static void req_finish(struct vici_req *r, int rc, struct vici_node *resp, const char *err)
{
	if (r->blocking) {
		r->done = true;
		r->rc = rc;
		r->resp = resp;
		snprintf(r->err, sizeof r->err, "%s", err ? err : "");
		return;
	}
	if (r->fn)
		r->fn(r->ctx, rc, resp, err ? err : "");
	vici_tree_free(resp);
}

static void req_free(struct vici_req *r)
{
	vici_buf_free(&r->pkt);
	vici_tree_free(r->resp);
	free(r);
}

/* Take the answered request off the queue. Blocking requests are freed by their caller. */
static struct vici_req *queue_pop(struct vici_conn *c)
{
	struct vici_req *r = c->head;

	c->head = r->next;
	if (!c->head)
		c->tail = NULL;
	r->next = NULL;
	return r;
}

static void update_watch(struct vici_conn *c)
{
	if (c->loop && c->alive)
		loop_watch_mod(c->loop, c->fd, EPOLLIN | (c->out.len > c->out_off ? EPOLLOUT : 0));
}

static void conn_fail(struct vici_conn *c, const char *why)
{
	if (!c->alive)
		return;
	c->alive = false;
	if (c->loop)
		loop_unwatch(c->loop, c->fd);
	c->loop = NULL;
	while (c->head) {
		struct vici_req *r = queue_pop(c);

		req_finish(r, -EPIPE, NULL, why);
		if (!r->blocking)
			req_free(r);
	}
}

/* Write what is buffered; put the next request in the buffer when the line is free. */
static void conn_flush(struct vici_conn *c)
{
	if (!c->alive)
		return;
	if (c->head && !c->head->sent && c->out.len == c->out_off) {
		vici_buf_free(&c->out);
		c->out_off = 0;
		c->out = c->head->pkt;          /* moved: the request keeps no copy */
		vici_buf_init(&c->head->pkt);
		c->head->sent = true;
	}
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
		                 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			char why[96];

			snprintf(why, sizeof why, "vici: send: %s", strerror(errno));
			conn_fail(c, why);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out.len && c->out.len) {
		vici_buf_free(&c->out);
		c->out_off = 0;
	}
	update_watch(c);
}

static void dispatch(struct vici_conn *c, const struct vici_packet *pk)
{
	struct vici_node *tree = NULL;
	struct vici_req *r;
	char err[160] = "";
	int rc;

	rc = vici_tree_parse(pk->msg, pk->msglen, &tree, err, sizeof err);
	if (pk->type == VICI_EVENT) {
		if (rc == 0 && c->efn)
			c->efn(c->ectx, pk->name, tree);
		vici_tree_free(tree);
		return;
	}
	if (!c->head || !c->head->sent) {
		vici_tree_free(tree);
		conn_fail(c, "vici: a response nobody asked for");
		return;
	}
	r = queue_pop(c);
	switch (pk->type) {
	case VICI_CMD_RESPONSE:
	case VICI_EVENT_CONFIRM:
		req_finish(r, rc, rc == 0 ? tree : NULL, err);
		if (rc)
			vici_tree_free(tree);
		break;
	case VICI_CMD_UNKNOWN:
		vici_tree_free(tree);
		req_finish(r, -ENOENT, NULL, "vici: charon does not know this command");
		break;
	case VICI_EVENT_UNKNOWN:
		vici_tree_free(tree);
		req_finish(r, -ENOENT, NULL, "vici: charon has no such event");
		break;
	default:
		vici_tree_free(tree);
		req_finish(r, -EBADMSG, NULL, "vici: unexpected packet type");
		break;
	}
	if (!r->blocking)
		req_free(r);
}

/* Read what is there and handle every whole packet. */
static void conn_input(struct vici_conn *c)
{
	for (;;) {
		struct vici_packet pk;
		size_t used, off = 0;
		ssize_t n;
		char err[160];
		int rc;

		if (!c->alive)
			return;
		if (c->incap - c->inlen < 4096) {
			size_t cap = c->incap ? c->incap * 2 : 16384;
			uint8_t *p;

			if (cap > 2 * (VICI_SEGMENT_MAX + 8)) {
				conn_fail(c, "vici: input buffer over its bound");
				return;
			}
			p = realloc(c->in, cap);
			if (!p) {
				conn_fail(c, "vici: out of memory");
				return;
			}
			c->in = p;
			c->incap = cap;
		}
		n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_fail(c, n == 0 ? "vici: charon closed the connection" :
			                      "vici: recv failed");
			return;
		}
		c->inlen += (size_t)n;
		while (c->alive && (rc = vici_packet_parse(c->in + off, c->inlen - off, &pk, &used,
		                                           err, sizeof err)) == 0) {
			dispatch(c, &pk);
			off += used;
		}
		if (!c->alive)
			return;
		if (rc != -EAGAIN) {
			conn_fail(c, err);
			return;
		}
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
		conn_flush(c);          /* the next queued request, now the line is free */
	}
}

static void on_fd(void *ctx, int fd, uint32_t events)
{
	struct vici_conn *c = ctx;

	(void)fd;
	if (events & EPOLLOUT)
		conn_flush(c);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_input(c);
}

int vici_attach(struct vici_conn *c, struct loop *l)
{
	int rc;

	if (!c->alive)
		return -EPIPE;
	rc = loop_watch(l, c->fd, EPOLLIN, on_fd, c);
	if (rc)
		return rc;
	c->loop = l;
	update_watch(c);
	return 0;
}

static struct vici_req *req_new(enum vici_pkt_type type, const char *name,
                                const struct vici_buf *msg)
{
	struct vici_req *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	vici_buf_init(&r->pkt);
	if (vici_packet_build(&r->pkt, type, name, msg ? msg->data : NULL, msg ? msg->len : 0)) {
		req_free(r);
		return NULL;
	}
	return r;
}

static void enqueue(struct vici_conn *c, struct vici_req *r)
{
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	conn_flush(c);
}

static int request(struct vici_conn *c, enum vici_pkt_type type, const char *name,
                   const struct vici_buf *msg, vici_reply_fn fn, void *ctx)
{
	struct vici_req *r;

	if (!c->alive)
		return -EPIPE;
	if (msg && vici_buf_error(msg))
		return -EINVAL;
	r = req_new(type, name, msg);
	if (!r)
		return -ENOMEM;
	r->fn = fn;
	r->ctx = ctx;
	enqueue(c, r);
	return 0;
}

int vici_request(struct vici_conn *c, const char *cmd, const struct vici_buf *msg,
                 vici_reply_fn fn, void *ctx)
{
	return request(c, VICI_CMD_REQUEST, cmd, msg, fn, ctx);
}

int vici_request_register(struct vici_conn *c, const char *event, vici_reply_fn fn, void *ctx)
{
	return request(c, VICI_EVENT_REGISTER, event, NULL, fn, ctx);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int call(struct vici_conn *c, enum vici_pkt_type type, const char *name,
                const struct vici_buf *msg, struct vici_node **resp, int timeout_ms, char *err,
                size_t errlen)
{
	int64_t end = mono_ms() + timeout_ms;
	struct vici_req *r;
	int rc;

	if (resp)
		*resp = NULL;
	if (!c->alive) {
		snprintf(err, errlen, "vici: connection lost");
		return -EPIPE;
	}
	if (c->head) {
		snprintf(err, errlen, "vici: %s: other requests outstanding", name);
		return -EBUSY;
	}
	if (msg && vici_buf_error(msg)) {
		snprintf(err, errlen, "vici: %s: message: %s", name, msg->errmsg);
		return -EINVAL;
	}
	r = req_new(type, name, msg);
	if (!r) {
		snprintf(err, errlen, "vici: out of memory");
		return -ENOMEM;
	}
	r->blocking = true;
	enqueue(c, r);
	while (!r->done) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int64_t left = end - mono_ms();

		if (c->out.len > c->out_off)
			p.events |= POLLOUT;
		if (left <= 0) {
			/* the answer may still come: the connection is no longer in step */
			conn_fail(c, "vici: timed out");
			snprintf(err, errlen, "vici: %s: no answer within %d ms", name, timeout_ms);
			req_free(r);
			return -ETIMEDOUT;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			rc = -errno;
			conn_fail(c, "vici: poll failed");
			snprintf(err, errlen, "vici: poll: %s", strerror(-rc));
			req_free(r);
			return rc;
		}
		if (p.revents & POLLOUT)
			conn_flush(c);
		if (p.revents & (POLLIN | POLLHUP | POLLERR))
			conn_input(c);
	}
	rc = r->rc;
	if (rc)
		snprintf(err, errlen, "%s: %s", name, r->err);
	else if (resp) {
		*resp = r->resp;
		r->resp = NULL;
	}
	req_free(r);
	return rc;
}

int vici_call(struct vici_conn *c, const char *cmd, const struct vici_buf *msg,
              struct vici_node **resp, int timeout_ms, char *err, size_t errlen)
{
	return call(c, VICI_CMD_REQUEST, cmd, msg, resp, timeout_ms, err, errlen);
}

int vici_register(struct vici_conn *c, const char *event, int timeout_ms, char *err,
                  size_t errlen)
{
	return call(c, VICI_EVENT_REGISTER, event, NULL, NULL, timeout_ms, err, errlen);
}

void vici_close(struct vici_conn *c)
{
	if (!c)
		return;
	conn_fail(c, "vici: closed");
	close(c->fd);
	vici_buf_free(&c->out);
	free(c->in);
	free(c);
}

bool vici_success(const struct vici_node *resp, char *err, size_t errlen)
{
	const char *s = vici_node_str(resp, "success"), *m = vici_node_str(resp, "errmsg");

	if (s && strcmp(s, "yes") == 0)
		return true;
	snprintf(err, errlen, "%s", m ? m : s ? "failed without a message" : "no success key");
	return false;
}

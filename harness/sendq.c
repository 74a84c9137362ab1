/*
 * sendq.c: a single-producer, single-consumer ring of datagrams and the thread that sends
 * them (see sendq.h for ownership and locking).
 */
#include "harness/sendq.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#define SENDQ_BATCH 32
#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* One entry in the ring: this header, then len bytes of datagram, padded to 8. len ==
 * WRAP: the rest of the ring up to its end is unused, the next entry is at offset 0.
 * gso > 0: the bytes are UDP payloads of gso bytes each (the last may be shorter), sent as
 * one GSO datagram (UDP_SEGMENT); tos >= 0: with that IP TOS (IP_TOS). */
struct ent {
	uint32_t len;
	int fd;
	socklen_t tolen;
	uint16_t gso;
	int16_t tos;
	bool df;                        /* sendq_add_udp: with DF, IP_PMTUDISC_DO */
	struct sockaddr_storage to;
};

/* The consumer's record of a socket it switched to IP_PMTUDISC_DO: the mode to go back to. */
struct df_sock {
	int fd;
	int orig;
	bool on;
};
#define SENDQ_DF_SOCKS 16

/* Room for the control messages of one entry: UDP_SEGMENT (a uint16_t) and IP_TOS (an int). */
union ent_ctl {
	char buf[CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};
#define WRAP UINT32_MAX

struct sendq {
	uint8_t *ring;                  /* owned */
	size_t size;
	/* offsets count up forever (mod 2^64); position = offset % size */
	_Atomic uint64_t head;          /* written by the producer */
	_Atomic uint64_t tail;          /* written by the consumer */
	uint64_t pending;               /* producer's head not yet published */
	_Atomic bool stop;
	_Atomic bool sleeping;          /* the consumer is (about to be) blocked on efd */
	_Atomic uint64_t errors;
	_Atomic int last_errno;
	int efd;
	pthread_t thread;
	/* the consumer's batch */
	struct mmsghdr m[SENDQ_BATCH];
	struct iovec iov[SENDQ_BATCH];
	union ent_ctl ctl[SENDQ_BATCH];
	struct df_sock dfs[SENDQ_DF_SOCKS];
	size_t ndfs;
};

static size_t ent_size(size_t len)
{
	return ALIGN8(sizeof(struct ent) + len);
}

/* One control message at c (room checked by the caller's buffer size); the next place. */
static struct cmsghdr *put_cmsg(struct msghdr *h, struct cmsghdr *c, int level, int type,
                                const void *v, size_t len)
{
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), v, len);
	return CMSG_NXTHDR(h, c);
}

/* The control messages entry e asks for, into message n of the batch. */
static void ent_control(struct sendq *q, size_t n, const struct ent *e)
{
	struct msghdr *h = &q->m[n].msg_hdr;
	struct cmsghdr *c;

	if (!e->gso && e->tos < 0)
		return;
	memset(&q->ctl[n], 0, sizeof q->ctl[n]);
	h->msg_control = q->ctl[n].buf;
	h->msg_controllen = sizeof q->ctl[n].buf;
	c = CMSG_FIRSTHDR(h);
	if (e->gso) {
		uint16_t v = e->gso;

		c = put_cmsg(h, c, SOL_UDP, UDP_SEGMENT, &v, sizeof v);
	}
	if (e->tos >= 0) {
		int v = e->tos;

		c = put_cmsg(h, c, IPPROTO_IP, IP_TOS, &v, sizeof v);
	}
	h->msg_controllen = c ? (size_t)((char *)c - q->ctl[n].buf) : sizeof q->ctl[n].buf;
}

static void send_batch(struct sendq *q, int fd, size_t n)
{
	size_t sent = 0;

	while (sent < n) {
		int r = sendmmsg(fd, q->m + sent, (unsigned)(n - sent), 0);

		if (r <= 0) {
			/* sendmmsg reports an error only for the first message of a call */
			atomic_store_explicit(&q->last_errno, r < 0 ? errno : EIO,
			                      memory_order_relaxed);
			atomic_fetch_add_explicit(&q->errors, 1, memory_order_relaxed);
			sent++;
			continue;
		}
		sent += (size_t)r;
	}
}

/*
 * A datagram of sendq_add_udp must leave with DF set, also as a GSO train (with
 * IP_PMTUDISC_WANT the kernel sets DF only on a datagram that fits the path MTU, which a
 * train never does); the socket's other datagrams (IKE) keep its own mode. So the mode
 * changes only where a run of one kind follows a run of the other.
 */
static void df_mode(struct sendq *q, int fd, bool df)
{
	struct df_sock *d = NULL;
	socklen_t sl = sizeof(int);

	for (size_t i = 0; i < q->ndfs; i++)
		if (q->dfs[i].fd == fd)
			d = &q->dfs[i];
	if (!d) {
		if (!df || q->ndfs == SENDQ_DF_SOCKS)
			return;
		d = &q->dfs[q->ndfs++];
		d->fd = fd;
		d->on = false;
		if (getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &d->orig, &sl) < 0)
			d->orig = IP_PMTUDISC_WANT;
	}
	if (d->on != df) {
		int v = df ? IP_PMTUDISC_DO : d->orig;

		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v);
		d->on = df;
	}
}

/* Send everything between tail and head, in order, in runs for one socket (and one DF
 * mode). */
static void drain(struct sendq *q)
{
	uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&q->head, memory_order_acquire);

	while (tail != head) {
		size_t n = 0;
		uint64_t t = tail;
		int fd = -1;
		bool df = false;

		while (t != head && n < SENDQ_BATCH) {
			size_t pos = (size_t)(t % q->size);
			struct ent *e = (struct ent *)(q->ring + pos);

			if (e->len == WRAP) {
				t += q->size - pos;
				continue;
			}
			if (n && (e->fd != fd || e->df != df))
				break;
			fd = e->fd;
			df = e->df;
			q->iov[n] = (struct iovec){ e + 1, e->len };
			memset(&q->m[n], 0, sizeof q->m[n]);
			q->m[n].msg_hdr.msg_name = &e->to;
			q->m[n].msg_hdr.msg_namelen = e->tolen;
			q->m[n].msg_hdr.msg_iov = &q->iov[n];
			q->m[n].msg_hdr.msg_iovlen = 1;
			ent_control(q, n, e);
			n++;
			t += ent_size(e->len);
		}
		if (n) {
			df_mode(q, fd, df);
			send_batch(q, fd, n);
		}
		/* the entries sent go back to the producer */
		tail = t;
		atomic_store_explicit(&q->tail, tail, memory_order_release);
		if (tail == head)
			head = atomic_load_explicit(&q->head, memory_order_acquire);
	}
}

static void *run(void *arg)
{
	struct sendq *q = arg;

	for (;;) {
		uint64_t v;
		bool stop = atomic_load_explicit(&q->stop, memory_order_acquire);

		drain(q);
		if (stop)
			break;
		/* Sleep only with nothing queued. The producer publishes head, then looks at
		 * sleeping; we set sleeping, then look at head (both sequentially consistent):
		 * one of the two sees the other's store, so either we find the work or the
		 * producer wakes us. */
		atomic_store_explicit(&q->sleeping, true, memory_order_seq_cst);
		if (atomic_load_explicit(&q->head, memory_order_seq_cst) ==
		            atomic_load_explicit(&q->tail, memory_order_relaxed) &&
		    !atomic_load_explicit(&q->stop, memory_order_seq_cst) &&
		    read(q->efd, &v, sizeof v) < 0 && errno != EINTR && errno != EAGAIN)
			break;
		atomic_store_explicit(&q->sleeping, false, memory_order_relaxed);
	}
	return NULL;
}

int sendq_new(struct sendq **out, size_t size)
{
	struct sendq *q;
	int err;

	*out = NULL;
	if (size < (256u << 10))
		return -EINVAL;
	q = calloc(1, sizeof *q);
	if (!q)
		return -ENOMEM;
	q->size = ALIGN8(size);
	q->ring = malloc(q->size);
	q->efd = eventfd(0, EFD_CLOEXEC);
	if (!q->ring || q->efd < 0) {
		err = q->ring ? -errno : -ENOMEM;
		goto fail;
	}
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	atomic_init(&q->stop, false);
	atomic_init(&q->sleeping, false);
	atomic_init(&q->errors, 0);
	atomic_init(&q->last_errno, 0);
	if ((err = -pthread_create(&q->thread, NULL, run, q)))
		goto fail;
	*out = q;
	return 0;
fail:
	if (q->efd >= 0)
		close(q->efd);
	free(q->ring);
	free(q);
	return err;
}

/* Wait until the consumer has left `need` bytes free from the producer's position. */
static void wait_room(struct sendq *q, size_t need)
{
	while (q->pending + need - atomic_load_explicit(&q->tail, memory_order_acquire) >
	       q->size) {
		sendq_kick(q);          /* what is queued must go out to make room */
		sched_yield();
	}
}

/* Queue the concatenation of seg[0 .. nseg) as one entry. */
static int add(struct sendq *q, int fd, const struct sockaddr *to, socklen_t tolen,
               const struct iovec *seg, size_t nseg, uint16_t gso, int tos, bool df)
{
	size_t len = 0, need, pos;
	struct ent *e;
	uint8_t *d;

	for (size_t i = 0; i < nseg; i++)
		len += seg[i].iov_len;
	need = ent_size(len);
	if (need > q->size / 4 || len >= WRAP || tolen > sizeof e->to)
		return -EMSGSIZE;
	pos = (size_t)(q->pending % q->size);
	if (pos + need > q->size) {
		/* no room up to the end: a wrap marker (an entry header always fits, all sizes
		 * being multiples of 8 and the ring's too) and go on at 0 */
		wait_room(q, q->size - pos);
		((struct ent *)(q->ring + pos))->len = WRAP;
		q->pending += q->size - pos;
		pos = 0;
	}
	wait_room(q, need);
	e = (struct ent *)(q->ring + pos);
	e->len = (uint32_t)len;
	e->fd = fd;
	e->tolen = tolen;
	e->gso = gso;
	e->tos = (int16_t)tos;
	e->df = df;
	memcpy(&e->to, to, tolen);
	d = (uint8_t *)(e + 1);
	for (size_t i = 0; i < nseg; i++) {
		memcpy(d, seg[i].iov_base, seg[i].iov_len);
		d += seg[i].iov_len;
	}
	q->pending += need;
	return 0;
}

int sendq_add(struct sendq *q, int fd, const struct sockaddr *to, socklen_t tolen,
              const void *data, size_t len)
{
	struct iovec v = { (void *)data, len };

	return add(q, fd, to, tolen, &v, 1, 0, -1, false);
}

int sendq_add_udp(struct sendq *q, int fd, const struct sockaddr *to, socklen_t tolen,
                  const struct iovec *seg, size_t nseg, int tos)
{
	if (!nseg || nseg > SENDQ_UDP_SEGS || tos > 255)
		return -EINVAL;
	for (size_t i = 0; i + 1 < nseg; i++)
		if (seg[i].iov_len != seg[0].iov_len)
			return -EINVAL;
	if (seg[nseg - 1].iov_len > seg[0].iov_len || seg[0].iov_len > UINT16_MAX)
		return -EINVAL;
	return add(q, fd, to, tolen, seg, nseg, nseg > 1 ? (uint16_t)seg[0].iov_len : 0, tos,
	           true);
}

void sendq_kick(struct sendq *q)
{
	uint64_t one = 1;

	if (q->pending == atomic_load_explicit(&q->head, memory_order_relaxed))
		return;
	atomic_store_explicit(&q->head, q->pending, memory_order_seq_cst);
	/* a send thread at work finds the new head itself (run()); only a sleeping one needs
	 * the wake-up, a system call and a cross-core interrupt */
	if (!atomic_load_explicit(&q->sleeping, memory_order_seq_cst))
		return;
	/* An eventfd write fails only when its counter would overflow 2^64 - 2; the send
	 * thread's read resets it, so the result needs no handling. */
	ssize_t r = write(q->efd, &one, sizeof one);

	(void)r;
}

uint64_t sendq_errors(const struct sendq *q, int *last_errno)
{
	*last_errno = atomic_load_explicit(&((struct sendq *)q)->last_errno,
	                                   memory_order_relaxed);
	return atomic_load_explicit(&((struct sendq *)q)->errors, memory_order_relaxed);
}

void sendq_free(struct sendq *q)
{
	uint64_t one = 1;

	if (!q)
		return;
	sendq_kick(q);
	atomic_store_explicit(&q->stop, true, memory_order_release);
	while (write(q->efd, &one, sizeof one) < 0 && errno == EINTR)
		;
	pthread_join(q->thread, NULL);
	close(q->efd);
	free(q->ring);
	free(q);
}

/*
 * loop.c: epoll, a timer heap and the lab clock (see loop.h).
 */
#include "harness/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

struct loop_watch {
	loop_fd_fn fn;
	void *ctx;
	bool used;
};

/* Default quiet window; VPNLAB_QUIET_MS overrides it (tests on a loaded machine). */
#define LOOP_QUIET_DEFAULT (3 * LAB_NS_PER_MS)

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * LAB_NS_PER_SEC + ts.tv_nsec;
}

int loop_init(struct loop *l, enum loop_clock mode)
{
	sigset_t set;
	const char *q = getenv("VPNLAB_QUIET_MS");

	memset(l, 0, sizeof *l);
	l->mode = mode;
	l->quiet = LOOP_QUIET_DEFAULT;
	if (q && atoi(q) > 0)
		l->quiet = (lab_ns)atoi(q) * LAB_NS_PER_MS;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	l->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->sigfd < 0) {
		int err = -errno;

		close(l->epfd);
		return err;
	}
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = l->sigfd };

		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sigfd, &ev) < 0) {
			int err = -errno;

			close(l->sigfd);
			close(l->epfd);
			return err;
		}
	}
	l->wall_base = mono_ns();
	l->wall_lab = 0;
	return 0;
}

void loop_fini(struct loop *l)
{
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->heap);
	free(l->watches);
	l->heap = NULL;
	l->watches = NULL;
	l->epfd = l->sigfd = -1;
}

static int watch_slot(struct loop *l, int fd)
{
	if ((size_t)fd >= l->capwatches) {
		size_t cap = l->capwatches ? l->capwatches : 64;
		struct loop_watch *w;

		while (cap <= (size_t)fd)
			cap *= 2;
		w = realloc(l->watches, cap * sizeof *w);
		if (!w)
			return -ENOMEM;
		memset(w + l->capwatches, 0, (cap - l->capwatches) * sizeof *w);
		l->watches = w;
		l->capwatches = cap;
	}
	return 0;
}

int loop_watch(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int err = fd < 0 ? -EBADF : watch_slot(l, fd);

	if (err)
		return err;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->watches[fd] = (struct loop_watch){ fn, ctx, true };
	return 0;
}

int loop_watch_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->capwatches || !l->watches[fd].used)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->watches[fd].used = false;
}

/* ---- timer heap, ordered by (when, seq) ---- */

static bool before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(t, l->heap[parent]))
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!before(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx)
{
	memset(t, 0, sizeof *t);
	t->fn = fn;
	t->ctx = ctx;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	size_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	l->nheap--;
	if (i == l->nheap)
		return;
	heap_set(l, i, l->heap[l->nheap]);
	heap_up(l, i);
	heap_down(l, i);
}

void loop_timer_arm(struct loop *l, struct loop_timer *t, lab_ns when)
{
	loop_timer_cancel(l, t);
	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? 2 * l->capheap : 64;
		struct loop_timer **h = realloc(l->heap, cap * sizeof *h);

		if (!h)
			abort();        /* a lost timer would silently stall the lab */
		l->heap = h;
		l->capheap = cap;
	}
	t->when = when;
	t->seq = l->seq++;
	heap_set(l, l->nheap, t);
	l->nheap++;
	heap_up(l, l->nheap - 1);
}

void loop_follow_wall(struct loop *l)
{
	l->mode = LOOP_CLOCK_REAL;
	l->wall_base = mono_ns();
	l->wall_lab = l->now;
}

void loop_busy(struct loop *l, int delta)
{
	if (l->mode == LOOP_CLOCK_VIRTUAL && delta > 0 && l->busy == 0) {
		l->wall_base = mono_ns();
		l->wall_lab = l->now;
	}
	l->busy += delta;
	if (l->busy < 0)
		l->busy = 0;
}

/* Move the clock with the wall when it follows it (real mode, or virtual while busy). */
static void follow_wall(struct loop *l)
{
	if (l->mode == LOOP_CLOCK_REAL || l->busy > 0) {
		lab_ns t = l->wall_lab + (mono_ns() - l->wall_base);

		if (t > l->now)
			l->now = t;
	}
}

static void fire_due(struct loop *l)
{
	while (l->nheap && l->heap[0]->when <= l->now) {
		struct loop_timer *t = l->heap[0];

		loop_timer_cancel(l, t);
		t->fn(t->ctx);
	}
}

static void read_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		l->interrupted = true;
		l->signo = (int)si.ssi_signo;
	}
}

/* Wait up to timeout_ms for fds; dispatch. Returns the number of fd events handled. */
static int poll_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[64];
	int n = epoll_wait(l->epfd, ev, 64, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	/* under the real clock the wait took time: fd handlers must see the time the event
	 * arrived, not the time the wait began (up to a second earlier) */
	if (n > 0)
		follow_wall(l);
	for (int i = 0; i < n; i++) {
		int fd = ev[i].data.fd;

		if (fd == l->sigfd) {
			read_signals(l);
			continue;
		}
		if ((size_t)fd < l->capwatches && l->watches[fd].used)
			l->watches[fd].fn(l->watches[fd].ctx, fd, ev[i].events);
	}
	return n;
}

static int ms_until(lab_ns from, lab_ns to)
{
	lab_ns d = to - from;

	if (d <= 0)
		return 0;
	d = (d + LAB_NS_PER_MS - 1) / LAB_NS_PER_MS;
	return d > 1000 ? 1000 : (int)d;
}

int loop_run(struct loop *l, lab_ns deadline, bool (*done)(void *ctx), void *ctx)
{
	for (;;) {
		lab_ns next;
		int n;

		follow_wall(l);
		fire_due(l);
		if (done && done(ctx))
			return 0;
		if (l->interrupted)
			return -EINTR;
		if (l->now >= deadline)
			return -ETIMEDOUT;
		next = l->nheap ? l->heap[0]->when : LAB_NEVER;
		if (deadline < next)
			next = deadline;

		if (l->mode == LOOP_CLOCK_REAL || l->busy > 0) {
			int wait = ms_until(l->now, next);

			if (l->busy > 0 && wait > 10)
				wait = 10;
			n = poll_once(l, next == LAB_NEVER && !l->busy ? 1000 : wait);
			if (n < 0)
				return n;
			continue;
		}

		/* Virtual: anything pending now? Then handle it; lab time stands still. */
		n = poll_once(l, (int)(l->quiet / LAB_NS_PER_MS));
		if (n < 0)
			return n;
		if (n > 0)
			continue;
		/* Idle: jump. */
		if (next == LAB_NEVER)
			return -EDEADLK;
		if (next > l->now) {
			l->skipped += next - l->now;
			l->jumps++;
			l->now = next;
		}
	}
}

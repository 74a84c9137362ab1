/*
 * loop.h: the run's one event loop (epoll) and its lab clock.
 *
 * Everything in a run is driven from here: sockets of peers and probes, capture handles, the
 * mock clouds' HTTP servers, timers and signals. There are no threads.
 *
 * The lab clock is the only time source for everything in the run. With LOOP_CLOCK_REAL it
 * follows CLOCK_MONOTONIC from the start of the run. With LOOP_CLOCK_VIRTUAL it stands still
 * while anything is happening and jumps to the next timer when the lab is idle: no fd became
 * readable for a quiet window of wall time (a few milliseconds; every socket and every capture
 * handle of the lab is in this loop, so a frame crossing any link is activity). So idle hours
 * cost nothing, and the same inputs give the same timestamps. While something declares itself
 * busy (loop_busy), virtual time instead follows wall time, so a kernel TCP transfer that
 * pauses for its own real-time timers is not mistaken for idleness.
 */
#ifndef VPNLAB_HARNESS_LOOP_H
#define VPNLAB_HARNESS_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peers/labtime.h"

enum loop_clock {
	LOOP_CLOCK_VIRTUAL,
	LOOP_CLOCK_REAL,
};

typedef void (*loop_fd_fn)(void *ctx, int fd, uint32_t events);
typedef void (*loop_timer_fn)(void *ctx);

/* A timer is embedded in its owner's struct; the loop never allocates or frees it. */
struct loop_timer {
	lab_ns when;
	uint64_t seq;           /* ties at the same instant fire in arming order */
	size_t slot;            /* heap index + 1; 0 when not armed */
	loop_timer_fn fn;
	void *ctx;
};

struct loop_watch;

struct loop {
	int epfd;
	int sigfd;
	enum loop_clock mode;
	lab_ns now;
	lab_ns quiet;                   /* wall-time quiet window that counts as idle */
	int64_t wall_base;              /* CLOCK_MONOTONIC ns matching lab time wall_lab */
	lab_ns wall_lab;
	int busy;
	bool interrupted;               /* SIGINT / SIGTERM seen */
	int signo;
	uint64_t seq;
	struct loop_timer **heap;
	size_t nheap, capheap;
	struct loop_watch *watches;     /* by fd, sparse */
	size_t capwatches;
	uint64_t jumps;                 /* virtual-clock jumps made (for reports) */
	lab_ns skipped;                 /* lab time skipped by jumps */
};

/* 0 or -errno. Blocks SIGINT and SIGTERM and receives them through a signalfd. */
int loop_init(struct loop *l, enum loop_clock mode);
void loop_fini(struct loop *l);

static inline lab_ns loop_now(const struct loop *l) { return l->now; }

/* Watch fd (EPOLLIN etc.). One watch per fd. 0 or -errno. */
int loop_watch(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ctx);
int loop_watch_mod(struct loop *l, int fd, uint32_t events);
void loop_unwatch(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx);
/* (Re)arm at an absolute lab time; a time in the past fires on the next turn. */
void loop_timer_arm(struct loop *l, struct loop_timer *t, lab_ns when);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
static inline bool loop_timer_armed(const struct loop_timer *t) { return t->slot != 0; }

/* From now on lab time follows the wall clock (used while a held lab waits for Ctrl-C, where
 * a person, not a timer, decides what happens next). */
void loop_follow_wall(struct loop *l);

/* Something is in flight that the loop cannot see (a kernel TCP transfer): +1 / -1. */
void loop_busy(struct loop *l, int delta);

/*
 * Run until done(ctx) returns true, the lab clock reaches deadline (LAB_NEVER: none), or a
 * signal arrives. Returns 0 when done, -ETIMEDOUT at the deadline, -EINTR on a signal,
 * -EDEADLK when the virtual clock is idle with no timer and no deadline (nothing can ever
 * happen), or another -errno.
 */
int loop_run(struct loop *l, lab_ns deadline, bool (*done)(void *ctx), void *ctx);

#endif

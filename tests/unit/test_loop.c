/* The event loop and the lab clock: virtual jumps, timer order, deadlines, fds. */
#include "tests/unit/unit.h"
#include "harness/loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

struct rec {
	struct loop *l;
	int order[16];
	lab_ns at[16];
	int n;
};

struct tagged {
	struct loop_timer t;
	struct rec *r;
	int tag;
};

static void on_timer(void *ctx)
{
	struct tagged *tg = ctx;

	tg->r->order[tg->r->n] = tg->tag;
	tg->r->at[tg->r->n] = loop_now(tg->r->l);
	tg->r->n++;
}

static bool all_fired(void *ctx)
{
	return ((struct rec *)ctx)->n == 5;
}

static void test_virtual_jumps_in_order(void)
{
	struct loop l;
	struct rec r = { .l = &l };
	struct tagged t[5];
	lab_ns when[5] = { lab_sec(5), lab_sec(1), lab_sec(3), lab_sec(3), lab_sec(3600) };

	CU_ASSERT_FATAL(loop_init(&l, LOOP_CLOCK_VIRTUAL) == 0);
	for (int i = 0; i < 5; i++) {
		t[i].r = &r;
		t[i].tag = i;
		loop_timer_init(&t[i].t, on_timer, &t[i]);
		loop_timer_arm(&l, &t[i].t, when[i]);
	}
	CU_ASSERT_EQUAL(loop_run(&l, LAB_NEVER, all_fired, &r), 0);
	CU_ASSERT_EQUAL(r.n, 5);
	/* by time; equal times in arming order (2 before 3) */
	CU_ASSERT_EQUAL(r.order[0], 1);
	CU_ASSERT_EQUAL(r.order[1], 2);
	CU_ASSERT_EQUAL(r.order[2], 3);
	CU_ASSERT_EQUAL(r.order[3], 0);
	CU_ASSERT_EQUAL(r.order[4], 4);
	/* the clock stood exactly at each timer: nothing in between */
	CU_ASSERT_EQUAL(r.at[0], lab_sec(1));
	CU_ASSERT_EQUAL(r.at[2], lab_sec(3));
	CU_ASSERT_EQUAL(r.at[4], lab_sec(3600));
	CU_ASSERT_EQUAL(loop_now(&l), lab_sec(3600));
	CU_ASSERT_EQUAL(l.jumps, 4);
	loop_fini(&l);
}

static void test_cancel_and_rearm(void)
{
	struct loop l;
	struct rec r = { .l = &l };
	struct tagged t[3];

	CU_ASSERT_FATAL(loop_init(&l, LOOP_CLOCK_VIRTUAL) == 0);
	for (int i = 0; i < 3; i++) {
		t[i].r = &r;
		t[i].tag = i;
		loop_timer_init(&t[i].t, on_timer, &t[i]);
		loop_timer_arm(&l, &t[i].t, lab_sec(i + 1));
	}
	loop_timer_cancel(&l, &t[0].t);
	CU_ASSERT_FALSE(loop_timer_armed(&t[0].t));
	loop_timer_arm(&l, &t[2].t, lab_ms(500));       /* re-arming moves it */
	CU_ASSERT_EQUAL(loop_run(&l, lab_sec(10), NULL, NULL), -ETIMEDOUT);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_EQUAL(r.order[0], 2);
	CU_ASSERT_EQUAL(r.at[0], lab_ms(500));
	CU_ASSERT_EQUAL(r.order[1], 1);
	CU_ASSERT_EQUAL(loop_now(&l), lab_sec(10));      /* ends exactly at the deadline */
	loop_fini(&l);
}

static void test_nothing_left_to_happen(void)
{
	struct loop l;

	CU_ASSERT_FATAL(loop_init(&l, LOOP_CLOCK_VIRTUAL) == 0);
	CU_ASSERT_EQUAL(loop_run(&l, LAB_NEVER, NULL, NULL), -EDEADLK);
	CU_ASSERT_EQUAL(loop_now(&l), 0);
	loop_fini(&l);
}

struct pipe_ctx {
	int reads;
	lab_ns at;
	struct loop *l;
};

static void on_pipe(void *ctx, int fd, uint32_t ev)
{
	struct pipe_ctx *p = ctx;
	char c;

	(void)ev;
	if (read(fd, &c, 1) == 1) {
		p->reads++;
		p->at = loop_now(p->l);
	}
}

static bool one_read(void *ctx)
{
	return ((struct pipe_ctx *)ctx)->reads == 1;
}

static void test_fd_activity_holds_the_clock(void)
{
	struct loop l;
	int fds[2];
	struct pipe_ctx p = { .l = &l };
	struct tagged t;
	struct rec r = { .l = &l };

	CU_ASSERT_FATAL(loop_init(&l, LOOP_CLOCK_VIRTUAL) == 0);
	CU_ASSERT_FATAL(pipe(fds) == 0);
	CU_ASSERT_EQUAL(loop_watch(&l, fds[0], EPOLLIN, on_pipe, &p), 0);
	t.r = &r;
	t.tag = 0;
	loop_timer_init(&t.t, on_timer, &t);
	loop_timer_arm(&l, &t.t, lab_sec(60));
	CU_ASSERT_EQUAL(write(fds[1], "x", 1), 1);
	CU_ASSERT_EQUAL(loop_run(&l, LAB_NEVER, one_read, &p), 0);
	/* a readable fd is handled before any jump: lab time has not moved */
	CU_ASSERT_EQUAL(p.at, 0);
	CU_ASSERT_EQUAL(r.n, 0);
	loop_unwatch(&l, fds[0]);
	close(fds[0]);
	close(fds[1]);
	loop_fini(&l);
}

static void test_real_clock_follows_wall(void)
{
	struct loop l;

	CU_ASSERT_FATAL(loop_init(&l, LOOP_CLOCK_REAL) == 0);
	CU_ASSERT_EQUAL(loop_run(&l, lab_ms(30), NULL, NULL), -ETIMEDOUT);
	CU_ASSERT(loop_now(&l) >= lab_ms(30));
	CU_ASSERT_EQUAL(l.jumps, 0);
	loop_fini(&l);
}

UNIT_SUITE(loop,
	UNIT_TEST(test_virtual_jumps_in_order),
	UNIT_TEST(test_cancel_and_rearm),
	UNIT_TEST(test_nothing_left_to_happen),
	UNIT_TEST(test_fd_activity_holds_the_clock),
	UNIT_TEST(test_real_clock_follows_wall))

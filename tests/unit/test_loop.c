/* test_loop.c - unit tests for the event loop: timer order and cancelling,
 * fd readiness over a socketpair, removal during dispatch, deferred frees,
 * hooks, and bounded waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/loop.h"

struct rec {
	int order[16];
	int n;
	uint64_t cancel_id;
};

/* Each timer carries a pointer to a slot holding its tag and its recorder. */
struct slot {
	struct rec *r;
	int tag;
};

static void slot_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	struct slot *s = ud;
	if (s->r->n < 16)
		s->r->order[s->r->n++] = s->tag;
}

static void run_until_idle(struct loop *l, int max_turns)
{
	for (int i = 0; i < max_turns && loop_busy(l); i++)
		loop_run_once(l, 1000);
}

static void test_timer_order(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r = {.n = 0};
	struct slot s[4] = {{&r, 30}, {&r, 10}, {&r, 20}, {&r, 11}};
	loop_timer_add(l, 30, slot_timer, &s[0]);
	loop_timer_add(l, 10, slot_timer, &s[1]);
	loop_timer_add(l, 20, slot_timer, &s[2]);
	loop_timer_add(l, 10, slot_timer, &s[3]); /* same delay: after the first 10 */
	uint64_t t0 = loop_clock_ms();
	run_until_idle(l, 100);
	uint64_t took = loop_clock_ms() - t0;
	assert_int_equal(r.n, 4);
	assert_int_equal(r.order[0], 10);
	assert_int_equal(r.order[1], 11);
	assert_int_equal(r.order[2], 20);
	assert_int_equal(r.order[3], 30);
	assert_true(took >= 29); /* it waited rather than firing early */
	assert_true(took < 1000);
	assert_false(loop_busy(l));
	loop_free(l);
}

static void cancel_other(struct loop *l, uint64_t id, void *ud)
{
	(void)id;
	struct slot *s = ud;
	s->r->order[s->r->n++] = s->tag;
	assert_true(loop_timer_cancel(l, s->r->cancel_id));
}

static void test_timer_cancel(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct rec r = {.n = 0};
	struct slot a = {&r, 1}, b = {&r, 2}, c = {&r, 3};
	uint64_t ida = loop_timer_add(l, 5, slot_timer, &a);
	loop_timer_add(l, 5, cancel_other, &b);
	r.cancel_id = loop_timer_add(l, 5, slot_timer, &c); /* cancelled by b */
	assert_true(loop_timer_cancel(l, ida));
	assert_false(loop_timer_cancel(l, ida)); /* twice: already gone */
	assert_false(loop_timer_cancel(l, 0));
	run_until_idle(l, 100);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.order[0], 2);
	loop_free(l);
}

static int zero_fired;
static void zero_again(struct loop *l, uint64_t id, void *ud)
{
	(void)id;
	(void)ud;
	zero_fired++;
	if (zero_fired < 3)
		loop_timer_add(l, 0, zero_again, NULL);
}

static void test_zero_timer_next_turn(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	zero_fired = 0;
	loop_timer_add(l, 0, zero_again, NULL);
	loop_run_once(l, 0);
	assert_int_equal(zero_fired, 1); /* the re-added one waits a turn */
	loop_run_once(l, 0);
	assert_int_equal(zero_fired, 2);
	loop_run_once(l, 0);
	assert_int_equal(zero_fired, 3);
	assert_false(loop_busy(l));
	loop_free(l);
}

struct fdrec {
	int reads, writes;
	char got[64];
	size_t len;
	int other_fd;
	bool del_other;
};

static void fd_cb(struct loop *l, int fd, int events, void *ud)
{
	struct fdrec *f = ud;
	if (events & LOOP_READ) {
		f->reads++;
		ssize_t n = read(fd, f->got + f->len, sizeof f->got - 1 - f->len);
		if (n > 0)
			f->len += (size_t)n;
	}
	if (events & LOOP_WRITE) {
		f->writes++;
		loop_fd_set(l, fd, LOOP_READ); /* one write event is enough */
	}
	if (f->del_other)
		loop_fd_del(l, f->other_fd);
}

static void test_fd_readiness(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct loop *l = loop_new();
	struct fdrec f;
	memset(&f, 0, sizeof f);
	assert_true(loop_fd_add(l, sv[0], LOOP_READ | LOOP_WRITE, fd_cb, &f));
	assert_false(loop_fd_add(l, -1, LOOP_READ, fd_cb, &f));
	assert_int_equal(loop_fd_mask(l, sv[0]), LOOP_READ | LOOP_WRITE);
	loop_run_once(l, 100);
	assert_int_equal(f.writes, 1);
	assert_int_equal(f.reads, 0); /* nothing written yet */
	assert_int_equal(write(sv[1], "hello", 5), 5);
	loop_run_once(l, 1000);
	assert_int_equal(f.reads, 1);
	assert_int_equal(f.len, 5);
	assert_memory_equal(f.got, "hello", 5);
	/* Quiet socket: the turn returns after the timeout with no callback. */
	uint64_t t0 = loop_clock_ms();
	assert_int_equal(loop_run_once(l, 30), 0);
	assert_true(loop_clock_ms() - t0 >= 25);
	loop_fd_del(l, sv[0]);
	assert_int_equal(loop_fd_mask(l, sv[0]), 0);
	assert_false(loop_busy(l));
	loop_free(l);
	close(sv[0]);
	close(sv[1]);
}

static void test_fd_removed_during_dispatch(void **state)
{
	(void)state;
	int a[2], b[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	struct loop *l = loop_new();
	struct fdrec fa, fb;
	memset(&fa, 0, sizeof fa);
	memset(&fb, 0, sizeof fb);
	/* Both readable in the same turn; whichever runs first removes the other. */
	fa.other_fd = b[0];
	fa.del_other = true;
	fb.other_fd = a[0];
	fb.del_other = true;
	loop_fd_add(l, a[0], LOOP_READ, fd_cb, &fa);
	loop_fd_add(l, b[0], LOOP_READ, fd_cb, &fb);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "y", 1), 1);
	int ran = loop_run_once(l, 1000);
	assert_int_equal(ran, 1);
	assert_int_equal(fa.reads + fb.reads, 1);
	loop_free(l);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

struct victim {
	bool *freed;
	struct loop *l;
};

static void victim_free(void *p)
{
	struct victim *v = p;
	*v->freed = true;
	free(v);
}

static bool freed_flag;
static bool freed_seen_in_cb;
static void defer_in_cb(struct loop *l, uint64_t id, void *ud)
{
	(void)id;
	struct victim *v = ud;
	loop_defer_free(l, v, victim_free);
	freed_seen_in_cb = freed_flag; /* must still be false: freeing waits */
}

static void test_deferred_free(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	freed_flag = false;
	freed_seen_in_cb = true;
	struct victim *v = calloc(1, sizeof *v);
	v->freed = &freed_flag;
	loop_timer_add(l, 0, defer_in_cb, v);
	loop_run_once(l, 0);
	assert_false(freed_seen_in_cb);
	assert_false(freed_flag);
	assert_true(loop_busy(l)); /* a pending free keeps the loop busy */
	loop_run_once(l, 0);
	assert_true(freed_flag);
	/* loop_free also reaps. */
	bool f2 = false;
	struct victim *w = calloc(1, sizeof *w);
	w->freed = &f2;
	loop_defer_free(l, w, victim_free);
	loop_free(l);
	assert_true(f2);
}

static int hook_runs;
static uint64_t hook_id;
static void hook_fn(struct loop *l, void *ud)
{
	(void)ud;
	if (++hook_runs == 2)
		loop_hook_del(l, hook_id);
}

static void stop_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)id;
	(void)ud;
	loop_stop(l);
}

static void test_hooks_and_stop(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	hook_runs = 0;
	hook_id = loop_hook_add(l, hook_fn, NULL);
	for (int i = 0; i < 4; i++)
		loop_run_once(l, 0);
	assert_int_equal(hook_runs, 2);
	/* loop_run ends on loop_stop even with other timers pending. */
	loop_timer_add(l, 5, stop_timer, NULL);
	uint64_t far = loop_timer_add(l, 60000, stop_timer, NULL);
	uint64_t t0 = loop_clock_ms();
	loop_run(l);
	assert_true(loop_clock_ms() - t0 < 5000);
	assert_true(loop_timer_cancel(l, far));
	/* Nothing to wait for: a turn returns at once instead of sleeping forever. */
	t0 = loop_clock_ms();
	assert_int_equal(loop_run_once(l, -1), 0);
	assert_true(loop_clock_ms() - t0 < 1000);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_zero_timer_next_turn),
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_fd_removed_during_dispatch),
		cmocka_unit_test(test_deferred_free),
		cmocka_unit_test(test_hooks_and_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_fifo.c - unit tests for the bounded queue between the capture
 * decoder's threads (decode/fifo.c): order, blocking at capacity, closing,
 * the consumer's wake-up threshold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "decode/fifo.h"

#define N_ITEMS 100000

static void *producer(void *arg)
{
	struct fifo *q = arg;
	for (uintptr_t i = 1; i <= N_ITEMS; i++)
		if (!fifo_push(q, (void *)i))
			return (void *)1;
	fifo_close(q);
	return NULL;
}

/* Items cross threads in order, through a queue much smaller than the stream. */
static void test_fifo_order_across_threads(void **state)
{
	(void)state;
	struct fifo *q = fifo_new(3);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, producer, q), 0);
	uintptr_t want = 1;
	for (void *p; (p = fifo_pop(q)); want++)
		assert_true((uintptr_t)p == want);
	assert_int_equal(want, N_ITEMS + 1);
	void *ret;
	pthread_join(t, &ret);
	assert_null(ret);
	fifo_free(q);
}

static void test_fifo_close_drains(void **state)
{
	(void)state;
	int a, b;
	struct fifo *q = fifo_new(2);
	assert_null(fifo_try_pop(q));
	assert_true(fifo_push(q, &a));
	assert_true(fifo_push(q, &b));
	fifo_close(q);
	assert_false(fifo_push(q, &a)); /* closed: refused, even with room after pops */
	assert_ptr_equal(fifo_pop(q), &a);
	assert_ptr_equal(fifo_try_pop(q), &b);
	assert_null(fifo_pop(q)); /* closed and empty: no wait */
	assert_null(fifo_try_pop(q));
	fifo_free(q);
	fifo_free(NULL);
}

static void *blocked_pusher(void *arg)
{
	struct fifo *q = arg;
	static int x;
	return fifo_push(q, &x) ? (void *)1 : NULL;
}

/* A producer waiting on a full queue gives up when the queue is closed. */
static void test_fifo_close_wakes_producer(void **state)
{
	(void)state;
	int a;
	struct fifo *q = fifo_new(1);
	assert_true(fifo_push(q, &a));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, blocked_pusher, q), 0);
	fifo_close(q);
	void *ret;
	pthread_join(t, &ret);
	assert_null(ret);
	assert_ptr_equal(fifo_pop(q), &a);
	assert_null(fifo_pop(q));
	fifo_free(q);
}

struct waiter {
	struct fifo *q;
	atomic_int done;
	void *got;
};

static void *waiting_pop(void *arg)
{
	struct waiter *w = arg;
	w->got = fifo_pop(w->q);
	atomic_store(&w->done, 1);
	return NULL;
}

static void pause_ms(long ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* With a wake-up threshold of 3, a consumer asleep on an empty queue stays
 * asleep through the first two pushes and takes the oldest item at the third. */
static void test_fifo_wake_threshold(void **state)
{
	(void)state;
	int a, b, c;
	struct waiter w = {.q = fifo_new(4)};
	fifo_set_wake(w.q, 3);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, waiting_pop, &w), 0);
	pause_ms(20); /* let it find the queue empty */
	assert_true(fifo_push(w.q, &a));
	assert_true(fifo_push(w.q, &b));
	pause_ms(50);
	assert_int_equal(atomic_load(&w.done), 0);
	assert_true(fifo_push(w.q, &c));
	for (int i = 0; i < 200 && !atomic_load(&w.done); i++)
		pause_ms(10);
	bool woken = atomic_load(&w.done);
	if (!woken)
		fifo_close(w.q); /* let it go before failing */
	pthread_join(t, NULL);
	assert_true(woken);
	assert_ptr_equal(w.got, &a);
	/* items already queued are taken at once, below the threshold too */
	assert_ptr_equal(fifo_pop(w.q), &b);
	assert_ptr_equal(fifo_pop(w.q), &c);
	fifo_free(w.q);
}

/* Closing wakes a consumer waiting below the threshold: it drains the rest. */
static void test_fifo_wake_close(void **state)
{
	(void)state;
	int a;
	struct waiter w = {.q = fifo_new(4)};
	fifo_set_wake(w.q, 4);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, waiting_pop, &w), 0);
	pause_ms(20);
	assert_true(fifo_push(w.q, &a));
	fifo_close(w.q);
	pthread_join(t, NULL);
	assert_ptr_equal(w.got, &a);
	assert_null(fifo_pop(w.q));
	fifo_set_wake(w.q, 0); /* kept within 1..cap */
	fifo_free(w.q);
}

#define RING_TOKENS 4
#define RING_ROUNDS 5000

struct ring {
	struct fifo *full, *empty;
};

/* The read-ahead's pattern: take a free token, hand it over full. */
static void *ring_filler(void *arg)
{
	struct ring *r = arg;
	for (int i = 0; i < RING_ROUNDS; i++) {
		void *tok = fifo_pop(r->empty);
		if (!tok || !fifo_push(r->full, tok))
			return (void *)1;
	}
	fifo_close(r->full);
	return NULL;
}

/* Tokens going round two queues, the free side with a threshold of half the
 * tokens: every round completes (no side waits for tokens the other holds). */
static void test_fifo_wake_ring(void **state)
{
	(void)state;
	static int tokens[RING_TOKENS];
	struct ring r = {.full = fifo_new(RING_TOKENS), .empty = fifo_new(RING_TOKENS)};
	fifo_set_wake(r.empty, RING_TOKENS / 2);
	for (int i = 0; i < RING_TOKENS; i++)
		assert_true(fifo_push(r.empty, &tokens[i]));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, ring_filler, &r), 0);
	int rounds = 0;
	for (void *tok; (tok = fifo_pop(r.full)); rounds++)
		assert_true(fifo_push(r.empty, tok));
	void *ret;
	pthread_join(t, &ret);
	assert_null(ret);
	assert_int_equal(rounds, RING_ROUNDS);
	fifo_free(r.full);
	fifo_free(r.empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order_across_threads),
		cmocka_unit_test(test_fifo_close_drains),
		cmocka_unit_test(test_fifo_close_wakes_producer),
		cmocka_unit_test(test_fifo_wake_threshold),
		cmocka_unit_test(test_fifo_wake_close),
		cmocka_unit_test(test_fifo_wake_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

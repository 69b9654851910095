/* test_fifo.c - unit tests for the bounded queue between the capture
 * decoder's threads (decode/fifo.c): order, blocking at capacity, closing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order_across_threads),
		cmocka_unit_test(test_fifo_close_drains),
		cmocka_unit_test(test_fifo_close_wakes_producer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

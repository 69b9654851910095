/* fifo.c - bounded blocking pointer queue (POSIX threads); see fifo.h. */
#include "fifo.h"
#include "xmalloc.h"

#include <pthread.h>
#include <stdlib.h>

struct fifo {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	void **items; /* ring */
	size_t cap, head, len;
	size_t wake; /* items queued before a waiting consumer is woken */
	bool closed;
};

struct fifo *fifo_new(size_t cap)
{
	struct fifo *q = xcalloc(1, sizeof *q);
	q->cap = cap ? cap : 1;
	q->wake = 1;
	q->items = xcalloc(q->cap, sizeof *q->items);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return q;
}

void fifo_free(struct fifo *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q->items);
	free(q);
}

bool fifo_push(struct fifo *q, void *p)
{
	pthread_mutex_lock(&q->mu);
	while (q->len == q->cap && !q->closed)
		pthread_cond_wait(&q->not_full, &q->mu);
	bool ok = !q->closed;
	if (ok) {
		q->items[(q->head + q->len) % q->cap] = p;
		q->len++;
		if (q->len >= q->wake)
			pthread_cond_signal(&q->not_empty);
	}
	pthread_mutex_unlock(&q->mu);
	return ok;
}

/* With the lock held and an item present: take it. */
static void *fifo_take(struct fifo *q)
{
	void *p = q->items[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	pthread_cond_signal(&q->not_full);
	return p;
}

void *fifo_pop(struct fifo *q)
{
	pthread_mutex_lock(&q->mu);
	if (q->len == 0)
		while (q->len < q->wake && !q->closed)
			pthread_cond_wait(&q->not_empty, &q->mu);
	void *p = q->len ? fifo_take(q) : NULL;
	pthread_mutex_unlock(&q->mu);
	return p;
}

void fifo_set_wake(struct fifo *q, size_t n)
{
	pthread_mutex_lock(&q->mu);
	q->wake = n < 1 ? 1 : n > q->cap ? q->cap : n;
	pthread_mutex_unlock(&q->mu);
}

void *fifo_try_pop(struct fifo *q)
{
	pthread_mutex_lock(&q->mu);
	void *p = q->len ? fifo_take(q) : NULL;
	pthread_mutex_unlock(&q->mu);
	return p;
}

void fifo_close(struct fifo *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->mu);
}

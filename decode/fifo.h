/* fifo.h - a bounded blocking queue of pointers between two threads (one
 * producer, one consumer), for the capture decoder's pipeline: packets read
 * ahead of the decoder, finished sessions formatted behind it. Memory in
 * flight is bounded by the capacity. */
#ifndef SMTPSCOPE_FIFO_H
#define SMTPSCOPE_FIFO_H
#include <stdbool.h>
#include <stddef.h>

struct fifo;

/* A queue of at most cap items (cap >= 1); never NULL. */
struct fifo *fifo_new(size_t cap);
/* Free the queue (not the items); no thread may be using it. */
void fifo_free(struct fifo *q);
/* Append p, waiting while the queue is full; false (p not queued) once the
 * queue is closed. */
bool fifo_push(struct fifo *q, void *p);
/* Take the oldest item, waiting while the queue is empty; NULL once the queue
 * is closed and empty. */
void *fifo_pop(struct fifo *q);
/* A consumer that finds the queue empty sleeps until n items are queued (or
 * the queue closes) instead of one: a wake-up per n items when it is the
 * faster side. Only where n items are sure to come (items that all return to
 * the consumer's side, n <= cap) or the producer closes the queue when it
 * stops, and where no one waits for an item sooner. */
void fifo_set_wake(struct fifo *q, size_t n);
/* Take the oldest item without waiting; NULL when there is none. */
void *fifo_try_pop(struct fifo *q);
/* No more pushes: a waiting producer gives up, the consumer drains what is
 * left and then gets NULL. */
void fifo_close(struct fifo *q);

#endif

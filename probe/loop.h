/* loop.h - the single poll()-based event loop: fds with read/write interest,
 * one-shot timers on the monotonic clock, before-poll hooks, deferred frees,
 * and the c-ares socket hook. No RFC; modelled on redis's ae.c.
 *
 * Every callback runs from loop_run_once(), never from inside the function
 * that registered it. Callbacks may add or remove fds and timers, including
 * their own; an fd removed (or closed and reused) during one turn gets no
 * stale events from that turn. An object must not be freed inside its own
 * callback: hand it to loop_defer_free() and the loop frees it at the start
 * of the next turn. */
#ifndef SMTPSCOPE_LOOP_H
#define SMTPSCOPE_LOOP_H
#include <ares.h>
#include <stdbool.h>
#include <stdint.h>

struct loop;

/* Interest and readiness bits. LOOP_ERROR is only ever reported (POLLERR,
 * POLLHUP, POLLNVAL); it comes together with the interest bits that were set
 * so that the handler reads or writes and learns the error from the call. */
enum {
	LOOP_READ = 1,
	LOOP_WRITE = 2,
	LOOP_ERROR = 4,
};

typedef void loop_fd_fn(struct loop *l, int fd, int events, void *ud);
typedef void loop_timer_fn(struct loop *l, uint64_t id, void *ud);
typedef void loop_hook_fn(struct loop *l, void *ud);
typedef void loop_free_fn(void *obj);

/* loop_new never fails (allocation failure exits). loop_free does not close
 * registered fds (their owners do) but runs pending deferred frees. */
struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Register fd (>= 0) with the given interest, replacing any earlier
 * registration of the same fd. False when fd is negative. */
bool loop_fd_add(struct loop *l, int fd, int mask, loop_fd_fn *fn, void *ud);
/* Change the interest of a registered fd (no-op when not registered). */
void loop_fd_set(struct loop *l, int fd, int mask);
int loop_fd_mask(const struct loop *l, int fd);
/* Forget fd; call before close(). No-op when not registered. */
void loop_fd_del(struct loop *l, int fd);

/* One-shot timer firing after ms milliseconds (0: on the next turn, never in
 * the turn that added it). Returns an id > 0. Timers with the same deadline
 * fire in the order they were added. */
uint64_t loop_timer_add(struct loop *l, uint64_t ms, loop_timer_fn *fn, void *ud);
/* Cancel a pending timer; false when it already fired or never existed.
 * Id 0 is accepted and ignored, so `loop_timer_cancel(l, t); t = 0;` is safe. */
bool loop_timer_cancel(struct loop *l, uint64_t id);

/* Hooks run before every poll, in the order added. Returns an id for
 * loop_hook_del. */
uint64_t loop_hook_add(struct loop *l, loop_hook_fn *fn, void *ud);
void loop_hook_del(struct loop *l, uint64_t id);

/* Free obj with fn at the start of the next turn (or in loop_free). */
void loop_defer_free(struct loop *l, void *obj, loop_free_fn *fn);

/* Make the next poll return at once (e.g. decrypted TLS data is waiting). */
void loop_wake(struct loop *l);

/* Monotonic clock in milliseconds; loop_now is cached once per turn. */
uint64_t loop_clock_ms(void);
uint64_t loop_now(const struct loop *l);

/* One turn: reap deferred frees, run hooks, poll for at most max_ms
 * (negative: until the next timer or event), dispatch fd events, let c-ares
 * handle its timeouts, fire due timers. Returns the number of callbacks run,
 * or -1 when poll failed with something other than EINTR. */
int loop_run_once(struct loop *l, int max_ms);
/* Turn until loop_stop() or until nothing is left to wait for (no fds,
 * timers, deferred frees or c-ares queries). */
void loop_run(struct loop *l);
void loop_stop(struct loop *l);
/* True while fds, timers, deferred frees or c-ares queries remain. */
bool loop_busy(const struct loop *l);

/* c-ares: create a channel whose sockets live in this loop. opts and
 * optmask are as for ares_init_options (opts may be NULL); the socket-state
 * callback is added here. The loop calls ares_process_fd on readiness and
 * bounds each poll by ares_timeout(). Returns an ARES_* status. */
int loop_ares_init(struct loop *l, ares_channel *ch, struct ares_options *opts, int optmask);
/* ares_destroy the channel (its pending callbacks run with ARES_EDESTRUCTION)
 * and forget it. Not from inside one of the channel's own callbacks. */
void loop_ares_destroy(struct loop *l, ares_channel ch);

#endif

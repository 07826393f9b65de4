/*
 * Time and waiting. A monotonic clock from the TSC (its rate calibrated
 * against the x2APIC timer at start of day), one-shot timers multiplexed on
 * the x2APIC timer (100 MHz virtual clock, ABI.md; the core's resolution is
 * its 1 ms tick), and the runtime's only way to block: dom_wait_event().
 */
#ifndef DOM_TIME_H
#define DOM_TIME_H

#include <stdbool.h>
#include <stdint.h>

struct dom_timer;
/* Runs in interrupt context (dom/trap.h), after the timer left the queue. */
typedef void (*dom_timer_fn)(struct dom_timer *t, void *arg);

struct dom_timer {
	uint64_t deadline_ns;	/* dom_now_ns() time; private while armed */
	dom_timer_fn fn;
	void *arg;
	struct dom_timer *next;	/* private: the queue, soonest first */
	bool armed;		/* private */
};

/* Start of day: x2APIC timer set-up and TSC calibration. */
void dom_time_init(void);

/* Nanoseconds since start of day. */
uint64_t dom_now_ns(void);
/* Seconds since 1970 now, from the core's wall clock (shared_info); 0 when
 * it keeps none or events are not set up. */
uint64_t dom_wallclock_sec(void);
/* The TSC rate found at start of day. */
uint64_t dom_tsc_hz(void);

/* (Re)arms t to fire at deadline_ns; the caller keeps t alive while armed. */
void dom_timer_set(struct dom_timer *t, uint64_t deadline_ns, dom_timer_fn fn, void *arg);
void dom_timer_cancel(struct dom_timer *t);

/* Halts with interrupts enabled until one arrives, runs its handler, returns. */
void dom_wait_event(void);
/* The same, but returns after at most ms milliseconds even if nothing came. */
void dom_wait_event_timeout(unsigned int ms);
/* Waits ms milliseconds; event and timer handlers keep running meanwhile. */
void dom_sleep_ms(unsigned int ms);

/* Work to do before every wait (Dom0's daemons): called with interrupts off;
 * it must not wait itself. Returning true skips the halt (more work pending). */
void dom_set_idle_hook(bool (*fn)(void));

#endif

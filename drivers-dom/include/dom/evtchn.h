/*
 * Event channels, 2-level ABI: shared_info is mapped with
 * XENMEM_add_to_physmap(XENMAPSPACE_shared_info) at a frame above RAM
 * (dom/gpa.h), the upcall is delivered as an interrupt vector
 * (HVM_PARAM_CALLBACK_IRQ = 2 << 56 | DOM_VECTOR_EVENT), and its handler
 * scans the pending bitmaps and calls each port's handler (interrupt
 * context, dom/trap.h). Every port also counts its events so that main-loop
 * code can poll with dom_evtchn_take() instead of (or as well as) a handler.
 * All functions return Xen errno values, negated, on failure.
 */
#ifndef DOM_EVTCHN_H
#define DOM_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#ifndef VIRQ_CONSOLE
#define VIRQ_CONSOLE 2	/* Dom0: input for the console (Xen's number) */
#endif

#define DOM_EVTCHN_PORTS 4096	/* 2-level on x86-64: 64 x 64 */

/* Runs in interrupt context with the port's pending bit already cleared. */
typedef void (*dom_evtchn_fn)(unsigned int port, void *arg);

/* Start of day: maps shared_info, installs the upcall. 0, or -errno if the
 * core has no event channels (everything below then fails with -ENOSYS). */
int dom_evtchn_init(void);
bool dom_evtchn_ready(void);
/* The shared_info page (NULL before init); struct shared_info of the public headers. */
void *dom_evtchn_shared_info(void);

/* New port for remote_dom to bind (EVTCHNOP_alloc_unbound); handler may be NULL. */
int dom_evtchn_alloc_unbound(uint16_t remote_dom, dom_evtchn_fn fn, void *arg);
/* Connects to remote_dom's unbound remote_port; returns the local port. */
int dom_evtchn_bind_interdomain(uint16_t remote_dom, unsigned int remote_port,
				dom_evtchn_fn fn, void *arg);
/* Binds a virtual IRQ (VIRQ_*) on vCPU 0; returns the port. */
int dom_evtchn_bind_virq(unsigned int virq, dom_evtchn_fn fn, void *arg);
/* Installs a handler on a port that exists already (e.g. from the start
 * info) and unmasks it. */
int dom_evtchn_set_handler(unsigned int port, dom_evtchn_fn fn, void *arg);
/* Signals the other end (EVTCHNOP_send). */
int dom_evtchn_notify(unsigned int port);
/* Closes the port and forgets its handler. */
int dom_evtchn_close(unsigned int port);
void dom_evtchn_mask(unsigned int port);
/* Unmasks; an event that came while masked is delivered (EVTCHNOP_unmask). */
int dom_evtchn_unmask(unsigned int port);
/* Events seen on port since the last call (0 if none); clears the count. */
unsigned int dom_evtchn_take(unsigned int port);
/* Events seen on every port so far (wraps). A main loop that polls its
 * sources and then waits reads it before polling and waits only if it has
 * not moved: an event whose upcall ran inside a nested wait (a xenstore
 * reply awaited mid-loop) already woke that wait, and would otherwise lie
 * unserved until some later event. */
unsigned int dom_evtchn_events(void);

#endif

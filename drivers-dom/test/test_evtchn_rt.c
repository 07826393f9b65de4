/*
 * The runtime's event channels (hv/evtchn.c) against the core's own 2-level
 * logic (kernel/evtchn.c) on one shared_info: a fake hypercall layer passes
 * EVTCHNOP_unmask to evtchn_2l_unmask and "delivers" the upcall vector by
 * calling the runtime's handler, as the core's injection would. Checks that
 * an event raised while a port is masked is delivered once the runtime
 * unmasks it (the lost-notification bug: the runtime cleared the mask bit
 * itself before asking the core, which acts only on a masked port, so the
 * port stayed pending without its selector bit and every later send to it
 * was dropped), and that events keep arriving after that.
 */
#include <string.h>
#include "check.h"
#include "dom.h"
#include "dom/evtchn.h"
#include "dom/gpa.h"
#include "dom/hypercall.h"
#include "dom/trap.h"
#include "public/event_channel.h"
#include "public/shared_info.h"

/* The core's side (kernel/evtchn.c), declared here: its header pulls in the core's types. */
#define EVTCHN_NEWLY_PENDING 1u
#define EVTCHN_UPCALL 2u
unsigned evtchn_2l_set_pending(struct shared_info *sh, struct vcpu_info *vi, uint32_t port);
unsigned evtchn_2l_unmask(struct shared_info *sh, struct vcpu_info *vi, uint32_t port);

static struct shared_info sh __attribute__((aligned(4096)));
static dom_irq_fn upcall_fn;
static void *upcall_arg;
static unsigned upcalls_raised;

uint64_t dom_gpa_shared_info(void)
{
	return (uint64_t)(uintptr_t)&sh;
}

int dom_irq_set_handler(uint8_t vector, dom_irq_fn fn, void *arg)
{
	(void)vector;
	upcall_fn = fn;
	upcall_arg = arg;
	return 0;
}

/* The core raising the upcall: the vector is taken at once (interrupts on). */
static void deliver(unsigned r)
{
	struct dom_trap_frame f;

	if (!(r & EVTCHN_UPCALL))
		return;
	upcalls_raised++;
	memset(&f, 0, sizeof(f));
	upcall_fn(&f, upcall_arg);
}

long dom_hypercall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, unsigned long a5)
{
	(void)a3, (void)a4, (void)a5;
	if (nr == __HYPERVISOR_event_channel_op && a1 == EVTCHNOP_unmask) {
		deliver(evtchn_2l_unmask(&sh, &sh.vcpu_info[0],
					 ((struct evtchn_unmask *)(uintptr_t)a2)->port));
		return 0;
	}
	return 0;	/* add_to_physmap, the callback parameter: nothing to do here */
}

/* A peer's EVTCHNOP_send to our port, as the core performs it. */
static void send(unsigned port)
{
	deliver(evtchn_2l_set_pending(&sh, &sh.vcpu_info[0], port));
}

static unsigned handled[8];

static void on_event(unsigned port, void *arg)
{
	(void)arg;
	handled[port]++;
}

int main(void)
{
	CHECK(dom_evtchn_init() == 0);
	CHECK(sh.evtchn_mask[0] == ~0ull);	/* every port masked at start */

	/* Port 5: an event before its handler (the backend bound it, the
	 * frontend notified at once): pending while masked, no upcall. */
	send(5);
	CHECK(upcalls_raised == 0 && (sh.evtchn_pending[0] & (1u << 5)));
	CHECK(dom_evtchn_set_handler(5, on_event, NULL) == 0);
	CHECK(upcalls_raised == 1 && handled[5] == 1);
	CHECK(!(sh.evtchn_pending[0] & (1u << 5)) && !(sh.evtchn_mask[0] & (1u << 5)));
	CHECK(sh.vcpu_info[0].evtchn_pending_sel == 0 && !sh.vcpu_info[0].evtchn_upcall_pending);

	/* Later sends arrive, each with its upcall. */
	for (int i = 0; i < 10; i++)
		send(5);
	CHECK(handled[5] == 11 && upcalls_raised == 11);
	CHECK(dom_evtchn_take(5) == 11 && dom_evtchn_take(5) == 0);

	/* Masked again: a send waits; unmasking delivers it exactly once. */
	dom_evtchn_mask(5);
	send(5);
	send(5);		/* already pending: one event */
	CHECK(handled[5] == 11);
	CHECK(dom_evtchn_unmask(5) == 0);
	CHECK(handled[5] == 12 && upcalls_raised == 12);
	send(5);
	CHECK(handled[5] == 13);

	/* Unmasking a port with nothing pending raises nothing. */
	CHECK(dom_evtchn_set_handler(3, on_event, NULL) == 0);
	CHECK(handled[3] == 0 && upcalls_raised == 13);
	send(3);
	CHECK(handled[3] == 1);

	/* The count of every port's events, which taking one port's leaves
	 * alone: a main loop sees an event consumed inside a nested wait. */
	{
		unsigned int seen = dom_evtchn_events();

		send(3);
		send(5);
		CHECK(dom_evtchn_events() == seen + 2);
		dom_evtchn_take(3);
		dom_evtchn_take(5);
		CHECK(dom_evtchn_events() == seen + 2);
		dom_evtchn_mask(5);
		send(5);
		CHECK(dom_evtchn_events() == seen + 2);	/* masked: no event yet */
		CHECK(dom_evtchn_unmask(5) == 0 && dom_evtchn_events() == seen + 3);
	}
	CHECK(dom_evtchn_events() == 14 + 3);	/* every event this test delivered */
	CHECK_DONE("test_evtchn_rt");
	return 0;
}

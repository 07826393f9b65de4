/*
 * racer, a runtime domain for the reference-count race (issue 6 §2 item 5):
 * it names the newest other domain in EVTCHNOP_bind_interdomain and
 * GNTTABOP_copy, over and over, while Dom0 creates and destroys domains.
 * Each call takes and drops a reference on that domain in the core, right
 * through its creation and its destruction. Both calls fail (no unbound
 * port for us, no grant): only the references matter. It runs until
 * destroyed; the test checks that the core logged no fault and that every
 * frame came back.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/hypercall.h"
#include "dom/start.h"
#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/xen.h"

#define ESRCH 3
#define LOOKAHEAD 16	/* ids looked at past the current one */

static uint8_t page[4096] __attribute__((aligned(4096)));

/* True when domid exists: bind_interdomain says -ESRCH only when it does not. */
static bool poke(uint16_t domid)
{
	struct evtchn_bind_interdomain b = { .remote_dom = domid, .remote_port = 1 };
	struct gnttab_copy c = {
		.source = { .u.ref = 0, .domid = domid },
		.dest = { .u.gmfn = (uintptr_t)page >> 12, .domid = DOMID_SELF },
		.len = 8, .flags = GNTCOPY_source_gref,
	};
	long rc = dom_hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &b);

	dom_hypercall_grant_table_op(GNTTABOP_copy, &c, 1);
	return rc != -ESRCH;
}

int dom_main(const struct dom_start_info *si)
{
	uint16_t victim = (uint16_t)(si->domid + 1);

	dom_printf("racer: domid %u: naming each new domain from d%u on\n", si->domid, victim);
	/* Domain ids are handed out in order: the newest that exists is the one
	 * being created and destroyed. Look a few ids ahead, so that a domain
	 * that came and went while we did not run does not leave us behind. */
	for (;;) {
		uint16_t was = victim;

		poke(victim);
		for (uint16_t d = (uint16_t)(victim + 1); d != (uint16_t)(was + LOOKAHEAD); d++)
			if (poke(d))
				victim = d;
		if (victim / 10 != was / 10)
			dom_printf("racer: following d%u\n", victim);
	}
}

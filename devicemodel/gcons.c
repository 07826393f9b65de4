/* The guest's serial console ring, device-model side (gcons.h). */
#include "dom.h"
#include "dom/bytering.h"
#include "dom/error.h"
#include "dom/evtchn.h"
#include "dom/start.h"
#include "public/io/console.h"
#include "gcons.h"

static struct {
	bool present;
	struct dom_bytering out, in;	/* out: guest -> Dom0; in: Dom0 -> guest */
	unsigned int port;
	uint64_t dropped;
	void (*fn)(void *arg);
	void *arg;
} gc;

static void event(unsigned int port, void *arg)
{
	(void)port;
	(void)arg;
	if (gc.fn)
		gc.fn(gc.arg);
}

int dm_gcons_init(const struct dom_start_info *si)
{
	struct xencons_interface *r;

	if (!si->has_guest_console)
		return -ENOENT;
	/* Identity-mapped RAM (public/bulkhead.h): the page is at pfn << 12. */
	r = (struct xencons_interface *)(uintptr_t)(si->guest_console_pfn << 12);
	gc.out = (struct dom_bytering){ r->out, sizeof(r->out), &r->out_cons, &r->out_prod };
	gc.in = (struct dom_bytering){ r->in, sizeof(r->in), &r->in_cons, &r->in_prod };
	gc.port = si->guest_console_evtchn;
	gc.present = true;
	dom_evtchn_set_handler(gc.port, event, NULL);
	return 0;
}

void dm_gcons_write(const void *buf, size_t n)
{
	size_t put;

	if (!gc.present || !n)
		return;
	put = dom_bytering_put(&gc.out, buf, n);
	gc.dropped += n - put;
	if (put)
		dom_evtchn_notify(gc.port);
}

size_t dm_gcons_read(void *buf, size_t n)
{
	size_t got;

	if (!gc.present || !n)
		return 0;
	got = dom_bytering_get(&gc.in, buf, n);
	if (got)
		dom_evtchn_notify(gc.port);	/* room again for input */
	return got;
}

void dm_gcons_on_event(void (*fn)(void *arg), void *arg)
{
	gc.arg = arg;
	gc.fn = fn;
}

uint64_t dm_gcons_dropped(void)
{
	return gc.dropped;
}

bool dm_gcons_present(void)
{
	return gc.present;
}

/* The hostile frontend test domains' common part (front.h). */
#include "dom.h"
#include "dom/console.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "public/io/xenbus.h"
#include "front.h"

void front_fail(struct front *f, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (f->fails++ >= 20)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dom_printf("%s: FAIL: %s\n", f->name, msg);
}

uint64_t front_rnd(struct front *f)
{
	f->rnd ^= f->rnd << 13;
	f->rnd ^= f->rnd >> 7;
	f->rnd ^= f->rnd << 17;
	return f->rnd;
}

uint64_t front_be_state(const struct front *f)
{
	char path[160];
	uint64_t s;

	snprintf(path, sizeof(path), "%s/state", f->be);
	return dom_xs_read_u64(0, path, &s) ? XenbusStateClosed : s;
}

void front_put(const struct front *f, const char *key, const char *fmt, unsigned v)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", f->fe, key);
	dom_xs_printf(0, path, fmt, v);
}

bool front_wait_be(const struct front *f, uint64_t a, uint64_t b, unsigned ms)
{
	uint64_t deadline = dom_now_ns() + ms * 1000000ull, s;

	while ((s = front_be_state(f)) != a && s != b) {
		if (dom_now_ns() >= deadline)
			return false;
		dom_wait_event_timeout(10);
	}
	return true;
}

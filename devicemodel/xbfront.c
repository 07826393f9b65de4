/* The frontends' shared xenbus steps (xbfront.h). */
#include "dom.h"
#include "xbfront.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/time.h"
#include "public/io/xenbus.h"

#define POLL_MS 10

int dm_xbf_read_u64(const char *dir, const char *key, uint64_t *v)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return dom_xs_read_u64(0, path, v);
}

int dm_xbf_wait(const struct dm_xbf_backend *b, uint64_t want, unsigned ms)
{
	uint64_t deadline = dom_now_ns() + ms * 1000000ull, state;

	for (;;) {
		if (dm_xbf_read_u64(b->be, "state", &state))
			state = XenbusStateClosed;
		if (state == want)
			return 0;
		if (state >= XenbusStateClosing)
			return -ENODEV;
		if (dom_now_ns() >= deadline)
			return -ETIMEDOUT;
		dom_wait_event_timeout(POLL_MS);
	}
}

int dm_xbf_follow(const char *fe, struct dm_xbf_backend *b)
{
	char path[160], *be = NULL;
	uint64_t dom;

	snprintf(path, sizeof(path), "%s/backend", fe);
	if (dom_xs_read(0, path, &be, NULL))
		return -ENOENT;
	if (dm_xbf_read_u64(fe, "backend-id", &dom) || dom >= 0x7ff0 || !be[0] ||
	    strlen(be) > 120) {
		free(be);
		return -ENOENT;
	}
	if (b->be && !strcmp(be, b->be) && dom == b->dom) {
		free(be);
		return 0;
	}
	if (b->be)
		dom_xs_unwatch(b->be, b->token);
	free(b->be);
	b->be = be;
	b->dom = (uint16_t)dom;
	if (dom_xs_watch(b->be, b->token, b->changed, b->arg))
		dom_printf("dm: cannot watch %s\n", b->be);
	return 1;
}

/* A backend env's store and event channels in a runtime domain (xs_env.h). */
#include "dom.h"
#include "dom/evtchn.h"
#include "dom/xs.h"
#include "errno.h"
#include "xs_env.h"

int xs_env_read(void *ctx, const char *path, char *buf, size_t len)
{
	char *v = NULL;
	size_t n = 0;
	int rc = dom_xs_read(0, path, &v, &n);

	(void)ctx;
	if (!rc && n >= len)
		rc = -E2BIG;
	if (!rc)
		memcpy(buf, v, n + 1);
	free(v);
	return rc;
}

int xs_env_directory(void *ctx, const char *path, char *buf, size_t len, size_t *used)
{
	char **names = NULL;
	unsigned count = 0;
	int rc = dom_xs_directory(0, path, &names, &count);

	(void)ctx;
	*used = 0;
	for (unsigned i = 0; !rc && i < count; i++) {
		size_t k = strlen(names[i]) + 1;

		if (*used + k > len) {
			rc = -E2BIG;
			break;
		}
		memcpy(buf + *used, names[i], k);
		*used += k;
	}
	free(names);
	return rc;
}

int xs_env_write(void *ctx, const char *path, const char *value)
{
	(void)ctx;
	return dom_xs_write(0, path, value);
}

static void on_change(const char *path, const char *token, void *arg)
{
	(void)path, (void)token;
	*(bool *)arg = true;
}

void xs_env_watch(void *ctx, const char *path, bool on)
{
	if (on)
		dom_xs_watch(path, path, on_change, ctx);
	else
		dom_xs_unwatch(path, path);
}

int xs_env_bind(void *ctx, uint16_t domid, uint32_t port)
{
	(void)ctx;
	return dom_evtchn_bind_interdomain(domid, port, NULL, NULL);
}

void xs_env_unbind(void *ctx, unsigned port) { (void)ctx; dom_evtchn_close(port); }
void xs_env_notify(void *ctx, unsigned port) { (void)ctx; dom_evtchn_notify(port); }
unsigned xs_env_take(void *ctx, unsigned port) { (void)ctx; return dom_evtchn_take(port); }

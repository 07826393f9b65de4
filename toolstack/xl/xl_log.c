/*
 * Diagnostics in libxl's shape (REFERENCE §1):
 *   libxl: debug: FILE:LINE:FUNC: Domain N:message
 * Lines at or above the threshold (lowered by each -v) go to stderr. While
 * `xl create` runs every line, whatever its level, is also captured and then
 * written to /var/log/xen/xl-NAME.log, older logs rotating to .1 ... .10.
 */
#include "xl.h"

static const char *const level_names[] = {
	"debug", "verbose", "detail", "progress", "info", "notice", "warning", "error",
	"critical",
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

void xl_log(struct xl *x, enum xl_level lvl, const char *file, int line, const char *func,
	    int domid, const char *fmt, ...)
{
	char msg[768], dom[24] = "", text[1024];
	va_list ap;
	int n;

	if (lvl < x->threshold && !x->capturing)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (domid != XL_NO_DOMID)
		snprintf(dom, sizeof(dom), "Domain %d:", domid);
	n = snprintf(text, sizeof(text), "libxl: %s: %s:%d:%s: %s%s\n", level_names[lvl],
		     base_name(file), line, func, dom, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	if (lvl >= x->threshold)
		x->be->err(x->be->ctx, text, (size_t)n);
	xl_capture_add(x, text, (size_t)n);
}

void xl_capture_begin(struct xl *x)
{
	x->capturing = true;
	x->cap_len = 0;
}

void xl_capture_add(struct xl *x, const char *s, size_t len)
{
	char *grown;
	size_t want;

	if (!x->capturing)
		return;
	if (x->cap_len + len > x->cap_size) {
		want = (x->cap_len + len) * 2 + 256;
		grown = realloc(x->cap, want);
		if (!grown)
			return;	/* the log file is best effort */
		x->cap = grown;
		x->cap_size = want;
	}
	memcpy(x->cap + x->cap_len, s, len);
	x->cap_len += len;
}

/* xl-NAME.log.9 -> .10, ..., xl-NAME.log -> .1; .10 is overwritten. */
static void rotate(struct xl *x, const char *path)
{
	const struct xl_backend *be = x->be;
	char from[160], to[160];

	if (!be->file_rename || !be->file_exists(be->ctx, path))
		return;
	for (int i = XL_LOG_KEEP - 1; i >= 1; i--) {
		snprintf(from, sizeof(from), "%s.%d", path, i);
		snprintf(to, sizeof(to), "%s.%d", path, i + 1);
		if (be->file_exists(be->ctx, from))
			be->file_rename(be->ctx, from, to);
	}
	snprintf(to, sizeof(to), "%s.1", path);
	be->file_rename(be->ctx, path, to);
}

int xl_capture_end(struct xl *x, const char *name)
{
	char path[128];
	int rc = 0;

	if (!x->capturing)
		return 0;
	x->capturing = false;
	if (name && *name) {
		snprintf(path, sizeof(path), "%s/xl-%s.log", XL_LOG_DIR, name);
		rotate(x, path);
		rc = x->be->file_write(x->be->ctx, path, x->cap ? x->cap : "", x->cap_len, false);
		if (rc)
			XL_LOG(x, XL_WARN, XL_NO_DOMID, "cannot write %s: %s", path,
			       xl_strerror(rc));
	}
	free(x->cap);
	x->cap = NULL;
	x->cap_len = x->cap_size = 0;
	return rc;
}

/* xl's output: formatted text to the backend's stdout / stderr sinks. */
#include "xl.h"

/* Formats into a stack buffer, or a heap one for long text (xen_commandline). */
static void emit(struct xl *x, bool to_err, const char *fmt, va_list ap)
{
	char small[512], *buf = small;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(again);
		return;
	}
	if ((size_t)n >= sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (!buf) {
			va_end(again);
			return;
		}
		vsnprintf(buf, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (to_err)
		xl_errs(x, buf, (size_t)n);
	else
		xl_outs(x, buf, (size_t)n);
	if (buf != small)
		free(buf);
}

void xl_outs(struct xl *x, const char *s, size_t len)
{
	x->be->out(x->be->ctx, s, len);
}

/* Errors also go to the log file of a create in progress. */
void xl_errs(struct xl *x, const char *s, size_t len)
{
	x->be->err(x->be->ctx, s, len);
	xl_capture_add(x, s, len);
}

void xl_out(struct xl *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(x, false, fmt, ap);
	va_end(ap);
}

int xl_fail(struct xl *x, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(x, true, fmt, ap);
	va_end(ap);
	return status;
}

static const struct {
	int err;
	const char *text;
} errtab[] = {
	{ XL_EPERM, "Operation not permitted" },
	{ XL_ENOENT, "No such file or directory" },
	{ XL_ESRCH, "No such process" },
	{ XL_EIO, "Input/output error" },
	{ XL_E2BIG, "Argument list too long" },
	{ XL_EAGAIN, "Resource temporarily unavailable" },
	{ XL_ENOMEM, "Cannot allocate memory" },
	{ XL_EACCES, "Permission denied" },
	{ XL_EFAULT, "Bad address" },
	{ XL_EBUSY, "Device or resource busy" },
	{ XL_EEXIST, "File exists" },
	{ XL_ENODEV, "No such device" },
	{ XL_EINVAL, "Invalid argument" },
	{ XL_ENOSPC, "No space left on device" },
	{ XL_ERANGE, "Numerical result out of range" },
	{ XL_ENOSYS, "Function not implemented" },
};

/* Accepts err with either sign. */
const char *xl_strerror(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].err == err)
			return errtab[i].text;
	return "Unknown error";
}

int xl_fail_rc(struct xl *x, const char *op, int rc)
{
	return xl_fail(x, XL_FAIL, "%s failed (rc=%d: %s)\n", op, rc, xl_strerror(rc));
}

/*
 * Upstream prints (float)ns / 1e9 with "%N.1f"; domain code has no floating
 * point (-mgeneral-regs-only), so round to tenths in integers (half up).
 */
void xl_fmt_secs(char *buf, size_t size, uint64_t ns, int width)
{
	uint64_t tenths = (ns + 50000000ull) / 100000000ull;
	char num[32];
	int len = snprintf(num, sizeof(num), "%llu.%llu", (unsigned long long)(tenths / 10),
			   (unsigned long long)(tenths % 10));
	int pad = width > len ? width - len : 0;

	if (size == 0)
		return;
	if ((size_t)(pad + len) >= size)
		pad = 0;
	memset(buf, ' ', (size_t)pad);
	snprintf(buf + pad, size - (size_t)pad, "%s", num);
}

void xl_name(char out[65], const char *field, size_t size)
{
	size_t n = strnlen(field, size < 64 ? size : 64);

	memcpy(out, field, n);
	out[n] = '\0';
}

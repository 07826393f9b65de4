/*
 * libFuzzer target for toolstack/xlcfg (run by scripts/fuzz.sh): the input
 * is parsed as a whole config file, as one command-line override, as a disk
 * spec and as a vif spec. Beyond the sanitizers, every result that parses
 * must print to text that parses back and prints the same (the printers
 * are documented to round-trip); a mismatch aborts. Prints nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"
#include "xlcfg_domain.h"
#include "xlspec_disk.h"
#include "xlspec_vif.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_write(void *ctx, const char *s, size_t len)
{
	struct buf *b = ctx;

	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = 0;
}

static void fill(void *ctx, uint8_t *out, size_t len)
{
	(void)ctx;
	memset(out, 0x5a, len);
}

static const struct xlspec_rng rng = { fill, NULL };

/* A failure leaves one printable line. */
static void check_err(const struct xlcfg_err *err)
{
	const char *p;

	if (!err->msg[0])
		abort();
	for (p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
}

static void same(const struct buf *a, const struct buf *b)
{
	if (a->len != b->len || (a->len && memcmp(a->s, b->s, a->len)))
		abort();
}

/* Normalized output without the trailing "# not interpreted" line (the
 * printer escapes newlines in strings, so a line start is the comment). */
static size_t settings_len(const struct buf *b)
{
	const char *cut = b->s ? strstr(b->s, "\n# not interpreted: ") : NULL;

	return cut ? (size_t)(cut - b->s) + 1 : b->len;
}

static void check_domain(const struct xlcfg *cfg)
{
	struct buf a = { 0 }, b = { 0 };
	struct xl_domain_config d;
	struct xlcfg_err err;
	struct xlcfg *again;

	if (xlcfg_domain_build(cfg, &rng, &d, &err)) {
		check_err(&err);
		return;
	}
	xlcfg_domain_print(&d, buf_write, &a);
	xlcfg_domain_free(&d);
	again = xlcfg_parse("normalized", a.s, a.len, &err);
	if (!again || xlcfg_domain_build(again, &rng, &d, &err))
		abort();
	xlcfg_domain_print(&d, buf_write, &b);
	xlcfg_domain_free(&d);
	xlcfg_free(again);
	if (b.len != settings_len(&a) || memcmp(a.s, b.s, b.len))
		abort();
	free(a.s);
	free(b.s);
}

static void check_file(const char *text, size_t len)
{
	struct buf a = { 0 }, b = { 0 };
	struct xlcfg_err err;
	struct xlcfg *cfg, *again;

	cfg = xlcfg_parse("fuzz.cfg", text, len, &err);
	if (!cfg) {
		check_err(&err);
		return;
	}
	xlcfg_print(cfg, buf_write, &a);
	again = xlcfg_parse("printed", a.s ? a.s : "", a.len, &err);
	if (!again)
		abort();
	xlcfg_print(again, buf_write, &b);
	same(&a, &b);
	xlcfg_free(again);
	check_domain(cfg);
	xlcfg_free(cfg);
	free(a.s);
	free(b.s);
}

/* The input as the argument of `xl create CFG KEY=VALUE'; a failing
 * override leaves the tree as it was. */
static void check_override(const char *arg)
{
	static const char base[] = "name = \"x\"\ndisk = [ 'a' ]\nm = 1\n";
	struct buf a = { 0 }, b = { 0 };
	struct xlcfg_err err;
	struct xlcfg *cfg = xlcfg_parse("base.cfg", base, sizeof(base) - 1, &err);

	if (!cfg)
		abort();
	xlcfg_print(cfg, buf_write, &a);
	if (xlcfg_override(cfg, arg, 1, &err) == 0) {
		check_domain(cfg);
	} else {
		check_err(&err);
		xlcfg_print(cfg, buf_write, &b);
		same(&a, &b);
	}
	xlcfg_free(cfg);
	free(a.s);
	free(b.s);
}

static void check_disk(const char *spec)
{
	struct buf a = { 0 }, b = { 0 };
	struct xlspec_disk d;
	struct xlcfg_err err;

	if (xlspec_disk_parse(spec, &d, &err)) {
		check_err(&err);
		return;
	}
	xlspec_disk_print(&d, buf_write, &a);
	xlspec_disk_free(&d);
	if (xlspec_disk_parse(a.s, &d, &err))
		abort();
	xlspec_disk_print(&d, buf_write, &b);
	xlspec_disk_free(&d);
	same(&a, &b);
	free(a.s);
	free(b.s);
}

static void check_vif(const char *spec)
{
	struct buf a = { 0 }, b = { 0 };
	struct xlspec_vif v;
	struct xlcfg_err err;

	if (xlspec_vif_parse(spec, 0, &rng, &v, &err)) {
		check_err(&err);
		return;
	}
	xlspec_vif_print(&v, buf_write, &a);
	xlspec_vif_free(&v);
	if (xlspec_vif_parse(a.s, 0, &rng, &v, &err))
		abort();
	xlspec_vif_print(&v, buf_write, &b);
	xlspec_vif_free(&v);
	same(&a, &b);
	free(a.s);
	free(b.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	check_file(text, size);
	/* the C-string entry points see the input up to its first NUL */
	check_override(text);
	check_disk(text);
	check_vif(text);
	free(text);
	return 0;
}

/*
 * Host unit test for toolstack/xlcfg: the xl.cfg parser, the disk and vif
 * spec parsers and the domain builder.
 *
 * Golden files in the directory given as argv[1] (test/unit/xlcfg/):
 *   NAME.cfg   a config file; NAME.args, if present, holds command-line
 *              overrides, one per line
 *   NAME.out   what `xl create -N' prints for it (xlcfg_domain_print), or
 *              the one error line
 *   disk.spec, vif.spec
 *              "> SPEC" lines each followed by "< EXPECTED": the canonical
 *              spec, or the error
 * Every output that parses is also read back and must print the same.
 * `test_xlcfg DIR --regen' rewrites the .out files (then review the diff).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"
#include "xlcfg_domain.h"
#include "xlspec_disk.h"
#include "xlspec_vif.h"

static int cases, failures;
static const char *case_name = "";

#define CHECK(cond)                                                          \
	do {                                                                 \
		cases++;                                                     \
		if (!(cond)) {                                               \
			fprintf(stderr, "FAIL %s: %s (line %d)\n", case_name, \
				#cond, __LINE__);                            \
			failures++;                                          \
		}                                                            \
	} while (0)

/* ---- helpers ---- */

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

static void buf_puts(struct buf *b, const char *s)
{
	buf_write(b, s, strlen(s));
}

static void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = 0;
}

/* A fixed byte sequence in place of randomness. */
static void fake_fill(void *ctx, uint8_t *out, size_t len)
{
	unsigned int *state = ctx;

	while (len--) {
		*state = *state * 1103515245u + 12345u;
		*out++ = (uint8_t)(*state >> 16);
	}
}

static unsigned int rng_state;
static const struct xlspec_rng fake_rng = { fake_fill, &rng_state };

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	if (!s || fread(s, 1, (size_t)n, f) != (size_t)n)
		abort();
	s[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return s;
}

/*
 * Parses text (+ overrides, newline-separated) and builds the domain:
 * the normalized text or the error line goes to `out'. Returns 0 when it
 * parsed.
 */
static int run_config(const char *source, const char *text, size_t len,
		      const char *args, struct buf *out)
{
	struct xl_domain_config d;
	struct xlcfg_err err;
	struct xlcfg *cfg;
	char line[4096];
	int argno = 0;

	buf_reset(out);
	rng_state = 1;
	cfg = xlcfg_parse(source, text, len, &err);
	while (cfg && args && *args) {
		size_t n = strcspn(args, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, args);
		args += n + (args[n] == '\n');
		if (xlcfg_override(cfg, line, ++argno, &err)) {
			xlcfg_free(cfg);
			cfg = NULL;
		}
	}
	if (cfg && xlcfg_domain_build(cfg, &fake_rng, &d, &err) == 0) {
		xlcfg_domain_print(&d, buf_write, out);
		xlcfg_domain_free(&d);
		xlcfg_free(cfg);
		return 0;
	}
	xlcfg_free(cfg);
	buf_puts(out, err.msg);
	buf_puts(out, "\n");
	return -1;
}

/* The tree printer's output parses back to the same text. */
static void check_tree_roundtrip(const char *source, const char *text,
				 size_t len)
{
	struct buf a = { 0 }, b = { 0 };
	struct xlcfg_err err;
	struct xlcfg *cfg = xlcfg_parse(source, text, len, &err);

	if (!cfg)
		return;
	xlcfg_print(cfg, buf_write, &a);
	xlcfg_free(cfg);
	cfg = xlcfg_parse(source, a.s ? a.s : "", a.len, &err);
	CHECK(cfg != NULL);
	if (cfg) {
		xlcfg_print(cfg, buf_write, &b);
		CHECK(a.len == b.len && (!a.len || !strcmp(a.s, b.s)));
		xlcfg_free(cfg);
	}
	free(a.s);
	free(b.s);
}

/* ---- golden configs ---- */

/* Equal but for the "# not interpreted" line, which reading back drops
 * (strings print on one line, so a line start is the comment). */
static bool same_settings(const char *a, const char *b)
{
	const char *cut = strstr(a, "\n# not interpreted: ");

	if (!cut)
		return !strcmp(a, b);
	cut++;
	return strlen(b) == (size_t)(cut - a) && !strncmp(a, b, strlen(b)) &&
	       !strchr(cut, '\n')[1];
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void golden_one(const char *dir, const char *name, bool regen)
{
	char path[4096], *text, *args, *want;
	struct buf got = { 0 }, again = { 0 };
	size_t len;
	FILE *f;

	case_name = name;
	snprintf(path, sizeof(path), "%s/%s.cfg", dir, name);
	text = read_file(path, &len);
	snprintf(path, sizeof(path), "%s/%s.args", dir, name);
	args = read_file(path, NULL);
	snprintf(path, sizeof(path), "%s/%s.cfg", dir, name);
	if (run_config(strrchr(path, '/') + 1, text, len, args, &got) == 0) {
		/* -N output reads back into the same domain */
		CHECK(run_config("normalized", got.s, got.len, NULL, &again) == 0);
		CHECK(same_settings(got.s, again.s));
		if (!same_settings(got.s, again.s))
			fprintf(stderr, "reparsed:\n%s", again.s);
	}
	check_tree_roundtrip(name, text, len);
	snprintf(path, sizeof(path), "%s/%s.out", dir, name);
	if (regen) {
		f = fopen(path, "w");
		if (!f || fwrite(got.s, 1, got.len, f) != got.len)
			abort();
		fclose(f);
	} else {
		want = read_file(path, NULL);
		CHECK(want && !strcmp(want, got.s));
		if (!want || strcmp(want, got.s))
			fprintf(stderr, "--- want %s\n%s--- got\n%s", path,
				want ? want : "(missing)\n", got.s);
		free(want);
	}
	free(text);
	free(args);
	free(got.s);
	free(again.s);
}

static int golden_configs(const char *dir, bool regen)
{
	char *names[512];
	size_t n = 0, i, l;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d) {
		perror(dir);
		exit(1);
	}
	while ((e = readdir(d)) && n < 512) {
		l = strlen(e->d_name);
		if (l > 4 && !strcmp(e->d_name + l - 4, ".cfg"))
			names[n++] = strndup(e->d_name, l - 4);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		golden_one(dir, names[i], regen);
		free(names[i]);
	}
	return (int)n;
}

/* ---- golden specs ---- */

typedef int (*spec_fn)(const char *spec, struct buf *out);

static int disk_spec(const char *spec, struct buf *out)
{
	struct xlspec_disk d;
	struct xlcfg_err err;

	if (xlspec_disk_parse(spec, &d, &err)) {
		buf_puts(out, err.msg);
		return -1;
	}
	xlspec_disk_print(&d, buf_write, out);
	xlspec_disk_free(&d);
	return 0;
}

static int vif_spec(const char *spec, struct buf *out)
{
	struct xlspec_vif v;
	struct xlcfg_err err;

	rng_state = 1;
	if (xlspec_vif_parse(spec, 0, &fake_rng, &v, &err)) {
		buf_puts(out, err.msg);
		return -1;
	}
	xlspec_vif_print(&v, buf_write, out);
	xlspec_vif_free(&v);
	return 0;
}

static int golden_specs(const char *dir, const char *file, spec_fn fn,
			bool regen)
{
	char path[4096], *text, *line, *next, *spec = NULL;
	struct buf got = { 0 }, again = { 0 }, redo = { 0 };
	int n = 0, lineno = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	text = read_file(path, NULL);
	if (!text) {
		perror(path);
		exit(1);
	}
	for (line = text; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		lineno++;
		if (strncmp(line, "< ", 2)) {
			buf_puts(&redo, line);
			buf_puts(&redo, "\n");
		}
		if (!strcmp(line, ">")) {
			spec = line + 1;	/* the empty spec */
		} else if (!strncmp(line, "> ", 2)) {
			spec = line + 2;
		} else if (!strncmp(line, "< ", 2) && spec) {
			case_name = spec;
			buf_reset(&got);
			if (fn(spec, &got) == 0) {
				buf_reset(&again);
				CHECK(fn(got.s, &again) == 0);
				CHECK(!strcmp(got.s, again.s));
			}
			buf_puts(&redo, "< ");
			buf_puts(&redo, got.s);
			buf_puts(&redo, "\n");
			spec = NULL;
			n++;
			if (regen)
				continue;
			CHECK(!strcmp(got.s, line + 2));
			if (strcmp(got.s, line + 2))
				fprintf(stderr, "%s:%d: want\n  %s\ngot\n  %s\n", file,
					lineno, line + 2, got.s);
		}
	}
	if (regen) {
		f = fopen(path, "w");
		if (!f || fwrite(redo.s, 1, redo.len, f) != redo.len)
			abort();
		fclose(f);
	}
	free(text);
	free(got.s);
	free(again.s);
	free(redo.s);
	return n;
}

/* ---- API checks the golden files cannot make ---- */

static struct xlcfg *parse(const char *text)
{
	struct xlcfg_err err;
	struct xlcfg *cfg = xlcfg_parse("t.cfg", text, strlen(text), &err);

	if (!cfg)
		fprintf(stderr, "%s: unexpected: %s\n", case_name, err.msg);
	return cfg;
}

static void test_tree(void)
{
	const struct xlcfg_setting *s;
	struct xlcfg_err err;
	struct xlcfg *cfg;
	const char *bad;
	uint64_t v = 0;

	case_name = "number bases";
	cfg = parse("a = 0x1f; b = 0755; c = 42; d = 0; e = 0xffffffffffffffff\n");
	CHECK(cfg && cfg->count == 5);
	CHECK(xlcfg_find(cfg, "a")->value->num == 31);
	CHECK(xlcfg_find(cfg, "b")->value->num == 493);
	CHECK(xlcfg_find(cfg, "c")->value->num == 42);
	CHECK(xlcfg_find(cfg, "d")->value->type == XLCFG_NUMBER);
	CHECK(xlcfg_find(cfg, "e")->value->num == UINT64_MAX);
	CHECK(!strcmp(xlcfg_find(cfg, "a")->value->str, "0x1f"));
	CHECK(xlcfg_find(cfg, "nope") == NULL);
	xlcfg_free(cfg);

	/* upstream's lexer: a NUMBER is [0-9][0-9a-fx]*, lower case only;
	 * in a string, strtol's rules (either case) */
	case_name = "upper-case hex";
	cfg = xlcfg_parse("t.cfg", "a = 0X400\n", 10, &err);
	CHECK(!cfg && !strcmp(err.msg, "t.cfg:1: config parsing error near "
			      "`0X400': upper-case hex number (hex is lower "
			      "case, e.g. 0x1ff)"));
	cfg = xlcfg_parse("t.cfg", "a = [ 1,\n 0x1Ff ]\n", 18, &err);
	CHECK(!cfg && !strcmp(err.msg, "t.cfg:2: config parsing error near "
			      "`0x1Ff': upper-case hex number (hex is lower "
			      "case, e.g. 0x1ff)"));
	cfg = xlcfg_parse("t.cfg", "a = 0XFF\n", 9, &err);
	CHECK(!cfg && strstr(err.msg, "near `0XFF': upper-case hex number"));
	cfg = xlcfg_parse("t.cfg", "a = 12AB\n", 9, &err);
	CHECK(!cfg && strstr(err.msg, "near `12AB': invalid number"));
	CHECK(xlcfg_number("0X1Ff", 5, &v, &bad) == 0 && v == 0x1ff);

	case_name = "escapes";
	cfg = parse("s = 'a\\n\\t\\\\\\'\\\"\\x41\\101\\7z\\x4a'\n");
	s = cfg ? xlcfg_find(cfg, "s") : NULL;
	CHECK(s && !strcmp(s->value->str, "a\n\t\\'\"AA\az\x4a"));
	xlcfg_free(cfg);

	case_name = "nested lists and lines";
	cfg = parse("l = [\n  1, # one\n  [ 'x', [] ],\n\n  \"y\",\n]\nm = 2\n");
	s = cfg ? xlcfg_find(cfg, "l") : NULL;
	CHECK(s && s->line == 1 && s->value->count == 3);
	CHECK(s && s->value->items[1]->type == XLCFG_LIST);
	CHECK(s && s->value->items[1]->items[1]->count == 0);
	CHECK(s && s->value->items[2]->line == 5);
	CHECK(cfg && xlcfg_find(cfg, "m")->line == 7);
	xlcfg_free(cfg);

	case_name = "+= and duplicates";
	cfg = parse("s = 'ab'\ns += 'cd'\nl = [1]\nl += [2, 3]\nn += 'x'\ns = 'z'\n");
	CHECK(cfg && !strcmp(xlcfg_find(cfg, "s")->value->str, "z"));
	CHECK(cfg && xlcfg_find(cfg, "s")->line == 6);
	CHECK(cfg && xlcfg_find(cfg, "l")->value->count == 3);
	CHECK(cfg && !strcmp(xlcfg_find(cfg, "n")->value->str, "x"));
	CHECK(cfg && cfg->count == 3 && !strcmp(cfg->settings[2].key, "n"));

	case_name = "overrides";
	CHECK(xlcfg_override(cfg, "s=bare word, with 'quotes'", 1, &err) == 0);
	CHECK(!strcmp(xlcfg_find(cfg, "s")->value->str,
		      "bare word, with 'quotes'"));
	CHECK(!strcmp(xlcfg_find(cfg, "s")->source, XLCFG_CMDLINE_SOURCE));
	CHECK(xlcfg_override(cfg, "v=0x10", 2, &err) == 0);
	CHECK(xlcfg_find(cfg, "v")->value->type == XLCFG_NUMBER);
	CHECK(xlcfg_override(cfg, "u=0X10", 2, &err) == 0);	/* not a NUMBER */
	CHECK(xlcfg_find(cfg, "u")->value->type == XLCFG_STRING);
	CHECK(xlcfg_override(cfg, "w=512M", 3, &err) == 0);
	CHECK(xlcfg_find(cfg, "w")->value->type == XLCFG_STRING);
	CHECK(xlcfg_override(cfg, "l+=['4']", 4, &err) == 0);
	CHECK(xlcfg_find(cfg, "l")->value->count == 4);
	/* a failing override changes nothing */
	CHECK(xlcfg_override(cfg, "l+='x'", 5, &err) == -1);
	CHECK(!strcmp(err.msg, "<command line>:5: can't use += to add a string "
		      "to list parameter `l'"));
	CHECK(xlcfg_find(cfg, "l")->value->count == 4);
	CHECK(xlcfg_override(cfg, "x=[1,", 6, &err) == -1);
	CHECK(!strcmp(err.msg, "<command line>:6: config parsing error near "
		      "<end of file>: syntax error"));
	CHECK(xlcfg_override(cfg, "Bad=1", 7, &err) == -1);
	CHECK(!strcmp(err.msg, "<command line>:7: config parsing error near "
		      "`Bad': lexical error"));
	CHECK(xlcfg_override(cfg, "y=", 8, &err) == -1);
	CHECK(!strcmp(err.msg, "<command line>:8: config parsing error near "
		      "<end of file>: syntax error"));
	CHECK(xlcfg_override(cfg, "y='unterminated", 9, &err) == -1);
	CHECK(!strcmp(err.msg, "<command line>:9: config parsing error near "
		      "`'unterminated': unterminated string"));
	CHECK(xlcfg_find(cfg, "x") == NULL && xlcfg_find(cfg, "y") == NULL);
	xlcfg_free(cfg);

	case_name = "NUL in text, long token";
	cfg = xlcfg_parse("t.cfg", "a = 1\0", 6, &err);
	CHECK(!cfg && !strcmp(err.msg, "t.cfg:1: config parsing error near "
			      "`?': lexical error"));
	cfg = xlcfg_parse("t.cfg", "a = 'x' 1\n", 10, &err);
	CHECK(!cfg && !strcmp(err.msg, "t.cfg:1: config parsing error near "
			      "`1': syntax error"));
	cfg = xlcfg_parse("t.cfg", "a = 1\nb = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 96,
			  &err);
	CHECK(!cfg && !strcmp(err.msg, "t.cfg:2: config parsing error near "
			      "`'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			      "xxxxxxxxxxxxxxxxxxxxxxxx...': unterminated string"));
}

static void test_domain(void)
{
	struct xl_domain_config d;
	struct xlcfg_err err;
	struct xlcfg *cfg;

	case_name = "domain struct";
	cfg = parse("builder='hvm'; name='f'; memory=1024; vcpus=2\n"
		    "vif=['mac=00:16:3E:74:34:32,bridge=bridge0', 'rate=1MB/s@20ms']\n"
		    "disk=['/dev/zvol/tank/xendisk0,raw,hda,rw',"
		    " '/root/freebsd.iso,raw,hdc:cdrom,r']\n");
	rng_state = 7;
	CHECK(cfg && xlcfg_domain_build(cfg, &fake_rng, &d, &err) == 0);
	CHECK(d.type == XL_DOMAIN_HVM && d.memory_mib == 1024 && d.maxmem_mib == 1024);
	CHECK(d.vcpus == 2 && d.maxvcpus == 2 && d.vnc && d.vncdisplay == -1);
	CHECK(!strcmp(d.boot, "cd") && !strcmp(d.vnclisten, "127.0.0.1"));
	CHECK(d.ndisks == 2 && d.disks[0].readwrite && !d.disks[0].cdrom);
	CHECK(!d.disks[1].readwrite && d.disks[1].cdrom &&
	      !strcmp(d.disks[1].vdev, "hdc"));
	CHECK(d.nvifs == 2 && d.vifs[0].devid == 0 && d.vifs[1].devid == 1);
	CHECK(d.vifs[0].mac[2] == 0x3e && d.vifs[0].mac[5] == 0x32);
	CHECK(d.vifs[1].mac[0] == 0 && d.vifs[1].mac[1] == 0x16 &&
	      d.vifs[1].mac[2] == 0x3e && d.vifs[1].mac[3] < 0x80);
	CHECK(d.vifs[1].rate_interval_us == 20000 &&
	      d.vifs[1].rate_bytes_per_interval == 20000);
	CHECK(d.on_reboot == XL_ACTION_RESTART && d.ignored.count == 0);
	xlcfg_domain_free(&d);
	xlcfg_free(cfg);

	case_name = "upstream's vif and disk keys in the struct";
	cfg = parse("name='k'; type='pvh'; bootloader='pygrub'\n"
		    "vif=['devid=9, untrusted, forwarddev=eth1', 'trusted']\n"
		    "disk=['vdev=xvda, specification=virtio, target=/d']\n");
	rng_state = 7;
	CHECK(cfg && xlcfg_domain_build(cfg, &fake_rng, &d, &err) == 0);
	CHECK(d.kernel == NULL && !strcmp(d.bootloader, "pygrub") && !d.firmware);
	CHECK(d.nvifs == 2 && d.vifs[0].devid == 9 && d.vifs[0].devid_given);
	CHECK(d.vifs[1].devid == 1 && !d.vifs[1].devid_given);
	CHECK(d.vifs[0].trusted == XLSPEC_FLAG_OFF &&
	      d.vifs[1].trusted == XLSPEC_FLAG_ON);
	CHECK(!strcmp(d.vifs[0].forwarddev, "eth1") && !d.vifs[1].forwarddev);
	CHECK(d.vifs[0].type == XLSPEC_VIF_VIF && d.vifs[1].type == XLSPEC_VIF_VIF);
	CHECK(d.ndisks == 1 && d.disks[0].specification == XLSPEC_DISK_SPEC_VIRTIO);
	xlcfg_domain_free(&d);
	xlcfg_free(cfg);

	case_name = "random source is used once per vif";
	cfg = parse("name='x'; kernel='/k'; vif=['', 'bridge=b']\n");
	rng_state = 1;
	CHECK(cfg && xlcfg_domain_build(cfg, &fake_rng, &d, &err) == 0);
	CHECK(memcmp(d.vifs[0].mac, d.vifs[1].mac, 6) != 0);
	xlcfg_domain_free(&d);
	CHECK(xlcfg_domain_build(cfg, NULL, &d, &err) == -1);
	CHECK(!strcmp(err.msg, "t.cfg:1: invalid vif spec `': no mac and no "
		      "random source"));
	xlcfg_free(cfg);
}

static void test_vif_rate(void)
{
	static const struct {
		const char *spec;
		uint64_t bytes;
		uint32_t us;
	} rates[] = {
		{ "rate=10Mb/s", 62500, 50000 },	/* 1.25 MB/s, 50ms */
		{ "rate=250KB/s", 12500, 50000 },
		{ "rate=1MB/s@20ms", 20000, 20000 },	/* the doc's example */
		{ "rate=1GB/s@100us", 100000, 100 },
		{ "rate=8b/s@2s", 2, 2000000 },
		{ "rate=100GB/s", 5000000000ull, 50000 },
	};
	struct xlspec_vif v;
	struct xlcfg_err err;
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		case_name = rates[i].spec;
		CHECK(xlspec_vif_parse(rates[i].spec, 3, &fake_rng, &v, &err) == 0);
		CHECK(v.devid == 3 && v.rate_interval_us == rates[i].us);
		CHECK(v.rate_bytes_per_interval == rates[i].bytes);
		xlspec_vif_free(&v);
	}
	case_name = "rate overflow";
	CHECK(xlspec_vif_parse("rate=4294967295GB/s@4294967295us", 0, &fake_rng,
			       &v, &err) == -1);
	CHECK(!strcmp(err.msg, "invalid vif spec `rate=4294967295GB/s@4294967295us"
		      "': rate `4294967295GB/s@4294967295us' too large"));
}

int main(int argc, char **argv)
{
	bool regen = argc > 2 && !strcmp(argv[2], "--regen");
	int configs, disks, vifs;

	if (argc < 2) {
		fprintf(stderr, "usage: %s GOLDEN-DIR [--regen]\n", argv[0]);
		return 2;
	}
	test_tree();
	test_domain();
	test_vif_rate();
	configs = golden_configs(argv[1], regen);
	disks = golden_specs(argv[1], "disk.spec", disk_spec, regen);
	vifs = golden_specs(argv[1], "vif.spec", vif_spec, regen);
	printf("xlcfg: %d golden configs, %d disk specs, %d vif specs, "
	       "%d checks, %d failed\n", configs, disks, vifs, cases, failures);
	return failures ? 1 : 0;
}

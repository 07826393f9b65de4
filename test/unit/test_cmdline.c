/* Host unit test for kernel/cmdline.c: every option, good and bad values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define TIB (1ull << 40)

/* Records what the parser reports, as the core's logger would print it. */
struct recorder {
	int count;
	char last[512];
	char all[8192];
};

static struct cmdline_opts o;
static struct recorder rec;
static const char *case_name;
static int cases, failures;

static void record(void *ctx, const char *msg)
{
	struct recorder *r = ctx;

	r->count++;
	snprintf(r->last, sizeof(r->last), "%s", msg);
	if (strlen(r->all) + strlen(msg) + 2 < sizeof(r->all)) {
		strcat(r->all, msg);
		strcat(r->all, "\n");
	}
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "FAIL %s: %s (line %d)\nwarnings:\n%s",  \
				case_name, #cond, __LINE__, rec.all);          \
			failures++;                                            \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		unsigned long long a_ = (a), b_ = (b);                          \
		if (a_ != b_) {                                                \
			fprintf(stderr, "FAIL %s: %s == %llu, want %llu (line %d)\n", \
				case_name, #a, a_, b_, __LINE__);              \
			failures++;                                            \
		}                                                              \
	} while (0)

#define CHECK_WARN(text) CHECK(strcmp(rec.last, (text)) == 0)
#define CHECK_WARNS(n) CHECK_EQ(rec.count, (n))

/* Starts a case: defaults, then the line. */
static void parse(const char *name, const char *line)
{
	case_name = name;
	cases++;
	memset(&rec, 0, sizeof(rec));
	cmdline_defaults(&o);
	cmdline_parse(&o, line, record, &rec);
}

/* Parses more onto the current case's options (later options win). */
static void parse_more(const char *line)
{
	cmdline_parse(&o, line, record, &rec);
}

static void check_defaults(void)
{
	CHECK(!o.dom0_mem.set && !o.dom0_mem_min.set && !o.dom0_mem_max.set);
	CHECK_EQ(o.dom0_vcpus_min, 0);
	CHECK_EQ(o.dom0_vcpus_max, 0);
	CHECK(o.dom0_pvh && !o.dom0_verbose);
	CHECK(o.console_com1 && o.console_vga && !o.console_com2 && !o.console_none);
	CHECK_EQ(o.com1.io_base, 0x3f8);
	CHECK_EQ(o.com2.io_base, 0x2f8);
	CHECK_EQ(o.com1.irq, 4);
	CHECK_EQ(o.com2.irq, 3);
	CHECK_EQ(o.com1.baud, 0);
	CHECK_EQ(o.com1.clock_hz, 1843200);
	CHECK(o.com1.data_bits == 8 && o.com1.parity == 'n' && o.com1.stop_bits == 1);
	CHECK_EQ(o.loglvl, LOG_INFO);
	CHECK_EQ(o.loglvl_rate, LOG_INFO);
	CHECK_EQ(o.guest_loglvl, LOG_NONE);
	CHECK_EQ(o.guest_loglvl_rate, LOG_WARNING);
	CHECK(!o.sync_console && !o.idle_poweroff && !o.idle_poll);
	CHECK(o.iommu_enable && !o.iommu_force && !o.iommu_verbose && !o.iommu_debug);
}

static void test_empty_and_layout(void)
{
	parse("empty line", "");
	CHECK_WARNS(0);
	CHECK(o.raw[0] == '\0');
	check_defaults();

	parse("NULL line", NULL);
	CHECK_WARNS(0);
	check_defaults();

	parse("only blanks", "   \t  \n");
	CHECK_WARNS(0);
	check_defaults();

	parse("repeated blanks", "  sync_console \t\t  idle_poweroff   ");
	CHECK_WARNS(0);
	CHECK(o.sync_console && o.idle_poweroff);
	CHECK(strcmp(o.raw, "  sync_console \t\t  idle_poweroff   ") == 0);

	parse("idle_poll", "idle_poll");
	CHECK_WARNS(0);
	CHECK(o.idle_poll && !o.idle_poweroff && !o.sync_console);
	parse("no-idle_poll", "idle_poll no-idle_poll");
	CHECK(!o.idle_poll);

	parse("-- ends the line", "sync_console -- idle_poweroff dom0_mem=1G");
	CHECK_WARNS(0);
	CHECK(o.sync_console && !o.idle_poweroff && !o.dom0_mem.set);

	parse("later overrides earlier", "dom0_max_vcpus=2 loglvl=all dom0_max_vcpus=4");
	CHECK_EQ(o.dom0_vcpus_max, 4);
	CHECK_EQ(o.loglvl, LOG_ALL);
	parse_more("loglvl=error");
	CHECK_EQ(o.loglvl, LOG_ERROR);
	CHECK_EQ(o.dom0_vcpus_max, 4);
	CHECK_WARNS(0);

	case_name = "NULL warn callback";
	cases++;
	cmdline_defaults(&o);
	cmdline_parse(&o, "foo dom0_mem=bad sync_console", NULL, NULL);
	CHECK(o.sync_console && !o.dom0_mem.set);
}

static void test_full_example(void)
{
	const char *line = "dom0_mem=1024M,max:2G dom0_max_vcpus=2 console=com1 "
			   "com1=115200,8n1 loglvl=all guest_loglvl=debug/warning "
			   "sync_console iommu=verbose,force dom0=pvh,verbose "
			   "idle_poweroff foo=bar";

	parse("full example", line);
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: unknown option 'foo=bar' ignored");
	CHECK(o.dom0_mem.set && !o.dom0_mem.negative && o.dom0_mem.percent == 0);
	CHECK_EQ(o.dom0_mem.bytes, 1024 * MIB);
	CHECK(o.dom0_mem_max.set && !o.dom0_mem_min.set);
	CHECK_EQ(o.dom0_mem_max.bytes, 2 * GIB);
	CHECK_EQ(o.dom0_vcpus_min, 2);
	CHECK_EQ(o.dom0_vcpus_max, 2);
	CHECK(o.console_com1 && !o.console_vga && !o.console_com2 && !o.console_none);
	CHECK_EQ(o.com1.baud, 115200);
	CHECK(o.com1.data_bits == 8 && o.com1.parity == 'n' && o.com1.stop_bits == 1);
	CHECK_EQ(o.com1.io_base, 0x3f8);
	CHECK_EQ(o.loglvl, LOG_ALL);
	CHECK_EQ(o.loglvl_rate, LOG_ALL);
	CHECK_EQ(o.guest_loglvl, LOG_DEBUG);
	CHECK_EQ(o.guest_loglvl_rate, LOG_DEBUG);	/* never below LEVEL */
	CHECK(o.sync_console && o.idle_poweroff);
	CHECK(o.iommu_enable && o.iommu_verbose && o.iommu_force && !o.iommu_debug);
	CHECK(o.dom0_pvh && o.dom0_verbose);
	CHECK(strcmp(o.raw, line) == 0);
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 1 * GIB);
	CHECK_EQ(cmdline_dom0_vcpus(&o, 16), 2);
}

static void test_sizes(void)
{
	static const struct {
		const char *line;
		unsigned long long bytes;
	} sizes[] = {
		{ "dom0_mem=4096", 4096 * KIB },	/* bare number: KiB */
		{ "dom0_mem=4096B", 4096 },
		{ "dom0_mem=4096b", 4096 },
		{ "dom0_mem=64K", 64 * KIB },
		{ "dom0_mem=64k", 64 * KIB },
		{ "dom0_mem=512M", 512 * MIB },
		{ "dom0_mem=512m", 512 * MIB },
		{ "dom0_mem=3G", 3 * GIB },
		{ "dom0_mem=3g", 3 * GIB },
		{ "dom0_mem=2T", 2 * TIB },
		{ "dom0_mem=2t", 2 * TIB },
		{ "dom0_mem=0x100M", 256 * MIB },
		{ "dom0_mem=0x1B", 0x1b * KIB },	/* B is a hex digit here */
		{ "dom0_mem=010M", 8 * MIB },		/* leading 0: octal */
		{ "dom0_mem=16777215T", 16777215 * TIB },	/* largest in T */
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		parse(sizes[i].line, sizes[i].line);
		CHECK_WARNS(0);
		CHECK(o.dom0_mem.set && !o.dom0_mem.negative && !o.dom0_mem.percent);
		CHECK_EQ(o.dom0_mem.bytes, sizes[i].bytes);
	}
}

static void test_dom0_mem_bad(void)
{
	parse("dom0_mem overflow (decimal)", "dom0_mem=99999999999999999999G");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: dom0_mem=99999999999999999999G: size out of range "
		   "'99999999999999999999G', using default (all but a reserve)");
	CHECK(!o.dom0_mem.set);

	parse("dom0_mem overflow (suffix)", "dom0_mem=16777216T");
	CHECK_WARNS(1);
	CHECK(strstr(rec.last, "size out of range") != NULL);
	CHECK(!o.dom0_mem.set);

	parse("dom0_mem overflow (hex)", "dom0_mem=max:0x10000000000000000M");
	CHECK_WARNS(1);
	CHECK(strstr(rec.last, "size out of range") != NULL);
	CHECK(strstr(rec.last, "no maximum") != NULL);
	CHECK(!o.dom0_mem_max.set);

	parse("dom0_mem bad suffix", "dom0_mem=12Q");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: dom0_mem=12Q: bad size '12Q', using default (all but a reserve)");

	parse("dom0_mem bad forms", "dom0_mem=1G+,+25%,25%x,1G+2+5%,--1G,-,,abc,min:");
	CHECK_WARNS(9);
	CHECK(!o.dom0_mem.set && !o.dom0_mem_min.set);

	parse("dom0_mem percent not below 100", "dom0_mem=100%");
	CHECK_WARNS(1);
	CHECK(strstr(rec.last, "size out of range '100%'") != NULL);

	parse("dom0_mem without value", "dom0_mem");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: dom0_mem=: bad size '', using default (all but a reserve)");

	parse("dom0_mem bad item keeps good ones", "dom0_mem=1G,max:zz,min:512M");
	CHECK_WARNS(1);
	CHECK(o.dom0_mem.set && o.dom0_mem_min.set && !o.dom0_mem_max.set);
	CHECK_EQ(o.dom0_mem_min.bytes, 512 * MIB);

	parse("dom0_mem bad value resets earlier", "dom0_mem=1G dom0_mem=x");
	CHECK(!o.dom0_mem.set);
}

static void test_dom0_mem_resolve(void)
{
	parse("dom0_mem default reserve", "");
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 8 * GIB - 128 * MIB);
	CHECK_EQ(cmdline_dom0_mem(&o, 1 * GIB), 1 * GIB - 64 * MIB);	/* 1/16 */
	CHECK_EQ(cmdline_dom0_mem(&o, 0), 0);

	parse("dom0_mem percent", "dom0_mem=50%");
	CHECK(o.dom0_mem.set && o.dom0_mem.percent == 50 && o.dom0_mem.bytes == 0);
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 4 * GIB);

	parse("dom0_mem size plus percent", "dom0_mem=1G+25%");
	CHECK_WARNS(0);
	CHECK_EQ(cmdline_dom0_mem(&o, 256 * GIB), 65 * GIB);	/* Xen's example */

	parse("dom0_mem negative", "dom0_mem=-512M");
	CHECK(o.dom0_mem.negative);
	CHECK_EQ(cmdline_dom0_mem(&o, 4 * GIB), 3 * GIB + 512 * MIB);
	CHECK_EQ(cmdline_dom0_mem(&o, 256 * MIB), 256 * MIB - 16 * MIB); /* 0: default */

	parse("dom0_mem negative percent", "dom0_mem=-25%");
	CHECK_EQ(cmdline_dom0_mem(&o, 4 * GIB), 3 * GIB);

	parse("dom0_mem min raises", "dom0_mem=1G,min:2G");
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 2 * GIB);
	CHECK_EQ(cmdline_dom0_mem(&o, 1536 * MIB), 1536 * MIB);	/* capped at total */

	parse("dom0_mem max lowers default", "dom0_mem=max:1G");
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 1 * GIB);
	CHECK_EQ(cmdline_dom0_mem(&o, 512 * MIB), 480 * MIB);

	parse("dom0_mem max overrides min", "dom0_mem=min:4G,max:2G");
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 2 * GIB);

	parse("dom0_mem min/max percent", "dom0_mem=10%,min:25%,max:-1G");
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 2 * GIB);
	CHECK_EQ(cmdline_dom0_mem(&o, 1 * GIB), 256 * MIB);

	parse("dom0_mem larger than host", "dom0_mem=64G");
	CHECK_EQ(cmdline_dom0_mem(&o, 2 * GIB), 2 * GIB);

	parse("dom0_mem zero means default", "dom0_mem=0,max:0");
	CHECK_WARNS(0);
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 8 * GIB - 128 * MIB);

	parse("dom0_mem page aligned", "dom0_mem=10000B");
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 8192);

	parse("dom0_mem huge values saturate", "dom0_mem=16777215T+99%");
	CHECK_EQ(cmdline_dom0_mem(&o, 8 * GIB), 8 * GIB);
}

static void test_vcpus(void)
{
	static const unsigned int pcpus[] = { 2, 4, 6, 8, 10 };
	static const unsigned int want[] = { 4, 4, 6, 8, 8 };	/* Xen's table */

	parse("dom0_max_vcpus=N", "dom0_max_vcpus=3");
	CHECK_EQ(cmdline_dom0_vcpus(&o, 8), 3);
	CHECK_EQ(cmdline_dom0_vcpus(&o, 1), 3);	/* may exceed pCPUs */

	parse("dom0_max_vcpus=MIN-MAX", "dom0_max_vcpus=4-8");
	CHECK_WARNS(0);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(cmdline_dom0_vcpus(&o, pcpus[i]), want[i]);

	parse("dom0_max_vcpus open ranges", "dom0_max_vcpus=-2");
	CHECK_EQ(cmdline_dom0_vcpus(&o, 8), 2);
	CHECK_EQ(cmdline_dom0_vcpus(&o, 1), 1);
	parse_more("dom0_max_vcpus=6-");
	CHECK_EQ(cmdline_dom0_vcpus(&o, 2), 6);
	CHECK_EQ(cmdline_dom0_vcpus(&o, 64), 64);
	parse_more("dom0_max_vcpus=-");
	CHECK_EQ(cmdline_dom0_vcpus(&o, 12), 12);
	CHECK_WARNS(0);

	parse("dom0_max_vcpus default", "");
	CHECK_EQ(cmdline_dom0_vcpus(&o, 7), 7);
	CHECK_EQ(cmdline_dom0_vcpus(&o, 0), 1);

	parse("dom0_max_vcpus not a number", "dom0_max_vcpus=2 dom0_max_vcpus=abc");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: dom0_max_vcpus=abc: not a number, using default (all CPUs)");
	CHECK_EQ(cmdline_dom0_vcpus(&o, 5), 5);

	parse("dom0_max_vcpus out of range",
	      "dom0_max_vcpus=0 dom0_max_vcpus=4294967296 dom0_max_vcpus=1-99999999999999999999");
	CHECK_WARNS(3);
	CHECK_WARN("cmdline: dom0_max_vcpus=1-99999999999999999999: out of range, "
		   "using default (all CPUs)");

	parse("dom0_max_vcpus malformed", "dom0_max_vcpus=1-2-3 dom0_max_vcpus=4x dom0_max_vcpus");
	CHECK_WARNS(3);
	CHECK_EQ(o.dom0_vcpus_max, 0);

	parse("dom0_max_vcpus hex and octal", "dom0_max_vcpus=0x10-020");
	CHECK_EQ(o.dom0_vcpus_min, 16);
	CHECK_EQ(o.dom0_vcpus_max, 16);
}

static void test_dom0(void)
{
	parse("dom0=pv warns", "dom0=pv,verbose");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: dom0=pv,verbose: Bulkhead has no PV mode, using pvh");
	CHECK(o.dom0_pvh && o.dom0_verbose);

	parse("dom0 verbose forms", "dom0=verbose dom0=no-verbose");
	CHECK(!o.dom0_verbose);
	parse_more("dom0=verbose=yes");
	CHECK(o.dom0_verbose);
	parse_more("dom0=verbose=0");
	CHECK(!o.dom0_verbose);
	CHECK_WARNS(0);

	parse("dom0 bad values", "dom0=verbose dom0=verbose=maybe,shadow,no-verbose=1");
	CHECK_WARNS(3);
	CHECK(strstr(rec.all, "bad boolean 'verbose=maybe', using default (off)") != NULL);
	CHECK(strstr(rec.all, "unknown sub-option 'shadow' ignored") != NULL);
	CHECK(!o.dom0_verbose);
}

static void test_console(void)
{
	parse("console=com2,vga", "console=com2,vga");
	CHECK_WARNS(0);
	CHECK(!o.console_com1 && o.console_com2 && o.console_vga && !o.console_none);

	parse("console=none", "console=none");
	CHECK_WARNS(0);
	CHECK(o.console_none && !o.console_com1 && !o.console_vga);

	parse("console none mixed", "console=vga,none");
	CHECK_WARNS(1);
	CHECK(o.console_vga && !o.console_none);

	parse("console unsupported only", "console=dbgp,com1H");
	CHECK_WARNS(3);
	CHECK(strstr(rec.all, "unsupported console 'dbgp' ignored") != NULL);
	CHECK_WARN("cmdline: console=dbgp,com1H: no usable console, using default (com1,vga)");
	CHECK(o.console_com1 && o.console_vga && !o.console_com2);
}

static void test_com(void)
{
	parse("com1 full", "com1=9600/230400,7e2,0x2e8,5");
	CHECK_WARNS(0);
	CHECK_EQ(o.com1.baud, 9600);
	CHECK_EQ(o.com1.clock_hz, 230400 * 16);
	CHECK(o.com1.data_bits == 7 && o.com1.parity == 'e' && o.com1.stop_bits == 2);
	CHECK_EQ(o.com1.io_base, 0x2e8);
	CHECK_EQ(o.com1.irq, 5);
	CHECK_EQ(o.com2.io_base, 0x2f8);	/* com2 untouched */

	parse("com2 auto and empty fields", "com2=auto,,0x2e8,0");
	CHECK_WARNS(0);
	CHECK_EQ(o.com2.baud, 0);
	CHECK(o.com2.data_bits == 8 && o.com2.parity == 'n');
	CHECK_EQ(o.com2.io_base, 0x2e8);
	CHECK_EQ(o.com2.irq, 0);	/* poll mode */

	parse("com1 pci io-base", "com1=115200,8n1,pci");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: com1=115200,8n1,pci: bad io-base 'pci', using default (0x3f8)");
	CHECK_EQ(o.com1.baud, 115200);
	CHECK_EQ(o.com1.io_base, 0x3f8);

	parse("com1 bad fields", "com1=fast,9x1,0x10000,msi,00:1f.0");
	CHECK_WARNS(5);
	CHECK(strstr(rec.all, "bad baud rate 'fast', using default (auto/115200)") != NULL);
	CHECK(strstr(rec.all, "bad data/parity/stop bits '9x1', using default (8n1)") != NULL);
	CHECK(strstr(rec.all, "bad irq 'msi', using default (4)") != NULL);
	CHECK_WARN("cmdline: com1=fast,9x1,0x10000,msi,00:1f.0: unsupported field '00:1f.0' ignored");
	CHECK(o.com1.baud == 0 && o.com1.data_bits == 8 && o.com1.io_base == 0x3f8);
	CHECK_EQ(o.com1.irq, 4);

	parse("com1 bad DPS parts", "com1=,8n3 com1=,4n1 com1=,8N1 com1=,8n com2=115200/0");
	CHECK_WARNS(5);

	parse("com1 name=value unsupported", "com1=baud=115200");
	CHECK_WARNS(1);
	CHECK(strstr(rec.last, "unsupported field 'baud=115200' ignored") != NULL);

	parse("com1 bad resets field", "com1=57600,7o1 com1=x");
	CHECK_EQ(o.com1.baud, 0);
	CHECK(o.com1.data_bits == 7 && o.com1.parity == 'o');	/* not given: kept */
}

static void test_loglvl(void)
{
	parse("loglvl levels", "loglvl=error/all guest_loglvl=warning");
	CHECK_WARNS(0);
	CHECK_EQ(o.loglvl, LOG_ERROR);
	CHECK_EQ(o.loglvl_rate, LOG_ALL);
	CHECK_EQ(o.guest_loglvl, LOG_WARNING);
	CHECK_EQ(o.guest_loglvl_rate, LOG_WARNING);

	parse("loglvl bad", "loglvl=all loglvl=verbose");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: loglvl=verbose: unknown log level, using default (info/info)");
	CHECK_EQ(o.loglvl, LOG_INFO);

	parse("guest_loglvl bad rate", "guest_loglvl=info/bogus guest_loglvl=info/");
	CHECK_WARNS(2);
	CHECK_WARN("cmdline: guest_loglvl=info/: unknown log level, using default (none/warning)");
	CHECK_EQ(o.guest_loglvl, LOG_NONE);
	CHECK_EQ(o.guest_loglvl_rate, LOG_WARNING);

	case_name = "log level names";
	cases++;
	CHECK(strcmp(cmdline_log_level_name(LOG_NONE), "none") == 0);
	CHECK(strcmp(cmdline_log_level_name(LOG_ERROR), "error") == 0);
	CHECK(strcmp(cmdline_log_level_name(LOG_WARNING), "warning") == 0);
	CHECK(strcmp(cmdline_log_level_name(LOG_INFO), "info") == 0);
	CHECK(strcmp(cmdline_log_level_name(LOG_DEBUG), "debug") == 0);
	CHECK(strcmp(cmdline_log_level_name(LOG_ALL), "all") == 0);
	CHECK(strcmp(cmdline_log_level_name(-1), "?") == 0);
	CHECK(strcmp(cmdline_log_level_name(6), "?") == 0);
}

static void test_booleans(void)
{
	static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
	static const char *const no[] = { "0", "no", "off", "false", "disable" };
	char line[64];

	for (int i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "sync_console=%s idle_poweroff=%s", yes[i], yes[i]);
		parse(line, line);
		CHECK_WARNS(0);
		CHECK(o.sync_console && o.idle_poweroff);
		snprintf(line, sizeof(line), "sync_console idle_poweroff sync_console=%s", no[i]);
		parse(line, line);
		CHECK_WARNS(0);
		CHECK(!o.sync_console && o.idle_poweroff);
	}

	parse("no- prefix", "sync_console no-sync_console idle_poweroff no-idle_poweroff");
	CHECK_WARNS(0);
	CHECK(!o.sync_console && !o.idle_poweroff);

	parse("bad boolean", "sync_console sync_console=maybe");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: sync_console=maybe: not a boolean, using default (off)");
	CHECK(!o.sync_console);

	parse("empty boolean value", "idle_poweroff=");
	CHECK_WARNS(1);
	CHECK(!o.idle_poweroff);

	parse("no- with value", "sync_console no-sync_console=1");
	CHECK_WARNS(1);
	CHECK_WARN("cmdline: unknown option 'no-sync_console=1' ignored");
	CHECK(o.sync_console);
}

static void test_iommu(void)
{
	static const char *const off[] = { "iommu=0", "iommu=off", "iommu=no", "iommu=false" };

	for (int i = 0; i < 4; i++) {
		parse(off[i], off[i]);
		CHECK_WARNS(0);
		CHECK(!o.iommu_enable);
	}

	parse("iommu required", "iommu=0 iommu=1,required");
	CHECK(o.iommu_enable && o.iommu_force);
	parse_more("iommu=no-force");
	CHECK(!o.iommu_force);
	CHECK_WARNS(0);

	parse("iommu debug implies verbose", "iommu=debug");
	CHECK(o.iommu_debug && o.iommu_verbose);
	parse_more("iommu=no-verbose");
	CHECK(o.iommu_debug && !o.iommu_verbose);

	parse("iommu bad", "iommu=sharept,force=maybe,on");
	CHECK_WARNS(2);
	CHECK(strstr(rec.all, "cmdline: iommu=sharept,force=maybe,on: unknown sub-option "
			      "'sharept' ignored") != NULL);
	CHECK(!o.iommu_force && o.iommu_enable);
}

static void test_unknown(void)
{
	parse("unknown options",
	      "foo foo=bar no-iommu no-dom0_mem=1G DOM0_MEM=1G dom0-mem=1G =x");
	CHECK_WARNS(7);
	CHECK(strstr(rec.all, "cmdline: unknown option 'foo' ignored\n") != NULL);
	CHECK(strstr(rec.all, "cmdline: unknown option 'no-dom0_mem=1G' ignored\n") != NULL);
	CHECK_WARN("cmdline: unknown option '=x' ignored");
	check_defaults();
}

static void test_long_lines(void)
{
	static char line[2100], tok[400];
	size_t n = 0;

	while (n < 2000 - 20) {
		memcpy(line + n, "loglvl=debug ", 13);
		n += 13;
	}
	strcpy(line + n, "idle_poweroff");
	parse("2000-char line", line);
	CHECK_WARNS(0);
	CHECK_EQ(strlen(o.raw), sizeof(o.raw) - 1);
	CHECK(strncmp(o.raw, line, sizeof(o.raw) - 1) == 0);
	CHECK(o.idle_poweroff);		/* parsed past the raw copy's end */
	CHECK_EQ(o.loglvl, LOG_DEBUG);

	memset(tok, 'x', 300);
	memcpy(tok, "dom0_mem=", 9);
	strcpy(tok + 300, " sync_console");
	parse("over-long option", tok);
	CHECK_WARNS(1);
	CHECK(strncmp(rec.last, "cmdline: option 'dom0_mem=xxx", 29) == 0);
	CHECK(strstr(rec.last, "...' too long, ignored") != NULL);
	CHECK(o.sync_console && !o.dom0_mem.set);
}

int main(void)
{
	test_empty_and_layout();
	test_full_example();
	test_sizes();
	test_dom0_mem_bad();
	test_dom0_mem_resolve();
	test_vcpus();
	test_dom0();
	test_console();
	test_com();
	test_loglvl();
	test_booleans();
	test_iommu();
	test_unknown();
	test_long_lines();
	if (failures) {
		fprintf(stderr, "test_cmdline: %d failure(s) in %d cases\n", failures, cases);
		return 1;
	}
	printf("test_cmdline: %d cases passed\n", cases);
	return 0;
}

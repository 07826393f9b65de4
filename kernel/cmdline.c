/*
 * The hypervisor command line (see cmdline.h). One small parser per option,
 * found through a table; list-valued options go item by item, so a bad item
 * costs only itself.
 */
#include "cmdline.h"
#include "lib.h"
#include "errno.h"

/* Longest option we take; values are split in place below this size, so an
 * item buffer of the same size always fits. */
#define CMDLINE_TOKEN_MAX 256
#define CMDLINE_MSG_MAX 400
#define CMDLINE_RESERVE_MAX (128ull << 20)

struct cmdline_ctx {
	struct cmdline_opts *o;
	cmdline_warn_fn warn;
	void *arg;
	const char *opt, *val;	/* the option being parsed, for messages */
};

struct cmdline_option {
	const char *name;
	void (*parse)(struct cmdline_ctx *c, const char *val);
	size_t flag;		/* parse == NULL: offset of a bool in opts */
};

/* A boolean sub-option inside a list value, e.g. iommu=verbose. */
struct cmdline_subopt {
	const char *name;
	size_t flag;
};

static const char *const cmdline_levels[] = {
	"none", "error", "warning", "info", "debug", "all",
};

static void __printf(3, 4) cmdline_say(const struct cmdline_ctx *c,
				       bool prefix, const char *fmt, ...)
{
	char msg[CMDLINE_MSG_MAX];
	size_t n = 0;
	va_list ap;

	if (!c->warn)
		return;
	if (prefix)
		n = (size_t)fmt_snprintf(msg, sizeof(msg), "cmdline: %s=%s: ",
					 c->opt, c->val);
	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	va_start(ap, fmt);
	fmt_vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	c->warn(c->arg, msg);
}

#define cmdline_warn(c, ...) cmdline_say(c, true, __VA_ARGS__)

static bool *cmdline_flag(struct cmdline_ctx *c, size_t off)
{
	return (bool *)((char *)c->o + off);
}

/*
 * Xen's <integer> without the sign: decimal, 0x hex or leading-0 octal.
 * lib_strtou64 wraps silently, so more than 16 significant hex digits or 19
 * others count as overflow: that refuses a few representable values (from
 * 10^19, or 2^57 in octal), far beyond any size or count given here.
 */
static int cmdline_number(const char *s, const char **end, u64 *v)
{
	const char *d = s;
	size_t max = 19;

	*v = lib_strtou64(s, end, 0);
	if (*end == s)
		return -EINVAL;
	if (*end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		d = s + 2;
		max = 16;
	}
	while (d < *end && *d == '0')
		d++;
	return (size_t)(*end - d) > max ? -ERANGE : 0;
}

/* cmdline_number() that must end exactly at stop (NULL: the end of s). */
static int cmdline_number_to(const char *s, const char *stop, u64 *v)
{
	const char *end;
	int rc = cmdline_number(s, &end, v);

	if (!rc && end != (stop ? stop : s + strlen(s)))
		rc = -EINVAL;
	return rc;
}

/* Xen's <size> up to stop (NULL: the end): an integer with one suffix of
 * B K M G T in either case; a bare number is KiB (xen-command-line.pandoc,
 * "Types of parameter"). */
static int cmdline_size(const char *s, const char *stop, u64 *bytes)
{
	static const char units[] = "bkmgt";
	const char *u = NULL, *end;
	unsigned int shift = 10;
	u64 v;
	int rc = cmdline_number(s, &end, &v);

	if (rc)
		return rc;
	if (*end)
		u = strchr(units, *end | 0x20);
	if (u) {
		shift = 10 * (unsigned int)(u - units);
		end++;
	}
	if (end != (stop ? stop : s + strlen(s)))
		return -EINVAL;
	if (v > (~0ull >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

/* Xen's <boolean> values: 1 or 0, -EINVAL for anything else. */
static int cmdline_bool(const char *s)
{
	static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
	static const char *const no[] = { "0", "no", "off", "false", "disable" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]))
			return 1;
		if (!strcmp(s, no[i]))
			return 0;
	}
	return -EINVAL;
}

/* Copies the next comma-separated item of *p into buf (CMDLINE_TOKEN_MAX
 * bytes); *p becomes NULL after the last one. An empty value is one empty item. */
static bool cmdline_next_item(const char **p, char *buf)
{
	const char *s = *p, *comma;
	size_t n;

	if (!s)
		return false;
	comma = strchr(s, ',');
	n = comma ? (size_t)(comma - s) : strlen(s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	*p = comma ? comma + 1 : NULL;
	return true;
}

/*
 * Applies a boolean sub-option item ("name", "no-name" or "name=<bool>") to
 * the first entry of t it names; -ENOENT if none. Every such flag defaults to
 * off, so a bad value (or "no-" stacked on a value) turns it off.
 */
static int cmdline_subopt(struct cmdline_ctx *c, const char *item,
			  const struct cmdline_subopt *t, size_t n)
{
	bool neg = !strncmp(item, "no-", 3);
	const char *s = neg ? item + 3 : item;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(t[i].name);
		int b = !neg;

		if (strncmp(s, t[i].name, len) || (s[len] && s[len] != '='))
			continue;
		if (s[len])
			b = neg ? -EINVAL : cmdline_bool(s + len + 1);
		if (b < 0) {
			cmdline_warn(c, "bad boolean '%s', using default (off)", item);
			b = 0;
		}
		*cmdline_flag(c, t[i].flag) = b;
		return 0;
	}
	return -ENOENT;
}

/* One dom0_mem amount (see struct dom0_mem_spec); m untouched on error. */
static int cmdline_mem_amount(const char *s, struct dom0_mem_spec *m)
{
	struct dom0_mem_spec r = { .set = true, .negative = *s == '-' };
	const char *pct, *plus = NULL;
	u64 v = 0;
	int rc = 0;

	s += r.negative;
	pct = strchr(s, '%');
	if (pct) {
		plus = strchr(s, '+');
		rc = pct[1] ? -EINVAL : cmdline_number_to(plus ? plus + 1 : s, pct, &v);
		if (!rc && v >= 100)	/* Xen: "<frac> is an integer < 100" */
			rc = -ERANGE;
		r.percent = (u8)v;
	}
	if (!rc && (!pct || plus))
		rc = cmdline_size(s, plus, &r.bytes);
	if (!rc)
		*m = r;
	return rc;
}

static void cmdline_parse_dom0_mem(struct cmdline_ctx *c, const char *val)
{
	char item[CMDLINE_TOKEN_MAX];

	while (cmdline_next_item(&val, item)) {
		struct dom0_mem_spec *m = &c->o->dom0_mem;
		const char *s = item, *dflt = "all but a reserve";
		int rc;

		if (!strncmp(s, "min:", 4)) {
			m = &c->o->dom0_mem_min;
			dflt = "no minimum";
			s += 4;
		} else if (!strncmp(s, "max:", 4)) {
			m = &c->o->dom0_mem_max;
			dflt = "no maximum";
			s += 4;
		}
		rc = cmdline_mem_amount(s, m);
		if (rc) {
			memset(m, 0, sizeof(*m));
			cmdline_warn(c, "%s '%s', using default (%s)",
				     rc == -ERANGE ? "size out of range" : "bad size",
				     item, dflt);
		}
	}
}

/* dom0_max_vcpus=N or MIN-MAX, either side of the '-' optional. */
static void cmdline_parse_dom0_vcpus(struct cmdline_ctx *c, const char *val)
{
	const char *dash = strchr(val, '-');
	u64 lo = 0, hi = 0;
	int rc = 0;

	if (!dash) {	/* a single N fixes the count, even above the pCPUs */
		rc = cmdline_number_to(val, NULL, &lo);
		hi = lo;
	} else {
		if (dash != val)
			rc = cmdline_number_to(val, dash, &lo);
		if (!rc && dash[1])
			rc = cmdline_number_to(dash + 1, NULL, &hi);
	}
	if (!rc && (lo > UINT32_MAX || hi > UINT32_MAX || (!dash && !lo)))
		rc = -ERANGE;
	if (rc) {
		lo = hi = 0;
		cmdline_warn(c, "%s, using default (all CPUs)",
			     rc == -ERANGE ? "out of range" : "not a number");
	}
	c->o->dom0_vcpus_min = (u32)lo;
	c->o->dom0_vcpus_max = (u32)hi;
}

static void cmdline_parse_dom0(struct cmdline_ctx *c, const char *val)
{
	static const struct cmdline_subopt subs[] = {
		{ "verbose", offsetof(struct cmdline_opts, dom0_verbose) },
	};
	char item[CMDLINE_TOKEN_MAX];

	while (cmdline_next_item(&val, item)) {
		if (!strcmp(item, "pvh"))
			c->o->dom0_pvh = true;
		else if (!strcmp(item, "pv"))
			cmdline_warn(c, "Bulkhead has no PV mode, using pvh");
		else if (cmdline_subopt(c, item, subs, ARRAY_SIZE(subs)))
			cmdline_warn(c, "unknown sub-option '%s' ignored", item);
	}
}

static void cmdline_parse_iommu(struct cmdline_ctx *c, const char *val)
{
	static const struct cmdline_subopt subs[] = {
		{ "force", offsetof(struct cmdline_opts, iommu_force) },
		{ "required", offsetof(struct cmdline_opts, iommu_force) },
		{ "verbose", offsetof(struct cmdline_opts, iommu_verbose) },
		{ "debug", offsetof(struct cmdline_opts, iommu_debug) },
	};
	char item[CMDLINE_TOKEN_MAX];

	while (cmdline_next_item(&val, item)) {
		int b = cmdline_bool(item);
		bool debug = c->o->iommu_debug;

		if (b >= 0)
			c->o->iommu_enable = b;
		else if (cmdline_subopt(c, item, subs, ARRAY_SIZE(subs)))
			cmdline_warn(c, "unknown sub-option '%s' ignored", item);
		/* As in Xen, turning debug on turns verbose on with it. */
		if (c->o->iommu_debug && !debug)
			c->o->iommu_verbose = true;
	}
}

static void cmdline_parse_console(struct cmdline_ctx *c, const char *val)
{
	static const struct cmdline_subopt subs[] = {
		{ "com1", offsetof(struct cmdline_opts, console_com1) },
		{ "com2", offsetof(struct cmdline_opts, console_com2) },
		{ "vga", offsetof(struct cmdline_opts, console_vga) },
		{ "none", offsetof(struct cmdline_opts, console_none) },
	};
	struct cmdline_opts *o = c->o;
	char item[CMDLINE_TOKEN_MAX];

	o->console_com1 = o->console_com2 = o->console_vga = o->console_none = false;
	while (cmdline_next_item(&val, item))
		if (cmdline_subopt(c, item, subs, ARRAY_SIZE(subs)))
			cmdline_warn(c, "unsupported console '%s' ignored", item);
	if (o->console_none && (o->console_com1 || o->console_com2 || o->console_vga)) {
		cmdline_warn(c, "'none' only makes sense alone, ignoring it");
		o->console_none = false;
	}
	if (!o->console_none && !o->console_com1 && !o->console_com2 && !o->console_vga) {
		cmdline_warn(c, "no usable console, using default (com1,vga)");
		o->console_com1 = o->console_vga = true;
	}
}

/* The defaults of com1= and com2=, field by field, in the option's syntax.
 * 115200 x 16 is the PC UART's 1.8432 MHz clock. */
static const char *const cmdline_com_defaults[2][4] = {
	{ "auto/115200", "8n1", "0x3f8", "4" },
	{ "auto/115200", "8n1", "0x2f8", "3" },
};

/* Applies one positional field of com1=/com2= (BAUD[/BASEBAUD], DPS,
 * IOBASE, IRQ); false, with com untouched, if it is bad. Xen's "pci", "amt"
 * and "msi" are bad here: Bulkhead drives only legacy ISA UARTs. */
static bool cmdline_com_field(struct com_opts *com, int field, const char *s)
{
	u64 v = 0, base = com->clock_hz / 16;
	const char *end = s;

	switch (field) {
	case 0:		/* "auto": keep the divisor firmware programmed */
		if (!strncmp(s, "auto", 4))
			end = s + 4;
		else if (cmdline_number(s, &end, &v) || v > UINT32_MAX)
			return false;
		if (*end == '/' && (cmdline_number(end + 1, &end, &base) || !base ||
				    base > UINT32_MAX / 16))
			return false;
		if (*end)
			return false;
		com->baud = (u32)v;
		com->clock_hz = (u32)base * 16;
		return true;
	case 1:
		if (strlen(s) != 3 || s[0] < '5' || s[0] > '8' || !strchr("noems", s[1]) ||
		    (s[2] != '1' && s[2] != '2'))
			return false;
		com->data_bits = (u8)(s[0] - '0');
		com->parity = s[1];
		com->stop_bits = (u8)(s[2] - '0');
		return true;
	default:
		if (cmdline_number_to(s, NULL, &v) || v > (field == 2 ? 0xffff : 0xff) ||
		    (field == 2 && !v))
			return false;
		if (field == 2)
			com->io_base = (u16)v;
		else
			com->irq = (u8)v;
		return true;
	}
}

static void cmdline_parse_com(struct cmdline_ctx *c, const char *val)
{
	static const char *const what[] = { "baud rate", "data/parity/stop bits",
					     "io-base", "irq" };
	int port = c->opt[3] - '1';
	struct com_opts *com = port ? &c->o->com2 : &c->o->com1;
	char item[CMDLINE_TOKEN_MAX];

	for (int field = 0; cmdline_next_item(&val, item); field++) {
		if (!item[0])	/* an empty field keeps its value */
			continue;
		if (field >= 4 || strchr(item, '=')) {	/* PCI bdfs, name=value */
			cmdline_warn(c, "unsupported field '%s' ignored", item);
		} else if (!cmdline_com_field(com, field, item)) {
			cmdline_warn(c, "bad %s '%s', using default (%s)", what[field],
				     item, cmdline_com_defaults[port][field]);
			cmdline_com_field(com, field, cmdline_com_defaults[port][field]);
		}
	}
}

static int cmdline_level(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_levels); i++)
		if (strlen(cmdline_levels[i]) == n && !strncmp(s, cmdline_levels[i], n))
			return (int)i;
	return -EINVAL;
}

/* loglvl= and guest_loglvl=: LEVEL[/RATELIMITED]. As in Xen, the rate-limited
 * level equals LEVEL when omitted and is never below it. */
static void cmdline_parse_loglvl(struct cmdline_ctx *c, const char *val)
{
	bool guest = c->opt[0] == 'g';
	int *lvl = guest ? &c->o->guest_loglvl : &c->o->loglvl;
	int *rate = guest ? &c->o->guest_loglvl_rate : &c->o->loglvl_rate;
	const char *slash = strchr(val, '/');
	int a = cmdline_level(val, slash ? (size_t)(slash - val) : strlen(val));
	int b = slash ? cmdline_level(slash + 1, strlen(slash + 1)) : a;

	if (a < 0 || b < 0) {
		a = guest ? LOG_NONE : LOG_INFO;
		b = guest ? LOG_WARNING : LOG_INFO;
		cmdline_warn(c, "unknown log level, using default (%s/%s)",
			     cmdline_levels[a], cmdline_levels[b]);
	}
	*lvl = a;
	*rate = MAX(a, b);
}

static const struct cmdline_option cmdline_options[] = {
	{ "dom0_mem", cmdline_parse_dom0_mem, 0 },
	{ "dom0_max_vcpus", cmdline_parse_dom0_vcpus, 0 },
	{ "dom0", cmdline_parse_dom0, 0 },
	{ "console", cmdline_parse_console, 0 },
	{ "com1", cmdline_parse_com, 0 },
	{ "com2", cmdline_parse_com, 0 },
	{ "loglvl", cmdline_parse_loglvl, 0 },
	{ "guest_loglvl", cmdline_parse_loglvl, 0 },
	{ "iommu", cmdline_parse_iommu, 0 },
	{ "sync_console", NULL, offsetof(struct cmdline_opts, sync_console) },
	{ "idle_poweroff", NULL, offsetof(struct cmdline_opts, idle_poweroff) },
	{ "idle_poll", NULL, offsetof(struct cmdline_opts, idle_poll) },
};

static const struct cmdline_option *cmdline_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_options); i++)
		if (!strcmp(name, cmdline_options[i].name))
			return &cmdline_options[i];
	return NULL;
}

static void cmdline_parse_token(struct cmdline_ctx *c, char *tok)
{
	char *eq = strchr(tok, '=');
	const struct cmdline_option *opt;
	bool neg = false;
	int b = 1;

	if (eq)
		*eq = '\0';
	opt = cmdline_find(tok);
	if (!opt && !strncmp(tok, "no-", 3)) {
		opt = cmdline_find(tok + 3);
		neg = true;
	}
	/* "no-" only negates a plain boolean, and Xen leaves "no-OPT=x" undefined. */
	if (!opt || (neg && (opt->parse || eq))) {
		if (eq)
			*eq = '=';
		cmdline_say(c, false, "cmdline: unknown option '%s' ignored", tok);
		return;
	}
	c->opt = opt->name;
	c->val = eq ? eq + 1 : "";
	if (opt->parse) {
		opt->parse(c, c->val);
		return;
	}
	if (eq)
		b = cmdline_bool(c->val);
	if (b < 0)	/* the plain booleans all default to off */
		cmdline_warn(c, "not a boolean, using default (off)");
	*cmdline_flag(c, opt->flag) = b > 0 && !neg;
}

void cmdline_defaults(struct cmdline_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dom0_pvh = true;
	o->console_com1 = o->console_vga = true;
	for (int f = 0; f < 4; f++) {
		cmdline_com_field(&o->com1, f, cmdline_com_defaults[0][f]);
		cmdline_com_field(&o->com2, f, cmdline_com_defaults[1][f]);
	}
	o->loglvl = o->loglvl_rate = LOG_INFO;
	o->guest_loglvl = LOG_NONE;
	o->guest_loglvl_rate = LOG_WARNING;
	o->iommu_enable = true;
}

static bool cmdline_is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

void cmdline_parse(struct cmdline_opts *o, const char *s, cmdline_warn_fn warn,
		   void *ctx)
{
	struct cmdline_ctx c = { .o = o, .warn = warn, .arg = ctx };
	char tok[CMDLINE_TOKEN_MAX];
	size_t n;

	if (!s)
		s = "";
	n = strnlen(s, sizeof(o->raw) - 1);
	memcpy(o->raw, s, n);
	o->raw[n] = '\0';
	for (;; s += n) {
		while (cmdline_is_blank(*s))
			s++;
		for (n = 0; s[n] && !cmdline_is_blank(s[n]); n++)
			;
		if (!n || (n == 2 && s[0] == '-' && s[1] == '-'))
			break;
		if (n >= sizeof(tok)) {
			cmdline_say(&c, false, "cmdline: option '%.40s...' too long, ignored", s);
			continue;
		}
		memcpy(tok, s, n);
		tok[n] = '\0';
		cmdline_parse_token(&c, tok);
	}
}

/* bytes + percent% of total, saturating; negative: what is left of total. */
static u64 cmdline_mem_resolve(const struct dom0_mem_spec *m, u64 total)
{
	u64 amt = total / 100 * m->percent + total % 100 * m->percent / 100;

	amt = amt + m->bytes < amt ? ~0ull : amt + m->bytes;
	if (!m->negative)
		return amt;
	return amt >= total ? 0 : total - amt;
}

u64 cmdline_dom0_mem(const struct cmdline_opts *o, u64 total)
{
	u64 nr = o->dom0_mem.set ? cmdline_mem_resolve(&o->dom0_mem, total) : 0;
	u64 lo = o->dom0_mem_min.set ? cmdline_mem_resolve(&o->dom0_mem_min, total) : 0;
	u64 hi = o->dom0_mem_max.set ? cmdline_mem_resolve(&o->dom0_mem_max, total) : 0;

	if (!nr)
		nr = total - MIN(total / 16, CMDLINE_RESERVE_MAX);
	nr = MAX(nr, lo);
	if (hi)		/* applied after min: Xen's "max overrides min" */
		nr = MIN(nr, hi);
	return ALIGN_DOWN(MIN(nr, total), PAGE_SIZE);
}

u32 cmdline_dom0_vcpus(const struct cmdline_opts *o, u32 nr_cpus)
{
	u32 n = nr_cpus;

	if (o->dom0_vcpus_min && n < o->dom0_vcpus_min)
		n = o->dom0_vcpus_min;
	if (o->dom0_vcpus_max && n > o->dom0_vcpus_max)
		n = o->dom0_vcpus_max;
	return n ? n : 1;
}

const char *cmdline_log_level_name(int level)
{
	if (level < 0 || level >= (int)ARRAY_SIZE(cmdline_levels))
		return "?";
	return cmdline_levels[level];
}

/*
 * Subcommand options, parsed from each command's table entry: short letters
 * (bundled, value attached or next), --long[=value], "--" ending options,
 * -h/--help. Options and operands may be mixed, as with GNU getopt. Errors use
 * upstream xl's wording and status 2.
 */
#include "xl.h"

static const struct xl_opt *find_short(const struct xl_cmd *c, char ch)
{
	for (const struct xl_opt *o = c->opts; o && o->c; o++)
		if (o->c == ch)
			return o;
	return NULL;
}

static const struct xl_opt *find_long(const struct xl_cmd *c, const char *name, size_t len)
{
	for (const struct xl_opt *o = c->opts; o && o->c; o++)
		if (o->lng && strlen(o->lng) == len && !strncmp(o->lng, name, len))
			return o;
	return NULL;
}

/* "--name[=value]"; returns 0, a status, or XL_HELP_SHOWN. */
static int long_opt(struct xl *x, const struct xl_cmd *c, int argc, char **argv, int *i,
		    struct xl_args *a)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct xl_opt *o = find_long(c, name, len);

	if (!o && len == 4 && !strncmp(name, "help", 4)) {
		xl_help_cmd(x, c);
		return XL_HELP_SHOWN;
	}
	if (!o)
		return xl_fail(x, XL_USAGE, "option `%s' not supported.\n", argv[*i]);
	a->on[(unsigned char)o->c] = true;
	if (!o->arg)
		return eq ? xl_fail(x, XL_USAGE, "option `%s' takes no argument.\n", argv[*i]) : 0;
	if (eq)
		a->val[(unsigned char)o->c] = eq + 1;
	else if (*i + 1 < argc)
		a->val[(unsigned char)o->c] = argv[++*i];
	else
		return xl_fail(x, XL_USAGE, "option `%s' requires an argument.\n", argv[*i]);
	return 0;
}

/* "-abc" or "-tVALUE" / "-t VALUE". */
static int short_opts(struct xl *x, const struct xl_cmd *c, int argc, char **argv, int *i,
		      struct xl_args *a)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct xl_opt *o = find_short(c, *p);

		if (!o && *p == 'h') {
			xl_help_cmd(x, c);
			return XL_HELP_SHOWN;
		}
		if (!o || (unsigned char)*p >= 128)
			return xl_fail(x, XL_USAGE, "option `%c' not supported.\n", *p);
		a->on[(unsigned char)o->c] = true;
		if (!o->arg)
			continue;
		if (p[1])
			a->val[(unsigned char)o->c] = p + 1;
		else if (*i + 1 < argc)
			a->val[(unsigned char)o->c] = argv[++*i];
		else
			return xl_fail(x, XL_USAGE, "option `%c' requires an argument.\n", *p);
		return 0;
	}
	return 0;
}

static int check_counts(struct xl *x, const struct xl_cmd *c, const struct xl_args *a)
{
	if (a->n < c->min_args) {
		xl_fail(x, XL_USAGE, "'xl %s' requires at least %d argument%s.\n", c->name,
			c->min_args, c->min_args > 1 ? "s" : "");
		xl_help_cmd(x, c);	/* upstream: the usage follows, on stdout */
		return XL_USAGE;
	}
	if (c->max_args >= 0 && a->n > c->max_args)
		return xl_fail(x, XL_USAGE, "'xl %s' takes at most %d argument%s.\n", c->name,
			       c->max_args, c->max_args == 1 ? "" : "s");
	return 0;
}

/* argv[0] is the subcommand as typed. 0, a status, or XL_HELP_SHOWN. */
int xl_parse_args(struct xl *x, const struct xl_cmd *c, int argc, char **argv,
		  struct xl_args *a)
{
	bool only_operands = false;
	int rc;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!only_operands && !strcmp(s, "--")) {
			only_operands = true;
			continue;
		}
		if (!only_operands && s[0] == '-' && s[1]) {
			rc = s[1] == '-' ? long_opt(x, c, argc, argv, &i, a)
					 : short_opts(x, c, argc, argv, &i, a);
			if (rc)
				return rc;
			continue;
		}
		if (a->n == XL_MAX_OPERANDS)
			return xl_fail(x, XL_USAGE, "'xl %s': too many arguments.\n", c->name);
		a->pos[a->n++] = argv[i];
	}
	return check_counts(x, c, a);
}

/* xl(1) mem-max: t, g, m (the default), k, b; case-insensitive. */
long long xl_parse_mem_kb(const char *s)
{
	unsigned long long v;
	unsigned shift;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoull(s, &end, 10);
	if (end[0] && end[1])
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 't': shift = 30; break;
	case 'g': shift = 20; break;
	case '\0':
	case 'm': shift = 10; break;
	case 'k': shift = 0; break;
	case 'b': return (long long)(v >> 10);
	default: return -1;
	}
	if (v > (0x7fffffffffffffffull >> shift))
		return -1;
	return (long long)(v << shift);
}

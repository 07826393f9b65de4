/*
 * xl's entry: global options (-v repeatable, -N dry run, -f force, -t/-T
 * accepted), the subcommand by exact name or unambiguous prefix, its options,
 * then its handler. Upstream's messages where upstream has one.
 */
#include "xl.h"

const struct xl_cmd *xl_cmd_lookup(const char *name, bool *ambiguous)
{
	const struct xl_cmd *found = NULL;
	size_t len = strlen(name);

	*ambiguous = false;
	if (!len)
		return NULL;
	for (unsigned i = 0; i < xl_ncmds; i++) {
		if (!strcmp(xl_cmds[i].name, name))
			return &xl_cmds[i];
		if (!strncmp(xl_cmds[i].name, name, len)) {
			*ambiguous = found != NULL;
			found = found ? found : &xl_cmds[i];
		}
	}
	return *ambiguous ? NULL : found;
}

static int ambiguous(struct xl *x, const char *name)
{
	char list[256] = "";
	size_t len = strlen(name);

	for (unsigned i = 0; i < xl_ncmds; i++) {
		if (strncmp(xl_cmds[i].name, name, len))
			continue;
		if (strlen(list) + strlen(xl_cmds[i].name) + 3 >= sizeof(list))
			break;
		if (list[0])
			strcat(list, ", ");
		strcat(list, xl_cmds[i].name);
	}
	return xl_fail(x, XL_FAIL, "ambiguous command '%s': could be %s\n", name, list);
}

static void help_all(struct xl *x)
{
	xl_out(x, "Usage xl [-vfNtT] <subcommand> [args]\n\nxl full list of subcommands:\n\n");
	for (unsigned i = 0; i < xl_ncmds; i++)
		xl_out(x, " %-19s %s\n", xl_cmds[i].name, xl_cmds[i].desc);
}

void xl_help_cmd(struct xl *x, const struct xl_cmd *c)
{
	xl_out(x, "Usage: xl [-v%s%s] %s %s\n\n%s.\n\n", c->modifies ? "f" : "",
	       c->can_dryrun ? "N" : "", c->name, c->usage, c->desc);
	if (c->help)
		xl_out(x, "Options:\n\n%s\n", c->help);
}

int xl_cmd_help(struct xl *x, const struct xl_args *a)
{
	const struct xl_cmd *c;
	bool amb;

	if (!a->n) {
		help_all(x);
		return XL_OK;
	}
	c = xl_cmd_lookup(a->pos[0], &amb);
	if (amb)
		return ambiguous(x, a->pos[0]);
	if (!c)
		return xl_fail(x, XL_FAIL, "command \"%s\" not implemented\n", a->pos[0]);
	xl_help_cmd(x, c);
	return XL_OK;
}

/* Advances *i past the global options; 0, a status, or XL_HELP_SHOWN. */
static int global_opts(struct xl *x, int argc, char **argv, int *i)
{
	for (; *i < argc && argv[*i][0] == '-' && argv[*i][1]; ++*i) {
		if (!strcmp(argv[*i], "-h") || !strcmp(argv[*i], "--help")) {
			help_all(x);
			return XL_HELP_SHOWN;
		}
		for (const char *p = argv[*i] + 1; *p; p++) {
			if (*p == 'v' && x->threshold > XL_DEBUG)
				x->threshold--;
			else if (*p == 'N')
				x->dryrun = true;
			else if (*p == 'f')
				x->force = true;
			else if (*p != 'v' && *p != 't' && *p != 'T')
				return xl_fail(x, XL_USAGE, "unknown global option\n");
		}
	}
	return 0;
}

int xl_main(const struct xl_backend *be, int argc, char **argv)
{
	struct xl x = { .be = be, .threshold = XL_PROGRESS };
	struct xl_args *args;
	const struct xl_cmd *c;
	bool amb;
	int i = 1, rc = global_opts(&x, argc, argv, &i);

	if (rc)
		return rc == XL_HELP_SHOWN ? XL_OK : rc;
	if (i >= argc) {
		help_all(&x);
		return XL_FAIL;
	}
	c = xl_cmd_lookup(argv[i], &amb);
	if (amb)
		return ambiguous(&x, argv[i]);
	if (!c)
		return xl_fail(&x, XL_FAIL, "command not implemented\n");
	if (x.dryrun && !c->can_dryrun)
		return xl_fail(&x, XL_FAIL, "command does not implement -N (dryrun) option\n");
	x.cmd = c->name;
	args = malloc(sizeof(*args));
	if (!args)
		return xl_fail_rc(&x, c->name, -XL_ENOMEM);
	rc = xl_parse_args(&x, c, argc - i, argv + i, args);
	if (!rc)
		rc = c->fn(&x, args);
	free(args);
	free(x.cap);
	return rc == XL_HELP_SHOWN ? XL_OK : rc;
}

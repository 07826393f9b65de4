/* The command table, running lines and scripts, redirection (dom/shell.h). */
#include "dom.h"
#include "dom/shell.h"
#include "dom/console.h"
#include "dom/fs.h"
#include "dom/error.h"
#include "shell_priv.h"

#define STATUS_NOT_FOUND 127
#define SCRIPT_DEPTH_MAX 8

struct command {
	const char *name;
	shell_fn fn;
	const char *help;
};

static struct command *commands;	/* sorted by name */
static size_t nr_commands, cap_commands;
static int script_depth;

int shell_register(const char *name, shell_fn fn, const char *help)
{
	size_t i;

	if (!name || !*name || !fn)
		return -EINVAL;
	for (i = 0; i < nr_commands && strcmp(commands[i].name, name) < 0; i++)
		;
	if (i < nr_commands && !strcmp(commands[i].name, name))
		return -EEXIST;
	if (nr_commands == cap_commands) {
		size_t cap = cap_commands ? cap_commands * 2 : 16;
		struct command *c = realloc(commands, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		commands = c;
		cap_commands = cap;
	}
	memmove(&commands[i + 1], &commands[i], (nr_commands - i) * sizeof(*commands));
	commands[i] = (struct command){ name, fn, help ? help : "" };
	nr_commands++;
	return 0;
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < nr_commands; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* help [COMMAND]: one line per command, or the one asked for. */
int shell_help(int argc, char **argv)
{
	size_t width = 0;

	if (argc > 1) {
		const struct command *c = find(argv[1]);

		if (!c) {
			dom_printf("help: no command '%s'\n", argv[1]);
			return 1;
		}
		dom_printf("%s  %s\n", c->name, c->help);
		return 0;
	}
	for (size_t i = 0; i < nr_commands; i++)
		if (strlen(commands[i].name) > width)
			width = strlen(commands[i].name);
	for (size_t i = 0; i < nr_commands; i++)
		dom_printf("  %-*s  %s\n", (int)width, commands[i].name, commands[i].help);
	return 0;
}

const char *shell_strerror(int rc)
{
	static const struct {
		int rc;
		const char *text;
	} texts[] = {
		{ -EPERM, "Operation not permitted" },	{ -ENOENT, "No such file or directory" },
		{ -ESRCH, "No such domain" },		{ -EIO, "I/O error" },
		{ -E2BIG, "Argument list too long" },	{ -EBADF, "Bad file descriptor" },
		{ -EAGAIN, "Try again" },		{ -ENOMEM, "Out of memory" },
		{ -EACCES, "Permission denied" },	{ -EFAULT, "Bad address" },
		{ -EBUSY, "Busy" },			{ -EEXIST, "File exists" },
		{ -ENODEV, "No such device" },		{ -ENOTDIR, "Not a directory" },
		{ -EISDIR, "Is a directory" },		{ -EINVAL, "Invalid argument" },
		{ -EMFILE, "Too many open files" },	{ -EFBIG, "File too large" },
		{ -ENOSPC, "No space left" },		{ -ERANGE, "Out of range" },
		{ -ENAMETOOLONG, "Name too long" },	{ -ENOSYS, "Not implemented" },
		{ -ENOTEMPTY, "Directory not empty" },	{ -ETIMEDOUT, "Timed out" },
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].rc == rc)
			return texts[i].text;
	return "Error";
}

struct capture {
	int fd;
	long error;	/* first failed write */
};

static void capture_write(void *arg, const char *s, size_t len)
{
	struct capture *c = arg;
	long n = c->error ? 0 : dom_fs_write(c->fd, s, len);

	if (n < 0)
		c->error = n;
}

/* Runs a parsed command with its output going to p->redirect. */
static int run_redirected(const struct command *cmd, struct shell_parsed *p)
{
	struct capture cap = { 0, 0 };
	dom_console_sink_fn old_fn;
	void *old_arg;
	int status;

	cap.fd = dom_fs_open(p->redirect, DOM_FS_WRITE | DOM_FS_CREATE |
					  (p->append ? DOM_FS_APPEND : DOM_FS_TRUNC));
	if (cap.fd < 0) {
		dom_printf("%s: %s\n", p->redirect, shell_strerror(cap.fd));
		return 1;
	}
	dom_console_set_capture(capture_write, &cap, &old_fn, &old_arg);
	status = cmd->fn(p->argc, p->argv);
	dom_console_set_capture(old_fn, old_arg, NULL, NULL);
	dom_fs_close(cap.fd);
	if (cap.error) {
		dom_printf("%s: %s\n", p->redirect, shell_strerror((int)cap.error));
		return status ? status : 1;
	}
	return status;
}

int shell_exec(const char *line)
{
	struct shell_parsed p;
	const struct command *cmd;
	const char *why;
	char *copy = strdup(line);
	int status;

	if (!copy) {
		dom_printf("sh: out of memory\n");
		return 1;
	}
	if (shell_parse(copy, &p, &why)) {
		dom_printf("sh: syntax error: %s\n", why);
		status = 2;
	} else if (p.argc == 0) {
		status = 0;
	} else if (!(cmd = find(p.argv[0]))) {
		dom_printf("%s: command not found (try 'help')\n", p.argv[0]);
		status = STATUS_NOT_FOUND;
	} else if (p.redirect) {
		status = run_redirected(cmd, &p);
	} else {
		status = cmd->fn(p.argc, p.argv);
	}
	free(copy);
	return status < 0 ? 1 : status;
}

int shell_run_script(const char *path)
{
	char *text, *line, *next;
	int rc, status = 0, s;

	if (script_depth >= SCRIPT_DEPTH_MAX) {
		dom_printf("sh: %s: scripts nested too deeply\n", path);
		return 1;
	}
	if ((rc = dom_fs_read_file(path, &text, NULL))) {
		dom_printf("sh: %s: %s\n", path, shell_strerror(rc));
		return 1;
	}
	script_depth++;
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((s = shell_exec(line)))
			status = s;
	}
	script_depth--;
	free(text);
	return status;
}

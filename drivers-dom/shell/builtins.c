/* The shell's own commands: help ls cat echo rm mkdir poweroff sh. */
#include "dom.h"
#include "dom/shell.h"
#include "dom/console.h"
#include "dom/fs.h"
#include "dom/hypercall.h"
#include "dom/error.h"
#include "shell_priv.h"

static int report(const char *cmd, const char *path, int rc)
{
	dom_printf("%s: %s: %s\n", cmd, path, shell_strerror(rc));
	return 1;
}

static int ls_entry(void *arg, const char *name, const struct dom_fs_stat *st)
{
	(void)arg;
	if (st->is_dir)
		dom_printf("%s/\n", name);
	else
		dom_printf("%s\n", name);
	return 0;
}

/* ls [PATH...]: a directory's entries (directories with a trailing /), or a file's name. */
static int cmd_ls(int argc, char **argv)
{
	struct dom_fs_stat st;
	int status = 0, rc;

	for (int i = argc > 1 ? 1 : 0; i < argc; i++) {
		const char *path = argc > 1 ? argv[i] : "/";

		if ((rc = dom_fs_stat(path, &st))) {
			status = report("ls", path, rc);
			continue;
		}
		if (argc > 2)
			dom_printf("%s%s:\n", i > 1 ? "\n" : "", path);
		if (st.is_dir)
			dom_fs_list(path, ls_entry, NULL);
		else
			dom_printf("%s\n", path);
	}
	return status;
}

static int cmd_cat(int argc, char **argv)
{
	int status = 0, rc;
	char *data;
	size_t len;

	if (argc < 2) {
		dom_printf("usage: cat FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if ((rc = dom_fs_read_file(argv[i], &data, &len))) {
			status = report("cat", argv[i], rc);
			continue;
		}
		dom_console_write(data, len);
		free(data);
	}
	return status;
}

/* echo TEXT...: the words joined by single blanks (redirect with > or >>). */
static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		dom_printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	dom_printf("\n");
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	int status = 0, rc;

	if (argc < 2) {
		dom_printf("usage: rm FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if ((rc = dom_fs_unlink(argv[i])))
			status = report("rm", argv[i], rc);
	return status;
}

static int cmd_mkdir(int argc, char **argv)
{
	bool parents = argc > 1 && !strcmp(argv[1], "-p");
	int first = parents ? 2 : 1, status = 0, rc;

	if (argc <= first) {
		dom_printf("usage: mkdir [-p] DIR...\n");
		return 2;
	}
	for (int i = first; i < argc; i++) {
		rc = parents ? dom_fs_mkdirs(argv[i]) : dom_fs_mkdir(argv[i]);
		if (rc)
			status = report("mkdir", argv[i], rc);
	}
	return status;
}

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	dom_printf("Powering off.\n");
	dom_shutdown(SHUTDOWN_poweroff);
}

static int cmd_sh(int argc, char **argv)
{
	if (argc != 2) {
		dom_printf("usage: sh FILE\n");
		return 2;
	}
	return shell_run_script(argv[1]);
}

void shell_register_builtins(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	shell_register("help", shell_help, "[COMMAND]  list the commands, or describe one");
	shell_register("ls", cmd_ls, "[PATH...]  list a directory (default /)");
	shell_register("cat", cmd_cat, "FILE...  print files");
	shell_register("echo", cmd_echo, "TEXT... [> FILE | >> FILE]  print (or write) a line");
	shell_register("rm", cmd_rm, "FILE...  remove files or empty directories");
	shell_register("mkdir", cmd_mkdir, "[-p] DIR...  make directories");
	shell_register("poweroff", cmd_poweroff, "shut Dom0, and with it the machine, down");
	shell_register("sh", cmd_sh, "FILE  run a script, one command per line");
}

/* Dom0's console session: root file system, /etc/rc, then the prompt (freestanding). */
#include "dom.h"
#include "dom/shell.h"
#include "dom/console.h"
#include "dom/fs.h"
#include "dom/start.h"
#include "dom/tar.h"

#define RC_SCRIPT "/etc/rc"

/* The module marked "rootfs", else the first one that is a ustar archive. */
static const struct dom_module *rootfs_module(const struct dom_start_info *si)
{
	const struct dom_module *m = dom_find_module("rootfs");

	for (unsigned i = 0; !m && i < si->nr_modules; i++)
		if (dom_tar_is_archive((const void *)(uintptr_t)si->modules[i].addr,
				       si->modules[i].size))
			m = &si->modules[i];
	return m;
}

static void load_rootfs(const struct dom_start_info *si)
{
	const struct dom_module *m = rootfs_module(si);
	int n;

	if (!m) {
		dom_printf("rootfs: no module: the file system starts empty\n");
		dom_fs_mkdirs("/etc/xen");
		return;
	}
	n = dom_fs_load_tar((const void *)(uintptr_t)m->addr, m->size);
	if (n < 0)
		dom_printf("rootfs: '%s': %s (loaded what came before)\n", m->args,
			   shell_strerror(n));
	else
		dom_printf("rootfs: %d entries from '%s'\n", n, m->args);
}

static void echo_raw(void *arg, const char *s, size_t len)
{
	(void)arg;
	dom_console_write(s, len);
}

static void prompt(const struct dom_start_info *si)
{
	if (si->privileged)
		dom_printf("dom0# ");
	else
		dom_printf("dom%u# ", si->domid);
}

void shell_main(void (*before_rc)(void))
{
	const struct dom_start_info *si = dom_start_info();
	static struct shell_line line;
	struct dom_fs_stat st;

	shell_register_builtins();
	load_rootfs(si);
	if (before_rc)
		before_rc();
	if (dom_fs_stat(RC_SCRIPT, &st) == 0 && !st.is_dir)
		shell_run_script(RC_SCRIPT);
	for (;;) {
		enum shell_line_state s;

		shell_line_reset(&line);
		prompt(si);
		do
			s = shell_line_feed(&line, dom_console_getc(), echo_raw, NULL);
		while (s == SHELL_LINE_MORE);
		if (s == SHELL_LINE_DONE)
			shell_exec(line.buf);
	}
}

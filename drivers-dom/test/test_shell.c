/*
 * The shell (drivers-dom/shell) on the host: line editing, parsing, the command
 * table, builtins, redirection and scripts, over the real RAM file system
 * and a fake console.
 */
#include <stdarg.h>
#include "check.h"
#include "dom.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/fs.h"
#include "dom/hypercall.h"
#include "dom/shell.h"

/* The fake console: everything printed lands in out[]. */
static char out[8192];
static size_t out_len;
static dom_console_sink_fn sink;
static void *sink_arg;

static void console_out(const char *s, size_t len)
{
	if (out_len + len < sizeof(out)) {
		memcpy(out + out_len, s, len);
		out_len += len;
		out[out_len] = '\0';
	}
}

void dom_console_write(const char *s, size_t len)
{
	if (sink)
		sink(sink_arg, s, len);
	else
		console_out(s, len);
}

int dom_vprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	dom_console_write(buf, (size_t)n);
	return n;
}

int dom_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = dom_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void dom_console_set_capture(dom_console_sink_fn fn, void *arg, dom_console_sink_fn *old_fn,
			     void **old_arg)
{
	if (old_fn)
		*old_fn = sink;
	if (old_arg)
		*old_arg = sink_arg;
	sink = fn;
	sink_arg = arg;
}

/* Only "poweroff", the last step of main(), gets here: the test ends. */
void dom_shutdown(unsigned int reason)
{
	CHECK(reason == SHUTDOWN_poweroff);
	CHECK(strstr(out, "Powering off."));
	CHECK_DONE("dom_shell");
	exit(0);
}

static void reset_out(void)
{
	out_len = 0;
	out[0] = '\0';
}

static void echo_into(void *arg, const char *s, size_t len)
{
	(void)arg;
	console_out(s, len);
}

/* Feeds keys; returns the final state; the echo goes to out[]. */
static enum shell_line_state feed(struct shell_line *l, const char *keys)
{
	enum shell_line_state s = SHELL_LINE_MORE;

	for (; *keys; keys++)
		s = shell_line_feed(l, (unsigned char)*keys, echo_into, NULL);
	return s;
}

static void test_line(void)
{
	static struct shell_line l;

	reset_out();
	shell_line_reset(&l);
	CHECK(feed(&l, "lx\x7f" "s /etc\r") == SHELL_LINE_DONE);
	CHECK(strcmp(l.buf, "ls /etc") == 0);
	CHECK(strcmp(out, "lx\b \bs /etc\n") == 0);
	shell_line_reset(&l);
	CHECK(feed(&l, "\n") == SHELL_LINE_MORE);	/* the LF of CRLF */
	CHECK(feed(&l, "abc\x15xyz\x08\n") == SHELL_LINE_DONE);
	CHECK(strcmp(l.buf, "xy") == 0);
	shell_line_reset(&l);
	reset_out();
	CHECK(feed(&l, "rm something\x03") == SHELL_LINE_CANCEL);
	CHECK(l.len == 0 && strstr(out, "^C\n"));
	shell_line_reset(&l);
	CHECK(feed(&l, "cat a b\x17\x17" "c\x1b[A\x1bOB\x1b[1;5C\ttab\n") == SHELL_LINE_DONE);
	CHECK(strcmp(l.buf, "cat c tab") == 0);
	shell_line_reset(&l);
	CHECK(feed(&l, "\x01\x02\xff" "ok\r") == SHELL_LINE_DONE && !strcmp(l.buf, "ok"));
	shell_line_reset(&l);
	for (int i = 0; i < SHELL_LINE_MAX + 10; i++)
		shell_line_feed(&l, 'a', echo_into, NULL);
	CHECK(l.len == SHELL_LINE_MAX - 1);
	CHECK(feed(&l, "\x7f\r") == SHELL_LINE_DONE && strlen(l.buf) == SHELL_LINE_MAX - 2);
}

static void test_parse(void)
{
	struct shell_parsed p;
	const char *why;
	char line[256];

	strcpy(line, "  echo  hello   world  ");
	CHECK(shell_parse(line, &p, &why) == 0 && p.argc == 3 && !p.redirect);
	CHECK(!strcmp(p.argv[0], "echo") && !strcmp(p.argv[2], "world") && !p.argv[3]);
	strcpy(line, "echo \"a  b\" 'c \"d\"' e\\ f \"q\\\"x\"");
	CHECK(shell_parse(line, &p, &why) == 0 && p.argc == 5);
	CHECK(!strcmp(p.argv[1], "a  b") && !strcmp(p.argv[2], "c \"d\""));
	CHECK(!strcmp(p.argv[3], "e f") && !strcmp(p.argv[4], "q\"x"));
	strcpy(line, "echo hi>out.txt");
	CHECK(shell_parse(line, &p, &why) == 0 && p.argc == 2 && !p.append);
	CHECK(!strcmp(p.argv[1], "hi") && !strcmp(p.redirect, "out.txt"));
	strcpy(line, "echo a >> /tmp/log # comment > x");
	CHECK(shell_parse(line, &p, &why) == 0 && p.argc == 2 && p.append);
	CHECK(!strcmp(p.redirect, "/tmp/log"));
	strcpy(line, "echo '>' a#b \"\"");
	CHECK(shell_parse(line, &p, &why) == 0 && p.argc == 4 && !p.redirect);
	CHECK(!strcmp(p.argv[1], ">") && !strcmp(p.argv[2], "a#b") && !strcmp(p.argv[3], ""));
	strcpy(line, "   # only a comment");
	CHECK(shell_parse(line, &p, &why) == 0 && p.argc == 0);
	strcpy(line, "echo \"open");
	CHECK(shell_parse(line, &p, &why) == -EINVAL && strstr(why, "quote"));
	strcpy(line, "echo >");
	CHECK(shell_parse(line, &p, &why) == -EINVAL);
	strcpy(line, "echo > a > b");
	CHECK(shell_parse(line, &p, &why) == -EINVAL);
	memset(line, 0, sizeof(line));
	for (int i = 0; i < SHELL_MAX_ARGS + 1; i++)
		strcat(line, "x ");
	CHECK(shell_parse(line, &p, &why) == -EINVAL);
}

static void write_text(const char *path, const char *text)
{
	CHECK(dom_fs_write_file(path, text, strlen(text), false) == 0);
}

static int custom_calls;
static int cmd_custom(int argc, char **argv)
{
	custom_calls++;
	dom_printf("custom %d %s\n", argc, argc > 1 ? argv[1] : "-");
	return argc > 2 ? 3 : 0;
}

static void test_commands(void)
{
	char *data;

	dom_fs_reset();
	shell_register_builtins();
	shell_register_builtins();
	CHECK(shell_register("xl", cmd_custom, "the toolstack") == 0);
	CHECK(shell_register("xl", cmd_custom, "again") == -EEXIST);
	CHECK(shell_register("", cmd_custom, "") == -EINVAL);
	reset_out();
	CHECK(shell_exec("help") == 0);
	CHECK(strstr(out, "  cat ") && strstr(out, "  xl ") && strstr(out, "poweroff"));
	CHECK(strstr(out, "  cat ") < strstr(out, "  xl "));	/* sorted */
	reset_out();
	CHECK(shell_exec("xl list") == 0 && !strcmp(out, "custom 2 list\n"));
	CHECK(shell_exec("xl a b") == 3);
	reset_out();
	CHECK(shell_exec("nosuch") == 127 && strstr(out, "nosuch: command not found"));
	CHECK(shell_exec("") == 0 && shell_exec("   ") == 0 && shell_exec("# x") == 0);
	CHECK(shell_exec("echo \"bad") == 2);
	/* Files. */
	CHECK(shell_exec("mkdir /etc") == 0);
	CHECK(shell_exec("mkdir -p /etc/xen/auto") == 0);
	CHECK(shell_exec("echo name = \"g1\" > /etc/xen/g1.cfg") == 0);
	CHECK(shell_exec("echo memory = 64 >> /etc/xen/g1.cfg") == 0);
	CHECK(dom_fs_read_file("/etc/xen/g1.cfg", &data, NULL) == 0);
	CHECK(!strcmp(data, "name = g1\nmemory = 64\n"));
	free(data);
	reset_out();
	CHECK(shell_exec("cat /etc/xen/g1.cfg") == 0 && !strcmp(out, "name = g1\nmemory = 64\n"));
	reset_out();
	CHECK(shell_exec("ls /etc/xen") == 0 && !strcmp(out, "auto/\ng1.cfg\n"));
	reset_out();
	CHECK(shell_exec("ls") == 0 && !strcmp(out, "etc/\n"));
	CHECK(shell_exec("xl list > /out") == 0);
	CHECK(dom_fs_read_file("/out", &data, NULL) == 0 && !strcmp(data, "custom 2 list\n"));
	free(data);
	reset_out();
	CHECK(shell_exec("cat /nope") == 1 && strstr(out, "No such file"));
	CHECK(shell_exec("echo x > /nodir/f") == 1);
	CHECK(shell_exec("rm /etc/xen") == 1);
	CHECK(shell_exec("rm /etc/xen/g1.cfg /out") == 0);
	CHECK(shell_exec("rm /etc/xen/auto") == 0);
	reset_out();
	CHECK(shell_exec("ls /etc/xen") == 0 && !strcmp(out, ""));
	/* Scripts, including one that runs another. */
	write_text("/etc/rc", "echo one > /r\n\n# comment\nnosuch\necho two >> /r\nsh /etc/rc2\n");
	write_text("/etc/rc2", "echo three >> /r\n");
	CHECK(shell_exec("sh /etc/rc") == 127);	/* the last failure's status */
	CHECK(dom_fs_read_file("/r", &data, NULL) == 0 && !strcmp(data, "one\ntwo\nthree\n"));
	free(data);
	write_text("/loop", "sh /loop\n");
	reset_out();
	CHECK(shell_exec("sh /loop") == 1 && strstr(out, "nested too deeply"));
}

int main(void)
{
	test_line();
	test_parse();
	test_commands();
	reset_out();
	shell_exec("poweroff");	/* ends the test in dom_shutdown() */
	return 1;
}

/*
 * Dom0's shell: a command table that components register into (xl registers
 * as "xl"), line editing on the console, scripts, and redirection of any
 * command's output with "> FILE" or ">> FILE".
 *
 * Syntax: words split at blanks; "..." and '...' quote (backslash escapes
 * inside "..." and outside quotes); an unquoted # starts a comment; one
 * redirection per line. A handler gets argv[0] = its name, prints with
 * dom_printf, and returns 0 for success.
 */
#ifndef DOM_SHELL_H
#define DOM_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#define SHELL_LINE_MAX 1024
#define SHELL_MAX_ARGS 64

typedef int (*shell_fn)(int argc, char **argv);

/* Adds a command; name and help must stay valid (string literals).
 * 0, -EEXIST if the name is taken, -ENOMEM, -EINVAL for an empty name. */
int shell_register(const char *name, shell_fn fn, const char *help);
/* Registers help, ls, cat, echo, rm, mkdir, poweroff, sh (once). */
void shell_register_builtins(void);

/* Runs one line; returns the command's status (127: no such command). */
int shell_exec(const char *line);
/* Runs a script line by line (later lines run after a failure); returns the
 * last failing status, or 0. */
int shell_run_script(const char *path);

/* Dom0's session: loads the "rootfs" module (or the first ustar module)
 * into the RAM file system, calls before_rc (may be NULL: Dom0 makes its
 * path-named boot modules into files there, so they replace the archive's),
 * runs /etc/rc if present, then prompts on the console for ever ("dom0# ").
 * Freestanding only. */
__attribute__((noreturn)) void shell_main(void (*before_rc)(void));

/* The text of a negative errno value ("No such file or directory"). */
const char *shell_strerror(int rc);

/* Line editing, a state machine fed one input byte at a time: printable
 * bytes are inserted and echoed; Backspace/DEL erase one, Ctrl-U the line,
 * Ctrl-W a word; Ctrl-C cancels the line; CR, LF or CRLF end it; escape
 * sequences (arrow keys) are swallowed. */
enum shell_line_state { SHELL_LINE_MORE, SHELL_LINE_DONE, SHELL_LINE_CANCEL };
typedef void (*shell_echo_fn)(void *arg, const char *s, size_t len);

struct shell_line {
	char buf[SHELL_LINE_MAX];	/* NUL-terminated after SHELL_LINE_DONE */
	size_t len;
	int esc;			/* escape-sequence state */
	bool after_cr;			/* swallow the LF of a CRLF */
};

/* Zero-initialise before first use; reset after each finished line. */
void shell_line_reset(struct shell_line *l);
enum shell_line_state shell_line_feed(struct shell_line *l, int c, shell_echo_fn echo,
				      void *arg);

/* Parsing a line in place. */
struct shell_parsed {
	int argc;
	char *argv[SHELL_MAX_ARGS + 1];	/* NULL-terminated */
	const char *redirect;		/* "> FILE" / ">> FILE" target, or NULL */
	bool append;			/* ">>" */
};

/* 0, or -EINVAL with a reason in *why (unbalanced quote, too many words,
 * redirection without a file or twice). */
int shell_parse(char *line, struct shell_parsed *p, const char **why);

#endif

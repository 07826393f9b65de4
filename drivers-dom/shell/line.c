/* Line editing on a raw console (dom/shell.h); echo through the caller's callback. */
#include "dom.h"
#include "dom/shell.h"

#define CTRL(c) ((c) & 0x1f)
#define DEL 0x7f
#define ESC 0x1b

enum { ESC_NONE, ESC_START, ESC_SEQUENCE };

void shell_line_reset(struct shell_line *l)
{
	l->len = 0;
	l->buf[0] = '\0';
	l->esc = ESC_NONE;	/* after_cr stays: the LF of a CRLF may follow */
}

static void erase(struct shell_line *l, size_t n, shell_echo_fn echo, void *arg)
{
	for (; n && l->len; n--) {
		l->len--;
		echo(arg, "\b \b", 3);
	}
}

/* Ctrl-W: blanks before the cursor, then the word. */
static void erase_word(struct shell_line *l, shell_echo_fn echo, void *arg)
{
	while (l->len && l->buf[l->len - 1] == ' ')
		erase(l, 1, echo, arg);
	while (l->len && l->buf[l->len - 1] != ' ')
		erase(l, 1, echo, arg);
}

/* ESC [ params final, or ESC O final (ECMA-48 5.4): nothing of it reaches the line. */
static bool escape(struct shell_line *l, int c)
{
	switch (l->esc) {
	case ESC_START:
		l->esc = (c == '[' || c == 'O') ? ESC_SEQUENCE : ESC_NONE;
		return true;
	case ESC_SEQUENCE:
		if (c >= 0x40 && c <= 0x7e)
			l->esc = ESC_NONE;
		return true;
	default:
		if (c != ESC)
			return false;
		l->esc = ESC_START;
		return true;
	}
}

enum shell_line_state shell_line_feed(struct shell_line *l, int c, shell_echo_fn echo,
				      void *arg)
{
	bool after_cr = l->after_cr;

	l->after_cr = false;
	if (escape(l, c))
		return SHELL_LINE_MORE;
	switch (c) {
	case '\n':
		if (after_cr)
			return SHELL_LINE_MORE;	/* the LF of a CRLF */
		/* fall through */
	case '\r':
		l->after_cr = c == '\r';
		l->buf[l->len] = '\0';
		echo(arg, "\n", 1);
		return SHELL_LINE_DONE;
	case CTRL('C'):
		echo(arg, "^C\n", 3);
		l->len = 0;
		l->buf[0] = '\0';
		return SHELL_LINE_CANCEL;
	case CTRL('H'):
	case DEL:
		erase(l, 1, echo, arg);
		return SHELL_LINE_MORE;
	case CTRL('U'):
		erase(l, l->len, echo, arg);
		return SHELL_LINE_MORE;
	case CTRL('W'):
		erase_word(l, echo, arg);
		return SHELL_LINE_MORE;
	case '\t':
		c = ' ';
		break;
	default:
		break;
	}
	if (c < 0x20 || c > 0x7e)
		return SHELL_LINE_MORE;	/* other control and 8-bit bytes: ignored */
	if (l->len + 1 >= sizeof(l->buf)) {
		echo(arg, "\a", 1);
		return SHELL_LINE_MORE;
	}
	l->buf[l->len++] = (char)c;
	echo(arg, &l->buf[l->len - 1], 1);
	return SHELL_LINE_MORE;
}

/*
 * Splitting a command line into words, in place (dom/shell.h): the output
 * never runs ahead of the input, because quotes and escapes only shrink it.
 */
#include "dom.h"
#include "dom/shell.h"
#include "dom/error.h"

struct cursor {
	char *r;	/* next byte to read */
	char *w;	/* next byte to write */
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copies one word's bytes, unquoting, up to an unquoted blank or '>'.
 * Returns 0 or -EINVAL on an unbalanced quote. */
static int word(struct cursor *c, const char **why)
{
	char quote = 0;

	for (; *c->r; c->r++) {
		char ch = *c->r;

		if (quote) {
			if (ch == quote) {
				quote = 0;
			} else if (quote == '"' && ch == '\\' &&
				   (c->r[1] == '"' || c->r[1] == '\\')) {
				*c->w++ = *++c->r;
			} else {
				*c->w++ = ch;
			}
			continue;
		}
		if (blank(ch) || ch == '>')
			break;
		if (ch == '"' || ch == '\'')
			quote = ch;
		else if (ch == '\\' && c->r[1])
			*c->w++ = *++c->r;
		else
			*c->w++ = ch;
	}
	if (quote) {
		*why = "unbalanced quote";
		return -EINVAL;
	}
	return 0;
}

/* After an unquoted '>' (already read): notes a redirection, ">>" appending. */
static int redirection(struct cursor *c, struct shell_parsed *p, bool *want_file,
		       const char **why)
{
	if (p->redirect || *want_file) {
		*why = "more than one redirection";
		return -EINVAL;
	}
	p->append = *c->r == '>';
	if (p->append)
		c->r++;
	*want_file = true;
	return 0;
}

int shell_parse(char *line, struct shell_parsed *p, const char **why)
{
	struct cursor c = { line, line };
	bool want_file = false;
	char *start, term;
	int rc;

	memset(p, 0, sizeof(*p));
	*why = "";
	for (;;) {
		while (blank(*c.r))
			c.r++;
		if (!*c.r || *c.r == '#')
			break;
		if (*c.r == '>') {
			c.r++;
			if ((rc = redirection(&c, p, &want_file, why)))
				return rc;
			continue;
		}
		start = c.w;
		if ((rc = word(&c, why)))
			return rc;
		/* w <= r: the NUL may overwrite the terminator, so read it first. */
		term = *c.r;
		if (term)
			c.r++;
		*c.w++ = '\0';
		if (want_file) {
			p->redirect = start;
			want_file = false;
		} else if (p->argc == SHELL_MAX_ARGS) {
			*why = "too many words";
			return -EINVAL;
		} else {
			p->argv[p->argc++] = start;
		}
		if (term == '>' && (rc = redirection(&c, p, &want_file, why)))
			return rc;
	}
	if (want_file) {
		*why = "redirection without a file name";
		return -EINVAL;
	}
	p->argv[p->argc] = NULL;
	return 0;
}

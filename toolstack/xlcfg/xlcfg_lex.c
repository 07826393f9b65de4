/*
 * The xl.cfg lexer (see xlcfg_lex.h): blanks and comments skipped, one
 * token per call, positions and lines kept for error messages.
 */
#include "xlcfg_lex.h"

void xlcfg_errorf(struct xlcfg_err *err, const char *source, int line,
		  const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err->msg, sizeof(err->msg), "%s:%d: ", source, line);
	if (n < 0 || (size_t)n >= sizeof(err->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	xlcfg_err_clean(err);
}

void xlcfg_err_clean(struct xlcfg_err *err)
{
	char *p;

	for (p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static bool xlcfg_lex_key_start(int c)
{
	return c >= 'a' && c <= 'z';
}

static bool xlcfg_lex_key_char(int c)
{
	return xlcfg_lex_key_start(c) || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_';
}

bool xlcfg_lex_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int xlcfg_lex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/*
 * Unescapes the body of a quoted string (n bytes at s) into out, which
 * may be NULL to only check it. Returns the unescaped length, or -1 with
 * *bad saying why.
 */
static long xlcfg_lex_unescape_body(const char *s, size_t n, char *out,
				    const char **bad)
{
	static const char from[] = "abfnrtv\\'\"";
	static const char to[] = "\a\b\f\n\r\t\v\\'\"";
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned int v = 0, digits = 0, base, max;
		const char *e;
		char c = s[i++];

		if (c != '\\') {
			if (out)
				out[o] = c;
			o++;
			continue;
		}
		c = s[i++];	/* the lexer never ends a body on a backslash */
		e = strchr(from, c);
		if (c && e) {
			if (out)
				out[o] = to[e - from];
			o++;
			continue;
		}
		if (c == 'x') {
			base = 16, max = 2;
		} else if (c >= '0' && c <= '7') {
			base = 8, max = 3;
			i--;
		} else {
			*bad = "unknown escape sequence in string";
			return -1;
		}
		while (digits < max && i < n && xlcfg_lex_digit(s[i]) < (int)base) {
			v = v * base + (unsigned int)xlcfg_lex_digit(s[i++]);
			digits++;
		}
		if (!digits) {
			*bad = "\\x needs hex digits";
			return -1;
		}
		if (v == 0 || v > 255) {
			*bad = v ? "escape out of range in string" :
				   "NUL character in string";
			return -1;
		}
		if (out)
			out[o] = (char)v;
		o++;
	}
	if (out)
		out[o] = 0;
	return (long)o;
}

/* Ends a run of characters that cannot start a token. */
static bool xlcfg_lex_ends_bad_run(int c)
{
	return xlcfg_lex_blank(c) || c == '\n' || (c && strchr("=;,[]#'\"", c));
}

/* The token so far (its first character, already taken) and what follows
 * up to a blank or punctuation. */
static void xlcfg_lex_bad(struct xlcfg_parser *p, const char *why)
{
	while (p->pos < p->len && !xlcfg_lex_ends_bad_run(p->text[p->pos]))
		p->pos++;
	p->tok.kind = TOK_BAD;
	p->tok.bad = why;
}

int xlcfg_number(const char *t, size_t n, uint64_t *value, const char **bad)
{
	unsigned int base = 10, d;
	uint64_t v = 0;
	size_t i = 0;

	if (n > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
		base = 16, i = 2;
	else if (n > 1 && t[0] == '0')
		base = 8, i = 1;
	if (!n) {
		*bad = "invalid number";
		return -1;
	}
	for (; i < n; i++) {
		d = (unsigned int)xlcfg_lex_digit(t[i]);
		if (d >= base) {
			*bad = "invalid number";
			return -1;
		}
		if (v > (UINT64_MAX - d) / base) {
			*bad = "number too large";
			return -1;
		}
		v = v * base + d;
	}
	*value = v;
	return 0;
}

/*
 * A NUMBER token. Upstream's lexer takes [0-9][0-9a-fx]* as a number, so
 * `0X400' and `0x1Ff' are refused there (an upper-case letter starts no
 * token); they are refused here too, with a message saying why (a
 * decimal or octal number with a letter, `512M', is an invalid number).
 * Numbers written as strings ("0X400") go through xlcfg_number alone,
 * which takes either case, as the strtol() upstream reads them with.
 */
static void xlcfg_lex_number(struct xlcfg_parser *p)
{
	const char *t = p->text + p->tok.start;
	bool upper = false;
	size_t n;
	char c;

	while (p->pos < p->len) {
		c = p->text[p->pos];
		if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (!xlcfg_lex_key_char(c))
			break;
		p->pos++;
	}
	n = p->pos - p->tok.start;
	if (upper && n > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		p->tok.kind = TOK_BAD;
		p->tok.bad = "upper-case hex number (hex is lower case, "
			     "e.g. 0x1ff)";
	} else if (xlcfg_number(t, n, &p->tok.num, &p->tok.bad)) {
		p->tok.kind = TOK_BAD;
	} else {
		p->tok.kind = TOK_NUMBER;
	}
}

static void xlcfg_lex_string(struct xlcfg_parser *p, char quote)
{
	const char *bad;

	for (;;) {
		char c = p->pos < p->len ? p->text[p->pos] : '\n';

		if (c == '\n' || c == 0) {
			/* Show the rest of the line, less trailing blanks,
			 * as upstream trims its tokens. */
			p->tok.kind = TOK_BAD;
			p->tok.bad = c ? "unterminated string" :
					 "NUL character in string";
			while (p->pos < p->len && p->text[p->pos] != '\n')
				p->pos++;
			while (p->pos > p->tok.start + 1 &&
			       xlcfg_lex_blank(p->text[p->pos - 1]))
				p->pos--;
			return;
		}
		p->pos++;
		if (c == quote)
			break;
		if (c == '\\' && p->pos < p->len && p->text[p->pos] != '\n')
			p->pos++;
	}
	p->tok.kind = TOK_STRING;
	if (xlcfg_lex_unescape_body(p->text + p->tok.start + 1,
			   p->pos - p->tok.start - 2, NULL, &bad) < 0) {
		p->tok.kind = TOK_BAD;
		p->tok.bad = bad;
	}
}

/* Blanks and comments; stops at a newline, which is a token. */
static void xlcfg_lex_skip(struct xlcfg_parser *p)
{
	for (;;) {
		while (p->pos < p->len && xlcfg_lex_blank(p->text[p->pos]))
			p->pos++;
		if (p->pos >= p->len || p->text[p->pos] != '#')
			return;
		while (p->pos < p->len && p->text[p->pos] != '\n')
			p->pos++;
	}
}

void xlcfg_lex_next(struct xlcfg_parser *p)
{
	static const char punct[] = "\n;=[],";
	static const enum xlcfg_tok punct_tok[] = {
		TOK_NEWLINE, TOK_SEMI, TOK_EQ, TOK_OPEN, TOK_CLOSE, TOK_COMMA,
	};
	const char *k;
	char c;

	xlcfg_lex_skip(p);
	memset(&p->tok, 0, sizeof(p->tok));
	p->tok.start = p->pos;
	p->tok.line = p->line;
	if (p->pos >= p->len) {
		p->tok.kind = TOK_END;
		return;
	}
	c = p->text[p->pos++];
	k = c ? strchr(punct, c) : NULL;
	if (k) {
		p->tok.kind = punct_tok[k - punct];
		if (c == '\n')
			p->line++;
	} else if (c == '\'' || c == '"') {
		xlcfg_lex_string(p, c);
	} else if (c == '+' && p->pos < p->len && p->text[p->pos] == '=') {
		p->pos++;
		p->tok.kind = TOK_PLUSEQ;
	} else if (c >= '0' && c <= '9') {
		xlcfg_lex_number(p);
	} else if (xlcfg_lex_key_start(c)) {
		while (p->pos < p->len && xlcfg_lex_key_char(p->text[p->pos]))
			p->pos++;
		p->tok.kind = TOK_KEY;
	} else {
		xlcfg_lex_bad(p, "lexical error");
	}
	p->tok.len = p->pos - p->tok.start;
}

void xlcfg_show(char out[XLCFG_SHOW_MAX], const char *s, size_t len)
{
	size_t i, n = len < XLCFG_SHOW_MAX - 4 ? len : XLCFG_SHOW_MAX - 4;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[n] = 0;
	if (n < len)
		strcat(out, "...");
}

void xlcfg_lex_unescape(const char *s, size_t n, char *out)
{
	const char *bad;

	xlcfg_lex_unescape_body(s, n, out, &bad);
}

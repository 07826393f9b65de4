/*
 * The xl.cfg lexer, shared by the parser in xlcfg.c: tokens of the grammar
 * in xlcfg.h, one at a time. Internal to toolstack/xlcfg.
 */
#ifndef XLCFG_LEX_H
#define XLCFG_LEX_H

#include "xlcfg.h"

enum xlcfg_tok {
	TOK_END, TOK_NEWLINE, TOK_SEMI, TOK_KEY, TOK_NUMBER, TOK_STRING,
	TOK_EQ, TOK_PLUSEQ, TOK_OPEN, TOK_CLOSE, TOK_COMMA, TOK_BAD,
};

struct xlcfg_token {
	enum xlcfg_tok kind;
	size_t start, len;	/* its text, for messages */
	int line;
	uint64_t num;		/* TOK_NUMBER */
	const char *bad;	/* TOK_BAD: what is wrong with it */
};

/* The lexer state and the parser's: p->tok is the lookahead, p->pos is
 * just past it. */
struct xlcfg_parser {
	const char *text;
	size_t len, pos;
	int line;
	const char *source;
	struct xlcfg_token tok;
	int depth;
	struct xlcfg_err *err;
};

/* Reads the next token into p->tok. A malformed one is TOK_BAD, with
 * p->tok.bad saying why; the parser reports it when it looks at it. */
void xlcfg_lex_next(struct xlcfg_parser *p);

/* Unescapes the n-byte body of a quoted string the lexer accepted into
 * out (n + 1 bytes). */
void xlcfg_lex_unescape(const char *s, size_t n, char *out);

bool xlcfg_lex_blank(int c);

#endif

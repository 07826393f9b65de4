/*
 * xl.cfg parser (see xlcfg.h): recursive descent over the tokens of
 * xlcfg_lex.c with one token of lookahead, building the tree; overrides;
 * the tree printer.
 */
#include "xlcfg_lex.h"

/* Reports the lookahead token as the error, in upstream's shape. */
static void xlcfg_parse_error(struct xlcfg_parser *p, const char *why)
{
	const struct xlcfg_token *t = &p->tok;
	char shown[XLCFG_SHOW_MAX];

	if (!why)
		why = t->kind == TOK_BAD ? t->bad : "syntax error";
	if (t->kind == TOK_NEWLINE || t->kind == TOK_END) {
		xlcfg_errorf(p->err, p->source, t->line,
			     "config parsing error near %s: %s",
			     t->kind == TOK_END ? "<end of file>" : "<newline>", why);
		return;
	}
	xlcfg_show(shown, p->text + t->start, t->len);
	xlcfg_errorf(p->err, p->source, t->line,
		     "config parsing error near `%s': %s", shown, why);
}

static void xlcfg_oom(struct xlcfg_parser *p)
{
	xlcfg_errorf(p->err, p->source, p->tok.line, "out of memory");
}

static struct xlcfg_value *xlcfg_value_new(enum xlcfg_type type, int line)
{
	struct xlcfg_value *v = calloc(1, sizeof(*v));

	if (v) {
		v->type = type;
		v->line = line;
	}
	return v;
}

static void xlcfg_value_free(struct xlcfg_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->count; i++)
		xlcfg_value_free(v->items[i]);
	free(v->items);
	free(v->str);
	free(v);
}

static int xlcfg_list_add(struct xlcfg_value *list, struct xlcfg_value *item)
{
	struct xlcfg_value **items;

	items = realloc(list->items, (list->count + 1) * sizeof(*items));
	if (!items)
		return -1;
	list->items = items;
	list->items[list->count++] = item;
	return 0;
}

static struct xlcfg_value *xlcfg_parse_value(struct xlcfg_parser *p);

static void xlcfg_skip_newlines(struct xlcfg_parser *p)
{
	while (p->tok.kind == TOK_NEWLINE)
		xlcfg_lex_next(p);
}

/* '[' newlines [ value { ',' value } [','] ] ']' */
static struct xlcfg_value *xlcfg_parse_list(struct xlcfg_parser *p)
{
	struct xlcfg_value *list, *item;

	if (p->depth >= XLCFG_MAX_DEPTH) {
		xlcfg_parse_error(p, "lists nested too deeply");
		return NULL;
	}
	list = xlcfg_value_new(XLCFG_LIST, p->tok.line);
	if (!list) {
		xlcfg_oom(p);
		return NULL;
	}
	p->depth++;
	xlcfg_lex_next(p);
	xlcfg_skip_newlines(p);
	while (p->tok.kind != TOK_CLOSE) {
		item = xlcfg_parse_value(p);
		if (!item)
			goto fail;
		if (xlcfg_list_add(list, item)) {
			xlcfg_value_free(item);
			xlcfg_oom(p);
			goto fail;
		}
		xlcfg_skip_newlines(p);
		if (p->tok.kind == TOK_CLOSE)
			break;
		if (p->tok.kind != TOK_COMMA) {
			xlcfg_parse_error(p, NULL);
			goto fail;
		}
		xlcfg_lex_next(p);
		xlcfg_skip_newlines(p);
	}
	xlcfg_lex_next(p);
	p->depth--;
	return list;
fail:
	xlcfg_value_free(list);
	return NULL;
}

static struct xlcfg_value *xlcfg_parse_value(struct xlcfg_parser *p)
{
	const struct xlcfg_token *t = &p->tok;
	struct xlcfg_value *v;

	if (t->kind == TOK_OPEN)
		return xlcfg_parse_list(p);
	if (t->kind != TOK_STRING && t->kind != TOK_NUMBER) {
		xlcfg_parse_error(p, NULL);
		return NULL;
	}
	v = xlcfg_value_new(t->kind == TOK_STRING ? XLCFG_STRING : XLCFG_NUMBER,
			    t->line);
	if (v && t->kind == TOK_NUMBER) {
		v->num = t->num;
		v->str = strndup(p->text + t->start, t->len);
	} else if (v) {
		v->str = malloc(t->len - 1);
		if (v->str)
			xlcfg_lex_unescape(p->text + t->start + 1, t->len - 2,
					    v->str);
	}
	if (!v || !v->str) {
		xlcfg_value_free(v);
		xlcfg_oom(p);
		return NULL;
	}
	xlcfg_lex_next(p);
	return v;
}

/* ---- the tree ---- */

static struct xlcfg_setting *xlcfg_lookup(const struct xlcfg *cfg,
					  const char *key)
{
	size_t i;

	for (i = 0; i < cfg->count; i++)
		if (!strcmp(cfg->settings[i].key, key))
			return &cfg->settings[i];
	return NULL;
}

const struct xlcfg_setting *xlcfg_find(const struct xlcfg *cfg, const char *key)
{
	return xlcfg_lookup(cfg, key);
}

/* `+=' onto an existing value: changes nothing unless it succeeds. The
 * caller still frees `v' (emptied of any list items moved out of it). */
static int xlcfg_append(struct xlcfg_setting *s, struct xlcfg_value *v,
			const char *source, int line, struct xlcfg_err *err)
{
	struct xlcfg_value *old = s->value, **items;
	size_t a, b;
	char *str;

	if (old->type != v->type) {
		xlcfg_errorf(err, source, line,
			     "can't use += to add a %s to %s parameter `%s'",
			     v->type == XLCFG_LIST ? "list" : "string",
			     old->type == XLCFG_LIST ? "list" : "string", s->key);
		return -1;
	}
	if (v->type == XLCFG_STRING) {
		a = strlen(old->str), b = strlen(v->str);
		str = malloc(a + b + 1);
		if (!str)
			goto oom;
		memcpy(str, old->str, a);
		memcpy(str + a, v->str, b + 1);
		free(old->str);
		old->str = str;
	} else if (v->count) {
		items = realloc(old->items, (old->count + v->count) * sizeof(*items));
		if (!items)
			goto oom;
		old->items = items;
		memcpy(items + old->count, v->items, v->count * sizeof(*items));
		old->count += v->count;
		v->count = 0;
	}
	return 0;
oom:
	xlcfg_errorf(err, source, line, "out of memory");
	return -1;
}

/*
 * Records KEY op VALUE. Takes `key' and `v' in every case; on error the
 * tree is as it was.
 */
static int xlcfg_store(struct xlcfg *cfg, char *key, bool append,
		       struct xlcfg_value *v, const char *source, int line,
		       struct xlcfg_err *err)
{
	struct xlcfg_setting *s = xlcfg_lookup(cfg, key), *grown;
	int rc = 0;

	if (append && (v->type == XLCFG_NUMBER ||
		       (s && s->value->type == XLCFG_NUMBER))) {
		xlcfg_errorf(err, source, line,
			     "can't use += with numbers for parameter `%s'", key);
		rc = -1;
	} else if (append && s) {
		rc = xlcfg_append(s, v, source, line, err);
	} else if (s) {
		xlcfg_value_free(s->value);
		s->value = v;
		v = NULL;
	} else {
		if (cfg->count == cfg->cap) {
			size_t cap = cfg->cap ? cfg->cap * 2 : 16;

			grown = realloc(cfg->settings, cap * sizeof(*grown));
			if (!grown) {
				xlcfg_errorf(err, source, line, "out of memory");
				free(key);
				xlcfg_value_free(v);
				return -1;
			}
			cfg->settings = grown;
			cfg->cap = cap;
		}
		s = &cfg->settings[cfg->count++];
		s->key = key;
		s->value = v;
		key = NULL;
		v = NULL;
	}
	if (!rc) {
		s->source = source;
		s->line = line;
	}
	free(key);
	xlcfg_value_free(v);
	return rc;
}

static void xlcfg_parser_init(struct xlcfg_parser *p, const char *source,
			      const char *text, size_t len, int line,
			      struct xlcfg_err *err)
{
	memset(p, 0, sizeof(*p));
	p->text = text;
	p->len = len;
	p->line = line;
	p->source = source;
	p->err = err;
	err->msg[0] = 0;
	xlcfg_lex_next(p);
}

/* KEY ('=' | '+=') — leaves the operator as the lookahead. */
static char *xlcfg_parse_key(struct xlcfg_parser *p, int *line)
{
	char *key;

	if (p->tok.kind != TOK_KEY) {
		xlcfg_parse_error(p, NULL);
		return NULL;
	}
	*line = p->tok.line;
	key = strndup(p->text + p->tok.start, p->tok.len);
	if (!key) {
		xlcfg_oom(p);
		return NULL;
	}
	xlcfg_lex_next(p);
	if (p->tok.kind != TOK_EQ && p->tok.kind != TOK_PLUSEQ) {
		xlcfg_parse_error(p, NULL);
		free(key);
		return NULL;
	}
	return key;
}

static int xlcfg_parse_statement(struct xlcfg_parser *p, struct xlcfg *cfg)
{
	struct xlcfg_value *v;
	bool append;
	char *key;
	int line;

	key = xlcfg_parse_key(p, &line);
	if (!key)
		return -1;
	append = p->tok.kind == TOK_PLUSEQ;
	xlcfg_lex_next(p);
	v = xlcfg_parse_value(p);
	if (v && p->tok.kind != TOK_NEWLINE && p->tok.kind != TOK_SEMI &&
	    p->tok.kind != TOK_END) {
		xlcfg_parse_error(p, NULL);
		xlcfg_value_free(v);
		v = NULL;
	}
	if (!v) {
		free(key);
		return -1;
	}
	return xlcfg_store(cfg, key, append, v, cfg->source, line, p->err);
}

struct xlcfg *xlcfg_parse(const char *source, const char *text, size_t len,
			  struct xlcfg_err *err)
{
	struct xlcfg *cfg = calloc(1, sizeof(*cfg));
	struct xlcfg_parser p;

	if (cfg)
		cfg->source = strdup(source);
	if (!cfg || !cfg->source) {
		free(cfg);
		xlcfg_errorf(err, source, 0, "out of memory");
		return NULL;
	}
	xlcfg_parser_init(&p, cfg->source, text, len, 1, err);
	while (p.tok.kind != TOK_END) {
		if (p.tok.kind == TOK_NEWLINE || p.tok.kind == TOK_SEMI) {
			xlcfg_lex_next(&p);
		} else if (xlcfg_parse_statement(&p, cfg)) {
			xlcfg_free(cfg);
			return NULL;
		}
	}
	return cfg;
}

/* Whether an override's VALUE is in the file's syntax (else verbatim). */
static bool xlcfg_override_is_syntax(struct xlcfg_parser *p)
{
	struct xlcfg_parser probe = *p;

	if (p->tok.kind == TOK_STRING || p->tok.kind == TOK_OPEN)
		return true;
	if (p->tok.kind == TOK_BAD && p->tok.start < p->len &&
	    strchr("'\"", p->text[p->tok.start]))
		return true;	/* a broken string: report it */
	if (p->tok.kind != TOK_NUMBER)
		return false;
	xlcfg_lex_next(&probe);
	return probe.tok.kind == TOK_END;
}

int xlcfg_override(struct xlcfg *cfg, const char *arg, int argno,
		   struct xlcfg_err *err)
{
	struct xlcfg_value *v;
	struct xlcfg_parser p;
	bool append;
	char *key;
	int line;
	size_t rest;

	xlcfg_parser_init(&p, XLCFG_CMDLINE_SOURCE, arg, strlen(arg), argno, err);
	key = xlcfg_parse_key(&p, &line);
	if (!key)
		return -1;
	append = p.tok.kind == TOK_PLUSEQ;
	rest = p.pos;
	xlcfg_lex_next(&p);
	if (p.tok.kind == TOK_END || xlcfg_override_is_syntax(&p)) {
		v = xlcfg_parse_value(&p);
		if (v && p.tok.kind != TOK_END) {
			xlcfg_parse_error(&p, NULL);
			xlcfg_value_free(v);
			v = NULL;
		}
	} else {
		while (xlcfg_lex_blank(arg[rest]))
			rest++;
		v = xlcfg_value_new(XLCFG_STRING, line);
		if (v)
			v->str = strdup(arg + rest);
		if (!v || !v->str) {
			xlcfg_value_free(v);
			v = NULL;
			xlcfg_oom(&p);
		}
	}
	if (!v) {
		free(key);
		return -1;
	}
	return xlcfg_store(cfg, key, append, v, XLCFG_CMDLINE_SOURCE, line, err);
}

void xlcfg_free(struct xlcfg *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->count; i++) {
		free(cfg->settings[i].key);
		xlcfg_value_free(cfg->settings[i].value);
	}
	free(cfg->settings);
	free(cfg->source);
	free(cfg);
}

/* ---- printing ---- */

static void xlcfg_puts(xlcfg_write_fn write, void *ctx, const char *s)
{
	write(ctx, s, strlen(s));
}

void xlcfg_write_escaped(void *ctx, const char *s, size_t len)
{
	const struct xlcfg_sink *sink = ctx;
	char esc[5];
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;

		if (c == '"')
			e = "\\\"";
		else if (c == '\\')
			e = "\\\\";
		else if (c == '\n')
			e = "\\n";
		else if (c == '\t')
			e = "\\t";
		else if (c < 0x20 || c == 0x7f) {
			esc[0] = '\\';
			esc[1] = (char)('0' + (c >> 6));
			esc[2] = (char)('0' + ((c >> 3) & 7));
			esc[3] = (char)('0' + (c & 7));
			esc[4] = 0;
			e = esc;
		}
		if (e)
			xlcfg_puts(sink->write, sink->ctx, e);
		else
			sink->write(sink->ctx, s + i, 1);
	}
}

void xlcfg_print_string(const char *s, xlcfg_write_fn write, void *ctx)
{
	struct xlcfg_sink sink = { write, ctx };

	write(ctx, "\"", 1);
	xlcfg_write_escaped(&sink, s, strlen(s));
	write(ctx, "\"", 1);
}

static void xlcfg_print_value(const struct xlcfg_value *v,
			      xlcfg_write_fn write, void *ctx)
{
	size_t i;

	switch (v->type) {
	case XLCFG_STRING:
		xlcfg_print_string(v->str, write, ctx);
		return;
	case XLCFG_NUMBER:
		xlcfg_puts(write, ctx, v->str);
		return;
	case XLCFG_LIST:
		xlcfg_puts(write, ctx, "[");
		for (i = 0; i < v->count; i++) {
			xlcfg_puts(write, ctx, i ? ", " : " ");
			xlcfg_print_value(v->items[i], write, ctx);
		}
		xlcfg_puts(write, ctx, v->count ? " ]" : "]");
		return;
	}
	abort();	/* no other types */
}

void xlcfg_print(const struct xlcfg *cfg, xlcfg_write_fn write, void *ctx)
{
	size_t i;

	for (i = 0; i < cfg->count; i++) {
		xlcfg_puts(write, ctx, cfg->settings[i].key);
		xlcfg_puts(write, ctx, " = ");
		xlcfg_print_value(cfg->settings[i].value, write, ctx);
		xlcfg_puts(write, ctx, "\n");
	}
}

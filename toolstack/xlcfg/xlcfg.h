/*
 * xl.cfg(5) files: the text a user hands to `xl create`, parsed into a tree
 * of settings. REFERENCE §2 is the spec; the facts come from Xen's
 * docs/man/xl.cfg.5.pod.in ("SYNTAX").
 *
 *   file   := { sep | KEY op value (sep | end) }     sep := newline | ';'
 *   KEY    := [a-z][._0-9a-z]*                        op  := '=' | '+='
 *   value  := STRING | NUMBER | '[' list ']'
 *   list   := nothing | value { ',' value } [',']     (newlines allowed
 *             after '[', around values and after ',')
 *
 * STRING is '...' or "..." on one line with the C escapes \a \b \f \n \r \t
 * \v \\ \' \" \xH[H] \o[o[o]] (no \0: strings are C strings). NUMBER is
 * decimal, octal (leading 0) or hex (0x), unsigned, up to 2^64-1, in lower
 * case only, as upstream's lexer ([0-9][0-9a-fx]*): `0X400' and `0x1Ff' are
 * errors. '#' starts a comment to the end of the line. Blanks are space, tab and CR (so DOS
 * line ends work).
 *
 * A key set twice keeps the last value, as xl. `KEY += VALUE` appends a
 * string to a string or a list's items to a list; it is an error on numbers
 * and between a string and a list; on a key not yet set it is a plain `='.
 *
 * Errors are one line, in upstream xl's shape:
 *   FILE:LINE: config parsing error near `TOKEN': syntax error
 * TOKEN is the text of the offending token; a newline shows as <newline>
 * (no quotes, as upstream) and the end of the text as <end of file>
 * (upstream prints nothing there). Characters that start no token give
 * "lexical error" (upstream's word), malformed numbers and escapes say so.
 * A TOKEN over 80 characters is cut short with "...", and control
 * characters in any message show as '?'. Errors found after parsing use
 * the same `FILE:LINE: ' prefix.
 * Nothing is returned on error: no partial tree.
 */
#ifndef XLCFG_H
#define XLCFG_H

#include "dom.h"

#define XLCFG_ERR_MAX 512
/* Lists nested deeper than this are refused (the parser recurses). */
#define XLCFG_MAX_DEPTH 32
/* The file name used for errors in command-line overrides. */
#define XLCFG_CMDLINE_SOURCE "<command line>"

/* One error message, without a trailing newline; "" when none. */
struct xlcfg_err {
	char msg[XLCFG_ERR_MAX];
};

enum xlcfg_type { XLCFG_STRING, XLCFG_NUMBER, XLCFG_LIST };

struct xlcfg_value {
	enum xlcfg_type type;
	int line;			/* where the value starts */
	char *str;			/* STRING: the text, unescaped;
					 * NUMBER: the digits as written */
	uint64_t num;			/* NUMBER */
	size_t count;			/* LIST: items */
	struct xlcfg_value **items;	/* LIST */
};

struct xlcfg_setting {
	char *key;
	struct xlcfg_value *value;
	const char *source;		/* file name or XLCFG_CMDLINE_SOURCE */
	int line;			/* of the last `=' or `+=' that set it */
};

/* Settings in the order their keys first appeared. */
struct xlcfg {
	char *source;			/* file name given to xlcfg_parse */
	size_t count, cap;
	struct xlcfg_setting *settings;
};

/* Output sink for the printers; called with pieces of text, not
 * NUL-terminated. */
typedef void (*xlcfg_write_fn)(void *ctx, const char *s, size_t len);

/*
 * Parses `len' bytes of config text (NUL bytes in it are errors). `source'
 * names the file in error messages. Returns the tree, or NULL with `err'
 * filled in.
 */
struct xlcfg *xlcfg_parse(const char *source, const char *text, size_t len,
			  struct xlcfg_err *err);

/*
 * Applies one `xl create' command-line override, `KEY=VALUE' or
 * `KEY+=VALUE', after the file, with the same rules. VALUE uses the file's
 * syntax when it starts with a quote or '[' or is a NUMBER; anything else
 * is taken verbatim as a string (`name=web1', `cmdline=console=hvc0 ro').
 * `argno' (1-based position among the overrides) is the LINE of errors,
 * whose FILE is XLCFG_CMDLINE_SOURCE. On error `cfg' is unchanged.
 * Returns 0 or -1.
 */
int xlcfg_override(struct xlcfg *cfg, const char *arg, int argno,
		   struct xlcfg_err *err);

void xlcfg_free(struct xlcfg *cfg);

/* The setting for `key', or NULL. */
const struct xlcfg_setting *xlcfg_find(const struct xlcfg *cfg,
				       const char *key);

/*
 * Writes the tree back as config text, one `KEY = VALUE' per line, strings
 * double-quoted with escapes, numbers as written, lists on one line.
 * Parsing the output gives the same tree (lines aside).
 */
void xlcfg_print(const struct xlcfg *cfg, xlcfg_write_fn write, void *ctx);

/* Writes one string as a double-quoted, escaped xl.cfg STRING. */
void xlcfg_print_string(const char *s, xlcfg_write_fn write, void *ctx);

/* An xlcfg_write_fn that escapes what it is given (for a STRING's body)
 * and passes it on to the sink given as its ctx. */
struct xlcfg_sink {
	xlcfg_write_fn write;
	void *ctx;
};
void xlcfg_write_escaped(void *sink, const char *s, size_t len);

/*
 * Helpers shared with the spec parsers and the domain builder.
 */

/* A spec flag given as `x' or `no-x' (`trusted' / `untrusted'), or not at
 * all. */
enum xlspec_flag { XLSPEC_FLAG_DEFAULT, XLSPEC_FLAG_ON, XLSPEC_FLAG_OFF };

/* Reads a whole NUMBER (decimal, 0 octal, 0x hex) from n bytes at s;
 * hex digits and the x in either case (for numbers given as strings,
 * which upstream reads with strtol). Returns 0, or -1 with *bad saying
 * why. */
int xlcfg_number(const char *s, size_t n, uint64_t *value, const char **bad);

/* Copies text for a message: control characters become '?', and text
 * longer than XLCFG_SHOW_MAX - 4 is cut short with "...". */
#define XLCFG_SHOW_MAX 84
void xlcfg_show(char out[XLCFG_SHOW_MAX], const char *s, size_t len);

/* Makes a message one printable line: control characters (from values
 * quoted in it) become '?'. xlcfg_errorf does it itself. */
void xlcfg_err_clean(struct xlcfg_err *err);

/* Fills `err' with "FILE:LINE: " and the message. */
void xlcfg_errorf(struct xlcfg_err *err, const char *source, int line,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif

/*
 * xl, Bulkhead's toolstack command (REFERENCE §1; Xen's xl(1) is the spec
 * of its surface). One context per invocation; every command is a handler in
 * the table of xl_cmdtable.c; all I/O goes through the backend.
 */
#ifndef XL_H
#define XL_H

#include "dom.h"
#include "xl_backend.h"

/* Xen's errno values (the hypercall ABI's; xen/include/public/errno.h). */
#define XL_EPERM 1
#define XL_ENOENT 2
#define XL_ESRCH 3
#define XL_EIO 5
#define XL_E2BIG 7
#define XL_EAGAIN 11
#define XL_ENOMEM 12
#define XL_EACCES 13
#define XL_EFAULT 14
#define XL_EBUSY 16
#define XL_EEXIST 17
#define XL_ENODEV 19
#define XL_EINVAL 22
#define XL_ENOSPC 28
#define XL_ERANGE 34
#define XL_ENOSYS 38

/* Exit statuses: upstream xl's (EXIT_FAILURE; 2 for usage errors). */
#define XL_OK 0
#define XL_FAIL 1
#define XL_USAGE 2

/* Log levels, lowest first (xentoollog's order and names). */
enum xl_level {
	XL_DEBUG, XL_VERBOSE, XL_DETAIL, XL_PROGRESS, XL_INFO, XL_NOTICE, XL_WARN, XL_ERROR,
	XL_CRITICAL,
};

#define XL_NO_DOMID (-1)
#define XL_MAX_OPERANDS 64
#define XL_LOG_DIR "/var/log/xen"
#define XL_LOG_KEEP 10	/* xl-NAME.log.1 ... .10 */

struct xl {
	const struct xl_backend *be;
	enum xl_level threshold;	/* messages below it do not reach stderr */
	bool dryrun;			/* global -N */
	bool force;			/* global -f */
	const char *cmd;		/* the running subcommand's table name */
	/* Capture for /var/log/xen/xl-NAME.log while `xl create` runs. */
	bool capturing;
	char *cap;
	size_t cap_len, cap_size;
};

/* One option a subcommand accepts. */
struct xl_opt {
	char c;			/* short letter */
	const char *lng;	/* long name or NULL */
	bool arg;		/* takes a value */
};

/* A command line after option parsing. */
struct xl_args {
	bool on[128];			/* by option letter */
	const char *val[128];		/* value of options that take one */
	int n;				/* operands */
	char *pos[XL_MAX_OPERANDS];
};

struct xl_cmd {
	const char *name;
	int (*fn)(struct xl *x, const struct xl_args *a);
	const struct xl_opt *opts;	/* NULL-letter terminated, or NULL */
	int min_args, max_args;		/* operands; max -1: any number */
	bool can_dryrun;		/* global -N is meaningful */
	bool modifies;			/* global -f is meaningful */
	const char *usage;		/* after "xl CMD " */
	const char *desc;		/* one sentence */
	const char *help;		/* option lines, or NULL */
};

/* xl_main.c */
int xl_main(const struct xl_backend *be, int argc, char **argv);
/* Exact name, else the only command it is a prefix of; NULL and *ambiguous
 * set when several match. */
const struct xl_cmd *xl_cmd_lookup(const char *name, bool *ambiguous);
void xl_help_cmd(struct xl *x, const struct xl_cmd *c);

/* xl_cmdtable.c */
extern const struct xl_cmd xl_cmds[];
extern const unsigned xl_ncmds;

/* xl_out.c: stdout / stderr and the error line helpers. */
void xl_out(struct xl *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xl_outs(struct xl *x, const char *s, size_t len);
void xl_errs(struct xl *x, const char *s, size_t len);
/* Prints one line on stderr and returns status. */
int xl_fail(struct xl *x, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "OP failed (rc=RC: TEXT)" */
int xl_fail_rc(struct xl *x, const char *op, int rc);
const char *xl_strerror(int err);
/* CPU time in seconds with one decimal, right-aligned in width. */
void xl_fmt_secs(char *buf, size_t size, uint64_t ns, int width);
/* Copies a name field that may lack its NUL. */
void xl_name(char out[65], const char *field, size_t size);

/* xl_log.c: libxl-shaped diagnostics and the per-domain log file. */
void xl_log(struct xl *x, enum xl_level lvl, const char *file, int line, const char *func,
	    int domid, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
#define XL_LOG(x, lvl, domid, ...) \
	xl_log((x), (lvl), __FILE__, __LINE__, __func__, (domid), __VA_ARGS__)
void xl_capture_begin(struct xl *x);
void xl_capture_add(struct xl *x, const char *s, size_t len);
/* Rotates XL_LOG_DIR/xl-NAME.log and writes the capture there; ends it. */
int xl_capture_end(struct xl *x, const char *name);

/* xl_domain.c: domains by name or id. */
int xl_list_all(struct xl *x, struct bh_dominfo **out, uint32_t *n);
/* Resolves a domain qualifier; prints upstream's error and returns XL_FAIL
 * when there is no such domain. */
int xl_find_domain(struct xl *x, const char *q, struct bh_dominfo *out);
void xl_state_str(const struct bh_dominfo *d, char out[7]);
/* The id of the domain called name, -1 if there is none (or the list failed). */
int xl_domain_named(struct xl *x, const char *name);
/* xl_control.c: 1..63 printable characters, no '/', not all digits. */
bool xl_name_valid(const char *name);

/* xl_opt.c */
int xl_parse_args(struct xl *x, const struct xl_cmd *c, int argc, char **argv,
		  struct xl_args *a);
#define XL_HELP_SHOWN (-1)
/* Memory size with an optional t/g/m/k/b suffix (default MiB), in KiB;
 * -1 when malformed. */
long long xl_parse_mem_kb(const char *s);

/* Handlers (xl_cmdtable.c lists them). */
int xl_cmd_list(struct xl *x, const struct xl_args *a);
int xl_cmd_vm_list(struct xl *x, const struct xl_args *a);
int xl_cmd_domid(struct xl *x, const struct xl_args *a);
int xl_cmd_domname(struct xl *x, const struct xl_args *a);
int xl_cmd_info(struct xl *x, const struct xl_args *a);
int xl_cmd_dmesg(struct xl *x, const struct xl_args *a);
int xl_cmd_uptime(struct xl *x, const struct xl_args *a);
int xl_cmd_vcpu_list(struct xl *x, const struct xl_args *a);
int xl_cmd_destroy(struct xl *x, const struct xl_args *a);
int xl_cmd_shutdown(struct xl *x, const struct xl_args *a);
int xl_cmd_reboot(struct xl *x, const struct xl_args *a);
int xl_cmd_trigger(struct xl *x, const struct xl_args *a);
int xl_cmd_pci_assignable_list(struct xl *x, const struct xl_args *a);
int xl_cmd_pci_assignable_add(struct xl *x, const struct xl_args *a);
int xl_cmd_pci_assignable_remove(struct xl *x, const struct xl_args *a);
int xl_cmd_pci_list(struct xl *x, const struct xl_args *a);
int xl_cmd_network_list(struct xl *x, const struct xl_args *a);
int xl_cmd_block_list(struct xl *x, const struct xl_args *a);
int xl_cmd_pause(struct xl *x, const struct xl_args *a);
int xl_cmd_unpause(struct xl *x, const struct xl_args *a);
int xl_cmd_rename(struct xl *x, const struct xl_args *a);
int xl_cmd_mem_max(struct xl *x, const struct xl_args *a);
int xl_cmd_console(struct xl *x, const struct xl_args *a);
int xl_cmd_create(struct xl *x, const struct xl_args *a);
int xl_cmd_help(struct xl *x, const struct xl_args *a);

/* xl_console.c: attach to a domain's console until Ctrl-] (also create -c). */
int xl_console_attach(struct xl *x, const struct bh_dominfo *d);

#endif

/*
 * xl as a command of Dom0's shell: the runtime's file system, console and
 * waiting behind struct xl_dom0_io. Dom0's start-up calls xl_dom0_register()
 * once; then "xl list" and friends work at the dom0# prompt and in /etc/rc.
 * Other domains' consoles (xl console) come from Dom0's console daemon.
 */
#include "backend_dom0.h"
#include "xl.h"
#include "xl_hvm.h"
#include "xl_vbd.h"
#include "dom/console.h"
#include "dom/fs.h"
#include "dom/shell.h"
#include "dom/time.h"

#define ERR_CHUNK 256

static int io_file_read(void *ctx, const char *path, char **data, size_t *len)
{
	(void)ctx;
	return dom_fs_read_file(path, data, len);
}

/* Creates the file's directory first (/var/log/xen on the first create). */
static int io_file_write(void *ctx, const char *path, const void *data, size_t len, bool append)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	(void)ctx;
	if (slash && slash != path) {
		dir = strndup(path, (size_t)(slash - path));
		if (!dir)
			return -XL_ENOMEM;
		dom_fs_mkdirs(dir);
		free(dir);
	}
	return dom_fs_write_file(path, data, len, append);
}

static bool io_file_exists(void *ctx, const char *path)
{
	struct dom_fs_stat st;

	(void)ctx;
	return dom_fs_stat(path, &st) == 0;
}

/* The file system has no rename: copy, then remove the old name. */
static int io_file_rename(void *ctx, const char *from, const char *to)
{
	char *data;
	size_t len;
	int rc = dom_fs_read_file(from, &data, &len);

	(void)ctx;
	if (rc)
		return rc;
	rc = dom_fs_write_file(to, data, len, false);
	free(data);
	return rc ? rc : dom_fs_unlink(from);
}

static void io_out(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	dom_console_write(s, len);
}

/* stderr is never captured by the shell's "> FILE". */
static void io_err(void *ctx, const char *s, size_t len)
{
	char chunk[ERR_CHUNK];

	(void)ctx;
	while (len) {
		size_t n = len < sizeof(chunk) - 1 ? len : sizeof(chunk) - 1;

		memcpy(chunk, s, n);
		chunk[n] = '\0';
		dom_console_printk("%s", chunk);
		s += n;
		len -= n;
	}
}

static int io_term_read(void *ctx, char *buf, size_t size)
{
	(void)ctx;
	return (int)dom_console_read(buf, size);
}

static void io_wait(void *ctx, uint32_t ms)
{
	(void)ctx;
	dom_wait_event_timeout(ms);
}

/* Dom0's console daemon (dom0/cons.c): its log of every domain's console ring. */
int dom0_xl_cons_open(void *ctx, uint16_t domid);
int dom0_xl_cons_read(void *ctx, uint16_t domid, char *buf, size_t size);
int dom0_xl_cons_write(void *ctx, uint16_t domid, const char *buf, size_t len);
void dom0_xl_cons_close(void *ctx, uint16_t domid);
/* Its store (dom0/guests.c) and HVM guests' serial consoles (dom0/cons.c). */
int dom0_xl_xs_write(void *ctx, const char *path, const char *value);
int dom0_xl_xs_read(void *ctx, const char *path, char **value);
int dom0_xl_xs_rm(void *ctx, const char *path);
int dom0_xl_xs_dir(void *ctx, const char *path, char **names, size_t *len);
int dom0_xl_xs_set_perms(void *ctx, const char *path, const struct xl_xs_perm *p, unsigned n);
int dom0_xl_gcons_add(void *ctx, uint16_t guest, const char *name, uint16_t dm, uint64_t pfn,
		      uint32_t *port);
void dom0_xl_gcons_remove(void *ctx, uint16_t guest);
int dom0_xl_hvm_store(void *ctx, uint16_t guest, const char *name, uint64_t store_pfn,
		      uint64_t console_pfn);

static const struct xl_dom0_io dom0_io = {
	.cons_open = dom0_xl_cons_open,
	.cons_read = dom0_xl_cons_read,
	.cons_write = dom0_xl_cons_write,
	.cons_close = dom0_xl_cons_close,
	.out = io_out,
	.err = io_err,
	.file_read = io_file_read,
	.file_write = io_file_write,
	.file_exists = io_file_exists,
	.file_rename = io_file_rename,
	.term_read = io_term_read,
	.wait = io_wait,
	.xs_write = dom0_xl_xs_write,
	.xs_read = dom0_xl_xs_read,
	.xs_rm = dom0_xl_xs_rm,
	.xs_dir = dom0_xl_xs_dir,
	.xs_set_perms = dom0_xl_xs_set_perms,
	.gcons_add = dom0_xl_gcons_add,
	.gcons_remove = dom0_xl_gcons_remove,
	.hvm_store = dom0_xl_hvm_store,
};

static int xl_shell_cmd(int argc, char **argv)
{
	return xl_dom0_main(&dom0_io, argc, argv);
}

/* From Dom0's reaper (idle): messages go to Dom0's console. */
void xl_dom0_hvm_reap(void)
{
	struct xl_backend be;
	struct xl x = { .be = &be, .threshold = XL_PROGRESS };

	xl_backend_dom0(&be, &dom0_io);
	xl_hvm_reap(&x);
	free(x.cap);
}

void xl_dom0_vbd_remove(uint16_t domid)
{
	struct xl_backend be;
	struct xl x = { .be = &be, .threshold = XL_PROGRESS };

	xl_backend_dom0(&be, &dom0_io);
	xl_vbd_remove(&x, domid);
	xl_vif_remove(&x, domid);
	free(x.cap);
}

bool xl_dom0_hvm_owns(uint16_t domid)
{
	return xl_hvm_guest_of(domid) >= 0;
}

int xl_dom0_register(void)
{
	return shell_register("xl", xl_shell_cmd, "the Xen toolstack: xl help lists its commands");
}

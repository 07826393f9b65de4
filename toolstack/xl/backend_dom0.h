/*
 * xl inside Dom0: the backend over __HYPERVISOR_bulkhead_domctl, plus the
 * runtime's I/O (console output, RAM file system, console rings) handed in
 * by the caller, usually the Dom0 shell.
 */
#ifndef XL_BACKEND_DOM0_H
#define XL_BACKEND_DOM0_H

#include "xl_backend.h"

/* What the runtime provides; same meanings as in struct xl_backend, all
 * called with ctx. The cons_* and term_read entries may be NULL (xl console
 * then says it cannot attach); file_rename may be NULL (no log rotation). */
struct xl_dom0_io {
	void *ctx;
	void (*out)(void *ctx, const char *s, size_t len);
	void (*err)(void *ctx, const char *s, size_t len);
	int (*file_read)(void *ctx, const char *path, char **data, size_t *len);
	int (*file_write)(void *ctx, const char *path, const void *data, size_t len, bool append);
	bool (*file_exists)(void *ctx, const char *path);
	int (*file_rename)(void *ctx, const char *from, const char *to);
	int (*cons_open)(void *ctx, uint16_t domid);
	int (*cons_read)(void *ctx, uint16_t domid, char *buf, size_t size);
	int (*cons_write)(void *ctx, uint16_t domid, const char *buf, size_t len);
	void (*cons_close)(void *ctx, uint16_t domid);
	int (*term_read)(void *ctx, char *buf, size_t size);
	void (*wait)(void *ctx, uint32_t ms);
	void (*random)(void *ctx, uint8_t *buf, size_t len);	/* NULL: TSC-based */
	/* Dom0's xenstore and guest-console service (HVM guests; NULL: none). */
	int (*xs_write)(void *ctx, const char *path, const char *value);
	int (*xs_read)(void *ctx, const char *path, char **value);
	int (*xs_rm)(void *ctx, const char *path);
	int (*xs_dir)(void *ctx, const char *path, char **names, size_t *len);
	int (*xs_set_perms)(void *ctx, const char *path, const struct xl_xs_perm *p, unsigned n);
	int (*gcons_add)(void *ctx, uint16_t guest, const char *name, uint16_t dm, uint64_t pfn,
			 uint32_t *port);
	void (*gcons_remove)(void *ctx, uint16_t guest);
	int (*hvm_store)(void *ctx, uint16_t guest, const char *name, uint64_t store_pfn,
			 uint64_t console_pfn);
};

/* Fills *be: domain control through the hypercall, the rest from io. */
void xl_backend_dom0(struct xl_backend *be, const struct xl_dom0_io *io);
/* `xl ARGS...` in Dom0 (argv[0] is "xl"); the exit status. */
int xl_dom0_main(const struct xl_dom0_io *io, int argc, char **argv);
/* xl_dom0_shell.c: Dom0's reaper hands HVM guests to xl first (their
 * on_* actions, restart, the device model's death); true for a domain xl
 * looks after (an HVM guest or its device model), which the reaper leaves. */
void xl_dom0_hvm_reap(void);
bool xl_dom0_hvm_owns(uint16_t domid);
/* The vbd nodes of a runtime domain that went by itself (the reaper's
 * destroy; xl destroy removes them itself). */
void xl_dom0_vbd_remove(uint16_t domid);
/* xl_dom0_shell.c: registers "xl" with Dom0's shell over the runtime's
 * file system and console; 0 or the shell's error. */
int xl_dom0_register(void);

#endif

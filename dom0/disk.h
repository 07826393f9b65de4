/*
 * What Dom0's block backend (vbd.c) serves a disk from, found by its path:
 *   /dev/zvol/POOL/NAME   a sparse volume in Dom0's heap (vol.c, `zfs create -V`)
 *   a boot module's path  a module whose command line names an absolute path
 *                         (modfiles.c): read-only, in place
 *   any other path        a file of the RAM file system (modfiles.c)
 * Each comes as blkif_back storage ops over an open handle; close releases it
 * (a volume cannot be destroyed while open).
 */
#ifndef DOM0_DISK_H
#define DOM0_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include "blkif_back.h"

struct dom0_disk {
	const struct blkif_back_store_ops *ops;
	void *ctx;
	uint64_t sectors;		/* 512-byte sectors */
	bool readonly;
	void (*close)(void *ctx);
};

/* Opens path for the backend (writable unless readonly). 0 or -errno. */
int dom0_disk_open(const char *path, bool readonly, struct dom0_disk *d);
void dom0_disk_close(struct dom0_disk *d);
/* Whether path names something dom0_disk_open could open (for the toolstack). */
bool dom0_disk_exists(const char *path);

/* vol.c */
#define DOM0_ZVOL_PREFIX "/dev/zvol/"
/* Opens the volume POOL/NAME (the path without the prefix). */
int dom0_vol_open(const char *name, bool readonly, struct dom0_disk *d);
bool dom0_vol_exists(const char *name);
/* Registers the `zfs` shell command (start of day). */
int dom0_vol_register(void);

/* modfiles.c: boot modules as files, then the RAM file system. */
int dom0_file_open(const char *path, bool readonly, struct dom0_disk *d);
bool dom0_file_exists(const char *path);
/* Makes boot modules naming an absolute path into files (start of day). */
void dom0_modfiles_init(void);

#endif

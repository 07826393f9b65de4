/*
 * QEMU's firmware configuration device (docs/specs/fw_cfg.rst) on its x86
 * ports, as SeaBIOS (src/fw/paravirt.c) reads it: selector 0x510 (16-bit
 * write), data 0x511 (byte reads, auto-increment, 0 past the end) and the
 * DMA interface at 0x514/0x518. Items are read-only copies the device keeps.
 */
#ifndef DM_FWCFG_H
#define DM_FWCFG_H

#include "dm.h"

/* Legacy keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
#define DM_FWCFG_SIGNATURE 0x0000	/* "QEMU", set by init */
#define DM_FWCFG_ID 0x0001		/* le32 features: 1 traditional, 2 DMA; set by init */
#define DM_FWCFG_RAM_SIZE 0x0003	/* le64 */
#define DM_FWCFG_NOGRAPHIC 0x0004	/* le16 */
#define DM_FWCFG_NB_CPUS 0x0005		/* le16 */
#define DM_FWCFG_BOOT_MENU 0x000e	/* le16: SeaBIOS's etc/show-boot-menu */
#define DM_FWCFG_MAX_CPUS 0x000f	/* le16 */
#define DM_FWCFG_FILE_DIR 0x0019	/* built by the device */
#define DM_FWCFG_FILE_FIRST 0x0020
#define DM_FWCFG_IRQ0_OVERRIDE 0x8002	/* u8: SeaBIOS's etc/irq0-override */
#define DM_FWCFG_E820_TABLE 0x8003	/* reservations; prefer the etc/e820 file */

#define DM_FWCFG_MAX_FILES 64
#define DM_FWCFG_NAME_MAX 56		/* including the NUL */

struct dm_fwcfg;

/* NULL on failure (ports taken, no memory). */
struct dm_fwcfg *dm_fwcfg_init(struct dm_env *env, struct dm_bus *bus);
/* Removes its ports and frees it. */
void dm_fwcfg_free(struct dm_fwcfg *fw, struct dm_bus *bus);
/* A legacy item (key < 0x20 but 0x19, or 0x8000-0xbfff); replaces one
 * already there. 0, or negative. */
int dm_fwcfg_add_bytes(struct dm_fwcfg *fw, uint16_t key, const void *data, size_t len);
int dm_fwcfg_add_i16(struct dm_fwcfg *fw, uint16_t key, uint16_t v);	/* little-endian */
int dm_fwcfg_add_i32(struct dm_fwcfg *fw, uint16_t key, uint32_t v);
int dm_fwcfg_add_i64(struct dm_fwcfg *fw, uint16_t key, uint64_t v);
/* A named file; the directory stays sorted by name, and selectors follow
 * that order from 0x20 (so they may shift while files are added: add them
 * all before the guest runs). Replaces a file of the same name. Returns
 * 0, or negative (name empty or >= 56 bytes, too many files). */
int dm_fwcfg_add_file(struct dm_fwcfg *fw, const char *name, const void *data, size_t len);

#endif

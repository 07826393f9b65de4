/* Boot-time memory set-up: the frame pool from the loader's map, the core's page tables. */
#ifndef BULKHEAD_MM_H
#define BULKHEAD_MM_H

#include "types.h"
#include "multiboot.h"

/* Builds the frame pool from bi's map, keeping the image, modules and loader data. */
void mm_init(const struct boot_info *bi);
/* Replaces the boot page tables: all RAM and the APIC identity-mapped, the
 * image's code R+X, read-only data R+NX, the rest R+W+NX. */
void paging_init(void);
/* Top of RAM in bytes. */
u64 mm_total_bytes(void);
paddr_t paging_root(void);

#endif

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
/* Maps [pa, pa + len) uncached in the core's identity map, in 2 MiB pages
 * (the caller makes sure the rounded range holds no RAM). Before the APs
 * start: only this CPU's TLB is flushed. -EINVAL past the canonical half,
 * -EBUSY where the image's 4 KiB pages are. */
int paging_map_uncached(u64 pa, u64 len);

#endif

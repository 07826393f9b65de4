/* What the boot loader handed over, from multiboot1 or multiboot2 alike. */
#ifndef ARCH_X86_MULTIBOOT_H
#define ARCH_X86_MULTIBOOT_H

#include "types.h"

#define MAX_MODULES 32
#define MAX_MEM_REGIONS 64

struct boot_module {
	paddr_t start, end;
	const char *cmdline;
};

struct mem_region {
	paddr_t start, end;	/* usable RAM */
};

struct boot_info {
	const char *cmdline;
	u32 nr_modules;
	struct boot_module modules[MAX_MODULES];
	u32 nr_regions;
	struct mem_region regions[MAX_MEM_REGIONS];
	paddr_t info_start, info_end;	/* the loader's structures, to keep */
	paddr_t rsdp;			/* from multiboot2, or 0 */
	const char *loader;
};

/* Fills bi from the loader's magic and info pointer; false if neither protocol. */
bool multiboot_parse(u32 magic, paddr_t info, struct boot_info *bi);

#endif

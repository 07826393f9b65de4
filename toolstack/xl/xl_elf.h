/* The kernel images xl builds domains from: static ELF64 x86-64 executables. */
#ifndef XL_ELF_H
#define XL_ELF_H

#include "dom.h"

struct xl_elf {
	uint64_t entry;
	uint64_t lowest, highest;	/* guest-physical span of the PT_LOAD segments */
};

/* One PT_LOAD segment: filesz bytes at image + offset go to gpa; the rest of
 * memsz is BSS (fresh domain RAM is zeroed by the core). */
struct xl_elf_seg {
	uint64_t gpa, offset, filesz, memsz;
};

/* Checks the headers and every PT_LOAD; 0 or -XL_EINVAL. */
int xl_elf_check(const void *image, size_t size, struct xl_elf *info);
/* Calls fn for each PT_LOAD segment of a checked image; stops at the first error. */
int xl_elf_foreach(const void *image, size_t size,
		   int (*fn)(void *ctx, const struct xl_elf_seg *seg), void *ctx);

#endif

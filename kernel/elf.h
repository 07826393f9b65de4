/* Loading a static ELF64 x86-64 executable into a domain's memory. */
#ifndef BULKHEAD_ELF_H
#define BULKHEAD_ELF_H

#include "types.h"

struct elf_image {
	u64 entry;
	u64 lowest, highest;	/* guest-physical span of the PT_LOAD segments */
};

/* Checks the headers: 0, or -EINVAL naming nothing (the caller logs). */
int elf_check(const void *image, size_t size, struct elf_image *info);
/* Copies every PT_LOAD segment with write(ctx, gpa, src, len); BSS stays as
 * the (zeroed) memory was. 0 or the first error write returned. */
int elf_load(const void *image, size_t size,
	     int (*write)(void *ctx, u64 gpa, const void *src, size_t len), void *ctx);
bool elf_is_elf(const void *image, size_t size);

#endif

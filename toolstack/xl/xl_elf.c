/*
 * ELF64 executables (System V gABI §4, x86-64 psABI): header checks and the
 * PT_LOAD segments. Headers are copied out of the image, never cast in place,
 * so any alignment of the file buffer is fine.
 */
#include "xl.h"
#include "xl_elf.h"

#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct phdr) == 56, "ELF64 program header");

static int read_ehdr(const void *image, size_t size, struct ehdr *eh)
{
	if (size < sizeof(*eh))
		return -XL_EINVAL;
	memcpy(eh, image, sizeof(*eh));
	if (memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != ELFCLASS64 ||
	    eh->ident[5] != ELFDATA2LSB || eh->type != ET_EXEC || eh->machine != EM_X86_64 ||
	    eh->phentsize != sizeof(struct phdr) || !eh->phnum || eh->phoff > size ||
	    (uint64_t)eh->phnum * sizeof(struct phdr) > size - eh->phoff)
		return -XL_EINVAL;
	return 0;
}

static void read_phdr(const void *image, const struct ehdr *eh, unsigned i, struct phdr *ph)
{
	memcpy(ph, (const uint8_t *)image + eh->phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

int xl_elf_check(const void *image, size_t size, struct xl_elf *info)
{
	struct ehdr eh;
	struct phdr ph;
	int rc = read_ehdr(image, size, &eh);

	if (rc)
		return rc;
	info->entry = eh.entry;
	info->lowest = ~0ull;
	info->highest = 0;
	for (unsigned i = 0; i < eh.phnum; i++) {
		read_phdr(image, &eh, i, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (ph.filesz > ph.memsz || ph.offset > size || ph.filesz > size - ph.offset ||
		    ph.paddr + ph.memsz < ph.paddr)
			return -XL_EINVAL;
		if (ph.paddr < info->lowest)
			info->lowest = ph.paddr;
		if (ph.paddr + ph.memsz > info->highest)
			info->highest = ph.paddr + ph.memsz;
	}
	if (!info->highest || info->entry < info->lowest || info->entry >= info->highest)
		return -XL_EINVAL;
	return 0;
}

int xl_elf_foreach(const void *image, size_t size,
		   int (*fn)(void *ctx, const struct xl_elf_seg *seg), void *ctx)
{
	struct ehdr eh;
	struct phdr ph;
	struct xl_elf_seg seg;
	int rc = read_ehdr(image, size, &eh);

	for (unsigned i = 0; !rc && i < eh.phnum; i++) {
		read_phdr(image, &eh, i, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		seg.gpa = ph.paddr;
		seg.offset = ph.offset;
		seg.filesz = ph.filesz;
		seg.memsz = ph.memsz;
		rc = fn(ctx, &seg);
	}
	return rc;
}

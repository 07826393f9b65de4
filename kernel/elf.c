/* ELF64 executables (System V gABI, x86-64 psABI): header checks and PT_LOAD copying. */
#include "elf.h"
#include "errno.h"
#include "lib.h"

#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __packed;

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
} __packed;

bool elf_is_elf(const void *image, size_t size)
{
	return size >= 4 && !memcmp(image, "\177ELF", 4);
}

static const struct elf64_phdr *phdr(const void *image, const struct elf64_ehdr *eh, u16 i)
{
	return (const void *)((const u8 *)image + eh->phoff + (u64)i * sizeof(struct elf64_phdr));
}

int elf_check(const void *image, size_t size, struct elf_image *info)
{
	const struct elf64_ehdr *eh = image;

	if (size < sizeof(*eh) || !elf_is_elf(image, size) || eh->ident[4] != 2 ||
	    eh->ident[5] != 1 || eh->type != ET_EXEC || eh->machine != EM_X86_64 ||
	    eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 ||
	    eh->phoff > size || (u64)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
		return -EINVAL;
	info->entry = eh->entry;
	info->lowest = ~0ull;
	info->highest = 0;
	for (u16 i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = phdr(image, eh, i);

		if (ph->type != PT_LOAD)
			continue;
		if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset ||
		    ph->paddr + ph->memsz < ph->paddr)
			return -EINVAL;
		info->lowest = MIN(info->lowest, ph->paddr);
		info->highest = MAX(info->highest, ph->paddr + ph->memsz);
	}
	return info->highest ? 0 : -EINVAL;
}

int elf_load(const void *image, size_t size,
	     int (*write)(void *ctx, u64 gpa, const void *src, size_t len), void *ctx)
{
	const struct elf64_ehdr *eh = image;
	struct elf_image info;
	int rc = elf_check(image, size, &info);

	for (u16 i = 0; !rc && i < eh->phnum; i++) {
		const struct elf64_phdr *ph = phdr(image, eh, i);

		if (ph->type == PT_LOAD && ph->filesz)
			rc = write(ctx, ph->paddr, (const u8 *)image + ph->offset, ph->filesz);
	}
	return rc;
}

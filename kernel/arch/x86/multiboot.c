/* Multiboot 1 (QEMU -kernel) and multiboot 2 (GRUB) information parsing. */
#include "multiboot.h"
#include "lib.h"

#define MB1_LOADER_MAGIC 0x2badb002
#define MB2_LOADER_MAGIC 0x36d76289

#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER (1u << 9)

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
} __packed;

struct mb1_module {
	u32 start, end, cmdline, reserved;
} __packed;

struct mb_mmap_entry {	/* mb1 has a size field before it, mb2 does not */
	u64 addr, len;
	u32 type;
} __packed;

/* The loader's strings may sit in memory the frame allocator hands out later:
 * keep copies in the image. */
static char string_pool[8192];
static size_t string_used;

static const char *keep_string(const char *s)
{
	size_t n = strnlen(s, 2048) + 1;
	char *copy;

	if (string_used + n > sizeof(string_pool))
		return "";
	copy = &string_pool[string_used];
	memcpy(copy, s, n - 1);
	copy[n - 1] = '\0';
	string_used += n;
	return copy;
}

static void add_region(struct boot_info *bi, u64 addr, u64 len, u32 type)
{
	if (type != 1 || bi->nr_regions == MAX_MEM_REGIONS || !len)
		return;
	bi->regions[bi->nr_regions].start = addr;
	bi->regions[bi->nr_regions].end = addr + len;
	bi->nr_regions++;
}

static void add_module(struct boot_info *bi, paddr_t s, paddr_t e, const char *cmd)
{
	if (bi->nr_modules == MAX_MODULES)
		return;
	bi->modules[bi->nr_modules++] = (struct boot_module){ s, e, keep_string(cmd ? cmd : "") };
}

static void parse_mb1(const struct mb1_info *mi, struct boot_info *bi)
{
	bi->info_end = bi->info_start + sizeof(*mi);
	if (mi->flags & MB1_INFO_CMDLINE)
		bi->cmdline = keep_string((const char *)(uintptr_t)mi->cmdline);
	if (mi->flags & MB1_INFO_LOADER)
		bi->loader = keep_string((const char *)(uintptr_t)mi->boot_loader_name);
	if (mi->flags & MB1_INFO_MODS) {
		const struct mb1_module *m = (const void *)(uintptr_t)mi->mods_addr;

		for (u32 i = 0; i < mi->mods_count; i++)
			add_module(bi, m[i].start, m[i].end, (const char *)(uintptr_t)m[i].cmdline);
	}
	if (mi->flags & MB1_INFO_MMAP) {
		u64 p = mi->mmap_addr, end = p + mi->mmap_length;

		while (p < end) {
			u32 size = *(const u32 *)(uintptr_t)p;
			const struct mb_mmap_entry *e = (const void *)(uintptr_t)(p + 4);

			add_region(bi, e->addr, e->len, e->type);
			p += size + 4;
		}
	} else {
		add_region(bi, 0, (u64)mi->mem_lower * 1024, 1);
		add_region(bi, 0x100000, (u64)mi->mem_upper * 1024, 1);
	}
}

static void parse_mb2_tag(const u8 *tag, struct boot_info *bi)
{
	u32 type = *(const u32 *)tag, size = *(const u32 *)(tag + 4);

	switch (type) {
	case 1:	/* command line */
		bi->cmdline = keep_string((const char *)(tag + 8));
		break;
	case 2:	/* boot loader name */
		bi->loader = keep_string((const char *)(tag + 8));
		break;
	case 3:	/* module: start, end, string */
		add_module(bi, *(const u32 *)(tag + 8), *(const u32 *)(tag + 12),
			   (const char *)(tag + 16));
		break;
	case 6: { /* memory map: entry_size, entry_version, entries */
		u32 esize = *(const u32 *)(tag + 8);

		for (u32 off = 16; esize && off + esize <= size; off += esize) {
			const struct mb_mmap_entry *e = (const void *)(tag + off);

			add_region(bi, e->addr, e->len, e->type);
		}
		break;
	}
	case 14: /* ACPI 1.0 RSDP copy */
	case 15: /* ACPI 2.0 RSDP copy */
		if (!bi->rsdp || type == 15)
			bi->rsdp = (paddr_t)(uintptr_t)(tag + 8);
		break;
	default:
		break;
	}
}

static void parse_mb2(const u8 *info, struct boot_info *bi)
{
	u32 total = *(const u32 *)info;

	bi->info_end = bi->info_start + total;
	for (u32 off = 8; off + 8 <= total;) {
		const u8 *tag = info + off;
		u32 size = *(const u32 *)(tag + 4);

		if (*(const u32 *)tag == 0 || size < 8)
			break;
		parse_mb2_tag(tag, bi);
		off += ALIGN_UP(size, 8);
	}
}

bool multiboot_parse(u32 magic, paddr_t info, struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->cmdline = "";
	bi->loader = "unknown";
	bi->info_start = info;
	if (magic == MB1_LOADER_MAGIC)
		parse_mb1((const void *)(uintptr_t)info, bi);
	else if (magic == MB2_LOADER_MAGIC)
		parse_mb2((const void *)(uintptr_t)info, bi);
	else
		return false;
	return true;
}

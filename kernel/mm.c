/* The frame pool over all RAM, and zeroed pages from it. */
#include "mm.h"
#include "frame.h"
#include "console.h"
#include "lib.h"

extern char __image_start[], __image_end[];

struct frame_pool frames;
static u64 total_ram;

u64 mm_total_bytes(void)
{
	return total_ram;
}

/* The bitmap goes in the first usable range above everything we keep. */
static paddr_t bitmap_place(const struct boot_info *bi, u64 bytes, paddr_t floor)
{
	for (u32 i = 0; i < bi->nr_regions; i++) {
		paddr_t s = ALIGN_UP(MAX(bi->regions[i].start, floor), PAGE_SIZE);

		if (s + bytes <= bi->regions[i].end && s + bytes <= 0x100000000ull)
			return s;
	}
	panic("mm: no room for the frame bitmap (%lu bytes)", bytes);
}

void mm_init(const struct boot_info *bi)
{
	paddr_t top = 0, keep = (paddr_t)(uintptr_t)__image_end, bitmap;
	u64 nr_frames, bytes;

	for (u32 i = 0; i < bi->nr_regions; i++) {
		top = MAX(top, bi->regions[i].end);
		total_ram += bi->regions[i].end - bi->regions[i].start;
	}
	for (u32 i = 0; i < bi->nr_modules; i++)
		keep = MAX(keep, bi->modules[i].end);
	keep = MAX(keep, bi->info_end);
	nr_frames = top >> PAGE_SHIFT;
	bytes = ALIGN_UP(ALIGN_UP(nr_frames, 64) / 8, PAGE_SIZE);
	bitmap = bitmap_place(bi, bytes, keep);
	frame_pool_init(&frames, phys_to_virt(bitmap), nr_frames);
	for (u32 i = 0; i < bi->nr_regions; i++)
		frame_pool_release(&frames, bi->regions[i].start, bi->regions[i].end);
	/* The low 1 MiB holds firmware data and the AP trampoline. */
	frame_pool_reserve(&frames, 0, 0x100000);
	frame_pool_reserve(&frames, (paddr_t)(uintptr_t)__image_start, (paddr_t)(uintptr_t)__image_end);
	frame_pool_reserve(&frames, bitmap, bitmap + bytes);
	frame_pool_reserve(&frames, bi->info_start, bi->info_end);
	for (u32 i = 0; i < bi->nr_modules; i++)
		frame_pool_reserve(&frames, bi->modules[i].start, bi->modules[i].end);
	pr_info("mm: %lu MiB RAM in %u ranges, %lu frames free\n", total_ram >> 20,
		bi->nr_regions, frame_pool_free_count(&frames));
}

void *page_alloc(void)
{
	paddr_t pa = frame_pool_alloc(&frames);
	void *p;

	if (!pa)
		return NULL;
	p = phys_to_virt(pa);
	memset(p, 0, PAGE_SIZE);
	return p;
}

void page_free(void *page)
{
	if (page)
		frame_pool_free(&frames, virt_to_phys(page));
}

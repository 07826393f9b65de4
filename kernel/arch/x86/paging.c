/* The core's own page tables (SDM Vol 3A ch. 4, 4-level paging). */
#include "mm.h"
#include "frame.h"
#include "cpu.h"
#include "console.h"
#include "errno.h"
#include "lib.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define MMIO_START 0xc0000000ull	/* 3-4 GiB: APIC, IOAPIC, PCI holes: uncached */

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

static paddr_t root;

paddr_t paging_root(void)
{
	return root;
}

/* Every entry is written with Accessed (and leaves with Dirty) already set:
 * the CPU then never writes to these tables. A walker that sets those bits
 * with a plain load and store (QEMU 7.2's TCG, with a thread per CPU) could
 * otherwise write an entry's old value back over a newer one. */
static u64 *table_get(u64 *parent, unsigned idx)
{
	if (!(parent[idx] & PTE_P)) {
		void *t = page_alloc();

		if (!t)
			panic("paging: out of memory");
		parent[idx] = virt_to_phys(t) | PTE_P | PTE_W | PTE_A;
	}
	return phys_to_virt(parent[idx] & PTE_ADDR);
}

/* Map [start, end) with 4 KiB pages and the image's section permissions. */
static void map_image(u64 *pml4)
{
	for (u64 a = (u64)(uintptr_t)__image_start; a < (u64)(uintptr_t)__image_end; a += PAGE_SIZE) {
		u64 *pdpt = table_get(pml4, (a >> 39) & 511);
		u64 *pd = table_get(pdpt, (a >> 30) & 511);
		u64 *pt = table_get(pd, (a >> 21) & 511);
		u64 flags = PTE_P | PTE_A | PTE_D;

		if (a >= (u64)(uintptr_t)__text_end)
			flags |= PTE_NX;
		if (a >= (u64)(uintptr_t)__rodata_end)
			flags |= PTE_W;
		pt[(a >> 12) & 511] = a | flags;
	}
}

void paging_init(void)
{
	u64 top = MAX(ALIGN_UP(mm_total_bytes() + 0x100000, 1ull << 30), 4ull << 30);
	u64 img_lo = ALIGN_DOWN((u64)(uintptr_t)__image_start, 1ull << 21);
	u64 img_hi = ALIGN_UP((u64)(uintptr_t)__image_end, 1ull << 21);
	u64 *pml4 = page_alloc();

	if (!pml4)
		panic("paging: out of memory");
	root = virt_to_phys(pml4);
	for (u64 a = 0; a < top; a += 1ull << 21) {
		u64 *pdpt, *pd, flags = PTE_P | PTE_W | PTE_A | PTE_D | PTE_PS | PTE_NX;

		if (a >= img_lo && a < img_hi)
			continue;	/* the image gets 4 KiB pages below */
		if (a >= MMIO_START && a < (4ull << 30))
			flags |= PTE_PCD | PTE_PWT;
		pdpt = table_get(pml4, (a >> 39) & 511);
		pd = table_get(pdpt, (a >> 30) & 511);
		pd[(a >> 21) & 511] = a | flags;
	}
	/* The rest of the image's 2 MiB frames (low memory) as 4 KiB RW+NX pages. */
	for (u64 a = img_lo; a < img_hi; a += PAGE_SIZE) {
		u64 *pt = table_get(table_get(table_get(pml4, (a >> 39) & 511), (a >> 30) & 511),
				    (a >> 21) & 511);

		/* Below 1 MiB stays executable: the AP trampoline runs there. */
		pt[(a >> 12) & 511] = a | PTE_P | PTE_W | PTE_A | PTE_D | (a < 0x100000 ? 0 : PTE_NX);
	}
	map_image(pml4);
	write_cr3(root);
	pr_info("paging: core page tables at 0x%lx, %lu GiB mapped, image W^X\n", root, top >> 30);
}

int paging_map_uncached(u64 pa, u64 len)
{
	u64 *pml4 = phys_to_virt(root), lo = ALIGN_DOWN(pa, 1ull << 21);

	if (!len || pa + len < pa || pa + len > (1ull << 47))
		return -EINVAL;	/* identity-mapped: the address must be canonical */
	for (u64 a = lo; a < pa + len; a += 1ull << 21) {
		u64 *pd = table_get(table_get(pml4, (a >> 39) & 511), (a >> 30) & 511);

		if ((pd[(a >> 21) & 511] & (PTE_P | PTE_PS)) == PTE_P)
			return -EBUSY;	/* 4 KiB pages: the image's frames */
	}
	for (u64 a = lo; a < pa + len; a += 1ull << 21) {
		u64 *pd = table_get(table_get(pml4, (a >> 39) & 511), (a >> 30) & 511);

		/* PCD|PWT: PAT entry 3, UC in the power-on PAT (SDM 11.12.2). */
		pd[(a >> 21) & 511] = a | PTE_P | PTE_W | PTE_A | PTE_D | PTE_PS | PTE_NX | PTE_PCD |
				      PTE_PWT;
	}
	write_cr3(root);
	return 0;
}

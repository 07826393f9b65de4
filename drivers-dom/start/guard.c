/*
 * vCPU 0's stack guard: pages just below the stack are unmapped from the
 * start page tables (their 2 MiB page is split into 4 KiB ones), and a TSS
 * gives #PF, #SS and #DF their own stack (IST1), so an overflow ends in a
 * crash report instead of a triple fault. The GDT replaces the core's start
 * GDT with the same code and data selectors plus the TSS.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/cpu.h"
#include "dom/start.h"
#include "dom/trap.h"

#define PAGE 4096ull
#define TWO_MIB (2ull << 20)
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)	/* set from the start: the CPU never writes the tables */
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define GDT_CODE64 0x00af9a000000ffffull	/* P, DPL 0, code, L (SDM Vol. 3A 3.4.5) */
#define GDT_DATA 0x00cf92000000ffffull
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18
#define IST_STACK_SIZE 16384

struct tss {			/* 64-bit TSS, SDM Vol. 3A 8.7 */
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

static uint64_t guard_pt[512] __attribute__((aligned(4096)));
static uint8_t ist_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static uint64_t gdt[5] __attribute__((aligned(16)));
static uint64_t guard_lo, guard_hi, stack_bottom;

static uint64_t *table(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)(entry & PTE_ADDR);
}

/* Unmaps [lo, hi), inside one 2 MiB region, splitting its large page. */
static bool unmap(uint64_t lo, uint64_t hi)
{
	uint64_t *pml4 = table(dom_read_cr(3)), *pdpt, *pd, *pt, e;

	e = pml4[(lo >> 39) & 511];
	if (!(e & PTE_P))
		return false;
	pdpt = table(e);
	e = pdpt[(lo >> 30) & 511];
	if (!(e & PTE_P) || (e & PTE_PS))
		return false;	/* 1 GiB pages: not what the core builds */
	pd = table(e);
	e = pd[(lo >> 21) & 511];
	if (!(e & PTE_P))
		return false;
	if (e & PTE_PS) {
		uint64_t base = e & PTE_ADDR & ~(TWO_MIB - 1);
		uint64_t flags = e & (PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD);

		for (unsigned i = 0; i < 512; i++)
			guard_pt[i] = (base + i * PAGE) | flags | PTE_A | PTE_D;
		pd[(lo >> 21) & 511] = (uintptr_t)guard_pt | PTE_P | PTE_RW | PTE_A | (e & PTE_US);
		pt = guard_pt;
	} else {
		pt = table(e);
	}
	for (uint64_t a = lo; a < hi; a += PAGE)
		pt[(a >> 12) & 511] = 0;
	__asm__ __volatile__("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");
	return true;
}

static void load_gdt_tss(void)
{
	uint64_t base = (uintptr_t)&tss, limit = sizeof(tss) - 1;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };

	tss.ist[0] = (uintptr_t)ist_stack + sizeof(ist_stack);
	tss.iomap_base = sizeof(tss);	/* no I/O bitmap */
	gdt[1] = GDT_CODE64;
	gdt[2] = GDT_DATA;
	/* Available 64-bit TSS descriptor, 16 bytes (SDM Vol. 3A 8.2.3). */
	gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;
	/* FS and GS keep their selectors: reloading them would reset FS base. */
	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq %1\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\tmovl %2, %%eax\n\t"
			     "movl %%eax, %%ds\n\t"
			     "movl %%eax, %%es\n\t"
			     "movl %%eax, %%ss\n\t"
			     "ltr %w3"
			     :
			     : "m"(gdtr), "i"(SEL_CODE), "i"(SEL_DATA), "r"(SEL_TSS)
			     : "rax", "memory");
}

void dom_stack_guard_init(uint64_t bottom, uint64_t guard_size)
{
	uint64_t lo = bottom - guard_size, region = bottom & ~(TWO_MIB - 1);

	stack_bottom = bottom;
	load_gdt_tss();
	dom_trap_set_ist(8, 1);		/* #DF */
	dom_trap_set_ist(12, 1);	/* #SS */
	dom_trap_set_ist(14, 1);	/* #PF */
	if (lo < region && region < bottom)
		lo = region;	/* keep to one 2 MiB page: the part next to the stack */
	if (unmap(lo, bottom)) {
		guard_lo = lo;
		guard_hi = bottom;
	}
}

bool dom_stack_guard_hit(uint64_t addr)
{
	return addr >= guard_lo && addr < guard_hi;
}

void dom_stack_check(void)
{
	uint64_t rsp;

	__asm__ __volatile__("mov %%rsp, %0" : "=r"(rsp));
	if (stack_bottom && rsp < stack_bottom) {
		dom_console_printk("dom: vCPU 0 stack overflow (more than %u KiB used)\n",
				   DOM_STACK_SIZE / 1024);
		abort();
	}
}

/*
 * memtouch: all of a 16 MiB domain's RAM is there and private (ABI.md
 * "Memory"), and an access above it stops the domain.
 */
#include "guest.h"

const char guest_name[] = "memtouch";

#define PAGE_SIZE 4096ul
#define MIB (1024ul * 1024)
#define TOUCH_START (2 * MIB)             /* above the image at 1 MiB */
#define TOUCH_END (16 * MIB - 256 * 1024) /* below the vCPU stack at the top */
#define OUTSIDE_RAM (16 * MIB + 2 * MIB)  /* identity-mapped, but not RAM */

/* Distinct per page and per word, never 0 (fresh RAM would pass otherwise). */
static uint64_t pattern(uint64_t addr)
{
	return (addr * 0x9e3779b97f4a7c15ull) ^ 0xa5a5a5a5a5a5a5a5ull;
}

/* Writes the first and the last word of every page, then reads them back. */
int guest_main(unsigned int vcpu, unsigned int domid)
{
	unsigned long pages = 0;

	(void)vcpu;
	(void)domid;
	for (uint64_t a = TOUCH_START; a < TOUCH_END; a += PAGE_SIZE) {
		volatile uint64_t *page = (volatile uint64_t *)a;

		page[0] = pattern(a);
		page[PAGE_SIZE / 8 - 1] = ~pattern(a);
	}
	for (uint64_t a = TOUCH_START; a < TOUCH_END; a += PAGE_SIZE) {
		volatile uint64_t *page = (volatile uint64_t *)a;
		uint64_t first = page[0], last = page[PAGE_SIZE / 8 - 1];

		if (first != pattern(a) || last != ~pattern(a)) {
			print("memtouch: page 0x%lx FAILED (got 0x%lx 0x%lx)\n", a, first, last);
			return SHUTDOWN_crash;
		}
		pages++;
	}
	print("memtouch: %lu pages ok\n", pages);

	/* ABI.md: not RAM, no device model attached; the core must stop us. */
	(void)*(volatile uint64_t *)OUTSIDE_RAM;
	print("memtouch: read outside RAM returned\n");
	return SHUTDOWN_crash;
}

/* The unpopulated guest-physical space above RAM (dom/gpa.h): a first-fit page bitmap. */
#include "dom.h"
#include "dom/gpa.h"
#include "dom/start.h"

#define PAGE 4096ull
#define TWO_MIB (2ull << 20)
#define FOUR_GIB (4ull << 30)	/* the end of the start page tables' identity map */

static uint64_t used[DOM_GPA_WINDOW_PAGES / 64];

static uint64_t base(void)
{
	return (dom_start_info()->mem_bytes + TWO_MIB - 1) & ~(TWO_MIB - 1);
}

uint64_t dom_gpa_shared_info(void)
{
	return base();
}

uint64_t dom_gpa_grant_frames(void)
{
	return base() + PAGE;
}

static uint64_t window_start(void)
{
	return base() + TWO_MIB;
}

static size_t window_pages(void)
{
	uint64_t s = window_start();

	if (s >= FOUR_GIB)
		return 0;
	return (FOUR_GIB - s) / PAGE < DOM_GPA_WINDOW_PAGES ? (FOUR_GIB - s) / PAGE
							    : DOM_GPA_WINDOW_PAGES;
}

static bool test(size_t i) { return used[i / 64] >> (i % 64) & 1; }
static void set(size_t i, bool v)
{
	if (v)
		used[i / 64] |= 1ull << (i % 64);
	else
		used[i / 64] &= ~(1ull << (i % 64));
}

uint64_t dom_gpa_alloc(size_t npages)
{
	size_t limit = window_pages(), run = 0;

	for (size_t i = 0; npages && i < limit; i++) {
		run = test(i) ? 0 : run + 1;
		if (run == npages) {
			size_t first = i + 1 - npages;

			for (size_t j = first; j <= i; j++)
				set(j, true);
			return window_start() + first * PAGE;
		}
	}
	return 0;
}

void dom_gpa_free(uint64_t gpa, size_t npages)
{
	size_t first;

	if (gpa < window_start())
		return;
	first = (gpa - window_start()) / PAGE;
	for (size_t j = first; j < first + npages && j < window_pages(); j++)
		set(j, false);
}

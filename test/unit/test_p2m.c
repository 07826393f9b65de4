/* The second-level page-table builder on fake pages, in both vendors' formats:
 * entries, table reclaim on unmap (retired until the owner has flushed), and
 * the table pool. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "p2m.h"
#include "errno.h"

#include "fake_pages.h"
static int leaves_seen;

static unsigned p2m_index_l3(gpaddr_t gpa)
{
	return (gpa >> 39) & 511;
}

/* A gfn far from the last one: its own PML4 slot most of the time. */
static gpaddr_t scattered(unsigned long i)
{
	return ((i * 0x9e3779b97f4a7c15ull) & 0xfffffffffull) << 12;
}

/* Every entry of every retired table reads "not present" to a walker still
 * on it (hardware or p2m_lookup); returns how many tables are retired. */
static int retired_not_present(const struct p2m *p)
{
	int n = 0;

	for (paddr_t t = p->retired; t; n++) {
		const u64 *e = (const u64 *)(uintptr_t)t;

		for (int i = 0; i < 512; i++)
			CHECK(!(e[i] & p->fmt->present));
		t = e[0];
	}
	return n;
}

/* An unmap leaves emptied tables retired, not freed, until the owner says. */
static void retire(const struct p2m_format *fmt)
{
	struct p2m p;

	CHECK(p2m_init(&p, fmt, &fake, 1000) == 0);
	p.reclaim_above = 0;	/* reclaim at once, to see every step */
	CHECK(p2m_map(&p, 0x1000, 0xabc000, P2M_RWX) == 0);
	CHECK(p2m_map(&p, 0x7fff00000000ull, 0x5000, P2M_RWX) == 0);
	CHECK(p2m_map(&p, 0x7fff00001000ull, 0x6000, P2M_RWX) == 0 && p.nr_tables == 7);
	CHECK(p2m_unmap(&p, 0x7fff00000000ull) == 0x5000 && p.retired == 0);	/* PT not empty */
	CHECK(p2m_unmap(&p, 0x7fff00001000ull) == 0x6000);
	/* PT, PD and PDPT of that branch: unlinked, still held and counted. */
	CHECK(retired_not_present(&p) == 3 && p.nr_tables == 7 && pages_live == 7);
	CHECK(((u64 *)(uintptr_t)p.root)[p2m_index_l3(0x7fff00000000ull)] == 0);
	CHECK(!p2m_lookup(&p, 0x7fff00001000ull, NULL, NULL));
	CHECK(p2m_lookup(&p, 0x1000, NULL, NULL));
	p2m_retired_free(&p, p2m_retired_take(&p));
	CHECK(p.retired == 0 && p.nr_tables == 4 && pages_live == 4);
	/* The last leaf takes its whole path but the root with it. */
	CHECK(p2m_unmap(&p, 0x1000) == 0xabc000 && retired_not_present(&p) == 3);
	p2m_retired_free(&p, p2m_retired_take(&p));
	CHECK(p.nr_tables == 1 && pages_live == 1);
	/* Retired but not yet freed at destroy: destroy frees them. */
	CHECK(p2m_map(&p, 0x1000, 0xabc000, P2M_RWX) == 0 && p2m_unmap(&p, 0x1000));
	p2m_destroy(&p, NULL, NULL);
	CHECK(pages_live == 0);
}

/* XSA-410's shape: mapping and unmapping at scattered gfns must not grow the
 * tables without limit. 100k map+unmap pairs, the owner reclaiming every 512. */
static void scatter(const struct p2m_format *fmt)
{
	struct p2m p;
	long peak = 0;

	CHECK(p2m_init(&p, fmt, &fake, 4096) == 0);
	p.reclaim_above = 0;
	for (unsigned long i = 0; i < 100000; i++) {
		CHECK(p2m_map(&p, scattered(i), 0x1000, P2M_RWX) == 0);
		CHECK(p2m_unmap(&p, scattered(i)) == 0x1000);
		if (i % 512 == 511) {
			peak = pages_live > peak ? pages_live : peak;
			p2m_retired_free(&p, p2m_retired_take(&p));
		}
	}
	p2m_retired_free(&p, p2m_retired_take(&p));
	printf("scatter: 100000 map+unmap pairs: %ld table pages at the peak, %lu after\n", peak,
	       (unsigned long)p.nr_tables);
	CHECK(p.nr_tables == 1 && pages_live == 1 && peak <= 1 + 3 * 512);
	p2m_destroy(&p, NULL, NULL);
	CHECK(pages_live == 0);
}

/* The default mark: one far mapping made and unmade again and again keeps
 * its tables (nothing retired, nothing to zero again); scattered ones are
 * reclaimed down to the mark, never past the pool. */
static void hysteresis(const struct p2m_format *fmt)
{
	struct p2m p;
	long peak = 0;

	CHECK(p2m_init(&p, fmt, &fake, 1024) == 0 && p.reclaim_above == 512);
	CHECK(p2m_map(&p, 0x1000, 0xabc000, P2M_RWX) == 0 && p.nr_tables == 4);
	for (int i = 0; i < 1000; i++) {
		CHECK(p2m_map(&p, 0x4000000, 0x5000, P2M_RWX) == 0);
		CHECK(p2m_unmap(&p, 0x4000000) == 0x5000);
	}
	CHECK(p.retired == 0 && p.nr_tables == 5);
	for (unsigned long i = 0; i < 100000; i++) {
		CHECK(p2m_map(&p, scattered(i), 0x1000, P2M_RWX) == 0);
		CHECK(p2m_unmap(&p, scattered(i)) == 0x1000);
		if (i % 64 == 63) {
			peak = pages_live > peak ? pages_live : peak;
			p2m_retired_free(&p, p2m_retired_take(&p));
		}
	}
	p2m_retired_free(&p, p2m_retired_take(&p));
	printf("hysteresis: %ld table pages at the peak (pool 1024), %lu after\n", peak,
	       (unsigned long)p.nr_tables);
	CHECK(p.nr_tables <= 512 && peak <= 1024);
	p2m_destroy(&p, NULL, NULL);
	CHECK(pages_live == 0);
}

/* The pool: maps that need more tables than it holds fail, others go on. */
static void pool(const struct p2m_format *fmt)
{
	struct p2m p;
	unsigned long n = 0;

	CHECK(p2m_init(&p, fmt, &fake, 3) == -ENOMEM);	/* no path to a leaf fits */
	CHECK(p2m_init(&p, fmt, &fake, 16) == 0);
	while (p2m_map(&p, (gpaddr_t)n << 39, 0x1000, P2M_RWX) == 0)
		n++;
	CHECK(n == 5 && p.nr_tables == 16 && pages_live == 16);
	CHECK(p2m_map(&p, 0x1000, 0x1000, P2M_RWX) == 0);	/* in a table it has */
	CHECK(p2m_map(&p, 5ull << 39, 0x1000, P2M_RWX) == -ENOMEM && pages_live == 16);
	/* Unmapped, retired, freed: the pool is there again. */
	CHECK(p2m_unmap(&p, 4ull << 39) == 0x1000);
	CHECK(p2m_map(&p, 5ull << 39, 0x1000, P2M_RWX) == -ENOMEM);	/* retired still count */
	p2m_retired_free(&p, p2m_retired_take(&p));
	CHECK(p2m_map(&p, 5ull << 39, 0x1000, P2M_RWX) == 0 && p.nr_tables == 16);
	p2m_destroy(&p, NULL, NULL);
	CHECK(pages_live == 0);
}

static void count_leaf(void *ctx, paddr_t hpa)
{
	(void)ctx;
	(void)hpa;
	leaves_seen++;
}

static void exercise(const struct p2m_format *fmt)
{
	struct p2m p;
	paddr_t hpa;
	unsigned perm;

	CHECK(p2m_init(&p, fmt, &fake, 1000) == 0 && p.nr_tables == 1);
	CHECK(p2m_map(&p, 0x1000, 0xabc000, P2M_RWX) == 0);
	CHECK(p.nr_tables == 4);	/* root, PDPT, PD, PT */
	CHECK(p2m_map(&p, 0x1000, 0xdef000, P2M_RWX) == -EEXIST);
	CHECK(p2m_map(&p, 0x1001, 0xdef000, P2M_RWX) == -EINVAL);
	CHECK(p2m_map(&p, 0x2000, 0xdef001, P2M_RWX) == -EINVAL);
	CHECK(p2m_map(&p, 1ull << 48, 0xdef000, P2M_RWX) == -EINVAL);
	CHECK(p2m_map(&p, 0x2000, 0xdef000, P2M_W) == -EINVAL);	/* write without read */
	CHECK(p2m_map(&p, 0x2000, 0xdef000, P2M_R) == 0);
	CHECK(p2m_map(&p, 0x3000, 0x123000, P2M_R | P2M_X) == 0);
	CHECK(p2m_lookup(&p, 0x1234, &hpa, &perm) && hpa == 0xabc234 && perm == P2M_RWX);
	CHECK(p2m_lookup(&p, 0x2000, &hpa, &perm) && hpa == 0xdef000 && perm == P2M_R);
	CHECK(p2m_lookup(&p, 0x3fff, &hpa, &perm) && hpa == 0x123fff && perm == (P2M_R | P2M_X));
	CHECK(!p2m_lookup(&p, 0x4000, &hpa, &perm));
	/* Replacing needs no table: only a present entry, never a new one. */
	CHECK(p2m_replace(&p, 0x3000, 0x456000, P2M_R | P2M_W) == 0x123000);
	CHECK(p2m_lookup(&p, 0x3000, &hpa, &perm) && hpa == 0x456000 && perm == (P2M_R | P2M_W));
	CHECK(p2m_replace(&p, 0x4000, 0x456000, P2M_RWX) == 0 && !p2m_lookup(&p, 0x4000, NULL, NULL));
	CHECK(p2m_replace(&p, 0x3000, 0x456001, P2M_RWX) == 0);
	CHECK(p2m_replace(&p, 0x3000, 0x123000, P2M_R | P2M_X) == 0x456000);
	CHECK(!p2m_lookup(&p, 0x7fff00000000ull, NULL, NULL));
	CHECK(!p2m_lookup(&p, ~0ull, NULL, NULL));
	/* A far-away address builds a separate branch of three tables. */
	CHECK(p2m_map(&p, 0x7fff00000000ull, 0x5000, P2M_RWX) == 0 && p.nr_tables == 7);
	CHECK(p.nr_leaves == 4);
	CHECK(p2m_unmap(&p, 0x2000) == 0xdef000 && p.nr_leaves == 3);
	CHECK(p2m_unmap(&p, 0x2000) == 0);
	CHECK(!p2m_lookup(&p, 0x2000, NULL, NULL));
	/* Running out of table memory is an error, not a crash, and all or
	 * nothing: the two tables had before the third failed go back. */
	fail_after = 0;
	CHECK(p2m_map(&p, 0x40000000000ull, 0x6000, P2M_RWX) == -ENOMEM);
	fail_after = 2;
	CHECK(p2m_map(&p, 0x40000000000ull, 0x6000, P2M_RWX) == -ENOMEM);
	fail_after = -1;
	CHECK(p.nr_tables == 7 && pages_live == 7);
	CHECK(((u64 *)(uintptr_t)p.root)[p2m_index_l3(0x40000000000ull)] == 0);
	leaves_seen = 0;
	p2m_destroy(&p, count_leaf, NULL);
	CHECK(leaves_seen == 3);
	CHECK(pages_live == 0);
	CHECK(p.root == 0);
}

int main(void)
{
	struct p2m p;

	exercise(&p2m_format_ept);
	exercise(&p2m_format_npt);
	retire(&p2m_format_ept);
	retire(&p2m_format_npt);
	scatter(&p2m_format_ept);
	scatter(&p2m_format_npt);
	pool(&p2m_format_ept);
	pool(&p2m_format_npt);
	hysteresis(&p2m_format_ept);
	hysteresis(&p2m_format_npt);
	/* The exact bits of each vendor's leaf entry (SDM 29.3.2, APM 15.25.5). */
	CHECK(p2m_init(&p, &p2m_format_ept, &fake, 4) == 0);
	CHECK(p2m_map(&p, 0, 0x1000, P2M_R | P2M_W) == 0);
	{
		u64 *l3 = (u64 *)(uintptr_t)(((u64 *)(uintptr_t)p.root)[0] & P2M_ADDR_MASK);
		u64 *l2 = (u64 *)(uintptr_t)(l3[0] & P2M_ADDR_MASK);
		u64 *l1 = (u64 *)(uintptr_t)(l2[0] & P2M_ADDR_MASK);

		CHECK(l1[0] == (0x1000 | 3 | (6 << 3)));
	}
	p2m_destroy(&p, NULL, NULL);
	CHECK(p2m_init(&p, &p2m_format_npt, &fake, 4) == 0);
	CHECK(p2m_map(&p, 0, 0x1000, P2M_R) == 0);
	{
		u64 *l3 = (u64 *)(uintptr_t)(((u64 *)(uintptr_t)p.root)[0] & P2M_ADDR_MASK);
		u64 *l2 = (u64 *)(uintptr_t)(l3[0] & P2M_ADDR_MASK);
		u64 *l1 = (u64 *)(uintptr_t)(l2[0] & P2M_ADDR_MASK);

		/* P, U, A and D in the leaf; P, W, U and A in the tables above. */
		CHECK(l1[0] == (0x1000 | 0x65 | (1ull << 63)));
		CHECK((l2[0] & ~P2M_ADDR_MASK) == 0x27 && (l3[0] & ~P2M_ADDR_MASK) == 0x27);
	}
	p2m_destroy(&p, NULL, NULL);
	CHECK(pages_live == 0);
	CHECK_DONE("test_p2m");
	return 0;
}

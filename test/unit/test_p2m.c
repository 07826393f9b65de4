/* The second-level page-table builder on fake pages, in both vendors' formats. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "p2m.h"
#include "errno.h"

#include "fake_pages.h"
static int leaves_seen;

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

	CHECK(p2m_init(&p, fmt, &fake) == 0 && p.nr_tables == 1);
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
	CHECK(!p2m_lookup(&p, 0x7fff00000000ull, NULL, NULL));
	CHECK(!p2m_lookup(&p, ~0ull, NULL, NULL));
	/* A far-away address builds a separate branch of three tables. */
	CHECK(p2m_map(&p, 0x7fff00000000ull, 0x5000, P2M_RWX) == 0 && p.nr_tables == 7);
	CHECK(p.nr_leaves == 4);
	CHECK(p2m_unmap(&p, 0x2000) == 0xdef000 && p.nr_leaves == 3);
	CHECK(p2m_unmap(&p, 0x2000) == 0);
	CHECK(!p2m_lookup(&p, 0x2000, NULL, NULL));
	/* Running out of table memory is an error, not a crash. */
	fail_after = 0;
	CHECK(p2m_map(&p, 0x40000000000ull, 0x6000, P2M_RWX) == -ENOMEM);
	fail_after = -1;
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
	/* The exact bits of each vendor's leaf entry (SDM 29.3.2, APM 15.25.5). */
	CHECK(p2m_init(&p, &p2m_format_ept, &fake) == 0);
	CHECK(p2m_map(&p, 0, 0x1000, P2M_R | P2M_W) == 0);
	{
		u64 *l3 = (u64 *)(uintptr_t)(((u64 *)(uintptr_t)p.root)[0] & P2M_ADDR_MASK);
		u64 *l2 = (u64 *)(uintptr_t)(l3[0] & P2M_ADDR_MASK);
		u64 *l1 = (u64 *)(uintptr_t)(l2[0] & P2M_ADDR_MASK);

		CHECK(l1[0] == (0x1000 | 3 | (6 << 3)));
	}
	p2m_destroy(&p, NULL, NULL);
	CHECK(p2m_init(&p, &p2m_format_npt, &fake) == 0);
	CHECK(p2m_map(&p, 0, 0x1000, P2M_R) == 0);
	{
		u64 *l3 = (u64 *)(uintptr_t)(((u64 *)(uintptr_t)p.root)[0] & P2M_ADDR_MASK);
		u64 *l2 = (u64 *)(uintptr_t)(l3[0] & P2M_ADDR_MASK);
		u64 *l1 = (u64 *)(uintptr_t)(l2[0] & P2M_ADDR_MASK);

		CHECK(l1[0] == (0x1000 | 5 | (1ull << 63)));
	}
	p2m_destroy(&p, NULL, NULL);
	CHECK(pages_live == 0);
	CHECK_DONE("test_p2m");
	return 0;
}

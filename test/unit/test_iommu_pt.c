/* The I/O page-table builders (AMD-Vi and VT-d formats) on fake pages whose
 * "physical" addresses differ from their pointers, checked by an
 * independent walk that reads the tables as the IOMMU would; device-table
 * and context entries, commands, descriptors and fault decoders bit by bit. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "compiler.h"
#include "arch/x86/iommu/amdvi_pt.h"
#include "arch/x86/iommu/vtd_pt.h"

/* Fake pages: pa = PA_BASE + 4 KiB * slot, contents from aligned_alloc. */
#define PA_BASE 0x40000000ull
#define SLOTS 8192
static void *slot_va[SLOTS];
static unsigned slots_hi;	/* slots at or above are unused */
static long pages_live, allocs, syncs;
static int fail_after = -1;	/* the Nth allocation from now fails */

static int fake_alloc(void *ctx, u64 *pa, void **va)
{
	(void)ctx;
	if (fail_after == 0)
		return -ENOMEM;
	if (fail_after > 0)
		fail_after--;
	for (unsigned i = 0; i < SLOTS; i++) {
		if (!slot_va[i]) {
			slot_va[i] = aligned_alloc(4096, 4096);
			memset(slot_va[i], 0xa5, 4096);	/* the builder must not rely on it... */
			memset(slot_va[i], 0, 4096);	/* ...but alloc's contract is zeroed */
			*pa = PA_BASE + 4096ull * i;
			slots_hi = i + 1 > slots_hi ? i + 1 : slots_hi;
			*va = slot_va[i];
			pages_live++;
			allocs++;
			return 0;
		}
	}
	return -ENOMEM;
}

static unsigned fake_slot(u64 pa)
{
	CHECK(pa >= PA_BASE && !(pa & 0xfff) && (pa - PA_BASE) / 4096 < SLOTS);
	CHECK(slot_va[(pa - PA_BASE) / 4096]);
	return (unsigned)((pa - PA_BASE) / 4096);
}

static void fake_free(void *ctx, u64 pa, void *va)
{
	unsigned i = fake_slot(pa);

	(void)ctx;
	CHECK(slot_va[i] == va);
	free(va);
	slot_va[i] = NULL;
	pages_live--;
}

static void *fake_va(void *ctx, u64 pa)
{
	(void)ctx;
	return slot_va[fake_slot(pa)];
}

/* Every synced range lies inside one live page. */
static void fake_sync(void *ctx, const void *va, size_t len)
{
	const char *p = va;

	(void)ctx;
	syncs++;
	for (unsigned i = 0; i < slots_hi; i++)
		if (slot_va[i] && p >= (char *)slot_va[i] && p + len <= (char *)slot_va[i] + 4096)
			return;
	CHECK(!"sync outside a table");
}

static const struct iommu_pt_ops ops = { NULL, fake_alloc, fake_free, fake_va, NULL };
static const struct iommu_pt_ops ops_sync = { NULL, fake_alloc, fake_free, fake_va, fake_sync };

static const u64 *hw_table(u64 pa)
{
	return slot_va[fake_slot(pa)];
}

/*
 * The IOMMU's walk, written from the specs apart from the code under test:
 * AMD-Vi mode 4 (PR, Next Level must name the next table's level, 0 in a
 * leaf; IR/IW ANDed over the levels), VT-d 4-level (R/W, ANDed). Returns
 * the permissions granted (0: fault) and the host page in *hpa.
 */
static unsigned hw_walk(bool amd, u64 root, u64 dma, u64 *hpa)
{
	unsigned perm = IOMMU_RW;
	u64 e = 0;

	for (int level = 4; level >= 1; level--) {
		e = hw_table(root)[(dma >> (12 + 9 * (level - 1))) & 511];
		if (amd) {
			if (!(e & 1))
				return 0;
			CHECK(((e >> 9) & 7) == (u64)(level - 1));
			CHECK(!(e & 0x8ff00000000001feull));	/* ignored/reserved bits clear */
			CHECK(level == 1 || !(e >> 60 & 1));	/* FC only in leaves */
			perm &= (e >> 61 & 1 ? IOMMU_R : 0) | (e >> 62 & 1 ? IOMMU_W : 0);
			CHECK(level > 1 || (e >> 60 & 1));	/* leaves force coherence */
		} else {
			if (!(e & 3))
				return 0;
			CHECK(!(e & 0xfff0000000000ffcull));	/* reserved / unused bits clear */
			perm &= (e & 1 ? IOMMU_R : 0) | (e & 2 ? IOMMU_W : 0);
		}
		root = e & IOMMU_PT_ADDR_MASK;
	}
	*hpa = root;
	return perm;
}

static int init_fmt(struct iommu_pt *pt, bool amd, const struct iommu_pt_ops *o, u64 max)
{
	return amd ? amdvi_pt_init(pt, o, max) : vtd_pt_init(pt, o, max);
}

/* Exact entries for one mapping at dma 0x1000. */
static void exact_bits(void)
{
	struct iommu_pt pt;
	const u64 *l3, *l2, *l1, *l0;

	CHECK(amdvi_pt_init(&pt, &ops, 16) == 0);
	CHECK(iommu_pt_map(&pt, 0x1000, 0xabc000, IOMMU_RW) == 0 && pt.nr_tables == 4);
	l3 = pt.root_va;
	CHECK((l3[0] & 0xfff0000000000fffull) == 0x6000000000000601ull);	/* IW IR NL=3 PR */
	l2 = hw_table(l3[0] & IOMMU_PT_ADDR_MASK);
	CHECK((l2[0] & 0xfff0000000000fffull) == 0x6000000000000401ull);
	l1 = hw_table(l2[0] & IOMMU_PT_ADDR_MASK);
	CHECK((l1[0] & 0xfff0000000000fffull) == 0x6000000000000201ull);
	l0 = hw_table(l1[0] & IOMMU_PT_ADDR_MASK);
	CHECK(l0[1] == 0x7000000000abc001ull && l0[0] == 0 && l0[2] == 0);	/* IW IR FC PR */
	CHECK(iommu_pt_map(&pt, 0x2000, 0xdef000, IOMMU_R) == 0 && l0[2] == 0x3000000000def001ull);
	CHECK(iommu_pt_map(&pt, 0x3000, 0x5000, IOMMU_W) == 0 && l0[3] == 0x5000000000005001ull);
	iommu_pt_teardown(&pt);
	CHECK(pages_live == 0);

	CHECK(vtd_pt_init(&pt, &ops, 16) == 0);
	CHECK(iommu_pt_map(&pt, 0x1000, 0xabc000, IOMMU_RW) == 0);
	l3 = pt.root_va;
	CHECK((l3[0] & 0xfff) == 3 && !(l3[0] >> 52));
	l0 = hw_table(hw_table(hw_table(l3[0] & IOMMU_PT_ADDR_MASK)[0] & IOMMU_PT_ADDR_MASK)[0] &
		      IOMMU_PT_ADDR_MASK);
	CHECK(l0[1] == 0xabc003);
	CHECK(iommu_pt_map(&pt, 0x2000, 0xdef000, IOMMU_R) == 0 && l0[2] == 0xdef001);
	CHECK(iommu_pt_map(&pt, 0x3000, 0xfffffffff000ull, IOMMU_W) == 0 &&
	      l0[3] == 0xfffffffff002ull);
	iommu_pt_teardown(&pt);
	CHECK(pages_live == 0);
}

/* Addresses on both sides of every level's boundary, and the top. */
static const u64 edges[] = {
	0, 0x1ff000, 0x200000, 0x3ffff000, 0x40000000, 0x7ffffff000ull, 0x8000000000ull,
	0x8000001000ull, 0xffffffe00000ull, 0xfffffffff000ull,
};

static void boundaries(bool amd)
{
	struct iommu_pt pt;
	u64 hpa;
	unsigned perm;

	CHECK(init_fmt(&pt, amd, &ops, 64) == 0);
	for (unsigned i = 0; i < ARRAY_SIZE(edges); i++)
		CHECK(iommu_pt_map(&pt, edges[i], 0x100000000ull + i * 0x1000ull,
				   i % 3 + 1) == 0);
	/* Tables: the root; under its entry 0 one PDPT, PDs for 0, 1 and
	 * 511 GiB, PTs for 0, 2 MiB, 1 GiB - 2 MiB, 1 GiB and 512 GiB - 2 MiB;
	 * at 512 GiB and at the top a PDPT, a PD and a PT each. */
	CHECK(pt.nr_tables == 1 + (1 + 3 + 5) + 3 + 3);
	CHECK(pt.nr_leaves == ARRAY_SIZE(edges) && (long)pt.nr_tables == pages_live);
	for (unsigned i = 0; i < ARRAY_SIZE(edges); i++) {
		CHECK(iommu_pt_lookup(&pt, edges[i] + 0x123, &hpa, &perm));
		CHECK(hpa == 0x100000123ull + i * 0x1000ull && perm == i % 3 + 1);
		CHECK(hw_walk(amd, pt.root, edges[i], &hpa) == i % 3 + 1);
		CHECK(hpa == 0x100000000ull + i * 0x1000ull);
		CHECK(!iommu_pt_lookup(&pt, edges[i] ^ 0x2000, NULL, NULL));	/* a neighbour */
		CHECK(hw_walk(amd, pt.root, edges[i] ^ 0x2000, &hpa) == 0);
	}
	/* Unmap one at a time; the others stay. */
	for (unsigned i = 0; i < ARRAY_SIZE(edges); i++) {
		CHECK(iommu_pt_unmap(&pt, edges[i] + 0xfff, &hpa) == 1);
		CHECK(hpa == 0x100000000ull + i * 0x1000ull);
		CHECK(iommu_pt_unmap(&pt, edges[i], &hpa) == 0);
		CHECK(!iommu_pt_lookup(&pt, edges[i], NULL, NULL));
		CHECK(hw_walk(amd, pt.root, edges[i], &hpa) == 0);
		for (unsigned j = i + 1; j < ARRAY_SIZE(edges); j++)
			CHECK(iommu_pt_lookup(&pt, edges[j], NULL, NULL));
	}
	CHECK(pt.nr_leaves == 0 && pt.nr_tables == 16);	/* tables stay until teardown */
	iommu_pt_teardown(&pt);
	CHECK(pages_live == 0 && pt.nr_tables == 0 && !pt.root_va);
	/* Torn down: nothing works, nothing crashes. */
	CHECK(iommu_pt_map(&pt, 0, 0x1000, IOMMU_R) == -ENOMEM);
	CHECK(iommu_pt_unmap(&pt, 0, NULL) == 0 && !iommu_pt_lookup(&pt, 0, NULL, NULL));
	iommu_pt_teardown(&pt);
}

static void refusals(bool amd)
{
	struct iommu_pt pt;
	long before;

	CHECK(init_fmt(&pt, amd, &ops, 3) == -EINVAL && pages_live == 0);
	CHECK(init_fmt(&pt, amd, &ops, 64) == 0);
	CHECK(iommu_pt_map(&pt, 0x1800, 0x1000, IOMMU_RW) == -EINVAL);		/* unaligned dma */
	CHECK(iommu_pt_map(&pt, 0x1000, 0x1008, IOMMU_RW) == -EINVAL);		/* unaligned hpa */
	CHECK(iommu_pt_map(&pt, 1ull << 48, 0x1000, IOMMU_RW) == -EINVAL);	/* beyond 48 bits */
	CHECK(iommu_pt_map(&pt, ~0xfffull, 0x1000, IOMMU_RW) == -EINVAL);
	CHECK(iommu_pt_map(&pt, 0x1000, 1ull << 52, IOMMU_RW) == -EINVAL);	/* beyond 52 bits */
	CHECK(iommu_pt_map(&pt, 0x1000, 0x1000, 0) == -EINVAL);			/* no access */
	CHECK(iommu_pt_map(&pt, 0x1000, 0x1000, 4) == -EINVAL);			/* unknown bit */
	CHECK(iommu_pt_unmap(&pt, 1ull << 48, NULL) == -EINVAL);
	CHECK(!iommu_pt_lookup(&pt, 1ull << 48, NULL, NULL));
	CHECK(pt.nr_tables == 1 && pages_live == 1 && pt.nr_leaves == 0);
	CHECK(iommu_pt_map(&pt, 0x1000, 0x2000, IOMMU_R) == 0);
	before = pages_live;
	CHECK(iommu_pt_map(&pt, 0x1000, 0x3000, IOMMU_RW) == -EEXIST);
	CHECK(pages_live == before && pt.nr_leaves == 1);
	{
		u64 hpa;
		unsigned perm;

		CHECK(iommu_pt_lookup(&pt, 0x1000, &hpa, &perm) && hpa == 0x2000 && perm == IOMMU_R);
	}
	/* Never mapped: in an existing table, and where no table is. */
	CHECK(iommu_pt_unmap(&pt, 0x5000, NULL) == 0);
	CHECK(iommu_pt_unmap(&pt, 0x800000000000ull, NULL) == 0);
	iommu_pt_teardown(&pt);
	CHECK(pages_live == 0);
}

/* The pool and the allocator failing part-way: nothing changes. */
static void exhaustion(bool amd)
{
	struct iommu_pt pt;
	u64 hpa;

	CHECK(init_fmt(&pt, amd, &ops, 4) == 0);
	CHECK(iommu_pt_map(&pt, 0x1000, 0x1000, IOMMU_RW) == 0 && pt.nr_tables == 4);
	CHECK(iommu_pt_map(&pt, 0x200000, 0x2000, IOMMU_RW) == -ENOMEM);	/* needs a 5th */
	CHECK(pages_live == 4 && pt.nr_tables == 4 && pt.nr_leaves == 1);
	CHECK(iommu_pt_map(&pt, 0x2000, 0x2000, IOMMU_RW) == 0);		/* same PT: fine */
	iommu_pt_teardown(&pt);
	CHECK(pages_live == 0);

	for (int fail = 0; fail < 3; fail++) {
		CHECK(init_fmt(&pt, amd, &ops, 64) == 0);
		CHECK(iommu_pt_map(&pt, 0x1000, 0x1000, IOMMU_RW) == 0);
		fail_after = fail;	/* 3 tables needed; the (fail+1)th fails */
		CHECK(iommu_pt_map(&pt, 0x8000000000ull, 0x7000, IOMMU_RW) == -ENOMEM);
		fail_after = -1;
		CHECK(pages_live == 4 && pt.nr_tables == 4 && pt.nr_leaves == 1);
		CHECK(pt.root_va[1] == 0);	/* nothing linked */
		CHECK(!iommu_pt_lookup(&pt, 0x8000000000ull, NULL, NULL));
		CHECK(iommu_pt_lookup(&pt, 0x1000, &hpa, NULL) && hpa == 0x1000);
		CHECK(iommu_pt_map(&pt, 0x8000000000ull, 0x7000, IOMMU_RW) == 0);
		CHECK(hw_walk(amd, pt.root, 0x8000000000ull, &hpa) == IOMMU_RW && hpa == 0x7000);
		iommu_pt_teardown(&pt);
		CHECK(pages_live == 0);
	}
	fail_after = 0;
	CHECK(init_fmt(&pt, amd, &ops, 64) == -ENOMEM && pages_live == 0);
	fail_after = -1;
}

/* Random maps and unmaps against a shadow, a non-coherent walker syncing
 * every write; teardown frees all. */
#define SHADOW 4096
static void random_ops(bool amd)
{
	static u64 shadow_hpa[SHADOW];
	static unsigned shadow_perm[SHADOW];
	unsigned long long seed = amd ? 0x1234567 : 0x7654321;
	struct iommu_pt pt;
	long allocs0 = allocs;

	memset(shadow_perm, 0, sizeof(shadow_perm));
	CHECK(init_fmt(&pt, amd, &ops_sync, 1000) == 0);
	for (int n = 0; n < 100000; n++) {
		unsigned i = (unsigned)(check_rnd(&seed) % SHADOW);
		/* Slots spread over PTs, PDs and PDPTs: bits of i pick indices at each level. */
		u64 dma = ((u64)(i & 7) << 12) | ((u64)(i >> 3 & 7) << 21) |
			  ((u64)(i >> 6 & 7) << 30) | ((u64)(i >> 9) << 39);
		u64 hpa = (check_rnd(&seed) & 0xffffffffffull) << 12, got;
		unsigned perm = (unsigned)(check_rnd(&seed) % 3) + 1, gp;

		if (check_rnd(&seed) & 1) {
			int r = iommu_pt_map(&pt, dma, hpa, perm);

			CHECK(r == (shadow_perm[i] ? -EEXIST : 0));
			if (!r) {
				shadow_hpa[i] = hpa;
				shadow_perm[i] = perm;
			}
		} else {
			CHECK(iommu_pt_unmap(&pt, dma, &got) == (shadow_perm[i] ? 1 : 0));
			CHECK(!shadow_perm[i] || got == shadow_hpa[i]);
			shadow_perm[i] = 0;
		}
		CHECK(iommu_pt_lookup(&pt, dma, &got, &gp) == (shadow_perm[i] != 0));
		CHECK(!shadow_perm[i] || (got == shadow_hpa[i] && gp == shadow_perm[i]));
		CHECK(hw_walk(amd, pt.root, dma, &got) == shadow_perm[i]);
	}
	CHECK(syncs > 0 && (long)pt.nr_tables == pages_live && allocs - allocs0 == pages_live);
	iommu_pt_teardown(&pt);
	CHECK(pages_live == 0);
}

static void amd_dte(void)
{
	struct amdvi_dte d;
	u64 slot[4] = { 0, ~0ull, ~0ull, ~0ull };

	CHECK(amdvi_dte_translated(&d, 0x123456000ull, 0xbeef, IOMMU_RW) == 0);
	/* IW 62, IR 61, root 51:12, Mode 4 in 11:9, TV 1, V 0; DomainID 79:64. */
	CHECK(d.q[0] == 0x6000000123456803ull && d.q[1] == 0xbeef && !d.q[2] && !d.q[3]);
	CHECK(amdvi_dte_translated(&d, 0x1000, 1, IOMMU_R) == 0 && d.q[0] == 0x2000000000001803ull);
	CHECK(amdvi_dte_translated(&d, 0x123456800ull, 1, IOMMU_RW) == -EINVAL);
	CHECK(amdvi_dte_translated(&d, 1ull << 52, 1, IOMMU_RW) == -EINVAL);
	CHECK(amdvi_dte_translated(&d, 0x1000, 1, 4) == -EINVAL);
	amdvi_dte_blocked(&d);
	CHECK(d.q[0] == 1 && !d.q[1] && !d.q[2] && !d.q[3]);	/* V = 1, TV = 0 */
	CHECK(amdvi_dte_translated(&d, 0xfffffffff000ull, 7, IOMMU_RW) == 0);
	amdvi_dte_write(slot, &d);
	CHECK(!memcmp(slot, d.q, sizeof(slot)));
}

static void amd_cmds(void)
{
	struct amdvi_cmd c;
	struct amdvi_fault f;

	amdvi_cmd_inv_devtab(&c, 0x00a0);
	CHECK(c.w[0] == 0xa0 && c.w[1] == 0x20000000 && !c.w[2] && !c.w[3]);
	CHECK(amdvi_cmd_inv_pages(&c, 5, 0, true) == 0);
	CHECK(c.w[0] == 0 && c.w[1] == 0x30000005 && c.w[2] == 0xfffff003 && c.w[3] == 0x7fffffff);
	CHECK(amdvi_cmd_inv_pages(&c, 0xffff, 0x12345678000ull, false) == 0);
	CHECK(c.w[0] == 0 && c.w[1] == 0x3000ffff && c.w[2] == 0x45678002 && c.w[3] == 0x123);
	CHECK(amdvi_cmd_inv_pages(&c, 5, 0x1234, false) == -EINVAL);
	CHECK(amdvi_cmd_inv_pages(&c, 5, 1ull << 48, false) == -EINVAL);
	CHECK(amdvi_cmd_completion_wait(&c, 0x123456788ull, 0xdeadbeefcafef00dull) == 0);
	CHECK(c.w[0] == 0x23456789 && c.w[1] == 0x10000001 && c.w[2] == 0xcafef00d &&
	      c.w[3] == 0xdeadbeef);
	CHECK(amdvi_cmd_completion_wait(&c, 0xffffffffffff8ull, 1) == 0 && c.w[1] == 0x100fffff);
	CHECK(amdvi_cmd_completion_wait(&c, 0x123456784ull, 1) == -EINVAL);
	CHECK(amdvi_cmd_completion_wait(&c, 1ull << 52, 1) == -EINVAL);
	amdvi_cmd_inv_all(&c);
	CHECK(!c.w[0] && c.w[1] == 0x80000000 && !c.w[2] && !c.w[3]);

	/* IO_PAGE_FAULT from 00:02.0 in domain 7, a write to a present page. */
	{
		const u32 ev[4] = { 0x0010, 0x2 << 28 | (0x20 | 0x10 | 0x40) << 16 | 7,
				    0x89abc000, 0x1234 };
		const u32 other[4] = { 0x0010, 0x1u << 28, 0, 0 };

		CHECK(amdvi_event_code(ev) == AMDVI_EVENT_IO_PAGE_FAULT);
		CHECK(amdvi_event_page_fault(ev, &f) == 0);
		CHECK(f.devid == 0x10 && f.domid == 7 && f.addr == 0x123489abc000ull);
		CHECK(f.flags == (AMDVI_PF_RW | AMDVI_PF_PR | AMDVI_PF_PE));
		CHECK(amdvi_event_page_fault(other, &f) == -EINVAL);
	}
}

static void vtd_entries(void)
{
	struct vtd_entry e;
	struct vtd_ctx c;
	struct iommu_pt pt;
	const struct vtd_entry *t;

	CHECK(vtd_root_entry(&e, 0x7000) == 0 && e.lo == 0x7001 && e.hi == 0);
	CHECK(vtd_root_entry(&e, 0x7008) == -EINVAL);
	CHECK(vtd_context_entry(&e, 0x123456000ull, 0x42) == 0);
	CHECK(e.lo == 0x123456001ull && e.hi == 0x4202);	/* DID 23:8, AW 010 */
	CHECK(vtd_context_entry(&e, 0xfffffffff000ull, 0xffff) == 0 && e.hi == 0xffff02);
	CHECK(vtd_context_entry(&e, 1ull << 52, 1) == -EINVAL);

	CHECK(vtd_pt_init(&pt, &ops, 16) == 0);
	CHECK(vtd_ctx_init(&c, &ops_sync) == 0 && pages_live == 2);
	CHECK(vtd_ctx_attach(&c, 0x0010, pt.root, 0x42) == 0 && c.nr_tables == 1);
	/* The hardware's view: root[bus 0] -> context table, entry devfn 0x10. */
	CHECK(c.root_va[0].lo == (c.root_va[0].lo & IOMMU_PT_ADDR_MASK) + 1 && !c.root_va[0].hi);
	t = (const struct vtd_entry *)hw_table(c.root_va[0].lo & IOMMU_PT_ADDR_MASK);
	CHECK(t[0x10].lo == (pt.root | 1) && t[0x10].hi == 0x4202 && !t[0x11].lo && !t[0xf].lo);
	CHECK(vtd_ctx_attach(&c, 0x0010, pt.root, 0x43) == -EBUSY && t[0x10].hi == 0x4202);
	CHECK(vtd_ctx_attach(&c, 0x00f8, pt.root, 0x42) == 0 && c.nr_tables == 1);
	CHECK(vtd_ctx_attach(&c, 0x0300, pt.root, 0x42) == 0 && c.nr_tables == 2);
	CHECK(vtd_ctx_attach(&c, 0x0301, 0x1234, 0x42) == -EINVAL);
	fail_after = 0;
	CHECK(vtd_ctx_attach(&c, 0xff00, pt.root, 1) == -ENOMEM && !c.root_va[0xff].lo);
	fail_after = -1;
	CHECK(vtd_ctx_get(&c, 0x00f8, &e) && e.lo == (pt.root | 1) && e.hi == 0x4202);
	CHECK(!vtd_ctx_get(&c, 0x00f9, &e) && !vtd_ctx_get(&c, 0x0400, &e));
	CHECK(vtd_ctx_detach(&c, 0x0010) == 1 && !t[0x10].lo && !t[0x10].hi);
	CHECK(vtd_ctx_detach(&c, 0x0010) == 0 && vtd_ctx_detach(&c, 0x0500) == 0);
	CHECK(vtd_ctx_attach(&c, 0x0010, pt.root, 0x43) == 0 && t[0x10].hi == 0x4302);
	CHECK(pages_live == 4);
	vtd_ctx_teardown(&c);
	iommu_pt_teardown(&pt);
	CHECK(pages_live == 0 && c.nr_tables == 0);
	CHECK(vtd_ctx_attach(&c, 0, 0x1000, 1) == -EINVAL && vtd_ctx_detach(&c, 0) == 0);
	CHECK(!vtd_ctx_get(&c, 0, &e));
	fail_after = 0;
	CHECK(vtd_ctx_init(&c, &ops) == -ENOMEM);
	fail_after = -1;
}

static void vtd_descs(void)
{
	struct vtd_qi_desc d;
	struct vtd_fault f;

	vtd_qi_cc_global(&d);
	CHECK(d.lo == 0x11 && d.hi == 0);
	vtd_qi_cc_domain(&d, 0x42);
	CHECK(d.lo == 0x420021 && d.hi == 0);
	vtd_qi_cc_device(&d, 0x42, 0x00f8);
	CHECK(d.lo == 0x000000f800420031ull && d.hi == 0);
	vtd_qi_iotlb_global(&d, false);
	CHECK(d.lo == 0x12 && d.hi == 0);
	vtd_qi_iotlb_domain(&d, 0x42, true);
	CHECK(d.lo == 0x4200e2 && d.hi == 0);	/* DR, DW, granularity 10 */
	CHECK(vtd_qi_iotlb_page(&d, 0x42, 0x7fffffe00000ull, 9, false) == 0);
	CHECK(d.lo == 0x420032 && d.hi == 0x7fffffe00009ull);
	CHECK(vtd_qi_iotlb_page(&d, 7, 0x1000, 0, true) == 0 && d.lo == 0x700f2 && d.hi == 0x1000);
	CHECK(vtd_qi_iotlb_page(&d, 7, 0x1000, 1, false) == -EINVAL);	/* 8 KiB needs 8 KiB alignment */
	CHECK(vtd_qi_iotlb_page(&d, 7, 0x1001, 0, false) == -EINVAL);
	CHECK(vtd_qi_iotlb_page(&d, 7, 1ull << 48, 0, false) == -EINVAL);
	CHECK(vtd_qi_iotlb_page(&d, 7, 0, 37, false) == -EINVAL);
	CHECK(vtd_qi_wait(&d, 0x12345678, 0xabcd) == 0);
	CHECK(d.lo == 0x0000abcd00000065ull && d.hi == 0x12345678);	/* FN SW, type 5 */
	CHECK(vtd_qi_wait(&d, 0x12345679, 1) == -EINVAL);

	/* A read from 00:1f.0 refused for lack of R (reason 6). */
	{
		const u64 rec[2] = { 0x123456789abcull, 1ull << 63 | 1ull << 62 | 6ull << 32 | 0xf8 };
		const u64 pasid[2] = { 0x5000, 1ull << 63 | 2ull << 60 | 0xabcdeull << 40 |
					       5ull << 32 | 1ull << 31 | 0x0100 };
		const u64 empty[2] = { 0x5000, 6ull << 32 | 0xf8 };

		CHECK(vtd_fault_decode(rec, &f) == 0);
		CHECK(f.addr == 0x123456789000ull && f.sid == 0xf8 && f.reason == 6 && f.read);
		CHECK(!f.pasid_present && f.at == 0);
		CHECK(vtd_fault_decode(pasid, &f) == 0 && !f.read && f.reason == 5 && f.at == 2);
		CHECK(f.pasid_present && f.pasid == 0xabcde && f.sid == 0x100);
		CHECK(vtd_fault_decode(empty, &f) == -ENOENT);
	}
	CHECK(!strcmp(vtd_fault_reason(5), "write not permitted"));
	CHECK(!strcmp(vtd_fault_reason(6), "read not permitted"));
	CHECK(!strcmp(vtd_fault_reason(0x22), "IRTE not present"));
	CHECK(!strcmp(vtd_fault_reason(0x0e), "unknown") && !strcmp(vtd_fault_reason(0x27), "unknown"));
	CHECK(!strcmp(vtd_fault_reason(0xff), "unknown"));
}

int main(void)
{
	exact_bits();
	for (int amd = 0; amd < 2; amd++) {
		boundaries(amd);
		refusals(amd);
		exhaustion(amd);
		random_ops(amd);
	}
	amd_dte();
	amd_cmds();
	vtd_entries();
	vtd_descs();
	CHECK(pages_live == 0);
	CHECK_DONE("iommu_pt");
	return 0;
}

/*
 * pcihostile, the runtime domain: attacks the core's PCI passthrough
 * interface (public/pci.h) from a domain that owns no device. Crafted calls
 * first (bad ops, NULL, unaligned, non-canonical and end-of-RAM pointers,
 * sizes 0/3/8, registers 255/256/0xffff, every sbdf of segment 0 bus 0 and
 * some beyond; interrupt binds and EOIs of every function of bus 0), then 200,000
 * random ones, then the toolstack's
 * BH_DOMCTL_pci_* (privileged only). Every answer is checked: it owns no
 * device, so each config access and interrupt bind is -EPERM (or -EFAULT
 * when its own pointer is bad, and a refused bind writes no port), each list is empty, each domctl -EPERM. It prints one result
 * line, which the emulator test checks, and powers off.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/hypercall.h"
#include "dom/start.h"
#include "public/bulkhead.h"
#include "public/pci.h"
#include "../../common/hostile.h"

#define E_PERM 1
#define E_FAULT 14
#define E_NOSYS 38
#define RANDOM_CALLS 200000ul

static uint8_t scratch[HOSTILE_SCRATCH_SIZE] __attribute__((aligned(4096)));
static unsigned long calls, wrong;

static long pci(unsigned long op, uint64_t arg)
{
	calls++;
	return dom_hypercall5(__HYPERVISOR_bulkhead_pci, op, arg, 0, 0, 0);
}

static void expect(long got, long want, const char *what, uint64_t detail)
{
	if (got == want)
		return;
	if (wrong++ < 10)
		dom_printf("pcihostile: %s (0x%lx): got %ld, want %ld\n", what, (unsigned long)detail,
			   got, want);
}

/* One config access through a struct at p (inside scratch). */
static long cfg(unsigned long op, uint8_t *p, uint32_t sbdf, uint16_t reg, uint8_t size)
{
	struct bh_pci_cfg c = { .sbdf = sbdf, .reg = reg, .size = size, .value = 0xffffffff };

	for (unsigned i = 0; i < sizeof(c); i++)
		p[i] = ((uint8_t *)&c)[i];
	return pci(op, (uint64_t)(uintptr_t)p);
}

static void crafted(void)
{
	static const uint16_t regs[] = { 0, 2, 4, 0x10, 0x24, 0x30, 0x3c, 0xfc, 255, 256, 0xffff };
	static const uint8_t sizes[] = { 0, 1, 2, 3, 4, 8, 255 };
	/* Unmapped: non-canonical, wrapping, the LAPIC and a hole below 4 GiB
	 * (identity-mapped by its page tables, nothing in its p2m). */
	const uint64_t bad[] = { 1ull << 47, 0xffff800000000000ull, ~0ull, ~0ull - 7,
				 0xfee00000, 0xc0000000, 0xc0000ff8 };
	struct bh_pci_list *l = (struct bh_pci_list *)scratch;

	for (unsigned long op = 0; op < 8; op++)
		if (op < BH_PCI_list || op > BH_PCI_irq_eoi)
			expect(pci(op, (uint64_t)(uintptr_t)scratch), -E_NOSYS, "bad op", op);
	expect(pci(0xffffffffffffffffull, 0), -E_NOSYS, "bad op", ~0ull);
	/* NULL is its own page tables (mapped): configs read and never write it. */
	expect(pci(BH_PCI_cfg_read, 0), -E_PERM, "NULL read", 0);
	expect(pci(BH_PCI_cfg_write, 0), -E_PERM, "NULL write", 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (unsigned long op = BH_PCI_list; op <= BH_PCI_irq_eoi; op++)
			expect(pci(op, bad[i]), -E_FAULT, "bad pointer", bad[i]);
	/* The list: its own devices only, none; buf never written. */
	for (uint32_t max = 0; max < 3; max++) {
		l->max = max ? 0xffffffffu : 0;
		l->count = 77;
		l->buf = max == 2 ? 0 : (uint64_t)(uintptr_t)(scratch + 4096);
		expect(pci(BH_PCI_list, (uint64_t)(uintptr_t)l), 0, "list", max);
		expect(l->count, 0, "list count", max);
	}
	/* Every function of bus 0, and a few elsewhere, every register and size,
	 * aligned and not: never its own. */
	for (uint32_t devfn = 0; devfn < 256; devfn++)
		for (unsigned r = 0; r < sizeof(regs) / sizeof(regs[0]); r++)
			for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
				for (unsigned long op = BH_PCI_cfg_read; op <= BH_PCI_cfg_write; op++)
					expect(cfg(op, scratch + 1 + s, devfn, regs[r], sizes[s]), -E_PERM,
					       "config access", devfn << 16 | regs[r]);
	/* Interrupts: every function of bus 0, entries 0, 1, 2047, 0xffff. */
	for (uint32_t sbdf = 0; sbdf < 256; sbdf++)
		for (unsigned e = 0; e < 4; e++) {
			static const uint16_t entries[] = { 0, 1, 2047, 0xffff };
			struct bh_pci_irq *q = (struct bh_pci_irq *)(scratch + 8 * e);

			*q = (struct bh_pci_irq){ .sbdf = sbdf, .entry = entries[e], .port = 0x77 };
			expect(pci(BH_PCI_irq_bind, (uint64_t)(uintptr_t)q), -E_PERM, "irq bind",
			       sbdf << 16 | q->entry);
			expect(q->port, 0x77, "irq bind wrote its port", sbdf);
			expect(pci(BH_PCI_irq_eoi, (uint64_t)(uintptr_t)q), -E_PERM, "irq eoi",
			       sbdf << 16 | q->entry);
		}
	for (unsigned long op = BH_PCI_cfg_read; op <= BH_PCI_cfg_write; op++) {
		expect(cfg(op, scratch, 0x10018, 0, 4), -E_PERM, "segment 1", 0x10018);
		expect(cfg(op, scratch, 0xffffffff, 0, 4), -E_PERM, "sbdf ~0", 0xffffffff);
		expect(cfg(op, scratch, 0x0100, 0, 4), -E_PERM, "bus 1", 0x100);
	}
}

static void random_calls(uint64_t rng)
{
	for (unsigned long i = 0; i < RANDOM_CALLS; i++) {
		uint64_t op = hostile_next(&rng) % 7, arg = hostile_arg(&rng, (uint64_t)(uintptr_t)scratch);
		uint8_t *p = scratch + hostile_next(&rng) % (HOSTILE_SCRATCH_SIZE - 4096 - 16);
		bool mine = hostile_next(&rng) % 2;
		long rc;

		if (mine) {	/* a struct of random bytes at a pointer it knows is mapped */
			for (int k = 0; k < 16; k++)
				p[k] = (uint8_t)hostile_next(&rng);
			arg = (uint64_t)(uintptr_t)p;
		}
		/* A list writes its header back: never into its own code or tables. */
		if (op == BH_PCI_list && !mine && arg < (1ull << 32) &&
		    (arg < (uint64_t)(uintptr_t)scratch ||
		     arg >= (uint64_t)(uintptr_t)scratch + HOSTILE_SCRATCH_SIZE - 4096 - 16))
			arg = (uint64_t)(uintptr_t)scratch + arg % (HOSTILE_SCRATCH_SIZE - 4096 - 16);
		rc = pci(op, arg);
		if (op < BH_PCI_list || op > BH_PCI_irq_eoi)
			expect(rc, -E_NOSYS, "random bad op", op);
		else if (op != BH_PCI_list && mine)
			expect(rc, -E_PERM, "random config access, irq bind or eoi", *(uint32_t *)p);
		else if (rc != -E_FAULT && rc != -E_PERM && rc != 0)
			expect(rc, 0, "random call", op);
		else if (op == BH_PCI_list && rc == 0 && ((struct bh_pci_list *)(uintptr_t)arg)->count)
			expect(1, 0, "random list not empty", arg);
		else if (op != BH_PCI_list && rc == 0)
			expect(rc, -E_PERM, "random config access allowed", arg);
	}
}

static void domctls(void)
{
	static const uint32_t cmds[] = { BH_DOMCTL_pci_list, BH_DOMCTL_pci_assign,
					 BH_DOMCTL_pci_deassign };
	struct bh_domctl *op = (struct bh_domctl *)(scratch + 8192);

	for (unsigned i = 0; i < 3; i++)
		for (uint16_t domid = 0; domid < 4; domid++) {
			for (unsigned k = 0; k < sizeof(*op); k++)
				((uint8_t *)op)[k] = 0;
			op->cmd = cmds[i];
			op->version = BULKHEAD_DOMCTL_VERSION;
			op->domid = domid;
			op->u.pci.sbdf = 0x20;
			calls++;
			expect(dom_hypercall5(__HYPERVISOR_bulkhead_domctl, (uint64_t)(uintptr_t)op, 0, 0,
					      0, 0), -E_PERM, "domctl", cmds[i]);
		}
}

int dom_main(const struct dom_start_info *si)
{
	dom_printf("pcihostile: domid %u: crafted, %lu random and domctl PCI calls\n", si->domid,
		   RANDOM_CALLS);
	crafted();
	random_calls(0x9e3779b97f4a7c15ull ^ si->domid);
	domctls();
	if (wrong)
		dom_printf("pcihostile: FAILED: %lu of %lu PCI calls answered wrongly\n", wrong, calls);
	else
		dom_printf("pcihostile: %lu PCI calls refused as expected\n", calls);
	return 0;
}

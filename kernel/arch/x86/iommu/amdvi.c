/*
 * AMD-Vi driver (AMD IOMMU spec 48882, 3.x) behind iommu_drv.h: the units
 * IVRS lists, one device table shared by all of them (§2.2.2; Linux does
 * the same per segment), a command buffer and an event log per unit.
 * Every DTE starts blocked (amdvi_dte_blocked); an assigned device's DTE
 * points at its domain's I/O page table.
 */
#include "types.h"
#include "errno.h"
#include "lib.h"
#include "console.h"
#include "frame.h"
#include "cpu.h"
#include "amdvi_pt.h"
#include "iommu_drv.h"

/* MMIO registers (§3.4). */
#define AMDVI_DEV_TAB 0x0000	/* base 51:12, size 8:0 in 4 KiB pages minus one */
#define AMDVI_CMD_BASE 0x0008	/* base 51:12, ComLen 59:56 (log2 entries) */
#define AMDVI_EVT_BASE 0x0010	/* base 51:12, EventLen 59:56 */
#define AMDVI_CONTROL 0x0018
#define AMDVI_EFR 0x0030
#define AMDVI_CMD_HEAD 0x2000	/* byte offsets, bits 18:4 */
#define AMDVI_CMD_TAIL 0x2008
#define AMDVI_EVT_HEAD 0x2010
#define AMDVI_EVT_TAIL 0x2018
#define AMDVI_STATUS 0x2020
#define AMDVI_MMIO_LEN 0x4000

#define AMDVI_CTL_EN (1ull << 0)
#define AMDVI_CTL_EVT_EN (1ull << 2)
#define AMDVI_CTL_COHERENT (1ull << 10)	/* its table/ring reads snoop */
#define AMDVI_CTL_CMD_EN (1ull << 12)
#define AMDVI_STS_EVT_OVF (1ull << 0)
#define AMDVI_EFR_IA (1ull << 6)	/* INVALIDATE_IOMMU_ALL supported */

#define AMDVI_RING 4096u		/* command buffer and event log bytes */
#define AMDVI_RING_LEN (8ull << 56)	/* 2^8 entries of 16 bytes */
#define AMDVI_ENTRY 16u
#define AMDVI_DT_BUSES 16		/* device table: buses 0-15 (4096 devids) */
#define AMDVI_DTE_SIZE 32u

struct amdvi_unit {
	volatile u8 *regs;
	u64 base;
	u8 *cmd, *evt;		/* rings, one page each */
	u32 cmd_tail;		/* next command slot; serialized by the front */
	u64 seq;		/* last completion-wait data */
	volatile u64 done;	/* the IOMMU stores seq here */
};

static struct amdvi_unit units[IOMMU_ACPI_MAX_UNITS];
static u32 nr_units;
static u32 nr_devids;	/* DTEs the table holds */
static u64 dev_table[AMDVI_DT_BUSES * 256 * AMDVI_DTE_SIZE / 8] __aligned(4096);

static u64 rd(const struct amdvi_unit *u, u32 reg)
{
	return *(volatile u64 *)(u->regs + reg);
}

static void wr(struct amdvi_unit *u, u32 reg, u64 v)
{
	*(volatile u64 *)(u->regs + reg) = v;
}

static bool amdvi_ring_full(const struct amdvi_unit *u, u32 next)
{
	return (rd(u, AMDVI_CMD_HEAD) & (AMDVI_RING - 1)) == next;
}

/* Queues one command; waits (bounded) while the ring is full. */
static int amdvi_submit(struct amdvi_unit *u, const struct amdvi_cmd *c)
{
	u32 next = (u->cmd_tail + AMDVI_ENTRY) % AMDVI_RING;

	for (u64 t = iommu_deadline(); amdvi_ring_full(u, next); cpu_relax())
		if (iommu_past(t)) {
			pr_err("AMD-Vi: at 0x%lx: command buffer stuck\n", u->base);
			return -ETIMEDOUT;
		}
	memcpy(u->cmd + u->cmd_tail, c, sizeof(*c));
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* the entry before the tail moves */
	u->cmd_tail = next;
	wr(u, AMDVI_CMD_TAIL, next);
	return 0;
}

/* COMPLETION_WAIT: returns once every command queued before is done. */
static int amdvi_sync(struct amdvi_unit *u)
{
	struct amdvi_cmd c;
	int rc;

	u->seq++;
	if ((rc = amdvi_cmd_completion_wait(&c, virt_to_phys((const void *)&u->done), u->seq)) ||
	    (rc = amdvi_submit(u, &c)))
		return rc;
	for (u64 t = iommu_deadline(); __atomic_load_n(&u->done, __ATOMIC_ACQUIRE) != u->seq;
	     cpu_relax())
		if (iommu_past(t)) {
			pr_err("AMD-Vi: at 0x%lx: completion wait timed out (head 0x%lx tail 0x%x)\n",
			       u->base, rd(u, AMDVI_CMD_HEAD), u->cmd_tail);
			return -ETIMEDOUT;
		}
	return 0;
}

/* Drops every cached DTE and translation of the unit (§2.4). */
static int amdvi_flush_all(struct amdvi_unit *u)
{
	bool all = rd(u, AMDVI_EFR) & AMDVI_EFR_IA;
	struct amdvi_cmd c;
	int rc = 0;

	if (all) {
		amdvi_cmd_inv_all(&c);
		rc = amdvi_submit(u, &c);
	}
	for (u32 id = 0; !rc && !all && id < nr_devids; id++) {
		amdvi_cmd_inv_devtab(&c, (u16)id);
		rc = amdvi_submit(u, &c);
	}
	return rc ? rc : amdvi_sync(u);
}

/* One unit: rings, the shared table, enable, flush (§3.3: set up before enable). */
static int amdvi_unit_init(struct amdvi_unit *u, const struct iommu_acpi_unit *a)
{
	u->base = a->base;
	u->regs = iommu_mmio(a->base, AMDVI_MMIO_LEN);
	if (!u->regs || a->segment)
		return -ENODEV;
	if (!(u->cmd = page_alloc()) || !(u->evt = page_alloc()))
		return -ENOMEM;
	wr(u, AMDVI_CONTROL, 0);	/* firmware's settings off while we change the bases */
	wr(u, AMDVI_DEV_TAB, virt_to_phys(dev_table) | (nr_devids * AMDVI_DTE_SIZE / 4096 - 1));
	wr(u, AMDVI_CMD_BASE, virt_to_phys(u->cmd) | AMDVI_RING_LEN);
	wr(u, AMDVI_EVT_BASE, virt_to_phys(u->evt) | AMDVI_RING_LEN);
	wr(u, AMDVI_CMD_HEAD, 0);
	wr(u, AMDVI_CMD_TAIL, 0);
	wr(u, AMDVI_EVT_HEAD, 0);
	wr(u, AMDVI_EVT_TAIL, 0);
	wr(u, AMDVI_STATUS, rd(u, AMDVI_STATUS));	/* write-1-to-clear what was pending */
	u->cmd_tail = 0;
	wr(u, AMDVI_CONTROL, AMDVI_CTL_EN | AMDVI_CTL_EVT_EN | AMDVI_CTL_CMD_EN | AMDVI_CTL_COHERENT);
	return amdvi_flush_all(u);
}

/* Buses the IVRS names (its "all" entry: every bus the table can hold). */
static u32 amdvi_buses(const struct iommu_acpi *a)
{
	u32 top = 0;

	for (u32 i = 0; i < a->nr_units; i++) {
		const struct iommu_acpi_unit *u = &a->unit[i];

		top = MAX(top, (u32)(u->devid >> 8));
		if (u->include_all)
			top = AMDVI_DT_BUSES - 1;
		for (u32 j = 0; j < u->nr_devs; j++)
			if (u->dev[j].type == IOMMU_DEV_PCI)
				top = MAX(top, (u32)(u->dev[j].last >> 8));
	}
	return MIN(top + 1, (u32)AMDVI_DT_BUSES);
}

static int amdvi_init(const struct iommu_acpi *a)
{
	struct amdvi_dte blocked;
	int rc = 0;

	nr_devids = amdvi_buses(a) * 256;
	amdvi_dte_blocked(&blocked);
	for (u32 id = 0; id < nr_devids; id++)
		memcpy(&dev_table[id * 4], &blocked, sizeof(blocked));
	for (u32 i = 0; i < a->nr_units && !rc; i++, nr_units++)
		rc = amdvi_unit_init(&units[i], &a->unit[i]);
	for (u32 i = 0; rc && i < nr_units; i++)
		wr(&units[i], AMDVI_CONTROL, 0);	/* all or none */
	for (u32 i = 0; !rc && i < nr_units; i++)
		pr_info("IOMMU: AMD-Vi at 0x%lx enabled, %u devices blocked\n", units[i].base,
			nr_devids);
	if (rc)
		nr_units = 0;
	return rc;
}

/* A DTE changed: every unit drops its copy, and domid's translations. */
static int amdvi_flush_dte(u16 devid, u16 domid)
{
	struct amdvi_cmd c[2];
	int rc = 0;

	amdvi_cmd_inv_devtab(&c[0], devid);
	amdvi_cmd_inv_pages(&c[1], domid, 0, true);
	for (u32 i = 0; i < nr_units; i++) {
		int r = amdvi_submit(&units[i], &c[0]);

		r = r ? r : amdvi_submit(&units[i], &c[1]);
		r = r ? r : amdvi_sync(&units[i]);
		rc = rc ? rc : r;
	}
	return rc;
}

/* Translations of domid dropped by every unit, each drop complete. A
 * not-present entry is never cached (§2.2.7), so a map needs none. */
static int amdvi_flush(u16 domid, bool map)
{
	struct amdvi_cmd c;
	int rc = 0;

	if (map)
		return 0;
	amdvi_cmd_inv_pages(&c, domid, 0, true);
	for (u32 i = 0; i < nr_units; i++) {
		int r = amdvi_submit(&units[i], &c);

		r = r ? r : amdvi_sync(&units[i]);
		rc = rc ? rc : r;
	}
	return rc;
}

static volatile u64 *amdvi_slot(u16 seg, u8 bus, u8 devfn)
{
	u32 id = (u32)bus << 8 | devfn;

	return seg || id >= nr_devids ? NULL : &dev_table[id * 4];
}

static int amdvi_assign(const struct iommu_pt *pt, u16 did, u16 seg, u8 bus, u8 devfn)
{
	volatile u64 *slot = amdvi_slot(seg, bus, devfn);
	struct amdvi_dte d;
	int rc;

	if (!slot)
		return -ENODEV;
	if (slot[0] & AMDVI_DTE_TV)
		return -EBUSY;
	if ((rc = amdvi_dte_translated(&d, pt->root, did, IOMMU_RW)))
		return rc;
	amdvi_dte_write(slot, &d);
	rc = amdvi_flush_dte((u16)(bus << 8 | devfn), did);
	if (rc) {	/* not known to be in use: back to blocked */
		amdvi_dte_blocked(&d);
		amdvi_dte_write(slot, &d);
		amdvi_flush_dte((u16)(bus << 8 | devfn), did);
	}
	return rc;
}

static void amdvi_deassign(u16 did, u16 seg, u8 bus, u8 devfn)
{
	volatile u64 *slot = amdvi_slot(seg, bus, devfn);
	struct amdvi_dte d;

	if (!slot)
		return;
	amdvi_dte_blocked(&d);
	amdvi_dte_write(slot, &d);
	if (amdvi_flush_dte((u16)(bus << 8 | devfn), did))
		pr_err("AMD-Vi: %02x:%02x.%u: blocked, but the flush did not complete\n", bus,
		       devfn >> 3, devfn & 7);
}

static void amdvi_log_event(const u32 ev[4])
{
	struct amdvi_fault f;

	if (!iommu_fault_log_ok())
		return;
	if (amdvi_event_page_fault(ev, &f))
		pr_warn("AMD-Vi: event %u: %08x %08x %08x %08x\n", amdvi_event_code(ev), ev[0],
			ev[1], ev[2], ev[3]);
	else if (f.domid)
		pr_warn("AMD-Vi: IO_PAGE_FAULT device %02x:%02x.%u domain %u address 0x%lx "
			"flags 0x%x\n", f.devid >> 8, (f.devid >> 3) & 0x1f, f.devid & 7,
			f.domid - 1u, f.addr, f.flags);
	else
		pr_warn("AMD-Vi: IO_PAGE_FAULT device %02x:%02x.%u (blocked) address 0x%lx "
			"flags 0x%x\n", f.devid >> 8, (f.devid >> 3) & 0x1f, f.devid & 7, f.addr,
			f.flags);
}

/* Event log entries between head and tail (§3.4.6); a value the unit
 * reports outside the ring is refused, not followed. */
static void amdvi_poll_unit(struct amdvi_unit *u)
{
	u64 head = rd(u, AMDVI_EVT_HEAD), tail = rd(u, AMDVI_EVT_TAIL);

	if (head >= AMDVI_RING || tail >= AMDVI_RING || (head | tail) % AMDVI_ENTRY)
		return;
	for (u32 n = 0; head != tail && n < AMDVI_RING / AMDVI_ENTRY; n++) {
		u32 *ev = (u32 *)(u->evt + head);

		amdvi_log_event(ev);
		memset(ev, 0, AMDVI_ENTRY);
		head = (head + AMDVI_ENTRY) % AMDVI_RING;
		wr(u, AMDVI_EVT_HEAD, head);
	}
	if (rd(u, AMDVI_STATUS) & AMDVI_STS_EVT_OVF) {	/* §3.4.6: restart the log */
		pr_warn("AMD-Vi: at 0x%lx: event log overflowed, events lost\n", u->base);
		wr(u, AMDVI_CONTROL, rd(u, AMDVI_CONTROL) & ~AMDVI_CTL_EVT_EN);
		wr(u, AMDVI_STATUS, AMDVI_STS_EVT_OVF);
		wr(u, AMDVI_EVT_HEAD, 0);
		wr(u, AMDVI_EVT_TAIL, 0);
		wr(u, AMDVI_CONTROL, rd(u, AMDVI_CONTROL) | AMDVI_CTL_EVT_EN);
	}
}

static void amdvi_poll(void)
{
	for (u32 i = 0; i < nr_units; i++)
		amdvi_poll_unit(&units[i]);
}

static int amdvi_pt_new(struct iommu_pt *pt, u64 max_tables)
{
	return amdvi_pt_init(pt, &iommu_pages, max_tables);
}

const struct iommu_drv amdvi_drv = {
	.name = "AMD-Vi", .init = amdvi_init, .pt_init = amdvi_pt_new,
	.assign = amdvi_assign, .deassign = amdvi_deassign, .flush = amdvi_flush,
	.poll = amdvi_poll,
};

/*
 * dmahostile, the runtime domain (issue 8 §5, "a hostile driver domain that
 * programs its controller to DMA into another domain"): it is given the
 * NVMe controller (pci = ['00:04.0']), brings it up with blkback's own
 * driver (nvme_disk.c, nvme.c: the same sources, linked), writes a known
 * pattern to the first sectors, and then submits READs of them on the I/O
 * queue itself, with data pointers where the device must not write:
 *
 *   (a) 4 GiB + its canary page: outside its RAM; a DMA remapper that cut
 *       addresses to 32 bits would land it in the canary (checked);
 *   (b) 128 MiB: Dom0's RAM by host-physical address (the core's first-fit
 *       allocator gives Dom0, created first, the low part of memory; the
 *       test boots with dom0_mem=256M), a guest-physical address this
 *       domain does not own (it has 16 MiB);
 *   (c) its shared_info page: in its p2m, but the core's page, not its RAM
 *       (the IOMMU maps RAM only); checked for the pattern afterwards;
 *   (d) a 3-page READ whose PRP list pointer is 4 GiB + its own valid list
 *       (whose entries name its canary pages: checked; PRP1 is its own);
 * then (e) the same 3-page READ with the list in its own RAM, data checked,
 * and a read through nvme_disk's bounce pages, data checked; then grants
 * (the IOMMU follows the grants a domain maps, issue 8 §2): a page of its
 * RAM granted to itself and mapped at a second address,
 *   (f) a READ through that mapping: the data must land in the page;
 *   (g) the mapping unmapped (the unmap returns after the IOTLB flush), the
 *       same READ at that address: it must not land (the page checked).
 *
 * Before the DMA attacks, its interrupt (BH_PCI_irq_bind, public/pci.h):
 * MSI-X entry 0 bound through blkback's dom_env_irq_bind (the driver then
 * sleeps on it), the same entry again (-EEXIST), entries past any table
 * (-EINVAL), its INTx line (BH_PCI_IRQ_INTX: an EOI before the bind
 * -ENOENT, INTx disable cleared by command writes before the bind (kept
 * set), an EOI of an MSI-X entry -EINVAL, the bind, again -EEXIST,
 * another function's EOI -EPERM, a thousand EOIs in a row, INTx disable
 * cleared), entries up to BH_PCI_IRQ_MAX and one more (-ENOSPC), the
 * port's EVTCHNOP_status (pirq), and config writes that would turn MSI-X
 * off, mask it or move its table (dropped: read back unchanged). One line:
 *   dmahostile: interrupt: N binds answered as expected, MSI-X kept on
 * The legitimate I/O afterwards then completes through the interrupt.
 *
 * A hostile command ends with its status, or a timeout (HOSTILE_WAIT_US)
 * after which the controller is reset with nvme_disk_init. A command that
 * reports success moved its data nowhere the domain can see: the IOMMU
 * dropped it, which the core's fault log shows (the emulator test checks
 * a fault line per address). One line per case, then the result line:
 *   dmahostile: N DMA attempts blocked, legitimate I/O ok
 * or lines with FAIL.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/cpu.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/hypercall.h"
#include "dom/start.h"
#include "dom/time.h"
#include "errno.h"
#include "public/pci.h"
#include "public/event_channel.h"
#include "nvme.h"
#include "nvme_disk.h"
#include "dom_env.h"

#define MAX_PCI 32
#define NVME_CLASS 0x010802u
#define PAGE 4096u
#define PAGES 3			/* the multi-page READs: PRP1 + a list of 2 */
#define SECTORS_PER_PAGE (PAGE / 512u)
#define HOSTILE_WAIT_US 5000000ull
/* Between two attempts: the core reads (and clears) the IOMMU's fault
 * records every 100 ms, and QEMU's VT-d records no new fault of a source
 * while one of its faults is pending (it collapses them). */
#define FAULT_GAP_MS 400
#define ALIAS_4G (1ull << 32)
#define DOM0_HPA 0x08000000ull
#define CANARY 0xa5u
#define MAGIC "DMAHOSTILE-PATTERN"

static struct dom_bar bar0;
static struct nvme_disk disk;
static uint8_t *canary;		/* PAGES pages of CANARY */
static uint8_t *land;		/* PAGES pages the legitimate READs fill */
static uint64_t *list;		/* a PRP list page */
static unsigned attempts, blocked, failures;
static uint16_t self;		/* our domid */

/* ---- the device's environment (blkback's dom_env.c; ctx is bar0) ------------ */

/* wait_irq once irq_attacks bound the interrupt. */
static struct dev_env env = { &bar0, dom_env_rd32, dom_env_wr32, dom_env_now_us,
			      dom_env_delay, dom_env_alloc, dom_env_dma, NULL, NULL };

/* ---- the controller --------------------------------------------------------- */

static long pci_op(unsigned op, void *arg)
{
	return dom_hypercall5(__HYPERVISOR_bulkhead_pci, op, (unsigned long)arg, 0, 0, 0);
}

static long cfg(unsigned op, uint32_t sbdf, uint16_t reg, uint8_t size, uint32_t *value)
{
	struct bh_pci_cfg c = { .sbdf = sbdf, .reg = reg, .size = size, .value = *value };
	long rc = pci_op(op, &c);

	*value = c.value;
	return rc;
}

/* The MSI-X capability's offset (PCI 3.0 §6.7), or 0. */
static uint16_t msix_cap(uint32_t sbdf)
{
	uint32_t v = 0;

	cfg(BH_PCI_cfg_read, sbdf, 0x34, 1, &v);
	for (unsigned n = 0; v >= 0x40 && v < 0x100 && n < 48; n++) {
		uint32_t id = 0, next = 0;

		cfg(BH_PCI_cfg_read, sbdf, (uint16_t)(v & 0xfc), 1, &id);
		if (id == 0x11)
			return (uint16_t)(v & 0xfc);
		cfg(BH_PCI_cfg_read, sbdf, (uint16_t)((v & 0xfc) + 1), 1, &next);
		v = next;
	}
	return 0;
}

static unsigned irq_checks, irq_wrong;

static void irq_expect(long got, long want, const char *what)
{
	irq_checks++;
	if (got != want && irq_wrong++ < 10)
		dom_printf("dmahostile: interrupt: FAIL: %s: got %ld, want %ld\n", what, got, want);
}

static long bind(uint32_t sbdf, uint16_t entry, uint32_t *port)
{
	struct bh_pci_irq q = { .sbdf = sbdf, .entry = entry };
	long rc = pci_op(BH_PCI_irq_bind, &q);

	*port = q.port;
	return rc;
}

static long eoi(uint32_t sbdf, uint16_t entry)
{
	struct bh_pci_irq q = { .sbdf = sbdf, .entry = entry };

	return pci_op(BH_PCI_irq_eoi, &q);
}

/* The INTx line, next to the MSI-X entry already bound. */
static void intx_attacks(uint32_t sbdf)
{
	uint32_t port = 0, cmd = 0x0006, failed = 0;

	/* INTx disable cleared, before the line is ours: kept set */
	irq_expect(cfg(BH_PCI_cfg_write, sbdf, 4, 2, &cmd), 0, "command write");
	cfg(BH_PCI_cfg_read, sbdf, 4, 2, &cmd);
	irq_expect(!!(cmd & 0x400), 1, "INTx disable before the bind");
	cmd = 0x00000006;	/* the same through the dword with status */
	irq_expect(cfg(BH_PCI_cfg_write, sbdf, 4, 4, &cmd), 0, "command dword write");
	cfg(BH_PCI_cfg_read, sbdf, 4, 2, &cmd);
	irq_expect(!!(cmd & 0x400), 1, "INTx disable before the bind (dword)");
	irq_expect(eoi(sbdf, BH_PCI_IRQ_INTX), -ENOENT, "an INTx EOI before its bind");
	irq_expect(eoi(sbdf, 0), -EINVAL, "an EOI of an MSI-X entry");
	irq_expect(bind(sbdf, BH_PCI_IRQ_INTX, &port), 0, "bind the INTx line");
	irq_expect(bind(sbdf, BH_PCI_IRQ_INTX, &port), -EEXIST, "the INTx line again");
	irq_expect(eoi(sbdf ^ 0x8, BH_PCI_IRQ_INTX), -EPERM, "another function's EOI");
	for (unsigned i = 0; i < 1000; i++)
		failed += eoi(sbdf, BH_PCI_IRQ_INTX) != 0;
	irq_expect(failed, 0, "a thousand INTx EOIs");
	cfg(BH_PCI_cfg_read, sbdf, 4, 2, &cmd);
	irq_expect(!!(cmd & 0x400), 0, "INTx disable after the bind");
}

/* The interrupt interface, attacked by its owner (see the top). */
static void irq_attacks(uint32_t sbdf)
{
	static const uint16_t bad_entries[] = { 2048, 4095, 0xfffe };
	uint16_t cap = msix_cap(sbdf);
	struct evtchn_status st = { .dom = DOMID_SELF };
	uint32_t port, ctl = 0, after = 0, table = 0, v, entries, bound = 1;

	if (!cap) {
		dom_printf("dmahostile: interrupt: FAIL: the controller has no MSI-X capability\n");
		irq_wrong++;
		return;
	}
	cfg(BH_PCI_cfg_read, sbdf, cap + 2, 2, &ctl);
	cfg(BH_PCI_cfg_read, sbdf, cap + 4, 4, &table);
	entries = (ctl & 0x7ff) + 1;
	irq_expect(ctl & 0x8000, 0, "MSI-X enabled before any bind");
	irq_expect(dom_env_irq_bind(&bar0, sbdf, 0), 0, "bind entry 0");
	env.wait_irq = bar0.irq_port ? dom_env_wait_irq : NULL;
	irq_expect(bind(sbdf, 0, &port), -EEXIST, "entry 0 again");
	for (unsigned i = 0; i < sizeof(bad_entries) / sizeof(bad_entries[0]); i++)
		irq_expect(bind(sbdf, bad_entries[i], &port), -EINVAL, "an entry past any table");
	irq_expect(bind(sbdf, (uint16_t)entries, &port), -EINVAL, "the entry past the table");
	intx_attacks(sbdf);
	bound++;	/* the line counts among BH_PCI_IRQ_MAX */
	for (uint16_t e = 1; e < entries && bound < BH_PCI_IRQ_MAX; e++, bound++)
		irq_expect(bind(sbdf, e, &port), 0, "a further entry");
	if (entries > BH_PCI_IRQ_MAX)
		irq_expect(bind(sbdf, BH_PCI_IRQ_MAX, &port), -ENOSPC, "one entry over the limit");
	irq_expect(bind(sbdf ^ 0x8, 0, &port), -EPERM, "another function's entry");
	st.port = bar0.irq_port;
	irq_expect(dom_hypercall_event_channel_op(EVTCHNOP_status, &st), 0, "EVTCHNOP_status");
	irq_expect(st.status, EVTCHNSTAT_pirq, "the port's status");
	/* Config writes into the capability: MSI-X off, all masked, table moved. */
	cfg(BH_PCI_cfg_read, sbdf, cap + 2, 2, &ctl);
	irq_expect(!!(ctl & 0x8000), 1, "MSI-X enabled by the bind");
	v = 0x4000;
	irq_expect(cfg(BH_PCI_cfg_write, sbdf, cap + 2, 2, &v), 0, "message control write");
	v = table + 0x1000;
	irq_expect(cfg(BH_PCI_cfg_write, sbdf, cap + 4, 4, &v), 0, "table offset write");
	v = 0;
	irq_expect(cfg(BH_PCI_cfg_write, sbdf, cap, 4, &v), 0, "capability header write");
	cfg(BH_PCI_cfg_read, sbdf, cap + 2, 2, &after);
	irq_expect(after, ctl, "message control after the writes");
	cfg(BH_PCI_cfg_read, sbdf, cap + 4, 4, &v);
	irq_expect(v, table, "table offset after the writes");
	if (!irq_wrong)
		dom_printf("dmahostile: interrupt: %u checks answered as expected, MSI-X kept on "
			   "(entries %u, port %u)\n", irq_checks, entries, bar0.irq_port);
}

/* Our NVMe controller: BAR0 mapped (below 4 GiB: a pointer), memory decode
 * and bus master on (PCI 3.0 §6.2.2), nvme_disk up. 0 or -errno. */
static int controller_up(void)
{
	static struct bh_pci_dev devs[MAX_PCI];
	struct bh_pci_list l = { MAX_PCI, 0, (uint64_t)(uintptr_t)devs };
	struct bh_pci_cfg c = { .reg = 4, .size = 2 };
	const struct bh_pci_dev *d = NULL;
	long rc;

	if ((rc = pci_op(BH_PCI_list, &l)))
		return (int)rc;
	for (uint32_t i = 0; i < l.count && i < MAX_PCI && !d; i++)
		if (devs[i].class_code == NVME_CLASS && devs[i].bar[0].size >= 0x2000 &&
		    devs[i].bar[0].base + devs[i].bar[0].size <= ALIAS_4G)
			d = &devs[i];
	if (!d)
		return -ENODEV;
	dom_printf("dmahostile: nvme %02x:%02x.%x BAR0 0x%llx\n", (d->sbdf >> 8) & 0xff,
		   (d->sbdf >> 3) & 0x1f, d->sbdf & 7, (unsigned long long)d->bar[0].base);
	bar0.base = (volatile uint8_t *)(uintptr_t)d->bar[0].base;
	bar0.size = d->bar[0].size;
	c.sbdf = d->sbdf;
	if ((rc = pci_op(BH_PCI_cfg_read, &c)))
		return (int)rc;
	c.value |= 0x6;
	if ((rc = pci_op(BH_PCI_cfg_write, &c)))
		return (int)rc;
	irq_attacks(d->sbdf);
	return nvme_disk_init(&disk, &env);
}

/* One READ of PAGES pages' worth of sectors at LBA 0 (or one page when
 * prp2 is 0) on the I/O queue, polled for at most HOSTILE_WAIT_US. The
 * status field, or -ETIMEDOUT (the controller reset) or -EIO. */
static int raw_read(uint64_t prp1, uint64_t prp2, uint32_t pages)
{
	struct nvme_queue *q = &disk.io;
	struct nvme_sqe e;
	struct nvme_done dn;
	uint16_t cid = 0;
	uint64_t start;

	while (cid < q->depth && nvme_cid_busy(q, cid))
		cid++;
	if (nvme_cmd_rw(&e, NVME_CMD_READ, disk.nsid, 0, pages * (PAGE / disk.sector_size), prp1,
			prp2, cid) || nvme_sq_push(q, &e))
		return -EIO;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the entry before the doorbell */
	dom_env_wr32(&bar0, q->sq_db, q->sq_tail);
	for (start = dom_env_now_us(&bar0); dom_env_now_us(&bar0) - start < HOSTILE_WAIT_US;) {
		int rc = nvme_cq_poll(q, &dn);

		if (rc < 0)
			return -EIO;
		if (rc > 0) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			dom_env_wr32(&bar0, q->cq_db, q->cq_head);
			return dn.cid == cid ? dn.status : -EIO;
		}
		dom_env_delay(&bar0, NVME_DISK_POLL_US);
	}
	return nvme_disk_init(&disk, &env) ? -EIO : -ETIMEDOUT;
}

static bool has_magic(const volatile uint8_t *p, size_t n)
{
	for (size_t i = 0; i + sizeof(MAGIC) - 1 <= n; i++)
		if (!memcmp((const void *)(p + i), MAGIC, sizeof(MAGIC) - 1))
			return true;
	return false;
}

static bool canary_intact(void)
{
	for (size_t i = 0; i < PAGES * PAGE; i++)
		if (canary[i] != CANARY)
			return false;
	return true;
}

/* Prints one case's outcome; a hostile READ is blocked when the device
 * refused it (an error status, a timeout) or reported success and nothing
 * we can see changed (the IOMMU dropped the data: the core logs it). */
static void report(const char *what, uint64_t addr, int rc, bool landed)
{
	const char *s = rc > 0 ? nvme_status_str((uint16_t)rc) : NULL;

	attempts++;
	dom_sleep_ms(FAULT_GAP_MS);
	if (rc == -ETIMEDOUT)
		dom_printf("dmahostile: %s 0x%llx: timed out after %llu ms, controller reset",
			   what, (unsigned long long)addr, HOSTILE_WAIT_US / 1000);
	else if (rc < 0)
		dom_printf("dmahostile: %s 0x%llx: error %d", what, (unsigned long long)addr, rc);
	else
		dom_printf("dmahostile: %s 0x%llx: status 0x%x (sct %u sc 0x%02x%s%s)", what,
			   (unsigned long long)addr, rc, NVME_SCT(rc), NVME_SC(rc), s ? ": " : "",
			   s ? s : "");
	if (landed) {
		failures++;
		dom_printf(" FAIL: the data landed\n");
	} else if (rc == -EIO) {
		failures++;
		dom_printf(" FAIL: the controller broke the protocol\n");
	} else {
		blocked++;
		dom_printf(", blocked\n");
	}
}

static void attacks(void)
{
	uint64_t c = (uint64_t)(uintptr_t)canary, si = (uint64_t)(uintptr_t)dom_evtchn_shared_info();
	int rc;

	rc = raw_read(ALIAS_4G + c, 0, 1);
	report("(a) READ above its RAM, 4 GiB + its canary page", ALIAS_4G + c, rc, !canary_intact());
	rc = raw_read(DOM0_HPA, 0, 1);
	report("(b) READ into Dom0's RAM by host-physical address", DOM0_HPA, rc, false);
	if (si) {
		rc = raw_read(si, 0, 1);
		report("(c) READ into its shared_info page (the core's)", si, rc,
		       has_magic((const volatile uint8_t *)(uintptr_t)si, PAGE));
	}
	/* (d) A valid list in our RAM naming the canary pages, pointed at
	 * through its 4 GiB alias. */
	for (unsigned i = 1; i < PAGES; i++)
		list[i - 1] = c + (uint64_t)i * PAGE;
	rc = raw_read((uint64_t)(uintptr_t)land, ALIAS_4G + (uint64_t)(uintptr_t)list, PAGES);
	report("(d) READ with its PRP list pointer at 4 GiB + its list", ALIAS_4G +
	       (uint64_t)(uintptr_t)list, rc, !canary_intact());
}

/* (e) The same 3-page READ, its list in our RAM; then one through nvme_disk. */
static bool legitimate(const uint8_t *want)
{
	static uint8_t buf[PAGES * PAGE];
	uint64_t l = (uint64_t)(uintptr_t)land;
	int rc;

	memset(land, 0, PAGES * PAGE);
	for (unsigned i = 1; i < PAGES; i++)
		list[i - 1] = l + (uint64_t)i * PAGE;
	rc = raw_read(l, (uint64_t)(uintptr_t)list, PAGES);
	dom_printf("dmahostile: (e) READ into its own RAM 0x%llx: status 0x%x, data %s\n",
		   (unsigned long long)l, rc, memcmp(land, want, PAGES * PAGE) ? "WRONG" : "ok");
	if (rc != 0 || memcmp(land, want, PAGES * PAGE))
		return false;
	rc = nvme_disk_read(&disk, 0, PAGES * PAGE / disk.sector_size, buf);
	dom_printf("dmahostile: (e) READ through nvme_disk: %d%s%s, data %s\n", rc,
		   rc ? " " : "", rc && disk.why ? disk.why : "",
		   memcmp(buf, want, sizeof(buf)) ? "WRONG" : "ok");
	return rc == 0 && !memcmp(buf, want, sizeof(buf));
}

/* (f) and (g): a page of ours granted to ourselves, mapped at a second
 * address (alias): a READ through the alias lands in the page while it is
 * mapped, and nowhere once it was unmapped. False if (f) failed. */
static bool grant_cases(void)
{
	uint8_t *page = dom_env_alloc(&bar0, 1);
	int ref = page ? dom_gnttab_grant_access(self, (uintptr_t)page >> 12, false) : -ENOMEM;
	void *alias = NULL;
	uint32_t handle = 0;
	uint64_t a;
	int rc = ref < 0 ? ref : dom_gnttab_map(self, (uint32_t)ref, false, &alias, &handle);
	bool ok;

	if (rc) {
		dom_printf("dmahostile: (f) FAIL: no grant of our own page mapped (%d)\n", rc);
		return false;
	}
	a = (uint64_t)(uintptr_t)alias;
	memset(page, CANARY, PAGE);
	rc = raw_read(a, 0, 1);
	ok = rc == 0 && has_magic(page, PAGE) && !memcmp(alias, page, PAGE);
	dom_printf("dmahostile: (f) READ into a grant it mapped 0x%llx: status 0x%x, data %s\n",
		   (unsigned long long)a, rc, ok ? "ok" : "WRONG");
	rc = dom_gnttab_unmap(alias, handle);
	if (rc) {
		dom_printf("dmahostile: (g) FAIL: the grant would not unmap (%d)\n", rc);
		return false;
	}
	memset(page, CANARY, PAGE);
	rc = raw_read(a, 0, 1);
	report("(g) READ into a grant it unmapped", a, rc, has_magic(page, PAGE));
	if ((rc = dom_gnttab_end_access((uint32_t)ref)))
		dom_printf("dmahostile: (g) FAIL: the grant would not end (%d)\n", rc);
	return ok && !rc;
}

int dom_main(const struct dom_start_info *si)
{
	static uint8_t pattern[PAGES * PAGE];
	int rc;

	self = (uint16_t)si->domid;
	dom_printf("dmahostile: domid %u, %llu MiB: DMA outside its memory\n", si->domid,
		   (unsigned long long)(si->mem_bytes >> 20));
	if ((rc = controller_up())) {
		dom_printf("dmahostile: FAIL: no controller (%d%s%s)\n", rc, disk.why ? ": " : "",
			   disk.why ? disk.why : "");
		return 0;
	}
	canary = dom_env_alloc(&bar0, PAGES);
	land = dom_env_alloc(&bar0, PAGES);
	list = dom_env_alloc(&bar0, 1);
	if (!canary || !land || !list || disk.sector_size > PAGE) {
		dom_printf("dmahostile: FAIL: no memory or sector size %u\n", disk.sector_size);
		return 0;
	}
	memset(canary, CANARY, PAGES * PAGE);
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + i / 512);
	for (unsigned s = 0; s < sizeof(pattern) / 512; s++)
		memcpy(pattern + s * 512, MAGIC, sizeof(MAGIC) - 1);
	if ((rc = nvme_disk_write(&disk, 0, sizeof(pattern) / disk.sector_size, pattern))) {
		dom_printf("dmahostile: FAIL: the pattern write failed: %s\n", disk.why);
		return 0;
	}
	attacks();
	if (!legitimate(pattern))
		dom_printf("dmahostile: FAIL: legitimate I/O after the attacks failed\n");
	else if (!grant_cases())
		dom_printf("dmahostile: FAIL: DMA through a mapped grant failed\n");
	else if (irq_wrong)
		dom_printf("dmahostile: FAIL: %u of %u interrupt checks answered wrongly\n",
			   irq_wrong, irq_checks);
	else if (failures)
		dom_printf("dmahostile: FAIL: %u of %u DMA attempts not blocked\n", failures, attempts);
	else
		dom_printf("dmahostile: %u DMA attempts blocked, legitimate I/O ok\n", blocked);
	return 0;
}

/*
 * The storage driver domain (issue 8 §3; DESIGN §1): a runtime domain that
 * owns a disk controller (NVMe or AHCI) by PCI passthrough and serves blkif
 * vbds from named volumes (GPT partitions) on its disk. Started by Dom0
 * from /etc/xen/blkback.cfg (driver_domain = 1, pci = ['00:04.0']; another
 * controller by `xl create /etc/xen/blkback.cfg "pci=['00:1f.2']"`).
 *
 * Start of day:
 *   __HYPERVISOR_bulkhead_pci BH_PCI_list: the first device of class 010802
 *   (NVMe; its registers in BAR0) is ours, else the first of class 010601
 *   (AHCI; ABAR = BAR5, memory: I/O BARs are never used). The BAR is mapped
 *   by the core at gpa == hpa, uncached; runtime domains identity-map
 *   0-4 GiB, so a BAR below 4 GiB is used as a pointer (one above 4 GiB is
 *   refused with a message), every access bounded by its size. Command
 *   register (mediated config write): memory decode + bus master on. DMA
 *   addresses are our own guest-physical addresses (the IOMMU maps our RAM
 *   at its gpas; virtual == guest-physical here). The controller's first
 *   MSI-X entry (NVMe) or its MSI (AHCI) is bound to an event channel
 *   (BH_PCI_irq_bind): a command's wait sleeps until it, looking again at
 *   least every millisecond; without it we poll.
 *   nvme_disk: reset, enable, IDENTIFY, one I/O queue pair; ahci_disk: HBA
 *   reset, the first port with an ATA disk, IDENTIFY DEVICE. volumes: read
 *   the GPT (a blank disk gets a fresh one, logged; a corrupt one is
 *   refused: blkback then serves nothing and says why). Each volume is
 *   published as SELF/data/volumes/<name> = "<512-byte sectors>" (name may
 *   hold '/': data/volumes/tank/xendisk0), then the log line
 *   `blkback: nvme 0000:00:04.0 <model> <N> MiB, <k> volumes` (or
 *   `blkback: ahci 0000:00:1f.2 port <p> <model> ...`).
 *
 * Volume requests (Dom0's `zfs create -V` / `zfs destroy`, dom0/vol_blkback.c):
 *   SELF/control/volume-request  = "<seq> create <name> <bytes>" | "<seq> destroy <name>"
 *   SELF/control/volume-response = "<seq> 0" | "<seq> -<errno> <message>"
 * watched; each new request value is acted on once, answered, and
 * data/volumes rewritten. A volume open by a vbd cannot be destroyed
 * (-EBUSY). Permissions: control/ and data/ are created by the toolstack
 * owned by this domain (dom0/guests.c write_nodes), so blkback writes the
 * response and data/volumes; Dom0, privileged, writes the request.
 *
 * vbds: the toolstack writes SELF/backend/vbd/<fe>/<devid> (params =
 * "/dev/zvol/<name>" or "<name>", mode, device-type, frontend, frontend-id,
 * state 1) and the frontend's nodes; a xenstore watch on SELF/backend/vbd
 * and on each frontend's state runs vbd_back.c (the state machine Dom0's
 * backend runs) and blkif_back.c serves the rings with volume store ops.
 * A ring of 2-16 pages (max-ring-page-order 4) is mapped at contiguous
 * window pages of our own (dom_gpa_alloc, then dom_gnttab_map_at per ref).
 * params naming no volume: the error node and Closed for that vbd. A
 * broken ring or hostile request disconnects that vbd only; a failed
 * device command fails that request with an error (the disk drivers refuse
 * hostile completions); every wait is bounded. Volumes need the disk's
 * sector size to be 512 (blkif addresses 512-byte sectors); a 4 KiB
 * namespace serves only aligned requests.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/cpu.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/gpa.h"
#include "dom/hypercall.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "errno.h"
#include "public/pci.h"
#include "ahci_disk.h"
#include "nvme_disk.h"
#include "dom_env.h"
#include "volumes.h"
#include "vbd_back.h"
#include "xs_env.h"

#define MAX_PCI 32
#define NVME_CLASS 0x010802u
#define AHCI_CLASS 0x010601u
#define AHCI_BAR 5		/* ABAR (AHCI 1.3.1 §2.1.11) */
#define AHCI_MIN_BAR 0x180u	/* generic registers and port 0 */
#define RESCAN_MS 1000		/* safety net beside the watches */
#define PATH_LEN 160
#define ZVOL_PREFIX "/dev/zvol/"

static struct {
	uint32_t self;
	char root[32];			/* /local/domain/SELF */
	struct dom_bar bar;		/* the controller's registers */
	bool ahci;			/* else NVMe */
	struct nvme_disk nvme;
	struct ahci_disk sata;
	struct volumes vols;
	bool have_vols;
	struct vbd_back_set set;
	bool vbd_dirty, req_dirty;
	char last_req[PATH_LEN];
} bb;

/* ---- PCI ------------------------------------------------------------------ */

/* Our first usable NVMe controller, else our first AHCI HBA; 0 or -errno. */
static int find_disk(struct bh_pci_dev *out, bool *ahci)
{
	static struct bh_pci_dev devs[MAX_PCI];
	struct bh_pci_list l = { MAX_PCI, 0, (uint64_t)(uintptr_t)devs };
	long rc = dom_env_pci(BH_PCI_list, &l);
	int sata = -1;
	char name[16];

	if (rc) {
		dom_printf("blkback: BH_PCI_list failed (%ld): no devices\n", rc);
		return (int)rc;
	}
	for (uint32_t i = 0; i < l.count && i < MAX_PCI; i++) {
		const struct bh_pci_dev *d = &devs[i];

		dom_env_pci_name(name, sizeof(name), d->sbdf);
		dom_printf("blkback: pci %s %04x:%04x class %06x\n", name, d->vendor, d->device,
			   d->class_code);
		if (d->class_code == NVME_CLASS && dom_env_bar_ok(d, 0, 0x2000, "blkback: nvme", name)) {
			*out = *d;
			*ahci = false;
			return 0;
		}
		if (d->class_code == AHCI_CLASS && sata < 0 &&
		    dom_env_bar_ok(d, AHCI_BAR, AHCI_MIN_BAR, "blkback: ahci", name))
			sata = (int)i;
	}
	if (sata >= 0) {
		*out = devs[sata];
		*ahci = true;
		return 0;
	}
	dom_printf("blkback: no usable NVMe or AHCI controller among our %u PCI devices\n",
		   l.count);
	return -ENODEV;
}

/* ---- the disk drivers' env (dom_env.c; ctx is bb.bar) ---------------------- */

/* wait_irq is set once the controller's interrupt is bound (driver_up). A
 * granted page is at its guest-physical address, as all of ours (dma_buf). */
static struct dev_env disk_env = { &bb.bar, dom_env_rd32, dom_env_wr32, dom_env_now_us,
				   dom_env_delay, dom_env_alloc, dom_env_dma, NULL, dom_env_dma };

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	return nvme_disk_read(ctx, lba, count, buf);
}

static int disk_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	return nvme_disk_write(ctx, lba, count, buf);
}

static void disk_rw(void *ctx, struct blk_io *ios, unsigned int n)
{
	nvme_disk_rw(ctx, ios, n);
}

static int disk_flush(void *ctx)
{
	return nvme_disk_flush(ctx);
}

static int disk_zero(void *ctx, uint64_t lba, uint64_t count)
{
	return nvme_disk_write_zeroes(ctx, lba, count);
}

static int sata_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	return ahci_disk_read(ctx, lba, count, buf);
}

static int sata_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	return ahci_disk_write(ctx, lba, count, buf);
}

static void sata_rw(void *ctx, struct blk_io *ios, unsigned int n)
{
	ahci_disk_rw(ctx, ios, n);
}

static int sata_flush(void *ctx)
{
	return ahci_disk_flush(ctx);
}

static int sata_zero(void *ctx, uint64_t lba, uint64_t count)
{
	return ahci_disk_write_zeroes(ctx, lba, count);
}

/* ---- volumes in xenstore -------------------------------------------------- */

static void publish_volumes(void)
{
	static struct volumes_info info[GPT_MAX_PARTS];
	char path[PATH_LEN];
	unsigned n;

	snprintf(path, sizeof(path), "%s/data/volumes", bb.root);
	dom_xs_rm(0, path);
	dom_xs_mkdir(0, path);
	n = bb.have_vols ? volumes_list(&bb.vols, info, GPT_MAX_PARTS) : 0;
	for (unsigned i = 0; i < n && i < GPT_MAX_PARTS; i++) {
		snprintf(path, sizeof(path), "%s/data/volumes/%s", bb.root, info[i].name);
		dom_xs_printf(0, path, "%llu", (unsigned long long)(info[i].bytes / 512));
	}
}

static void respond(const char *seq, int rc, const char *msg)
{
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "%s/control/volume-response", bb.root);
	if (rc)
		dom_xs_printf(0, path, "%s %d %s", seq, rc, msg ? msg : "failed");
	else
		dom_xs_printf(0, path, "%s 0", seq);
}

/* "<seq> create <name> <bytes>" | "<seq> destroy <name>": the words split in place. */
static void volume_request(char *req)
{
	char *w[5] = { 0 }, *p = req, *end;
	unsigned n = 0;
	unsigned long long bytes;
	int rc;

	while (*p && n < 5) {
		while (*p == ' ')
			*p++ = '\0';
		if (*p)
			w[n++] = p;
		while (*p && *p != ' ')
			p++;
	}
	strtoull(n ? w[0] : "", &end, 10);
	if (n < 1 || *end || !isdigit((unsigned char)w[0][0]))
		return;	/* no sequence number: nobody to answer */
	if (!bb.have_vols) {
		respond(w[0], -ENODEV, "the storage domain has no usable disk");
		return;
	}
	if (n == 4 && !strcmp(w[1], "create")) {
		bytes = strtoull(w[3], &end, 10);
		rc = *end || !bytes ? -EINVAL : volumes_create(&bb.vols, w[2], bytes);
	} else if (n == 3 && !strcmp(w[1], "destroy")) {
		rc = volumes_destroy(&bb.vols, w[2]);
	} else {
		respond(w[0], -EINVAL, "unknown request (create NAME BYTES | destroy NAME)");
		return;
	}
	dom_printf("blkback: volume %s %s: %s\n", w[1], w[2], rc ? bb.vols.why : "done");
	if (!rc)
		publish_volumes();	/* first: an answered request is already listed */
	respond(w[0], rc, rc ? bb.vols.why : NULL);
}

static void take_request(void)
{
	char path[PATH_LEN], *req = NULL;

	snprintf(path, sizeof(path), "%s/control/volume-request", bb.root);
	if (dom_xs_read(0, path, &req, NULL) || !req)
		return;
	if (*req && strcmp(req, bb.last_req)) {
		snprintf(bb.last_req, sizeof(bb.last_req), "%s", req);
		volume_request(req);
	}
	free(req);
}

/* ---- vbd_back's env: xenstore client, volumes, events, grants ------------ */

/* Only volumes: "/dev/zvol/<name>" or "<name>". */
static int v_open(void *ctx, const char *params, bool ro, struct vbd_back_disk *d)
{
	const char *name = params;
	struct volumes_ref *r;
	int rc;

	(void)ctx, (void)ro;
	if (!strncmp(name, ZVOL_PREFIX, strlen(ZVOL_PREFIX)))
		name += strlen(ZVOL_PREFIX);
	if (!bb.have_vols)
		return -ENODEV;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	if ((rc = volumes_get(&bb.vols, name, r))) {
		free(r);
		return rc;
	}
	*d = (struct vbd_back_disk){ bb.vols.disk.zero_native ? &volumes_store_ops_discard
							      : &volumes_store_ops, r,
				     r->count * bb.vols.disk.sector_size / 512, false, r };
	return 0;
}

static void v_close(void *ctx, struct vbd_back_disk *d)
{
	(void)ctx;
	if (d->priv) {
		volumes_put(d->priv);
		free(d->priv);
	}
	d->priv = NULL;
}

static int g_map(void *ctx, uint16_t domid, uint32_t ref, bool ro, void **addr, uint32_t *h)
{
	(void)ctx;
	return dom_gnttab_map(domid, ref, ro, addr, h);
}

static void g_unmap(void *ctx, void *addr, uint32_t h)
{
	(void)ctx;
	dom_gnttab_unmap(addr, h);
}

#define PAGE 4096u

/* Unmaps a multi-page ring's first nr pages and gives back their window
 * pages; a page that would not unmap stays allocated (it may still be mapped). */
static void ring_unmap(uint64_t gpa, const uint32_t *h, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t page = gpa + (uint64_t)i * PAGE;

		if (dom_gnttab_unmap_at(page, h[i]))
			dom_printf("blkback: ring page 0x%llx would not unmap\n",
				   (unsigned long long)page);
		else
			dom_gpa_free(page, 1);
	}
}

/* A multi-page ring (blkif_back.h): nr contiguous window pages, each ref at
 * its own; all or nothing. */
static int g_map_ring(void *ctx, uint16_t domid, const uint32_t *refs, unsigned int nr,
		      void **addr, uint32_t *h)
{
	uint64_t gpa = dom_gpa_alloc(nr);
	int rc;

	(void)ctx;
	if (!gpa)
		return -ENOSPC;
	for (unsigned int i = 0; i < nr; i++) {
		if ((rc = dom_gnttab_map_at(domid, refs[i], false, gpa + (uint64_t)i * PAGE, &h[i]))) {
			ring_unmap(gpa, h, i);
			dom_gpa_free(gpa + (uint64_t)i * PAGE, nr - i);
			return rc;
		}
	}
	*addr = (void *)(uintptr_t)gpa;
	return 0;
}

static void g_unmap_ring(void *ctx, void *addr, const uint32_t *h, unsigned int nr)
{
	(void)ctx;
	ring_unmap((uintptr_t)addr, h, nr);
}

static void log_msg(void *ctx, const char *msg)
{
	(void)ctx;
	dom_printf("blkback: vbd: %s\n", msg);
}

static const struct blkif_back_grant_ops grant_ops = {
	.map = g_map, .unmap = g_unmap, .map_ring = g_map_ring, .unmap_ring = g_unmap_ring,
};
static const struct vbd_back_env vbd_env = {
	.xs = { .ctx = &bb.vbd_dirty, .read = xs_env_read, .directory = xs_env_directory,
		.write = xs_env_write, .watch = xs_env_watch, .log = log_msg },
	.open = v_open, .close = v_close, .bind = xs_env_bind, .unbind = xs_env_unbind,
	.notify = xs_env_notify, .take = xs_env_take, .gops = &grant_ops,
};

/* ---- start of day ------------------------------------------------------------ */

static void on_request(const char *path, const char *token, void *arg)
{
	(void)path, (void)token, (void)arg;
	bb.req_dirty = true;
}

/* A GUID for a fresh table: the TSC and our domid, as an RFC 4122 version 4. */
static void new_guid(struct gpt_guid *g)
{
	uint64_t a = dom_rdtsc() * 0x9e3779b97f4a7c15ull, b = (a ^ bb.self) * 0xbf58476d1ce4e5b9ull;

	memcpy(g->b, &a, 8);
	memcpy(g->b + 8, &b, 8);
	g->b[7] = (uint8_t)((g->b[7] & 0x0f) | 0x40);
	g->b[8] = (uint8_t)((g->b[8] & 0x3f) | 0x80);
}

/* The driver up on our controller: its volumes_disk and a name for the log
 * ("nvme 0000:00:04.0", "ahci 0000:00:1f.2 port 0"); false if it failed. */
static bool driver_up(const struct bh_pci_dev *dev, struct volumes_disk *vd, char *tag, size_t n)
{
	char name[16];
	int rc;

	dom_env_pci_name(name, sizeof(name), dev->sbdf);
	snprintf(tag, n, "%s %s", bb.ahci ? "ahci" : "nvme", name);
	if ((rc = dom_env_pci_enable(dev->sbdf))) {
		dom_printf("blkback: %s: command register write failed (%d)\n", tag, rc);
		return false;
	}
	bb.bar.base = (volatile uint8_t *)(uintptr_t)dev->bar[bb.ahci ? AHCI_BAR : 0].base;
	bb.bar.size = dev->bar[bb.ahci ? AHCI_BAR : 0].size;
	if ((rc = dom_env_irq_bind(&bb.bar, dev->sbdf, 0))) {
		dom_printf("blkback: %s: no interrupt (%d): polling\n", tag, rc);
	} else {
		/* Only a command's wait looks at it (nvme_disk.c, ahci_disk.c). */
		dom_evtchn_mask(bb.bar.irq_port);
		bb.bar.irq_masked = true;
		disk_env.wait_irq = dom_env_wait_irq;
		dom_printf("blkback: %s: interrupt on event channel %u\n", tag, bb.bar.irq_port);
	}
	if (bb.ahci) {
		if ((rc = ahci_disk_init(&bb.sata, &disk_env))) {
			dom_printf("blkback: %s: %s (%d)\n", tag, bb.sata.why, rc);
			return false;
		}
		snprintf(tag, n, "ahci %s port %u", name, bb.sata.port);
		*vd = (struct volumes_disk){ bb.sata.sector_size, bb.sata.sectors, &bb.sata,
					     sata_read, sata_write, sata_flush, sata_zero,
					     sata_rw, false };	/* zeroes by writing: no discard */
		return true;
	}
	if ((rc = nvme_disk_init(&bb.nvme, &disk_env))) {
		dom_printf("blkback: %s: %s (%d)\n", tag, bb.nvme.why, rc);
		return false;
	}
	*vd = (struct volumes_disk){ bb.nvme.sector_size, bb.nvme.sectors, &bb.nvme,
				     disk_read, disk_write, disk_flush, disk_zero, disk_rw,
				     bb.nvme.write_zeroes };
	return true;
}

/* The controller and its volumes; false if there is no usable disk. */
static bool disk_up(void)
{
	struct bh_pci_dev dev = { 0 };
	struct volumes_disk vd;
	struct gpt_guid g;
	char tag[40];
	int rc;

	if (find_disk(&dev, &bb.ahci) || !driver_up(&dev, &vd, tag, sizeof(tag)))
		return false;
	new_guid(&g);
	if ((rc = volumes_open(&bb.vols, &vd, &g))) {
		dom_printf("blkback: %s: volumes: %s (%d)\n", tag, bb.vols.why, rc);
		return false;
	}
	if (bb.vols.created)
		dom_printf("blkback: %s: no partition table: wrote a fresh GPT\n", tag);
	if (bb.vols.warn)
		dom_printf("blkback: %s: GPT repaired: %s\n", tag, bb.vols.warn);
	dom_printf("blkback: %s %s %llu MiB, %u volumes\n", tag,
		   bb.ahci ? bb.sata.model : bb.nvme.model,
		   (unsigned long long)(vd.sectors * vd.sector_size >> 20),
		   volumes_list(&bb.vols, NULL, 0));
	return true;
}

int dom_main(const struct dom_start_info *si)
{
	char path[PATH_LEN];
	uint64_t next_scan = 0;

	bb.self = si->domid;
	snprintf(bb.root, sizeof(bb.root), "/local/domain/%u", bb.self);
	if (dom_xs_init()) {
		dom_printf("blkback: no xenstore\n");
		return 3;
	}
	bb.have_vols = disk_up();
	publish_volumes();
	snprintf(path, sizeof(path), "%s/control/volume-request", bb.root);
	dom_xs_watch(path, "volreq", on_request, NULL);
	vbd_back_set_init(&bb.set, &vbd_env, (uint16_t)bb.self);
	snprintf(path, sizeof(path), "%s/backend/vbd", bb.root);
	xs_env_watch(&bb.vbd_dirty, path, true);
	for (;;) {
		dom_xs_poll();
		if (bb.req_dirty) {
			bb.req_dirty = false;
			take_request();
		}
		if (bb.vbd_dirty || dom_now_ns() >= next_scan) {
			bb.vbd_dirty = false;
			next_scan = dom_now_ns() + RESCAN_MS * 1000000ull;
			vbd_back_scan(&bb.set);
		}
		if (!vbd_back_serve(&bb.set))
			dom_wait_event_timeout(RESCAN_MS);
	}
}

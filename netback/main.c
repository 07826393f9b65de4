/*
 * The network driver domain (issue 9; DESIGN §1): a runtime domain that owns
 * the NIC, an Intel 82540EM (e1000, FreeBSD's em0), by PCI passthrough and
 * joins it and every guest's vifD.N in bridge0, a learning bridge (bridge.c:
 * port 0 the NIC, port 1 + i vif i). Started by Dom0 from
 * /etc/xen/netback.cfg (driver_domain = 1, pci = ['00:03.0']).
 *
 * Start of day: __HYPERVISOR_bulkhead_pci BH_PCI_list, the first 8086:100e
 * with a memory BAR0 below 4 GiB is ours (mapped by the core at gpa == hpa;
 * runtime domains identity-map 0-4 GiB); memory decode and bus master on;
 * e1000_open: reset, MAC, link, rings of our own pages (DMA addresses are
 * our guest-physical addresses, which the IOMMU maps 1:1). Log line:
 *   netback: e1000 0000:00:03.0 mac 52:54:00:12:34:56 link up
 * The NIC's INTx line is an event channel (BH_PCI_irq_bind, entry
 * BH_PCI_IRQ_INTX): on it we read ICR, serve the rings, then send the EOI;
 * with nothing to do we sleep up to IRQ_IDLE_MS (bridge0's timers, the
 * watchdog). Where the core cannot route the line, the NIC is polled: at
 * once while frames come in, every 1 ms for 200 ms after the last, then
 * every 10 ms. Guests' rings wake us by event channel.
 *
 * vifs: the toolstack writes SELF/backend/vif/<fe>/<devid> and the
 * frontend's device/vif/<devid>; vif_back.c runs the handshake and the rings
 * (grant copies: no guest page is ever mapped for packet data). A frame from
 * a guest or the wire goes where bridge0 says: to one port, or flooded to
 * every other port that is up. A vif's port is up while it is connected.
 * bridge0 has an address of its own (ip.c, over lwIP): port IP_PORT, up from
 * start of day, with a DHCP client; it answers ARP and ping, and its lease
 * goes to the console and SELF/data/bridge0-ip. Without a NIC it asks the
 * vifs (a guest could serve DHCP) and keeps asking, quietly.
 * SELF/data/bridge0 lists each port ("em0", "vif5.0 00:16:3e:..") for
 * diagnostics; the console (Dom0's /var/log/xen/console/guest-netback.log)
 * gets each port's counters every 5 s while they move, and a vif's totals
 * when it disconnects.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "errno.h"
#include "public/grant_table.h"
#include "public/pci.h"
#include "public/shared_info.h"
#include "dom_env.h"
#include "xs_env.h"
#include "bridge.h"
#include "e1000.h"
#include "ip.h"
#include "gso.h"
#include "vif_back.h"

#define MAX_PCI 32
#define E1000_VENDOR 0x8086u
#define E1000_DEVICE 0x100eu	/* 82540EM */
#define RESCAN_MS 1000
#define POLL_MS 1		/* the NIC while frames come in */
#define IDLE_POLL_MS 10		/* after IDLE_AFTER_MS without one */
#define IDLE_AFTER_MS 200
#define IRQ_IDLE_MS 100		/* with the NIC's interrupt: the longest sleep */
#define RX_BUDGET 64
#define PAGE 4096u
#define PATH_LEN 160

static struct {
	uint32_t self;
	char root[32];
	struct dom_bar bar;
	struct e1000 nic;
	uint32_t sbdf;
	uint64_t irqs;			/* the NIC's interrupts taken */
	bool have_nic;
	struct bridge br;
	struct vif_back_set vifs;
	bool vif_dirty;
	uint64_t up;			/* bridge ports we made up */
	bool listed;			/* data/bridge0 written for them */
	bool have_ip;			/* ip.c's port is up */
	uint8_t ip_mac[6];
} nb;

/* ---- the NIC ----------------------------------------------------------------- */

static const struct dev_env nic_env = { &nb.bar, dom_env_rd32, dom_env_wr32, dom_env_now_us,
					dom_env_delay, dom_env_alloc, dom_env_dma, NULL, NULL };

static bool nic_up(void)
{
	static struct bh_pci_dev devs[MAX_PCI];
	struct bh_pci_list l = { MAX_PCI, 0, (uint64_t)(uintptr_t)devs };
	long rc = dom_env_pci(BH_PCI_list, &l);
	char name[16];
	int err;

	if (rc) {
		dom_printf("netback: BH_PCI_list failed (%ld): no devices\n", rc);
		return false;
	}
	for (uint32_t i = 0; i < l.count && i < MAX_PCI; i++) {
		const struct bh_pci_dev *d = &devs[i];

		dom_env_pci_name(name, sizeof(name), d->sbdf);
		dom_printf("netback: pci %s %04x:%04x class %06x\n", name, d->vendor, d->device,
			   d->class_code);
		if (d->vendor != E1000_VENDOR || d->device != E1000_DEVICE ||
		    !dom_env_bar_ok(d, 0, E1000_BAR_SIZE, "netback: e1000", name))
			continue;
		if ((err = dom_env_pci_enable(d->sbdf))) {
			dom_printf("netback: e1000 %s: command register write failed (%d)\n", name,
				   err);
			return false;
		}
		nb.bar.base = (volatile uint8_t *)(uintptr_t)d->bar[0].base;
		nb.bar.size = d->bar[0].size;
		if ((err = e1000_open(&nb.nic, &nic_env))) {
			dom_printf("netback: e1000 %s: %s (%d)\n", name, nb.nic.why, err);
			return false;
		}
		dom_printf("netback: e1000 %s mac %02x:%02x:%02x:%02x:%02x:%02x link %s\n", name,
			   nb.nic.mac[0], nb.nic.mac[1], nb.nic.mac[2], nb.nic.mac[3],
			   nb.nic.mac[4], nb.nic.mac[5], e1000_link(&nb.nic) ? "up" : "down");
		nb.sbdf = d->sbdf;
		if ((err = dom_env_irq_bind(&nb.bar, d->sbdf, BH_PCI_IRQ_INTX))) {
			dom_printf("netback: e1000 %s: no interrupt (%d): polled\n", name, err);
		} else {
			e1000_irq_enable(&nb.nic);
			dom_printf("netback: e1000 %s: INTx on event channel %u\n", name,
				   nb.bar.irq_port);
		}
		return true;
	}
	dom_printf("netback: no 82540EM (8086:100e) among our %u PCI devices: "
		   "bridge0 joins guests only\n", l.count);
	return false;
}

/* ---- bridge0 -------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	return dom_now_ns() / 1000000u;
}

static void nic_send(const uint8_t *frame, size_t len)
{
	if (nb.have_nic && e1000_send(&nb.nic, frame, len) == -EAGAIN) {
		e1000_reclaim_tx(&nb.nic);
		e1000_send(&nb.nic, frame, len);	/* still full: dropped, as a NIC */
	}
}

static void nic_frame(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	nic_send(frame, len);
}

static void ip_frame(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	ip_port_input(frame, len);
}

/* A packet to one port; a GSO packet (m) is cut into frames for the NIC and
 * bridge0's own stack, and left to vif_back for a vif. */
static void out(unsigned port, const uint8_t *pkt, size_t len, const struct vif_back_meta *m)
{
	static uint8_t frame[VIF_BACK_FRAME];
	gso_out_fn *to = port == 0 ? nic_frame : ip_frame;

	if (port != 0 && port != IP_PORT) {
		vif_back_rx(&nb.vifs, port - 1, pkt, len, m);
		return;
	}
	if (m && m->gso)
		gso_segment(pkt, &m->g, frame, to, NULL);
	else
		to(NULL, pkt, len);
}

static void forward(unsigned in, const uint8_t *pkt, size_t len, const struct vif_back_meta *m)
{
	int to = bridge_input(&nb.br, in, pkt, len, now_ms());

	if (to >= 0) {
		out((unsigned)to, pkt, len, m);
		return;
	}
	if (to != BRIDGE_FLOOD)
		return;
	for (unsigned p = 0; p < BRIDGE_MAX_PORTS; p++)
		if (p != in && bridge_port_up(&nb.br, p))
			out(p, pkt, len, m);
}

static void from_wire(void *arg, const uint8_t *frame, uint32_t len)
{
	(void)arg;
	forward(0, frame, len, NULL);
}

static void from_guest(void *arg, unsigned i, const uint8_t *pkt, size_t len,
		       const struct vif_back_meta *m)
{
	(void)arg;
	forward(1 + i, pkt, len, m);
}

static void from_ip(const uint8_t *frame, size_t len)
{
	forward(IP_PORT, frame, len, NULL);
}

/* Ports follow the vifs' connections; SELF/data/bridge0 lists them. */
static void sync_ports(void)
{
	char path[PATH_LEN];
	uint64_t want = (nb.have_nic ? 1 : 0) | (nb.have_ip ? 1ull << IP_PORT : 0);

	for (unsigned i = 0; i < VIF_BACK_MAX; i++)
		if (vif_back_connected(&nb.vifs, i))
			want |= 1ull << (1 + i);
	if (want == nb.up && nb.listed)
		return;
	nb.listed = true;
	for (unsigned p = 0; p <= IP_PORT; p++) {
		bool on = want >> p & 1, was = nb.up >> p & 1;

		if (on && !was)
			bridge_port_add(&nb.br, p);
		else if (!on && was)
			bridge_port_del(&nb.br, p);
	}
	nb.up = want;
	if (nb.have_nic)
		dom_printf("netback: bridge0 ports %llx; em0 rx %llu frames (%llu dropped), "
			   "tx %llu frames (%llu ring full)\n", (unsigned long long)want,
			   (unsigned long long)nb.nic.st.rx_frames,
			   (unsigned long long)nb.nic.st.rx_drops,
			   (unsigned long long)nb.nic.st.tx_frames,
			   (unsigned long long)nb.nic.st.tx_full);
	snprintf(path, sizeof(path), "%s/data/bridge0", nb.root);
	dom_xs_rm(0, path);
	dom_xs_mkdir(0, path);
	if (nb.have_nic) {
		snprintf(path, sizeof(path), "%s/data/bridge0/0", nb.root);
		dom_xs_printf(0, path, "em0 %02x:%02x:%02x:%02x:%02x:%02x", nb.nic.mac[0],
			      nb.nic.mac[1], nb.nic.mac[2], nb.nic.mac[3], nb.nic.mac[4],
			      nb.nic.mac[5]);
	}
	if (nb.have_ip) {
		snprintf(path, sizeof(path), "%s/data/bridge0/%u", nb.root, IP_PORT);
		dom_xs_printf(0, path, "bridge0 %02x:%02x:%02x:%02x:%02x:%02x", nb.ip_mac[0],
			      nb.ip_mac[1], nb.ip_mac[2], nb.ip_mac[3], nb.ip_mac[4], nb.ip_mac[5]);
	}
	for (unsigned i = 0; i < VIF_BACK_MAX; i++) {
		const struct vif_back *v = &nb.vifs.v[i];

		if (!(want >> (1 + i) & 1))
			continue;
		snprintf(path, sizeof(path), "%s/data/bridge0/%u", nb.root, 1 + i);
		dom_xs_printf(0, path, "%s %02x:%02x:%02x:%02x:%02x:%02x", v->name, v->mac[0],
			      v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
	}
}

/* Every STATS_MS while anything moved: one line per port with its counters. */
#define STATS_MS 5000

static void stats(void)
{
	static uint64_t last;
	uint64_t sum = nb.nic.st.rx_frames + nb.nic.st.tx_frames;

	for (unsigned i = 0; i < VIF_BACK_MAX; i++)
		sum += nb.vifs.v[i].st.tx_packets + nb.vifs.v[i].st.rx_packets +
		       nb.vifs.v[i].st.tx_errors + nb.vifs.v[i].st.rx_dropped;
	if (sum == last)
		return;
	last = sum;
	if (nb.have_nic)
		dom_printf("netback: em0 rx %llu (%llu dropped) tx %llu (%llu ring full) "
			   "interrupts %llu\n", (unsigned long long)nb.nic.st.rx_frames,
			   (unsigned long long)nb.nic.st.rx_drops,
			   (unsigned long long)nb.nic.st.tx_frames,
			   (unsigned long long)nb.nic.st.tx_full, (unsigned long long)nb.irqs);
	for (unsigned i = 0; i < VIF_BACK_MAX; i++) {
		const struct vif_back *v = &nb.vifs.v[i];

		if (vif_back_connected(&nb.vifs, i))
			dom_printf("netback: %s tx %llu (%llu errors) rx %llu (%llu dropped); "
				   "GSO tx %llu rx %llu, frames cut for it %llu\n", v->name,
				   (unsigned long long)v->st.tx_packets,
				   (unsigned long long)v->st.tx_errors,
				   (unsigned long long)v->st.rx_packets,
				   (unsigned long long)v->st.rx_dropped,
				   (unsigned long long)v->st.tx_gso,
				   (unsigned long long)v->st.rx_gso,
				   (unsigned long long)v->st.rx_cut);
	}
}

/* ---- vif_back's env ---------------------------------------------------------------- */

static int g_map(void *ctx, uint16_t domid, uint32_t ref, void **addr, uint32_t *h)
{
	(void)ctx;
	return dom_gnttab_map(domid, ref, false, addr, h);
}

static void g_unmap(void *ctx, void *addr, uint32_t h)
{
	(void)ctx;
	dom_gnttab_unmap(addr, h);
}

/* Each copy as GNTTABOP_copy operations, split where our side crosses a page. */
static int g_copy(void *ctx, uint16_t domid, bool to_guest, const struct vif_back_copy *ops,
		  unsigned n)
{
	static struct gnttab_copy op[2 * 20];
	unsigned k = 0;

	(void)ctx;
	for (unsigned i = 0; i < n; i++) {
		uintptr_t local = (uintptr_t)ops[i].local;
		unsigned done = 0;

		while (done < ops[i].len) {
			unsigned in_page = PAGE - (unsigned)((local + done) & (PAGE - 1));
			unsigned len = ops[i].len - done < in_page ? ops[i].len - done : in_page;
			struct gnttab_copy_ptr guest = { .u.ref = ops[i].gref, .domid = domid,
							 .offset = (uint16_t)(ops[i].offset + done) };
			struct gnttab_copy_ptr mine = { .u.gmfn = (local + done) / PAGE,
							.domid = DOMID_SELF,
							.offset = (uint16_t)((local + done) & (PAGE - 1)) };

			if (k == sizeof(op) / sizeof(op[0]))
				return -E2BIG;
			op[k] = (struct gnttab_copy){ .len = (uint16_t)len };
			if (to_guest) {
				op[k].source = mine, op[k].dest = guest;
				op[k].flags = GNTCOPY_dest_gref;
			} else {
				op[k].source = guest, op[k].dest = mine;
				op[k].flags = GNTCOPY_source_gref;
			}
			k++;
			done += len;
		}
	}
	if (!k)
		return 0;
	if (dom_gnttab_copy(op, k))
		return -EIO;
	for (unsigned i = 0; i < k; i++)
		if (op[i].status)
			return dom_gnttab_status_errno(op[i].status);
	return 0;
}

static uint64_t now_us(void *ctx)
{
	(void)ctx;
	return dom_now_ns() / 1000u;
}

static void log_msg(void *ctx, const char *msg)
{
	(void)ctx;
	dom_printf("netback: %s\n", msg);
}

static const struct vif_back_env vif_env = {
	.xs = { .ctx = &nb.vif_dirty, .read = xs_env_read, .directory = xs_env_directory,
		.write = xs_env_write, .watch = xs_env_watch, .log = log_msg },
	.bind = xs_env_bind, .unbind = xs_env_unbind, .notify = xs_env_notify,
	.take = xs_env_take, .map = g_map, .unmap = g_unmap, .copy = g_copy, .now_us = now_us,
};

/* ---- the loop ------------------------------------------------------------------------ */

int dom_main(const struct dom_start_info *si)
{
	char path[PATH_LEN];
	uint64_t next_scan = 0, next_watchdog = 0, next_stats = 0, last_rx = 0;
	bool busy, irq;
	int got;

	nb.self = si->domid;
	snprintf(nb.root, sizeof(nb.root), "/local/domain/%u", nb.self);
	if (dom_xs_init()) {
		dom_printf("netback: no xenstore\n");
		return 3;
	}
	bridge_init(&nb.br, BRIDGE_AGE_MS_DEFAULT);
	nb.have_nic = nic_up();
	ip_port_mac(nb.have_nic ? nb.nic.mac : NULL, nb.self, nb.ip_mac);
	nb.have_ip = true;	/* its port is up before lwIP's first DHCPDISCOVER */
	vif_back_set_init(&nb.vifs, &vif_env, (uint16_t)nb.self);
	sync_ports();
	snprintf(path, sizeof(path), "%s/data/bridge0-ip", nb.root);
	dom_xs_rm(0, path);
	if (ip_port_init(nb.ip_mac, from_ip, path)) {
		dom_printf("netback: bridge0 has no address: lwIP's set-up failed\n");
		nb.have_ip = false;
		sync_ports();
	}
	snprintf(path, sizeof(path), "%s/backend/vif", nb.root);
	xs_env_watch(&nb.vif_dirty, path, true);
	dom_printf("netback: bridge0 up, %s\n", nb.have_nic ? "em0 joined" : "no NIC");
	for (;;) {
		dom_xs_poll();
		if (nb.vif_dirty || dom_now_ns() >= next_scan) {
			nb.vif_dirty = false;
			next_scan = dom_now_ns() + RESCAN_MS * 1000000ull;
			vif_back_scan(&nb.vifs);
			sync_ports();
		}
		got = 0;
		irq = nb.bar.irq_port && dom_evtchn_take(nb.bar.irq_port);
		if (irq && e1000_irq_ack(&nb.nic))	/* the line drops; what it said, we look at */
			nb.irqs++;
		if (nb.have_nic) {
			got = e1000_service(&nb.nic, RX_BUDGET, from_wire, NULL);
			if (dom_now_ns() >= next_watchdog) {
				next_watchdog = dom_now_ns() + 1000000000ull;
				if (e1000_watchdog(&nb.nic) == -EIO) {
					dom_printf("netback: e1000: %s; em0 leaves bridge0\n",
						   nb.nic.why ? nb.nic.why : "dead");
					nb.have_nic = false;
					sync_ports();
				}
			}
		}
		if (irq && nb.have_nic)	/* a dead NIC's line stays masked */
			(void)dom_env_irq_eoi(nb.sbdf);
		busy = vif_back_serve(&nb.vifs, from_guest, NULL);
		if (nb.have_ip)
			busy |= ip_port_poll();
		if (dom_now_ns() >= next_stats) {
			next_stats = dom_now_ns() + STATS_MS * 1000000ull;
			stats();
		}
		vif_back_flush(&nb.vifs);	/* what this pass queued for guests */
		if (got > 0)
			last_rx = dom_now_ns();
		if (!busy && got <= 0)
			dom_wait_event_timeout(!nb.have_nic ? RESCAN_MS : nb.bar.irq_port ? IRQ_IDLE_MS :
					       dom_now_ns() - last_rx < IDLE_AFTER_MS * 1000000ull
					       ? POLL_MS : IDLE_POLL_MS);
	}
}

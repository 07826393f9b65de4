/* The 82540EM driver (netback/e1000.c) on the host, against a simulated
 * device: a register file that resets, fills RAL0/RAH0 as QEMU does or
 * answers EERD, consumes transmit descriptors (setting DD) and writes back
 * receive descriptors with a length and status, and can loop every
 * transmitted frame back into reception. The device sees bus addresses that
 * differ from the CPU's pointers and checks that every DMA lands in the
 * driver's own rings and buffers. Then the init order, the MAC, send and
 * receive, ring wrap over thousands of frames, a full transmit ring,
 * padding, refused lengths, hostile write-backs (lengths beyond the buffer,
 * error bits, no EOP, heads beyond the ring) and a fixed-seed fuzz. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "../../netback/e1000.h"

#define BUS 0x200000000ull	/* bus address of the first allocated page */
#define NREG (E1000_BAR_SIZE / 4)
#define LOG_MAX 8192
#define FIFO 512		/* more than either ring holds */

struct frame {
	uint32_t len;		/* wire length (TX), or the write-back's length (RX) */
	bool deliver;		/* RX: what the driver must do with it */
	uint8_t b[E1000_BUF_SIZE];
};

struct fifo {
	struct frame f[FIFO];
	unsigned head, n;
};

static struct sim {
	uint32_t reg[NREG];
	uint8_t *mem;			/* the driver's pages */
	uint64_t now;
	unsigned allocs;
	bool alloc_fail, all_ones;
	uint8_t mac[6];
	uint16_t eeprom[64];
	bool ra_filled;			/* RAL0/RAH0 filled at reset (QEMU) */
	bool eerd_dead;			/* EERD never says done */
	int rst_reads;			/* CTRL.RST reads set this many times after a reset (-1: always) */
	int rst_left;
	bool link;
	bool tx_auto;			/* consume TX descriptors at each TDT write */
	bool loopback;			/* transmitted frames are received */
	struct { uint32_t reg, val; } log[LOG_MAX];
	unsigned nlog;
	uint64_t rx_missed, tx_sent;
	bool model_discard;		/* the model of the driver's spanning-frame state */
	struct fifo wire;		/* TX: what the driver queued, in order */
	struct fifo rxq;		/* RX: what the device wrote back, in order */
} sim;

static struct e1000 nic;
static uint64_t got_frames;		/* on_rx's, since sim_new */

static void fifo_reset(struct fifo *q) { q->head = q->n = 0; }

static struct frame *fifo_push(struct fifo *q)
{
	CHECK(q->n < FIFO);
	return &q->f[(q->head + q->n++) % FIFO];
}

static struct frame *fifo_pop(struct fifo *q)
{
	struct frame *f;

	CHECK(q->n > 0);
	f = &q->f[q->head];
	q->head = (q->head + 1) % FIFO;
	q->n--;
	return f;
}

/* ---- DMA: bus addresses into the driver's pages only ---------------------- */

static uint8_t *dev_mem(uint64_t bus, size_t len)
{
	CHECK(bus >= BUS && bus - BUS + len <= E1000_PAGES * (uint64_t)E1000_PAGE);
	return sim.mem + (bus - BUS);
}

static void *env_alloc(void *ctx, unsigned n)
{
	(void)ctx;
	CHECK(n == E1000_PAGES && !sim.mem);
	if (sim.alloc_fail)
		return NULL;
	sim.allocs++;
	sim.mem = aligned_alloc(E1000_PAGE, (size_t)n * E1000_PAGE);
	memset(sim.mem, 0, (size_t)n * E1000_PAGE);
	return sim.mem;
}

static uint64_t env_dma(void *ctx, const void *p)
{
	(void)ctx;
	CHECK((const uint8_t *)p >= sim.mem && (const uint8_t *)p < sim.mem + E1000_PAGES * E1000_PAGE);
	return BUS + (uint64_t)((const uint8_t *)p - sim.mem);
}

static uint64_t now_us(void *ctx) { (void)ctx; return sim.now; }
static void delay(void *ctx, uint32_t us) { (void)ctx; sim.now += us; }

/* ---- the device ---------------------------------------------------------------- */

#define R(x) sim.reg[(x) / 4]

static unsigned rx_size(void) { return R(E1000_RDLEN) / 16; }
static unsigned tx_size(void) { return R(E1000_TDLEN) / 16; }
static uint64_t rdba(void) { return R(E1000_RDBAL) | (uint64_t)R(E1000_RDBAH) << 32; }
static uint64_t tdba(void) { return R(E1000_TDBAL) | (uint64_t)R(E1000_TDBAH) << 32; }

static void dev_reset(void)
{
	memset(sim.reg, 0, sizeof(sim.reg));
	if (sim.ra_filled) {
		R(E1000_RAL0) = sim.mac[0] | sim.mac[1] << 8 | sim.mac[2] << 16 | (uint32_t)sim.mac[3] << 24;
		R(E1000_RAH0) = sim.mac[4] | sim.mac[5] << 8 | E1000_RAH_AV;
	}
	sim.rst_left = sim.rst_reads;
}

/* The device writes back the next receive descriptor: dlen bytes of data
 * (at most a buffer's worth, the DMA it really does), then the write-back
 * fields as given. false when it owns no descriptor (the frame is missed). */
static bool dev_rx_wb(const uint8_t *data, uint32_t dlen, uint16_t wb_len, uint8_t status,
		      uint8_t errors)
{
	unsigned h = R(E1000_RDH), n = rx_size();
	struct e1000_rx_desc *d;
	struct frame *m;
	bool deliver;

	if (!(R(E1000_RCTL) & E1000_RCTL_EN) || h == R(E1000_RDT)) {
		sim.rx_missed++;
		R(E1000_ICR) |= E1000_ICR_RXO;
		return false;
	}
	CHECK(n == E1000_RX_DESCS && h < n);
	d = (struct e1000_rx_desc *)dev_mem(rdba() + h * 16ull, 16);
	/* The driver gave a buffer of its own, a whole one, re-armed. */
	CHECK(d->status == 0 && d->length == 0);
	CHECK(d->addr >= BUS + 2ull * E1000_PAGE && (d->addr - BUS) % E1000_BUF_SIZE == 0);
	CHECK(d->addr - BUS < 2ull * E1000_PAGE + E1000_RX_DESCS * E1000_BUF_SIZE);
	memcpy(dev_mem(d->addr, E1000_BUF_SIZE), data, dlen < E1000_BUF_SIZE ? dlen : E1000_BUF_SIZE);
	d->length = wb_len;
	d->errors = errors;
	d->status = status;
	R(E1000_RDH) = (h + 1) % n;
	R(E1000_ICR) |= E1000_ICR_RXT0;
	/* What the driver must make of it (e1000.h's rules, restated). */
	deliver = !sim.model_discard && (status & E1000_RXD_EOP) && !errors &&
		  wb_len >= E1000_ETH_HLEN && wb_len <= E1000_RX_MAX;
	if (sim.model_discard)
		sim.model_discard = !(status & E1000_RXD_EOP);
	else if (!(status & E1000_RXD_EOP))
		sim.model_discard = true;
	m = fifo_push(&sim.rxq);
	m->len = wb_len;
	m->deliver = deliver;
	memcpy(m->b, dev_mem(d->addr, E1000_BUF_SIZE), E1000_BUF_SIZE);
	return true;
}

static bool dev_rx(const uint8_t *data, uint32_t len)
{
	return dev_rx_wb(data, len, (uint16_t)len, E1000_RXD_DD | E1000_RXD_EOP, 0);
}

/* Sends up to max queued frames: each must be exactly what e1000_send was
 * given, padded with zeros to 60 bytes. */
static unsigned dev_tx(unsigned max)
{
	unsigned n = 0;

	if (!(R(E1000_TCTL) & E1000_TCTL_EN))
		return 0;
	while (n < max && R(E1000_TDH) != R(E1000_TDT)) {
		unsigned h = R(E1000_TDH);
		struct e1000_tx_desc *d;
		struct frame *want;
		const uint8_t *b;

		CHECK(tx_size() == E1000_TX_DESCS && h < tx_size());
		d = (struct e1000_tx_desc *)dev_mem(tdba() + h * 16ull, 16);
		CHECK(d->cmd == (E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS));
		CHECK(d->status == 0);
		CHECK(d->length >= E1000_MIN_FRAME && d->length <= E1000_MAX_FRAME);
		CHECK(d->addr - BUS >= (2ull + E1000_RX_DESCS / 2) * E1000_PAGE);
		b = dev_mem(d->addr, d->length);
		want = fifo_pop(&sim.wire);
		CHECK(d->length == (want->len < E1000_MIN_FRAME ? E1000_MIN_FRAME : want->len));
		CHECK(!memcmp(b, want->b, want->len));
		for (unsigned i = want->len; i < d->length; i++)
			CHECK(b[i] == 0);
		if (sim.loopback)
			dev_rx(b, d->length);
		d->status = E1000_TXD_STAT_DD;
		R(E1000_TDH) = (h + 1) % tx_size();
		sim.tx_sent++;
		n++;
	}
	return n;
}

static uint32_t rd32(void *ctx, uint32_t reg)
{
	uint32_t v;

	(void)ctx;
	CHECK(reg < E1000_BAR_SIZE && !(reg & 3));
	if (sim.all_ones)
		return 0xffffffffu;
	switch (reg) {
	case E1000_CTRL:
		if (sim.rst_left) {
			if (sim.rst_left > 0)
				sim.rst_left--;
			return R(reg) | E1000_CTRL_RST;
		}
		return R(reg);
	case E1000_STATUS:
		return sim.link ? E1000_STATUS_LU | 1 : 0;
	case E1000_ICR:
		v = R(reg);
		R(reg) = 0;
		return v;
	default:
		return R(reg);
	}
}

static void wr32(void *ctx, uint32_t reg, uint32_t v)
{
	(void)ctx;
	CHECK(reg < E1000_BAR_SIZE && !(reg & 3));
	if (sim.nlog < LOG_MAX)
		sim.log[sim.nlog++] = (typeof(sim.log[0])){ reg, v };
	switch (reg) {
	case E1000_CTRL:
		if (v & E1000_CTRL_RST) {
			dev_reset();
			return;
		}
		R(reg) = v;
		return;
	case E1000_EERD:
		if ((v & E1000_EERD_START) && !sim.eerd_dead) {
			unsigned a = v >> E1000_EERD_ADDR_SHIFT & 0xff;

			R(reg) = E1000_EERD_DONE | a << 8 | (uint32_t)sim.eeprom[a % 64] << 16;
		} else {
			R(reg) = v & ~E1000_EERD_DONE;
		}
		return;
	case E1000_RDT:
		CHECK(v < E1000_RX_DESCS);
		R(reg) = v;
		return;
	case E1000_TDT:
		CHECK(v < E1000_TX_DESCS);
		R(reg) = v;
		if (sim.tx_auto)
			dev_tx(~0u);
		return;
	case E1000_IMS:
		R(E1000_IMS) |= v;
		return;
	case E1000_IMC:
		R(E1000_IMS) &= ~v;
		return;
	default:
		R(reg) = v;
		return;
	}
}

static const struct dev_env env = { NULL, rd32, wr32, now_us, delay, env_alloc, env_dma, NULL, NULL };

static const uint8_t qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* A fresh 82540EM as QEMU presents one: RAL0/RAH0 filled, link up, the
 * EEPROM with the same MAC. */
static void sim_new(void)
{
	free(sim.mem);
	memset(&sim, 0, sizeof(sim));
	memset(&nic, 0, sizeof(nic));
	got_frames = 0;
	memcpy(sim.mac, qemu_mac, 6);
	for (unsigned i = 0; i < 3; i++)
		sim.eeprom[i] = (uint16_t)(qemu_mac[2 * i] | qemu_mac[2 * i + 1] << 8);
	sim.ra_filled = true;
	sim.link = true;
	sim.tx_auto = true;
	sim.reg[E1000_RAH0 / 4] = 0xdeadbeef;	/* whatever was there before the reset */
}

/* After (re)opening: the rings are empty on both sides. */
static void open_ok(void)
{
	sim.nlog = 0;
	CHECK(e1000_open(&nic, &env) == 0 && !nic.dead);
	fifo_reset(&sim.wire);
	fifo_reset(&sim.rxq);
	sim.model_discard = false;
}

static void fill(uint8_t *b, size_t n, unsigned long long *s)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)check_rnd(s);
}

/* Queues a frame, recorded first for dev_tx's check (with tx_auto the
 * device sends it during the TDT write). */
static int send(const uint8_t *b, uint32_t len)
{
	struct frame *f = fifo_push(&sim.wire);
	int rc;

	f->len = len;
	if (len <= E1000_MAX_FRAME)	/* longer ones are refused unread */
		memcpy(f->b, b, len);
	rc = e1000_send(&nic, b, len);
	if (rc)
		sim.wire.n--;		/* not queued: forget it */
	return rc;
}

/* The receive callback: each frame must be the next the model delivers. */

static void on_rx(void *arg, const uint8_t *frame, uint32_t len)
{
	struct frame *m;

	(void)arg;
	do
		m = fifo_pop(&sim.rxq);
	while (!m->deliver);
	CHECK(len == m->len && len >= E1000_ETH_HLEN && len <= E1000_RX_MAX);
	CHECK(!memcmp(frame, m->b, len));
	got_frames++;
}

/* Everything written back so far is taken; the model's drops left over are
 * the driver's trailing drops. */
static void drain(void)
{
	int rc;

	while ((rc = e1000_poll_rx(&nic, 64, on_rx, NULL)) > 0)
		;
	CHECK(rc == 0);
	while (sim.rxq.n) {
		CHECK(!sim.rxq.f[sim.rxq.head].deliver);
		fifo_pop(&sim.rxq);
	}
}

/* ---- bring-up -------------------------------------------------------------------- */

static int find(uint32_t reg, uint32_t mask, uint32_t want)
{
	for (unsigned i = 0; i < sim.nlog; i++)
		if (sim.log[i].reg == reg && (sim.log[i].val & mask) == want)
			return (int)i;
	return -1;
}

static int find_last(uint32_t reg)
{
	for (unsigned i = sim.nlog; i-- > 0;)
		if (sim.log[i].reg == reg)
			return (int)i;
	return -1;
}

static void test_open_order(void)
{
	int rst, imc, rctl_en, tctl_en, ctrl;
	uint32_t rctl;

	sim_new();
	open_ok();
	CHECK(!memcmp(nic.mac, qemu_mac, 6) && nic.link_up && !nic.why && sim.allocs == 1);
	rst = find(E1000_CTRL, E1000_CTRL_RST, E1000_CTRL_RST);
	imc = find(E1000_IMC, ~0u, ~0u);
	rctl_en = find(E1000_RCTL, E1000_RCTL_EN, E1000_RCTL_EN);
	tctl_en = find(E1000_TCTL, E1000_TCTL_EN, E1000_TCTL_EN);
	CHECK(imc >= 0 && rst > imc && rctl_en > rst && tctl_en > rst);
	/* RX and TX off before the reset. */
	CHECK(find(E1000_RCTL, ~0u, 0) < rst && find(E1000_TCTL, ~0u, 0) < rst);
	/* Link: SLU|ASDE, no reset bits, after the reset. */
	ctrl = find_last(E1000_CTRL);
	CHECK(ctrl > rst && sim.log[ctrl].val & E1000_CTRL_SLU && sim.log[ctrl].val & E1000_CTRL_ASDE);
	CHECK(!(sim.log[ctrl].val & (E1000_CTRL_RST | E1000_CTRL_LRST | E1000_CTRL_PHY_RST |
				     E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPLX)));
	/* Every MTA entry cleared after the reset. */
	for (unsigned i = 0; i < E1000_MTA_COUNT; i++)
		CHECK(find(E1000_MTA + 4 * i, ~0u, 0) > rst);
	/* Each ring described before it is enabled. */
	for (uint32_t r = E1000_RDBAL; r <= E1000_RDT; r += 4)
		if (r != 0x280c && r != 0x2814)
			CHECK(find(r, 0, 0) > rst && find(r, 0, 0) < rctl_en);
	for (uint32_t r = E1000_TDBAL; r <= E1000_TDT; r += 4)
		if (r != 0x380c && r != 0x3814)
			CHECK(find(r, 0, 0) > rst && find(r, 0, 0) < tctl_en);
	CHECK(find(E1000_TIPG, ~0u, E1000_TIPG_COPPER) > rst && find(E1000_TIPG, 0, 0) < tctl_en);
	CHECK(R(E1000_RDLEN) == 4096 && R(E1000_RDH) == 0 && R(E1000_RDT) == E1000_RX_DESCS - 1);
	CHECK(R(E1000_TDLEN) == 4096 && R(E1000_TDH) == 0 && R(E1000_TDT) == 0);
	CHECK(rdba() == BUS && tdba() == BUS + E1000_PAGE);
	rctl = R(E1000_RCTL);
	CHECK(rctl & E1000_RCTL_UPE && rctl & E1000_RCTL_MPE && rctl & E1000_RCTL_BAM);
	CHECK(rctl & E1000_RCTL_SECRC && !(rctl & (E1000_RCTL_BSIZE_MASK | E1000_RCTL_BSEX)));
	CHECK(!(rctl & (E1000_RCTL_LPE | E1000_RCTL_LBM_MASK | E1000_RCTL_SBP)));
	CHECK(R(E1000_TCTL) & E1000_TCTL_PSP);
	CHECK(R(E1000_RAH0) == (0x5634u | E1000_RAH_AV) && R(E1000_RAL0) == 0x12005452u);
	CHECK(find(E1000_EERD, 0, 0) < 0);	/* RAL0/RAH0 were enough */
	/* Every receive descriptor armed with its own buffer. */
	for (unsigned i = 0; i < E1000_RX_DESCS; i++) {
		const struct e1000_rx_desc *d = (const void *)dev_mem(BUS + i * 16ull, 16);

		CHECK(d->addr == BUS + 2ull * E1000_PAGE + i * E1000_BUF_SIZE && !d->status);
	}
	/* A reset that takes a while is waited for. */
	sim_new();
	sim.rst_reads = 20;
	open_ok();
	CHECK(sim.rst_left == 0);
}

static void test_open_eeprom(void)
{
	static const uint8_t m[6] = { 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc };

	sim_new();
	sim.ra_filled = false;
	for (unsigned i = 0; i < 3; i++)
		sim.eeprom[i] = (uint16_t)(m[2 * i] | m[2 * i + 1] << 8);
	open_ok();
	CHECK(!memcmp(nic.mac, m, 6));
	CHECK(R(E1000_RAL0) == 0xaa211b00u && R(E1000_RAH0) == (0xccbbu | E1000_RAH_AV));
	CHECK(find(E1000_EERD, 0xff01, 2 << 8 | E1000_EERD_START) >= 0);
	/* The link comes up later: the driver reads it when asked. */
	sim.link = false;
	CHECK(!e1000_link(&nic) && !nic.link_up);
	sim.link = true;
	CHECK(e1000_link(&nic) && nic.link_up);
}

static void test_open_fail(void)
{
	sim_new();
	sim.alloc_fail = true;
	CHECK(e1000_open(&nic, &env) == -ENOMEM && nic.dead && nic.why);
	CHECK(e1000_send(&nic, qemu_mac, 60) == -EIO);

	sim_new();
	sim.all_ones = true;
	CHECK(e1000_open(&nic, &env) == -ENODEV && nic.dead);
	sim.all_ones = false;
	open_ok();			/* the pages are kept */
	CHECK(sim.allocs == 1);

	sim_new();
	sim.rst_reads = -1;
	CHECK(e1000_open(&nic, &env) == -ETIMEDOUT && nic.dead);
	CHECK(e1000_poll_rx(&nic, 8, on_rx, NULL) == -EIO);
	CHECK(e1000_watchdog(&nic) == -EIO);
	sim.rst_reads = 0;
	open_ok();
	CHECK(sim.allocs == 1);

	sim_new();
	sim.ra_filled = false;
	sim.eerd_dead = true;
	CHECK(e1000_open(&nic, &env) == -ETIMEDOUT && nic.dead);

	sim_new();			/* a multicast MAC everywhere */
	sim.mac[0] = 0x01;
	sim.eeprom[0] = 0x0001;
	CHECK(e1000_open(&nic, &env) == -ENODEV && nic.dead);

	sim_new();			/* RAH0 without AV, and a zero EEPROM */
	sim.ra_filled = false;
	memset(sim.eeprom, 0, sizeof(sim.eeprom));
	CHECK(e1000_open(&nic, &env) == -ENODEV && nic.dead);
}

/* ---- send ---------------------------------------------------------------------- */

static void test_send(void)
{
	uint8_t b[2000];
	unsigned long long s = 7;

	sim_new();
	open_ok();
	/* Whatever the buffers held, padding is zeros. */
	memset(sim.mem + (2 + E1000_RX_DESCS / 2) * E1000_PAGE, 0xee, E1000_TX_DESCS * E1000_BUF_SIZE);
	fill(b, sizeof(b), &s);
	CHECK(send(b, 1514) == 0 && send(b, 14) == 0 && send(b, 59) == 0 && send(b, 60) == 0);
	CHECK(send(b, 100) == 0 && sim.tx_sent == 5 && sim.wire.n == 0);
	CHECK(nic.st.tx_frames == 5 && nic.st.tx_bytes == 1514 + 60 + 60 + 60 + 100);
	CHECK(send(b, 1515) == -EINVAL && send(b, 13) == -EINVAL && send(b, 0) == -EINVAL);
	CHECK(send(b, 65536 + 100) == -EINVAL);
	CHECK(nic.st.tx_frames == 5 && sim.tx_sent == 5);
	CHECK(e1000_reclaim_tx(&nic) == 5 && e1000_reclaim_tx(&nic) == 0);
}

static void test_tx_full(void)
{
	uint8_t b[100];
	unsigned long long s = 9;

	sim_new();
	open_ok();
	sim.tx_auto = false;
	fill(b, sizeof(b), &s);
	for (unsigned i = 0; i < E1000_TX_DESCS - 1; i++)
		CHECK(send(b, 60 + i % 40) == 0);
	CHECK(send(b, 60) == -EAGAIN && nic.st.tx_full == 1 && send(b, 60) == -EAGAIN);
	CHECK(nic.st.tx_full == 2 && !nic.dead);
	CHECK(e1000_watchdog(&nic) == 0);
	CHECK(dev_tx(10) == 10);
	for (unsigned i = 0; i < 10; i++)
		CHECK(send(b, 61) == 0);	/* reclaimed by send itself */
	CHECK(send(b, 60) == -EAGAIN);
	/* The link down: no stall, however long. */
	sim.link = false;
	sim.now += 60000000;
	CHECK(e1000_watchdog(&nic) == 0 && !nic.link_up);
	/* The link up and the ring stuck for longer than the stall limit. */
	sim.link = true;
	CHECK(e1000_watchdog(&nic) == 0);
	sim.now += E1000_TX_STALL_US / 2;
	CHECK(e1000_watchdog(&nic) == 0);
	CHECK(dev_tx(1) == 1);		/* progress restarts the clock */
	sim.now += E1000_TX_STALL_US / 2 + 10;
	CHECK(e1000_watchdog(&nic) == 0);
	sim.now += E1000_TX_STALL_US + 1;
	CHECK(e1000_watchdog(&nic) == -EIO && nic.dead && strstr(nic.why, "stalled"));
	CHECK(send(b, 60) == -EIO);
	/* A new open resets it; the pages stay. */
	sim.tx_auto = true;
	open_ok();
	CHECK(send(b, 60) == 0 && sim.tx_sent == 12 && sim.allocs == 1);
}

/* ---- receive --------------------------------------------------------------------- */

static void test_rx(void)
{
	uint8_t b[2048];
	unsigned long long s = 11;

	sim_new();
	open_ok();
	fill(b, sizeof(b), &s);
	CHECK(e1000_poll_rx(&nic, 16, on_rx, NULL) == 0);
	CHECK(dev_rx(b, 60) && dev_rx(b + 1, 1514) && dev_rx(b + 2, 1518) && dev_rx(b + 3, 14));
	CHECK(e1000_poll_rx(&nic, 2, on_rx, NULL) == 2 && R(E1000_RDT) == 1);	/* the budget */
	CHECK(e1000_service(&nic, 16, on_rx, NULL) == 2 && R(E1000_RDT) == 3);
	CHECK(nic.st.rx_frames == 4 && nic.st.rx_bytes == 60 + 1514 + 1518 + 14 && !nic.st.rx_drops);
	CHECK(got_frames == 4);
	/* A full ring: the device misses frames, then takes them again. */
	for (unsigned i = 0; i < E1000_RX_DESCS; i++)
		dev_rx(b, 64 + i);
	CHECK(sim.rx_missed == 1);
	drain();
	CHECK(nic.st.rx_frames == 4 + E1000_RX_DESCS - 1 && !nic.st.rx_drops);
	CHECK(dev_rx(b, 64));
	drain();
}

/* The interrupt: off after open, the receive causes and link once
 * enabled, not transmit completions; reading ICR acknowledges; a dead NIC
 * is not touched. */
static void test_irq(void)
{
	uint8_t b[64] = { 0 };

	sim_new();
	open_ok();
	CHECK(R(E1000_IMS) == 0);
	e1000_irq_enable(&nic);
	CHECK(R(E1000_IMS) == E1000_IRQ_CAUSES && !(R(E1000_IMS) & 1));	/* TXDW off */
	CHECK(e1000_irq_ack(&nic) == 0);
	CHECK(dev_rx(b, 60));
	CHECK(R(E1000_ICR) & R(E1000_IMS));				/* the line is up */
	CHECK(e1000_irq_ack(&nic) == E1000_ICR_RXT0 && R(E1000_ICR) == 0);	/* and down */
	CHECK(e1000_service(&nic, 16, on_rx, NULL) == 1);
	nic.dead = true;
	R(E1000_ICR) = E1000_ICR_LSC;
	sim.nlog = 0;
	e1000_irq_enable(&nic);
	CHECK(e1000_irq_ack(&nic) == 0 && sim.nlog == 0 && R(E1000_ICR) == E1000_ICR_LSC);
}

/* Thousands of frames through both rings, looped back, each checked. */
static void test_wrap(void)
{
	uint8_t b[E1000_MAX_FRAME];
	unsigned long long s = 13;
	uint64_t frames = 0;

	sim_new();
	open_ok();
	sim.loopback = true;
	for (unsigned i = 0; i < 5000; i++) {
		uint32_t len = E1000_ETH_HLEN + (uint32_t)(check_rnd(&s) % (E1000_MAX_FRAME - 13));

		fill(b, len, &s);
		b[0] = (uint8_t)i;
		CHECK(send(b, len) == 0);
		frames++;
		if (check_rnd(&s) % 8 == 0)
			drain();
	}
	drain();
	CHECK(sim.tx_sent == frames && nic.st.tx_frames == frames && nic.st.rx_frames == frames);
	CHECK(!nic.st.rx_drops && !sim.rx_missed && e1000_watchdog(&nic) == 0);
	/* Without the loopback's help the TX ring wraps as well when the
	 * device is slow. */
	sim.loopback = false;
	sim.tx_auto = false;
	for (unsigned i = 0; i < 3000; i++) {
		fill(b, 64, &s);
		if (send(b, 64) == -EAGAIN)
			CHECK(dev_tx(1 + check_rnd(&s) % 300) > 0 && send(b, 64) == 0);
	}
	dev_tx(~0u);
	CHECK(e1000_reclaim_tx(&nic) > 0 && sim.wire.n == 0);
}

/* ---- hostile write-backs ------------------------------------------------------- */

/* For write-backs the model does not know: any frame within the rules,
 * every byte of it read. */
static unsigned rx_sum;

static void on_rx_any_ok(void *arg, const uint8_t *frame, uint32_t len)
{
	(void)arg;
	CHECK(len >= E1000_ETH_HLEN && len <= E1000_RX_MAX);
	for (uint32_t i = 0; i < len; i++)
		rx_sum += frame[i];
}

static void test_hostile(void)
{
	uint8_t b[2048];
	unsigned long long s = 17;
	const uint8_t de = E1000_RXD_DD | E1000_RXD_EOP;
	struct e1000_rx_desc *d;

	sim_new();
	open_ok();
	fill(b, sizeof(b), &s);
	/* Lengths beyond the buffer, beyond a frame, short of a header. */
	CHECK(dev_rx_wb(b, 2048, 0xffff, de, 0) && dev_rx_wb(b, 2048, 2049, de, 0));
	CHECK(dev_rx_wb(b, 2048, 1519, de, 0) && dev_rx_wb(b, 2048, 2048, de, 0));
	CHECK(dev_rx_wb(b, 10, 13, de, 0) && dev_rx_wb(b, 10, 0, de, 0));
	CHECK(dev_rx(b, 200));
	drain();
	CHECK(nic.st.rx_frames == 1 && nic.st.rx_bad == 6 && nic.st.rx_drops == 6);
	/* Error bits, each of them. */
	for (unsigned bit = 0; bit < 8; bit++)
		CHECK(dev_rx_wb(b, 100, 100, de, (uint8_t)(1u << bit)));
	drain();
	CHECK(nic.st.rx_errors == 8 && nic.st.rx_drops == 14 && nic.st.rx_frames == 1);
	/* A frame across three descriptors, then a good one; a missing EOP
	 * with a length beyond the buffer; a good frame after all of them. */
	CHECK(dev_rx_wb(b, 2048, 2048, E1000_RXD_DD, 0) && dev_rx_wb(b, 2048, 2048, E1000_RXD_DD, 0));
	CHECK(dev_rx_wb(b, 100, 100, de, 0) && dev_rx(b, 300));
	CHECK(dev_rx_wb(b, 2048, 60000, E1000_RXD_DD, 0) && dev_rx_wb(b, 1, 0xffff, de, 0xff));
	CHECK(dev_rx(b + 5, 400));
	drain();
	CHECK(nic.st.rx_frames == 3 && nic.st.rx_drops == 19 && nic.st.rx_bad == 11);
	CHECK(got_frames == 3);
	/* The device rewrites a descriptor's buffer address in its write-back:
	 * the driver arms it with its own again (dev_rx_wb checks). */
	d = (struct e1000_rx_desc *)dev_mem(rdba() + R(E1000_RDH) * 16ull, 16);
	CHECK(dev_rx(b, 64));
	d->addr = 0x1234;
	drain();
	for (unsigned i = 0; i < 2 * E1000_RX_DESCS; i++) {
		CHECK(dev_rx(b, 64 + i % 100));
		if (i % 64 == 63)
			drain();
	}
	/* DD on every descriptor at once, the device's head unmoved: bounded
	 * by the budget, lengths of 0 dropped, nothing read beyond. */
	for (unsigned i = 0; i < E1000_RX_DESCS; i++) {
		d = (struct e1000_rx_desc *)dev_mem(rdba() + i * 16ull, 16);
		d->status = (uint8_t)(E1000_RXD_DD | (i & 1 ? E1000_RXD_EOP : 0));
		d->length = (uint16_t)(i * 977);
	}
	{
		uint64_t before = nic.st.rx_frames + nic.st.rx_drops;

		CHECK(e1000_poll_rx(&nic, 1000, on_rx_any_ok, NULL) >= 0);
		CHECK(nic.st.rx_frames + nic.st.rx_drops - before == E1000_RX_DESCS);
	}
	/* Heads beyond the ring: the watchdog finds them, the NIC dies, a new
	 * open brings it back. */
	open_ok();
	R(E1000_RDH) = E1000_RX_DESCS;
	CHECK(e1000_watchdog(&nic) == -EIO && nic.dead && strstr(nic.why, "RDH"));
	CHECK(e1000_poll_rx(&nic, 8, on_rx, NULL) == -EIO && e1000_send(&nic, b, 60) == -EIO);
	open_ok();
	R(E1000_TDH) = 0xffffffffu;
	CHECK(e1000_watchdog(&nic) == -EIO && nic.dead && strstr(nic.why, "TDH"));
	open_ok();
	sim.all_ones = true;		/* surprise removal */
	CHECK(e1000_watchdog(&nic) == -EIO && nic.dead);
	sim.all_ones = false;
	open_ok();
	CHECK(dev_rx(b, 99));
	drain();
	/* e1000_stop: reset, nothing enabled, dead until the next open. */
	e1000_stop(&nic);
	CHECK(nic.dead && !(R(E1000_RCTL) & E1000_RCTL_EN) && !(R(E1000_TCTL) & E1000_TCTL_EN));
	CHECK(!dev_rx(b, 99) && e1000_send(&nic, b, 60) == -EIO);
	open_ok();
	CHECK(sim.allocs == 1);
}

/* ---- fuzz ------------------------------------------------------------------------ */

/* Random sends, device progress, honest and hostile write-backs, polls,
 * watchdogs, link flaps, time and loopback, checked against the model in
 * dev_rx_wb and dev_tx. A NIC the watchdog kills is reopened. */
static void test_fuzz(unsigned ops)
{
	unsigned long long s = 0x9e3779b97f4a7c15ull;
	uint8_t b[2048];
	unsigned reopen = 0, eagain = 0;
	unsigned slow_left = 0;		/* ops the device and the domain stay slow */

	sim_new();
	open_ok();
	for (unsigned op = 0; op < ops; op++) {
		unsigned k = (unsigned)(check_rnd(&s) % 100);
		bool slow = slow_left > 0;
		uint32_t len;
		int rc;

		slow_left -= slow;
		if (k < 30) {			/* send */
			unsigned pend;

			len = (uint32_t)(check_rnd(&s) % 8 ? 14 + check_rnd(&s) % 1501 : check_rnd(&s) % 1700);
			fill(b, len, &s);
			pend = (R(E1000_TDT) + E1000_TX_DESCS - R(E1000_TDH)) % E1000_TX_DESCS;
			rc = send(b, len);
			if (len < E1000_ETH_HLEN || len > E1000_MAX_FRAME) {
				CHECK(rc == -EINVAL);
			} else if (pend == E1000_TX_DESCS - 1) {
				CHECK(rc == -EAGAIN);
				eagain++;
			} else {
				CHECK(rc == 0);
			}
		} else if (k < 42) {		/* the device sends, unless it is slow now */
			if (!slow)
				dev_tx((unsigned)(check_rnd(&s) % 64));
		} else if (k < 60) {		/* an honest frame */
			len = (uint32_t)(14 + check_rnd(&s) % 1505);
			fill(b, len, &s);
			dev_rx(b, len);
		} else if (k < 68) {		/* a hostile write-back */
			uint16_t wl = (uint16_t)check_rnd(&s);
			uint8_t st = (uint8_t)(check_rnd(&s) | E1000_RXD_DD);
			uint8_t er = check_rnd(&s) % 4 ? 0 : (uint8_t)check_rnd(&s);

			if (check_rnd(&s) % 2)
				wl %= 2100;
			fill(b, 2048, &s);
			dev_rx_wb(b, (uint32_t)(check_rnd(&s) % 2049), wl, st, er);
		} else if (k < 84 && slow) {
			/* the domain is busy as well: the receive ring fills */
		} else if (k < 84) {		/* poll */
			unsigned budget = (unsigned)(check_rnd(&s) % 300);
			uint64_t before = nic.st.rx_frames + nic.st.rx_drops;

			rc = k < 78 ? e1000_poll_rx(&nic, budget, on_rx, NULL)
				    : e1000_service(&nic, budget, on_rx, NULL);
			CHECK(rc >= 0 && (unsigned)rc <= budget);
			CHECK(nic.st.rx_frames + nic.st.rx_drops - before <= budget);
		} else if (k < 88) {		/* reclaim */
			CHECK(e1000_reclaim_tx(&nic) < E1000_TX_DESCS);
		} else if (k < 92) {		/* time passes; the watchdog */
			sim.now += check_rnd(&s) % 200000;
			if (e1000_watchdog(&nic)) {
				CHECK(nic.dead && strstr(nic.why, "stalled"));
				open_ok();
				reopen++;
			}
		} else if (k < 94) {		/* the link flaps */
			sim.link = !sim.link || check_rnd(&s) % 2;
			CHECK(e1000_link(&nic) == sim.link);
		} else if (k < 96) {
			sim.loopback = !sim.loopback;
		} else if (k < 98) {
			sim.tx_auto = check_rnd(&s) % 4 == 0;
			if (!slow && check_rnd(&s) % 8 == 0)
				slow_left = 300 + (unsigned)(check_rnd(&s) % 2000);
		} else if (check_rnd(&s) % 16) {
			/* rarely, so that the rings fill between reopens */
		} else if (k < 99) {		/* a head beyond the ring, found */
			if (check_rnd(&s) % 2)
				R(E1000_RDH) = E1000_RX_DESCS + (uint32_t)(check_rnd(&s) % 100000);
			else
				R(E1000_TDH) = E1000_TX_DESCS + (uint32_t)check_rnd(&s);
			CHECK(e1000_watchdog(&nic) == -EIO && nic.dead);
			open_ok();
			reopen++;
		} else {			/* a reopen out of the blue */
			open_ok();
			reopen++;
		}
	}
	dev_tx(~0u);
	drain();
	CHECK(sim.allocs == 1 && reopen > 0 && eagain > 0 && sim.rx_missed > 0);
	printf("e1000 fuzz: %u ops, %llu tx, %llu rx, %llu rx missed, %u full, %u reopens\n", ops,
	       (unsigned long long)sim.tx_sent, (unsigned long long)got_frames,
	       (unsigned long long)sim.rx_missed, eagain, reopen);
}

int main(void)
{
	test_open_order();
	test_open_eeprom();
	test_open_fail();
	test_send();
	test_tx_full();
	test_rx();
	test_irq();
	test_wrap();
	test_hostile();
	test_fuzz(200000);
	free(sim.mem);
	CHECK_DONE("e1000");
	return 0;
}

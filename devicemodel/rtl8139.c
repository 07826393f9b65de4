/*
 * RTL8139C: the PCI function, its register file, the EEPROM behind 9346CR,
 * the internal PHY's registers, interrupts, the timer and reset (RTL8139C(L)
 * datasheet, "Register Descriptions"). The transmit descriptors and the
 * receive ring are rtl8139_rxtx.c's.
 *
 * Every access, of any size at any offset of either BAR, is split into
 * the registers it touches (all multi-byte registers are naturally
 * aligned), each handed a value and a mask of the bits written, so a
 * partial write merges into the register and a write-1-to-clear register
 * (ISR) clears only what was written. Bytes past the 256-byte block read
 * as ones and are dropped on write; reserved and C+-only offsets read 0
 * and ignore writes. Reads have no side effects.
 *
 * The EEPROM is a 64-word 93C46 (datasheet "EEPROM (93C46) Contents"),
 * bit-banged through 9346CR in programming mode (EEM = 10b): with EECS
 * high, rising EESK edges shift EEDI in; the first 1 is the start bit,
 * then a 2-bit opcode and 6 address bits; after READ (10b) each further
 * rising edge puts the next data bit, MSB first, on EEDO (after a dummy 0
 * on the last address bit), running on into the next word. Drivers that
 * probe for a 93C56 with 8 address bits read a shifted word from this part
 * and so choose 6, as on the real board. Writes and erases are ignored.
 *
 * The PHY is the chip's own (BMCR/BMSR/ANAR/ANLPAR/ANER at 0x62-0x6b): the
 * link is always up, autonegotiation complete, 100 Mb/s full duplex.
 */
#include "rtl8139_int.h"

#define RTL_REVISION 0x10	/* PCI revision (and RERID): < 0x20, not a C+ */
#define RTL_BMSR_UP 0x782d	/* 10/100 half/full, AN complete, AN able, link, ext */
#define RTL_ANLPAR_UP 0x41e1	/* ack, 10/100 half/full, 802.3 */
#define RTL_BMCR_SELFCLR 0x8200	/* reset, restart autonegotiation */
#define RTL_CONFIG1_RO 0x0c	/* MEMMAP, IOMAP: both register maps present */
#define RTL_PCI_CLOCK_MHZ 33u	/* TCTR's rate */

void rtl_log_once(struct dm_rtl8139 *n, unsigned bit, const char *what)
{
	if (n->logged & bit)
		return;
	n->logged |= bit;
	if (n->env->log)
		n->env->log(n->env->ctx, "rtl8139 %02x.%x: %s", n->pci.devfn >> 3,
			    n->pci.devfn & 7, what);
}

/* ---- interrupts (IMR, ISR) ------------------------------------------------------ */

static void rtl_irq_update(struct dm_rtl8139 *n)
{
	bool level = !n->unplugged && (n->isr & n->imr);

	if (level != n->irq_level) {
		n->irq_level = level;
		dm_pci_set_irq(&n->pci, level);
	}
}

void rtl_raise(struct dm_rtl8139 *n, uint16_t cause)
{
	n->isr |= cause & RTL_INT_VALID;
	rtl_irq_update(n);
}

bool rtl_dma_ok(const struct dm_rtl8139 *n)
{
	return !n->unplugged && dm_nic_bus_master(&n->pci);
}

/* ---- the timer (TCTR, TimerInt) ---------------------------------------------------- */

static uint32_t rtl_tctr(const struct dm_rtl8139 *n)
{
	uint64_t d = n->env->now_ns(n->env->ctx) - n->tctr_base_ns;

	return (uint32_t)(d / 1000 * RTL_PCI_CLOCK_MHZ + d % 1000 * RTL_PCI_CLOCK_MHZ / 1000);
}

/* TimeOut when TCTR next equals TimerInt (0: off). */
static void rtl_timer_arm(struct dm_rtl8139 *n)
{
	struct dm_env *env = n->env;
	uint64_t ticks;

	if (n->timer.armed)
		env->timer_cancel(env->ctx, &n->timer);
	if (!n->timerint || n->unplugged)
		return;
	ticks = (uint32_t)(n->timerint - rtl_tctr(n));
	if (!ticks)
		ticks = 1ull << 32;
	env->timer_arm(env->ctx, &n->timer,
		       env->now_ns(env->ctx) + ticks * 1000 / RTL_PCI_CLOCK_MHZ + 1);
}

static void rtl_timer_fire(struct dm_timer *t, void *arg)
{
	struct dm_rtl8139 *n = arg;

	(void)t;
	if (n->unplugged)
		return;
	rtl_raise(n, RTL_INT_TIMEOUT);
	rtl_timer_arm(n);
}

/* ---- the EEPROM (9346CR) ------------------------------------------------------------ */

static void rtl_eeprom_init(struct dm_rtl8139 *n, const uint8_t mac[6])
{
	uint16_t *w = n->eeprom;

	memset(w, 0, sizeof(n->eeprom));
	w[0] = 0x8129;			/* EEPROM ID */
	w[1] = 0x10ec;			/* vendor, device, subsystem vendor, subsystem */
	w[2] = 0x8139;
	w[3] = 0x10ec;
	w[4] = 0x8139;
	w[5] = 0x4020;			/* MIN_GNT 0x20, MAX_LAT 0x40 */
	for (unsigned i = 0; i < 3; i++)
		w[7 + i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
}

static void rtl_ee_idle(struct dm_rtl8139 *n)
{
	n->ee.started = false;
	n->ee.bits = 0;
	n->ee.cmd = 0;
	n->ee.dout = false;
}

/* One rising EESK edge with EECS high. */
static void rtl_ee_clock(struct dm_rtl8139 *n, bool di)
{
	unsigned k;
	uint16_t word;

	if (!n->ee.started) {
		n->ee.started = di;	/* leading zeros are not a command yet */
		return;
	}
	if (++n->ee.bits <= 8) {
		n->ee.cmd = (uint16_t)((n->ee.cmd << 1 | di) & 0xff);
		n->ee.dout = false;	/* the dummy 0 after the last address bit */
		return;
	}
	if ((n->ee.cmd >> 6) != 0x2) {	/* only READ */
		n->ee.dout = false;
		return;
	}
	k = n->ee.bits - 9;
	word = n->eeprom[((n->ee.cmd & 0x3f) + k / 16) % RTL_EEPROM_WORDS];
	n->ee.dout = (word >> (15 - k % 16)) & 1;
}

static void rtl_reset_power_on(struct dm_rtl8139 *n);

static void rtl_9346_write(struct dm_rtl8139 *n, uint8_t v)
{
	uint8_t old = n->regs[RTL_9346CR];

	if ((v & RTL_EEM_MASK) == RTL_EEM_AUTOLOAD) {
		rtl_reset_power_on(n);	/* reload from the EEPROM, back to normal mode */
		return;
	}
	n->regs[RTL_9346CR] = v & ~RTL_EE_DO;
	if ((v & RTL_EEM_MASK) != RTL_EEM_PROGRAM || !(v & RTL_EE_CS))
		rtl_ee_idle(n);
	else if ((v & RTL_EE_SK) && !(old & RTL_EE_SK))
		rtl_ee_clock(n, v & RTL_EE_DI);
}

static uint8_t rtl_9346_read(const struct dm_rtl8139 *n)
{
	uint8_t v = n->regs[RTL_9346CR];

	if ((v & RTL_EEM_MASK) == RTL_EEM_PROGRAM && n->ee.dout)
		v |= RTL_EE_DO;
	return v;
}

/* ---- reset --------------------------------------------------------------------------- */

/* CR.RST (datasheet, CR): transmitter and receiver off, the transmit round
 * robin back at descriptor 0 (TSDs: OWN only), the receive buffer empty;
 * IDR, MAR, the configuration and PCI space keep their values. The
 * interrupt mask and status clear too, so no stale cause survives. */
static void rtl_reset_soft(struct dm_rtl8139 *n)
{
	n->cr = 0;
	n->isr = 0;
	n->imr = 0;
	rtl_tx_reset(n);
	rtl_rx_reset(n);
	rtl_irq_update(n);
}

/* Power-on (and 9346CR auto-load): every register at its initial value,
 * IDR0-5 loaded from the EEPROM. */
static void rtl_reset_power_on(struct dm_rtl8139 *n)
{
	memset(n->regs, 0, sizeof(n->regs));
	for (unsigned i = 0; i < 3; i++) {
		n->regs[RTL_IDR0 + 2 * i] = (uint8_t)n->eeprom[7 + i];
		n->regs[RTL_IDR0 + 2 * i + 1] = (uint8_t)(n->eeprom[7 + i] >> 8);
	}
	n->regs[RTL_CONFIG1] = RTL_CONFIG1_RO;
	n->regs[RTL_ANAR] = 0xe1;		/* advertise 10/100 half/full */
	n->regs[RTL_ANAR + 1] = 0x01;
	n->bmcr = 0x3100;			/* autonegotiation, 100, full duplex */
	n->tcr = 0;
	n->rcr = 0;
	n->timerint = 0;
	n->tctr_base_ns = n->env->now_ns(n->env->ctx);
	rtl_timer_arm(n);
	rtl_ee_idle(n);
	rtl_reset_soft(n);
}

static void rtl_cr_write(struct dm_rtl8139 *n, uint8_t v)
{
	uint8_t old = n->cr;

	if (v & RTL_CR_RST) {
		rtl_reset_soft(n);		/* done at once: RST reads back 0 */
		return;
	}
	n->cr = v & (RTL_CR_RE | RTL_CR_TE);
	if ((n->cr & RTL_CR_RE) && !(old & RTL_CR_RE))
		rtl_rx_kick(n);
	if (n->cr & RTL_CR_TE)
		rtl_tx_run(n);
}

/* ---- the register file ---------------------------------------------------------------- */

/* The register holding byte b: its offset; *width 1, 2 or 4. */
static unsigned rtl_reg_find(unsigned b, unsigned *width)
{
	switch (b & ~3u) {
	case RTL_TSD0: case RTL_TSD0 + 4: case RTL_TSD0 + 8: case RTL_TSD0 + 12:
	case RTL_RBSTART: case RTL_TCR: case RTL_RCR: case RTL_TCTR: case RTL_MPC:
	case RTL_TIMERINT:
		*width = 4;
		return b & ~3u;
	}
	switch (b & ~1u) {
	case RTL_ERBCR: case RTL_CAPR: case RTL_CBR: case RTL_IMR: case RTL_ISR:
	case RTL_TSAD: case RTL_BMCR: case RTL_BMSR: case RTL_ANLPAR: case RTL_ANER:
		*width = 2;
		return b & ~1u;
	}
	*width = 1;
	return b;
}

/* Bytes that read back what was written; the rest of the block not named
 * in rtl_reg_read/rtl_reg_write is reserved (reads 0). */
static bool rtl_plain(unsigned r)
{
	return r <= RTL_IDR0 + 5 || (r >= RTL_MAR0 && r < RTL_MAR0 + 8) ||
	       (r >= RTL_TSAD0 && r < RTL_TSAD0 + 16) || r == RTL_HLTCLK ||
	       r == RTL_MULINT || r == RTL_MULINT + 1 || r == RTL_ANAR || r == RTL_ANAR + 1 ||
	       (r >= 0x70 && r < 0x72) ||	/* NWAYTR */
	       (r >= RTL_CSCR && r < RTL_CSCR + 2) ||
	       (r >= 0x78 && r <= 0x80) ||	/* PHY1_PARM, TW_PARM, PHY2_PARM */
	       (r >= 0x84 && r < 0xd4);		/* wake-up frame CRCs, masks, LSB CRCs */
}

static uint32_t rtl_reg_read(struct dm_rtl8139 *n, unsigned r)
{
	switch (r) {
	case RTL_TSD0: case RTL_TSD0 + 4: case RTL_TSD0 + 8: case RTL_TSD0 + 12:
		return n->tsd[(r - RTL_TSD0) / 4];
	case RTL_RBSTART: return rtl_get32(n, RTL_RBSTART);
	case RTL_CR: return n->cr | (rtl_rx_empty(n) ? RTL_CR_BUFE : 0);
	case RTL_CAPR: return n->capr;
	case RTL_CBR: return rtl_rx_cbr(n);
	case RTL_IMR: return n->imr;
	case RTL_ISR: return n->isr;
	case RTL_TCR: return n->tcr | RTL_TCR_HWVER;
	case RTL_RCR: return n->rcr;
	case RTL_TCTR: return rtl_tctr(n);
	case RTL_TIMERINT: return n->timerint;
	case RTL_9346CR: return rtl_9346_read(n);
	case RTL_CONFIG1: case RTL_CONFIG3: case RTL_CONFIG4: case RTL_CONFIG5:
		return n->regs[r];
	case RTL_RERID: return RTL_REVISION;
	case RTL_TSAD: return rtl_tx_summary(n);
	case RTL_BMCR: return n->bmcr;
	case RTL_BMSR: return RTL_BMSR_UP;
	case RTL_ANLPAR: return RTL_ANLPAR_UP;
	case RTL_ANER: return 0x0001;		/* the partner autonegotiates */
	default:	/* MPC (nothing missed), MSR (link up, 100 Mb/s), ERBCR, ERSR, CONFIG0 */
		return rtl_plain(r) ? n->regs[r] : 0;
	}
}

/* CONFIG0-5 take writes only in 9346CR's config-write mode (EEM = 11b). */
static void rtl_config_write(struct dm_rtl8139 *n, unsigned r, uint8_t v)
{
	if ((n->regs[RTL_9346CR] & RTL_EEM_MASK) != RTL_EEM_CONFIG)
		return;
	if (r == RTL_CONFIG1)
		v = (uint8_t)((v & ~RTL_CONFIG1_RO) | RTL_CONFIG1_RO);
	n->regs[r] = v;
}

static void rtl_reg_write(struct dm_rtl8139 *n, unsigned r, uint32_t v, uint32_t m)
{
	switch (r) {
	case RTL_TSD0: case RTL_TSD0 + 4: case RTL_TSD0 + 8: case RTL_TSD0 + 12:
		rtl_tx_write_tsd(n, (r - RTL_TSD0) / 4, v, m);
		return;
	case RTL_RBSTART:
		for (unsigned i = 0; i < 4; i++)
			if (m >> (8 * i) & 0xff)
				n->regs[r + i] = (uint8_t)(v >> (8 * i));
		rtl_rx_reset(n);		/* a new buffer starts empty */
		rtl_rx_kick(n);
		return;
	case RTL_CR: rtl_cr_write(n, (uint8_t)v); return;
	case RTL_CAPR:
		n->capr = (uint16_t)((n->capr & ~m) | (v & m));
		rtl_rx_kick(n);
		return;
	case RTL_IMR:
		n->imr = (uint16_t)((n->imr & ~m) | (v & m)) & RTL_INT_VALID;
		rtl_irq_update(n);
		return;
	case RTL_ISR:
		n->isr &= (uint16_t)~(v & m);
		rtl_irq_update(n);
		return;
	case RTL_TCR: n->tcr = ((n->tcr & ~m) | (v & m)) & RTL_TCR_WMASK; return;
	case RTL_RCR: n->rcr = ((n->rcr & ~m) | (v & m)) & RTL_RCR_WMASK; return;
	case RTL_TCTR:				/* any write restarts it from 0 */
		n->tctr_base_ns = n->env->now_ns(n->env->ctx);
		rtl_timer_arm(n);
		return;
	case RTL_TIMERINT:
		n->timerint = (n->timerint & ~m) | (v & m);
		rtl_timer_arm(n);
		return;
	case RTL_9346CR: rtl_9346_write(n, (uint8_t)v); return;
	case RTL_CONFIG1: case RTL_CONFIG3: case RTL_CONFIG4: case RTL_CONFIG5:
		rtl_config_write(n, r, (uint8_t)v);
		return;
	case RTL_BMCR:
		n->bmcr = (uint16_t)((n->bmcr & ~m) | (v & m)) & ~RTL_BMCR_SELFCLR;
		return;
	default:	/* MPC: a write clears it (it stays 0); read-only and reserved bytes */
		if (rtl_plain(r))
			n->regs[r] = (uint8_t)v;
	}
}

/* ---- the BARs ------------------------------------------------------------------------------ */

static uint64_t rtl_access_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_rtl8139 *n = dev;
	uint64_t v = 0;

	for (unsigned i = 0; i < size && i < 8;) {
		uint64_t a = off + i;
		unsigned w = 1, r, sh, len;
		uint64_t d = 0xff;

		if (a < RTL_BAR_SIZE) {
			r = rtl_reg_find((unsigned)a, &w);
			sh = (unsigned)a - r;
			len = w - sh < size - i ? w - sh : size - i;
			d = (rtl_reg_read(n, r) >> (8 * sh)) & DM_ALL_ONES(len);
			w = len;
		}
		v |= d << (8 * i);
		i += w;
	}
	return v;
}

static void rtl_access_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_rtl8139 *n = dev;

	for (unsigned i = 0; i < size && i < 8;) {
		uint64_t a = off + i;
		unsigned w, r, sh, len;

		if (a >= RTL_BAR_SIZE)
			break;
		r = rtl_reg_find((unsigned)a, &w);
		sh = (unsigned)a - r;
		len = w - sh < size - i ? w - sh : size - i;
		rtl_reg_write(n, r, (uint32_t)(val >> (8 * i)) << (8 * sh),
			      (uint32_t)DM_ALL_ONES(len) << (8 * sh));
		i += len;
	}
}

static const struct dm_io_ops rtl_ops = { rtl_access_read, rtl_access_write };

/* ---- the device API ------------------------------------------------------------------------- */

static void rtl_pci_setup(struct dm_rtl8139 *n, uint8_t devfn)
{
	dm_pci_init_header(&n->pci, 0x10ec, 0x8139, 0x020000, RTL_REVISION);
	n->pci.cfg[0x2c] = 0xec;	/* subsystem 10ec:8139 (datasheet, PCI configuration space) */
	n->pci.cfg[0x2d] = 0x10;
	n->pci.cfg[0x2e] = 0x39;
	n->pci.cfg[0x2f] = 0x81;
	n->pci.cfg[0x3d] = 1;		/* INTA */
	n->pci.cfg[0x3e] = 0x20;	/* MIN_GNT, MAX_LAT as the EEPROM loads them */
	n->pci.cfg[0x3f] = 0x40;
	n->pci.devfn = devfn;
	n->pci.dev = n;
	n->pci.bar[0] = (struct dm_pci_bar){ .size = RTL_BAR_SIZE, .io = true,
		.region = { .ops = &rtl_ops, .dev = n, .name = "rtl8139-io" } };
	n->pci.bar[1] = (struct dm_pci_bar){ .size = RTL_BAR_SIZE,
		.region = { .ops = &rtl_ops, .dev = n, .name = "rtl8139-mmio" } };
}

struct dm_rtl8139 *dm_rtl8139_init(struct dm_env *env, struct dm_bus *bus, uint8_t devfn,
				   const uint8_t mac[6], const struct dm_nic_ops *ops, void *ctx)
{
	struct dm_rtl8139 *n = calloc(1, sizeof(*n));

	if (!n || !ops || !ops->tx) {
		free(n);
		if (env->log)
			env->log(env->ctx, "rtl8139: cannot create it (memory or no tx op)");
		return NULL;
	}
	n->env = env;
	n->ops = ops;
	n->ctx = ctx;
	n->timer.fn = rtl_timer_fire;
	n->timer.arg = n;
	rtl_pci_setup(n, devfn);
	rtl_eeprom_init(n, mac);
	rtl_reset_power_on(n);
	if (dm_pci_add(bus, &n->pci) < 0) {
		free(n);
		if (env->log)
			env->log(env->ctx, "rtl8139: cannot place it at devfn %#x", devfn);
		return NULL;
	}
	return n;
}

void dm_rtl8139_tx_resume(struct dm_rtl8139 *n)
{
	n->tx_blocked = false;
	rtl_tx_run(n);
}

void dm_rtl8139_unplug(struct dm_rtl8139 *n)
{
	if (n->unplugged)
		return;
	rtl_log_once(n, RTL_LOG_UNPLUG, "unplugged");
	n->unplugged = true;
	n->irq_level = false;
	if (n->timer.armed)
		n->env->timer_cancel(n->env->ctx, &n->timer);
	dm_pci_remove(&n->pci);
}

/*
 * Intel 82540EM: the PCI function, its register file, the EEPROM and PHY
 * behind it, interrupts and reset (8254x SDM). The rings are e1000_tx.c's
 * and e1000_rx.c's.
 *
 * Registers live in one array the size of BAR0, indexed by dword. Most
 * read back what was written; the ones with side effects are dispatched
 * below: STATUS and EECD are composed on read, ICR and the statistics clear
 * on read, ICS/IMS/IMC edit ICR and the mask, and the ring tails start
 * work. Any access size at any offset is split into aligned dwords, so
 * every path ends in e1k_reg_read/e1k_reg_write with an in-range index.
 *
 * The EEPROM is a 64-word microwire part (SDM §5.3; 93C46). Software
 * bit-bangs EECD: with CS high each rising SK edge shifts DI in; after the
 * 3-bit READ opcode (110b) and 6 address bits, each further rising edge
 * puts the next data bit, MSB first, on DO (Linux's e1000_shift_in_ee_bits
 * samples DO right after raising SK). Dropping CS ends the command. EERD
 * (§13.4.4) reads the same words at once.
 *
 * The PHY is an M88E1011 at MDIO address 1 (§13.4.7 MDIC; §8 PHY
 * registers); it completes each MDIC operation immediately. The link comes
 * up when the guest sets CTRL.SLU or restarts autonegotiation after a reset,
 * raising LSC once; it then stays at 1000 Mb/s full duplex.
 */
#include "e1000_int.h"

#define E1K_PHY_ADDR 1
#define E1K_EEPROM_SUM 0xbabau

/* PHY registers (IEEE 802.3 clause 22 and the M88E1011's own). */
#define PHY_CTRL 0x00
#define PHY_STATUS 0x01
#define PHY_ID1 0x02
#define PHY_ID2 0x03
#define PHY_LP_ABILITY 0x05
#define PHY_AN_EXP 0x06
#define PHY_1000T_STATUS 0x0a
#define PHY_EXT_STATUS 0x0f
#define M88_SPEC_CTRL 0x10
#define M88_SPEC_STATUS 0x11
#define M88_INT_STATUS 0x13
#define M88_EXT_SPEC_CTRL 0x14
#define PHY_CTRL_RESET 0x8000
#define PHY_CTRL_ANE 0x1000
#define PHY_CTRL_RESTART_AN 0x0200
#define PHY_STATUS_BASE 0x7949		/* 10/100 abilities, ext status, AN able */
#define PHY_STATUS_UP 0x0024		/* link up, autonegotiation complete */
#define M88_STATUS_UP 0xac00		/* 1000 Mb/s, full duplex, resolved, link */

void e1k_log_once(struct dm_e1000 *n, unsigned bit, const char *what)
{
	if (n->logged & bit)
		return;
	n->logged |= bit;
	if (n->env->log)
		n->env->log(n->env->ctx, "e1000 %02x.%x: %s", n->pci.devfn >> 3,
			    n->pci.devfn & 7, what);
}

/* ---- interrupts and statistics ----------------------------------------------- */

static void e1k_irq_update(struct dm_e1000 *n)
{
	bool level = !n->unplugged && (e1k_reg(n, E1K_ICR) & e1k_reg(n, E1K_IMS));

	if (level != n->irq_level) {
		n->irq_level = level;
		dm_pci_set_irq(&n->pci, level);
	}
}

void e1k_raise(struct dm_e1000 *n, uint32_t cause)
{
	n->regs[E1K_ICR / 4] |= cause & E1K_ICR_VALID;
	e1k_irq_update(n);
}

/* Counters saturate rather than wrap (SDM §13.7). */
void e1k_stat_add(struct dm_e1000 *n, unsigned reg, uint32_t v)
{
	uint32_t *c = &n->regs[reg / 4];

	*c = *c + v < *c ? ~0u : *c + v;
}

void e1k_stat_add64(struct dm_e1000 *n, unsigned reg_lo, uint64_t v)
{
	uint64_t c = n->regs[reg_lo / 4] | (uint64_t)n->regs[reg_lo / 4 + 1] << 32;

	c = c + v < c ? ~0ull : c + v;
	n->regs[reg_lo / 4] = (uint32_t)c;
	n->regs[reg_lo / 4 + 1] = (uint32_t)(c >> 32);
}

/* The device may touch guest memory: plugged and a bus master. */
bool e1k_dma_ok(const struct dm_e1000 *n)
{
	return !n->unplugged && dm_nic_bus_master(&n->pci);
}

/* ---- EEPROM ------------------------------------------------------------------ */

/* The words Linux's e1000 and FreeBSD's em read (SDM table 5-2): the MAC,
 * the LED word (0xffff: "use the driver's default"), initialization control
 * 1/2 (signature 01b, no pause ability: we send no PAUSE frames), the PCI
 * IDs it would load, control word 3 (no APM wake-up) and the checksum. */
static void e1k_eeprom_init(struct dm_e1000 *n, const uint8_t mac[6])
{
	uint16_t *w = n->eeprom;
	uint16_t sum = 0;

	memset(w, 0, sizeof(n->eeprom));
	for (unsigned i = 0; i < 3; i++)
		w[i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
	w[0x04] = 0xffff;		/* LED settings: default */
	w[0x08] = 0x1000;		/* PBA number */
	w[0x09] = 0x0001;
	w[0x0a] = 0x4003;		/* init control 1: valid, load IDs */
	w[0x0b] = 0x001e;		/* subsystem ID */
	w[0x0c] = 0x8086;		/* subsystem vendor */
	w[0x0d] = 0x100e;		/* device ID */
	w[0x0e] = 0x8086;		/* vendor ID */
	w[0x0f] = 0x0000;		/* init control 2: no PAUSE/ASM_DIR */
	w[0x24] = 0x0000;		/* init control 3 port A: no APME */
	for (unsigned i = 0; i < E1K_EEPROM_WORDS - 1; i++)
		sum = (uint16_t)(sum + w[i]);
	w[E1K_EEPROM_WORDS - 1] = (uint16_t)(E1K_EEPROM_SUM - sum);
}

/* One rising SK edge with CS high. */
static void e1k_ee_clock(struct dm_e1000 *n, bool di)
{
	unsigned k;
	uint16_t word;

	n->ee.edges++;
	if (n->ee.edges <= 9) {
		n->ee.cmd = (uint16_t)((n->ee.cmd << 1 | di) & 0x1ff);
		n->ee.dout = false;
		return;
	}
	if ((n->ee.cmd >> 6) != 0x6) {	/* only READ; EWEN/WRITE/ERASE ignored */
		n->ee.dout = false;
		return;
	}
	k = n->ee.edges - 10;		/* sequential read runs on to the next word */
	word = n->eeprom[((n->ee.cmd & 0x3f) + k / 16) % E1K_EEPROM_WORDS];
	n->ee.dout = (word >> (15 - k % 16)) & 1;
}

static void e1k_eecd_write(struct dm_e1000 *n, uint32_t val)
{
	uint32_t old = e1k_reg(n, E1K_EECD);
	uint32_t v = (old & ~E1K_EECD_SW_MASK) | (val & E1K_EECD_SW_MASK);

	if (!(v & E1K_EECD_CS)) {
		n->ee.edges = 0;
		n->ee.cmd = 0;
		n->ee.dout = false;
	} else if ((v & E1K_EECD_SK) && !(old & E1K_EECD_SK)) {
		e1k_ee_clock(n, v & E1K_EECD_DI);
	}
	n->regs[E1K_EECD / 4] = v;
}

static uint32_t e1k_eecd_read(struct dm_e1000 *n)
{
	uint32_t v = e1k_reg(n, E1K_EECD) & E1K_EECD_SW_MASK;

	v |= E1K_EECD_PRES;
	if (v & E1K_EECD_REQ)
		v |= E1K_EECD_GNT;
	if (n->ee.dout)
		v |= E1K_EECD_DO;
	return v;
}

/* EERD: address in 15:8, data in 31:16, done at once. */
static void e1k_eerd_write(struct dm_e1000 *n, uint32_t val)
{
	unsigned addr = (val >> 8) & 0xff;
	uint32_t data = addr < E1K_EEPROM_WORDS ? n->eeprom[addr] : 0;

	if (!(val & E1K_EERD_START)) {
		n->regs[E1K_EERD / 4] = val & 0xff00;
		return;
	}
	n->regs[E1K_EERD / 4] = (val & 0xff00) | E1K_EERD_DONE | data << 16;
}

/* ---- PHY --------------------------------------------------------------------- */

static void e1k_phy_reset(struct dm_e1000 *n)
{
	memset(n->phy, 0, sizeof(n->phy));
	n->phy[PHY_CTRL] = 0x1140;		/* autoneg on, full duplex, 1000 */
	n->phy[PHY_ID1] = 0x0141;		/* Marvell */
	n->phy[PHY_ID2] = 0x0c20;		/* 88E1011, revision 0 */
	n->phy[0x04] = 0x01e1;			/* advertise 10/100 both duplexes */
	n->phy[PHY_LP_ABILITY] = 0x45e1;	/* partner: the same, pause, ack */
	n->phy[PHY_AN_EXP] = 0x0001;
	n->phy[0x09] = 0x0300;			/* advertise 1000 both duplexes */
	n->phy[PHY_EXT_STATUS] = 0x3000;
	n->phy[M88_SPEC_CTRL] = 0x0060;		/* auto MDI/MDI-X */
	n->phy[M88_EXT_SPEC_CTRL] = 0x0c60;
}

static void e1k_link_up(struct dm_e1000 *n)
{
	if (n->link_up)
		return;
	n->link_up = true;
	e1k_raise(n, E1K_ICR_LSC);
}

static uint16_t e1k_phy_read(struct dm_e1000 *n, unsigned reg)
{
	switch (reg) {
	case PHY_STATUS:
		return PHY_STATUS_BASE | (n->link_up ? PHY_STATUS_UP : 0);
	case PHY_1000T_STATUS:
		return n->link_up ? 0x3c00 : 0;	/* receivers OK, partner 1000 */
	case M88_SPEC_STATUS:
		return n->link_up ? M88_STATUS_UP : 0;
	case M88_INT_STATUS:
		return 0;
	default:
		return n->phy[reg];
	}
}

static void e1k_phy_write(struct dm_e1000 *n, unsigned reg, uint16_t v)
{
	switch (reg) {
	case PHY_CTRL:
		n->phy[reg] = v & ~(PHY_CTRL_RESET | PHY_CTRL_RESTART_AN);
		if ((v & PHY_CTRL_RESTART_AN) && (v & PHY_CTRL_ANE))
			e1k_link_up(n);
		return;
	case PHY_STATUS: case PHY_ID1: case PHY_ID2: case PHY_LP_ABILITY:
	case PHY_AN_EXP: case PHY_1000T_STATUS: case PHY_EXT_STATUS:
	case M88_SPEC_STATUS: case M88_INT_STATUS:
		return;				/* read-only */
	default:
		n->phy[reg] = v;
	}
}

static void e1k_mdic_write(struct dm_e1000 *n, uint32_t val)
{
	unsigned phy = (val >> 21) & 0x1f, reg = (val >> 16) & 0x1f;
	uint32_t op = val & (3u << 26);
	uint32_t v = val & ~(E1K_MDIC_READY | E1K_MDIC_ERROR);

	if (phy != E1K_PHY_ADDR || (op != E1K_MDIC_OP_READ && op != E1K_MDIC_OP_WRITE))
		v |= E1K_MDIC_ERROR;
	else if (op == E1K_MDIC_OP_READ)
		v = (v & ~0xffffu) | e1k_phy_read(n, reg);
	else
		e1k_phy_write(n, reg, (uint16_t)val);
	n->regs[E1K_MDIC / 4] = v | E1K_MDIC_READY;
	if (val & E1K_MDIC_INT)
		e1k_raise(n, E1K_ICR_MDAC);
}

/* ---- reset ------------------------------------------------------------------- */

/* The MAC's power-on state (SDM §13 "initial value" columns): rings and
 * interrupts off, statistics zero, RAR0 the EEPROM's address. The PHY
 * keeps its registers (CTRL.PHY_RST resets it), the link goes down until
 * the driver brings it up again. */
static void e1k_reset(struct dm_e1000 *n)
{
	const uint16_t *w = n->eeprom;

	memset(n->regs, 0, sizeof(n->regs));
	n->regs[E1K_EECD / 4] = E1K_EECD_FWE_DIS;
	n->regs[E1K_PBA / 4] = 0x00100030;		/* 48 KiB receive, 16 KiB transmit */
	n->regs[E1K_LEDCTL / 4] = 0x07068302;
	n->regs[E1K_VET / 4] = 0x8100;
	n->regs[E1K_RAL(0) / 4] = w[0] | (uint32_t)w[1] << 16;
	n->regs[E1K_RAH(0) / 4] = w[2] | E1K_RAH_AV;
	n->ee.edges = 0;
	n->ee.cmd = 0;
	n->ee.dout = false;
	n->link_up = false;
	n->rx_stalled = false;
	e1k_tx_reset(n);
	e1k_irq_update(n);
}

static void e1k_ctrl_write(struct dm_e1000 *n, uint32_t val)
{
	uint32_t old = e1k_reg(n, E1K_CTRL);

	if (val & E1K_CTRL_RST) {
		e1k_reset(n);			/* CTRL itself back to 0: RST self-clears */
		return;
	}
	n->regs[E1K_CTRL / 4] = val;
	if ((val & E1K_CTRL_PHY_RST) && !(old & E1K_CTRL_PHY_RST))
		e1k_phy_reset(n);
	if (val & E1K_CTRL_SLU)
		e1k_link_up(n);
}

/* ---- the register file ----------------------------------------------------------- */

static uint32_t e1k_status(const struct dm_e1000 *n)
{
	return E1K_STATUS_FD | E1K_STATUS_SPEED_1000 | E1K_STATUS_ASDV_1000 |
	       (n->link_up ? E1K_STATUS_LU : 0);
}

static uint32_t e1k_reg_read(struct dm_e1000 *n, unsigned off)
{
	uint32_t v = e1k_reg(n, off);

	switch (off) {
	case E1K_STATUS:
		return e1k_status(n);
	case E1K_EECD:
		return e1k_eecd_read(n);
	case E1K_ICR:
		n->regs[E1K_ICR / 4] = 0;
		e1k_irq_update(n);
		return v;
	case E1K_ICS: case E1K_IMC:
		return 0;			/* write-only */
	default:
		if (off >= E1K_STATS && off < E1K_STATS_END)
			n->regs[off / 4] = 0;
		return v;
	}
}

/* Writes that change what the rings may do. */
static void e1k_ring_write(struct dm_e1000 *n, unsigned off, uint32_t val)
{
	uint32_t old = e1k_reg(n, off);

	switch (off) {
	case E1K_RCTL:
		n->regs[off / 4] = val;
		if ((val & E1K_RCTL_EN) && !(old & E1K_RCTL_EN))
			e1k_rx_kick(n);
		return;
	case E1K_RDT:
		n->regs[off / 4] = val & 0xffff;
		if (e1k_reg(n, E1K_RCTL) & E1K_RCTL_EN)
			e1k_rx_kick(n);
		return;
	case E1K_TCTL:
		n->regs[off / 4] = val;
		if (val & E1K_TCTL_EN)
			e1k_tx_kick(n);
		return;
	case E1K_TDT:
		n->regs[off / 4] = val & 0xffff;
		e1k_tx_kick(n);
		return;
	case E1K_TDH:
		n->regs[off / 4] = val & 0xffff;
		n->tx_sent = 0;			/* the packet at the old head is gone */
		return;
	case E1K_RDH:
		n->regs[off / 4] = val & 0xffff;
		return;
	case E1K_RDLEN: case E1K_TDLEN:
		n->regs[off / 4] = val & 0xfff80;	/* bits 19:7 */
		return;
	default:	/* RDBAL, TDBAL: 16-byte aligned */
		n->regs[off / 4] = val & ~0xfu;
	}
}

static void e1k_reg_write(struct dm_e1000 *n, unsigned off, uint32_t val)
{
	switch (off) {
	case E1K_CTRL: e1k_ctrl_write(n, val); return;
	case E1K_STATUS: return;
	case E1K_EECD: e1k_eecd_write(n, val); return;
	case E1K_EERD: e1k_eerd_write(n, val); return;
	case E1K_MDIC: e1k_mdic_write(n, val); return;
	case E1K_ICR:
		n->regs[E1K_ICR / 4] &= ~val;
		e1k_irq_update(n);
		return;
	case E1K_ICS: e1k_raise(n, val); return;
	case E1K_IMS:
		n->regs[E1K_IMS / 4] |= val & E1K_ICR_VALID;
		e1k_irq_update(n);
		return;
	case E1K_IMC:
		n->regs[E1K_IMS / 4] &= ~val;
		e1k_irq_update(n);
		return;
	case E1K_RCTL: case E1K_RDT: case E1K_RDH: case E1K_RDLEN: case E1K_RDBAL:
	case E1K_TCTL: case E1K_TDT: case E1K_TDH: case E1K_TDLEN: case E1K_TDBAL:
		e1k_ring_write(n, off, val);
		return;
	default:
		if (off >= E1K_STATS && off < E1K_STATS_END)
			return;			/* read-only counters */
		n->regs[off / 4] = val;
	}
}

/* ---- BAR0 (memory) and BAR1 (I/O window) ---------------------------------------- */

/* An access of size bytes at off, split into the dwords it touches;
 * bytes past the register space read as ones and are dropped on write. A
 * partial write merges into the stored dword first. */
static uint64_t e1k_access_read(struct dm_e1000 *n, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && i < 8;) {
		uint64_t a = off + i;
		unsigned sh = (unsigned)(a & 3), len = 4 - sh < size - i ? 4 - sh : size - i;
		uint64_t d = DM_ALL_ONES(len);

		if (a < E1K_BAR0_SIZE)
			d = (e1k_reg_read(n, (unsigned)(a & ~3ull)) >> (8 * sh)) & DM_ALL_ONES(len);
		v |= d << (8 * i);
		i += len;
	}
	return v;
}

static void e1k_access_write(struct dm_e1000 *n, uint64_t off, unsigned size, uint64_t val)
{
	for (unsigned i = 0; i < size && i < 8;) {
		uint64_t a = off + i;
		unsigned sh = (unsigned)(a & 3), len = 4 - sh < size - i ? 4 - sh : size - i;
		uint32_t m = (uint32_t)DM_ALL_ONES(len) << (8 * sh);
		uint32_t d = (uint32_t)(val >> (8 * i)) << (8 * sh);

		if (a < E1K_BAR0_SIZE) {
			unsigned r = (unsigned)(a & ~3ull);

			e1k_reg_write(n, r, (n->regs[r / 4] & ~m) | (d & m));
		}
		i += len;
	}
}

static uint64_t e1k_mmio_read(void *dev, uint64_t off, unsigned size)
{
	return e1k_access_read(dev, off, size);
}

static void e1k_mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	e1k_access_write(dev, off, size, val);
}

/* BAR1 (SDM §13.1.2): IOADDR at 0 names a register, IODATA at 4 is it.
 * Offsets 8-63 are reserved: ones on read, writes dropped. */
static uint64_t e1k_io_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_e1000 *n = dev;

	if (off + size <= 4)
		return (n->ioaddr >> (8 * off)) & DM_ALL_ONES(size);
	if (off >= 4 && off + size <= 8)
		return e1k_access_read(n, (n->ioaddr & ~3u) + off - 4, size);
	return DM_ALL_ONES(size);
}

static void e1k_io_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_e1000 *n = dev;

	if (off + size <= 4) {
		uint32_t m = (uint32_t)DM_ALL_ONES(size) << (8 * off);

		n->ioaddr = (n->ioaddr & ~m) | ((uint32_t)(val << (8 * off)) & m);
	} else if (off >= 4 && off + size <= 8) {
		e1k_access_write(n, (n->ioaddr & ~3u) + off - 4, size, val);
	}
}

static const struct dm_io_ops e1k_mmio_ops = { e1k_mmio_read, e1k_mmio_write };
static const struct dm_io_ops e1k_io_ops = { e1k_io_read, e1k_io_write };

/* ---- the device API ---------------------------------------------------------------- */

struct dm_e1000 *dm_e1000_init(struct dm_env *env, struct dm_bus *bus, uint8_t devfn,
			       const uint8_t mac[6], const struct dm_nic_ops *ops, void *ctx)
{
	struct dm_e1000 *n = calloc(1, sizeof(*n));

	if (!n || !ops || !ops->tx) {
		free(n);
		if (env->log)
			env->log(env->ctx, "e1000: cannot create it (memory or no tx op)");
		return NULL;
	}
	n->env = env;
	n->ops = ops;
	n->ctx = ctx;
	dm_pci_init_header(&n->pci, 0x8086, 0x100e, 0x020000, 0x03);
	n->pci.cfg[0x2c] = 0x86;	/* subsystem 8086:001e */
	n->pci.cfg[0x2d] = 0x80;
	n->pci.cfg[0x2e] = 0x1e;
	n->pci.cfg[0x2f] = 0x00;
	n->pci.cfg[0x3d] = 1;		/* INTA */
	n->pci.devfn = devfn;
	n->pci.dev = n;
	n->pci.bar[0] = (struct dm_pci_bar){ .size = E1K_BAR0_SIZE,
		.region = { .ops = &e1k_mmio_ops, .dev = n, .name = "e1000-mmio" } };
	n->pci.bar[1] = (struct dm_pci_bar){ .size = E1K_BAR1_SIZE, .io = true,
		.region = { .ops = &e1k_io_ops, .dev = n, .name = "e1000-io" } };
	e1k_eeprom_init(n, mac);
	e1k_phy_reset(n);
	e1k_reset(n);
	if (dm_pci_add(bus, &n->pci) < 0) {
		free(n);
		if (env->log)
			env->log(env->ctx, "e1000: cannot place it at devfn %#x", devfn);
		return NULL;
	}
	return n;
}

void dm_e1000_tx_resume(struct dm_e1000 *n)
{
	n->tx_blocked = false;
	e1k_tx_kick(n);
}

void dm_e1000_unplug(struct dm_e1000 *n)
{
	if (n->unplugged)
		return;
	if (n->env->log)
		n->env->log(n->env->ctx, "e1000 %02x.%x: unplugged", n->pci.devfn >> 3,
			    n->pci.devfn & 7);
	n->unplugged = true;
	n->irq_level = false;
	dm_pci_remove(&n->pci);
}

/* e1000.c, e1000_tx.c, e1000_rx.c: the 82540EM as a guest driver sees it.
 * A small driver below does what Linux's e1000 does (config space, BARs,
 * EEPROM bit-banging and EERD, MDIC, rings in the fake RAM); frames leave
 * through ops->tx into a log and enter through dm_e1000_rx. Checksums and
 * CRCs are recomputed here independently of the model. */
#include <stdarg.h>

#include "bus.h"
#include "check.h"
#include "e1000.h"
#include "fakes.h"
#include "fake_net.h"

#define DEV 0x18		/* 00:03.0 */
#define BAR0 0xfebc0000u
#define IOB 0xc000u
#define TXR 0x10000u		/* transmit ring, NTX descriptors */
#define NTX 32u
#define RXR 0x20000u		/* receive ring, NRX descriptors */
#define NRX 8u
#define TXBUF 0x100000u
#define RXBUF 0x200000u		/* 2048 bytes per descriptor */

/* Registers (8254x SDM), spelled out here rather than taken from the model. */
enum {
	CTRL = 0x0, STATUS = 0x8, EECD = 0x10, EERD = 0x14, MDIC = 0x20,
	ICR = 0xc0, ICS = 0xc8, IMS = 0xd0, IMC = 0xd8, RCTL = 0x100, TCTL = 0x400,
	RDBAL = 0x2800, RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818,
	TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818,
	GPRC = 0x4074, GPTC = 0x4080, GORCL = 0x4088, GOTCL = 0x4090, TPR = 0x40d0,
	TPT = 0x40d4, RNBC = 0x40a0, MTA = 0x5200, RAL0 = 0x5400, RAH0 = 0x5404,
};

static struct dm_bus *bus;
static struct dm_env env;
static struct dm_e1000 *nic;
static struct dm_e1000 *nics[32];	/* every one made, so none leaks */
static unsigned nnics;
static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* ---- the log (the network side is fake_net.h's) ------------------------------------ */

static char lastlog[256];

static void test_log(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	fake.log_lines++;
	va_start(ap, fmt);
	vsnprintf(lastlog, sizeof(lastlog), fmt, ap);
	va_end(ap);
}

/* ---- the guest side: config space, registers --------------------------------------- */

static uint32_t cfg_rd(unsigned reg, unsigned size)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u | DEV << 8 | (reg & 0xfc));
	return (uint32_t)dm_bus_read(bus, DM_PIO, 0xcfc + (reg & 3), size);
}

static void cfg_wr(unsigned reg, unsigned size, uint32_t v)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u | DEV << 8 | (reg & 0xfc));
	dm_bus_write(bus, DM_PIO, 0xcfc + (reg & 3), size, v);
}

static uint32_t rd(unsigned off) { return (uint32_t)dm_bus_read(bus, DM_MMIO, BAR0 + off, 4); }
static void wr(unsigned off, uint32_t v) { dm_bus_write(bus, DM_MMIO, BAR0 + off, 4, v); }

static bool intx(void)
{
	return cfg_rd(0x06, 2) & 0x08;	/* PCI status: interrupt status */
}

static int last_pci_irq(void)
{
	for (unsigned i = fake.nirqs < FAKE_LOG_MAX ? fake.nirqs : FAKE_LOG_MAX; i-- > 0;)
		if (fake.irqs[i].kind == 1 && fake.irqs[i].a == DEV)
			return fake.irqs[i].level;
	return -1;
}

static void setup(void)
{
	env = *fake_reset();
	env.log = test_log;
	if (bus)
		dm_bus_free(bus);
	bus = dm_bus_new(&env);
	CHECK(dm_pci_host_init(&env, bus) == 0);
	nic = dm_e1000_init(&env, bus, DEV, mac, &ops, &ntx);
	CHECK(nic && nnics < 32);
	nics[nnics++] = nic;
	ntx = 0;
	tx_accept = ~0u;
	tx_refused = rx_readies = 0;
	cfg_wr(0x10, 4, BAR0);
	cfg_wr(0x14, 4, IOB);
	cfg_wr(0x04, 2, 0x0007);	/* I/O, memory, bus master */
}

/* ---- EEPROM, as Linux's e1000_read_eeprom does it for a microwire part ------------ */

static void ee_clk(uint32_t *eecd, bool up)
{
	*eecd = up ? *eecd | 0x1 : *eecd & ~0x1u;
	wr(EECD, *eecd);
}

static void ee_shift_out(uint32_t *eecd, uint16_t data, unsigned count)
{
	uint32_t mask = 1u << (count - 1);

	*eecd &= ~0x8u;			/* DO */
	do {
		*eecd &= ~0x4u;		/* DI */
		if (data & mask)
			*eecd |= 0x4;
		wr(EECD, *eecd);
		ee_clk(eecd, true);
		ee_clk(eecd, false);
		mask >>= 1;
	} while (mask);
	*eecd &= ~0x4u;
	wr(EECD, *eecd);
}

static uint16_t ee_shift_in(uint32_t *eecd)
{
	uint16_t data = 0;

	*eecd &= ~(0x8u | 0x4u);
	for (unsigned i = 0; i < 16; i++) {
		data = (uint16_t)(data << 1);
		ee_clk(eecd, true);
		*eecd = rd(EECD) & ~0x4u;
		if (*eecd & 0x8)
			data |= 1;
		ee_clk(eecd, false);
	}
	return data;
}

static void ee_read(unsigned first, unsigned count, uint16_t *out)
{
	uint32_t eecd = rd(EECD);
	unsigned i;

	CHECK(eecd & 0x100);		/* PRES */
	CHECK(!(eecd & 0x200));		/* SIZE 0: 64 words, 6 address bits */
	wr(EECD, eecd | 0x40);		/* REQ */
	for (i = 0; i < 100 && !(rd(EECD) & 0x80); i++)
		;
	CHECK(i < 100);			/* GNT */
	eecd = rd(EECD);
	eecd &= ~(0x4u | 0x1u);
	wr(EECD, eecd);
	eecd |= 0x2;			/* CS */
	wr(EECD, eecd);
	for (i = 0; i < count; i++) {
		ee_shift_out(&eecd, 0x6, 3);	/* READ */
		ee_shift_out(&eecd, (uint16_t)(first + i), 6);
		out[i] = ee_shift_in(&eecd);
		/* standby */
		eecd &= ~(0x2u | 0x1u);
		wr(EECD, eecd);
		eecd |= 0x1;
		wr(EECD, eecd);
		eecd |= 0x2;
		wr(EECD, eecd);
		eecd &= ~0x1u;
		wr(EECD, eecd);
	}
	eecd &= ~(0x2u | 0x4u);		/* release */
	wr(EECD, eecd);
	wr(EECD, eecd | 0x1);
	wr(EECD, eecd);
	wr(EECD, eecd & ~0x40u);
	CHECK(!(rd(EECD) & 0x80));	/* GNT follows REQ */
}

static uint16_t eerd(unsigned addr)
{
	uint32_t v;

	wr(EERD, 1 | addr << 8);
	v = rd(EERD);
	CHECK(v & 0x10);		/* DONE */
	CHECK(((v >> 8) & 0xff) == addr);
	return (uint16_t)(v >> 16);
}

static int mdic(unsigned phy, unsigned reg, int write, uint16_t val)
{
	uint32_t v;

	wr(MDIC, reg << 16 | phy << 21 | (write ? 1u : 2u) << 26 | (write ? val : 0));
	v = rd(MDIC);
	CHECK(v & (1u << 28));		/* READY */
	if (v & (1u << 30))
		return -1;
	return (uint16_t)v;
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_pci(void)
{
	setup();
	CHECK(cfg_rd(0x00, 4) == 0x100e8086);
	CHECK(cfg_rd(0x08, 4) == 0x02000003);	/* class 020000, revision 3 */
	CHECK(cfg_rd(0x2c, 4) == 0x001e8086);
	CHECK(cfg_rd(0x3d, 1) == 1);
	cfg_wr(0x10, 4, 0xffffffff);
	cfg_wr(0x14, 4, 0xffffffff);
	CHECK(cfg_rd(0x10, 4) == 0xfffe0000);	/* 128 KiB memory */
	CHECK(cfg_rd(0x14, 4) == 0xffffffc1);	/* 64 bytes of I/O */
	CHECK(cfg_rd(0x18, 4) == 0);
	cfg_wr(0x10, 4, BAR0);
	cfg_wr(0x14, 4, IOB);
	CHECK(rd(STATUS) != 0xffffffff);
	/* BAR1: IOADDR selects, IODATA reads and writes */
	dm_bus_write(bus, DM_PIO, IOB, 4, RAL0 + 8);
	CHECK(dm_bus_read(bus, DM_PIO, IOB, 4) == RAL0 + 8);
	dm_bus_write(bus, DM_PIO, IOB + 4, 4, 0xa1b2c3d4);
	CHECK(rd(RAL0 + 8) == 0xa1b2c3d4);
	CHECK(dm_bus_read(bus, DM_PIO, IOB + 4, 4) == 0xa1b2c3d4);
	CHECK(dm_bus_read(bus, DM_PIO, IOB + 5, 1) == 0xc3);
	CHECK(dm_bus_read(bus, DM_PIO, IOB + 8, 4) == 0xffffffff);
	/* BAR0: 8-byte and unaligned accesses */
	CHECK(dm_bus_read(bus, DM_MMIO, BAR0 + RAL0, 8) ==
	      (0x12005452ull | (uint64_t)(0x80005634u) << 32));
	CHECK(dm_bus_read(bus, DM_MMIO, BAR0 + RAL0 + 3, 2) == 0x3412);
	dm_bus_write(bus, DM_MMIO, BAR0 + RAL0 + 9, 2, 0xeeff);
	CHECK(rd(RAL0 + 8) == 0xa1eeffd4);
	CHECK(dm_bus_read(bus, DM_MMIO, BAR0 + 0x1fffc, 8) == 0xffffffff00000000ull);
	/* decode follows the command register */
	cfg_wr(0x04, 2, 0x0000);
	CHECK(rd(STATUS) == 0xffffffff);
	cfg_wr(0x04, 2, 0x0007);
	CHECK(rd(STATUS) != 0xffffffff);
}

static void test_eeprom(void)
{
	uint16_t w[64], sum = 0;

	setup();
	ee_read(0, 64, w);
	CHECK(w[0] == 0x5452 && w[1] == 0x1200 && w[2] == 0x5634);
	for (unsigned i = 0; i < 64; i++) {
		sum = (uint16_t)(sum + w[i]);
		CHECK(eerd(i) == w[i]);
	}
	CHECK(sum == 0xbaba);
	CHECK(w[0x0d] == 0x100e && w[0x0e] == 0x8086);
	ee_read(2, 1, w);		/* a single word after a whole pass */
	CHECK(w[0] == 0x5634);
	CHECK(eerd(0x80) == 0);		/* beyond the part */
	/* RAR0 from the EEPROM, address valid */
	CHECK(rd(RAL0) == 0x12005452 && rd(RAH0) == 0x80005634);
}

static void test_phy(void)
{
	setup();
	CHECK(mdic(1, 2, 0, 0) == 0x0141);
	CHECK((mdic(1, 3, 0, 0) & 0xfff0) == 0x0c20);
	CHECK(mdic(2, 2, 0, 0) == -1);		/* no PHY at address 2 */
	CHECK(!(rd(STATUS) & 2));		/* link down until brought up */
	CHECK(!(mdic(1, 1, 0, 0) & 0x0004));
	/* Linux: autoneg restart; the reset and restart bits self-clear */
	CHECK(mdic(1, 0, 1, 0x9340) == 0x9340);
	CHECK(mdic(1, 0, 0, 0) == 0x1140);
	CHECK((mdic(1, 1, 0, 0) & 0x0024) == 0x0024);	/* link, autoneg complete */
	CHECK(mdic(1, 0x11, 0, 0) == 0xac00);		/* 1000 full, resolved, link */
	CHECK((rd(STATUS) & 0xc3) == 0x83);		/* FD, LU, 1000 */
	CHECK(rd(ICR) & 0x4);				/* LSC, once */
	mdic(1, 0, 1, 0x1340);
	CHECK(!(rd(ICR) & 0x4));
	mdic(1, 0x10, 1, 0x0068);			/* a writable one */
	CHECK(mdic(1, 0x10, 0, 0) == 0x0068);
	mdic(1, 2, 1, 0x1234);				/* read-only */
	CHECK(mdic(1, 2, 0, 0) == 0x0141);
	/* completion interrupt */
	wr(IMS, 1u << 9);
	wr(MDIC, 2u << 16 | 1u << 21 | 2u << 26 | 1u << 29);
	CHECK(intx());
	CHECK(rd(ICR) == 1u << 9 && !intx());
}

static void test_interrupts(void)
{
	setup();
	CHECK(rd(ICR) == 0 && !intx());
	wr(ICS, 0x80);
	CHECK(!intx());			/* masked */
	wr(IMS, 0x80 | 0x1);
	CHECK(rd(IMS) == 0x81);
	CHECK(intx() && last_pci_irq() == 1);
	wr(IMC, 0x80);
	CHECK(rd(IMS) == 0x01 && !intx() && last_pci_irq() == 0);
	wr(IMS, 0x80);
	CHECK(intx());
	CHECK(rd(ICR) == 0x80);		/* read clears */
	CHECK(!intx() && last_pci_irq() == 0);
	CHECK(rd(ICR) == 0);
	wr(ICS, 0x81);
	wr(ICR, 0x80);			/* write-one-to-clear */
	CHECK(rd(ICR) == 0x01);
	/* INTx disable in the command register hides the line */
	wr(ICS, 0x80);
	CHECK(last_pci_irq() == 1);
	cfg_wr(0x04, 2, 0x0407);
	CHECK(last_pci_irq() == 0);
	cfg_wr(0x04, 2, 0x0007);
	CHECK(last_pci_irq() == 1);
	rd(ICR);
	CHECK(last_pci_irq() == 0);
}

/* ---- rings ------------------------------------------------------------------------------ */

static void ram_put64(uint64_t a, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		fake.ram[a + i] = (uint8_t)(v >> (8 * i));
}

static void tx_setup(void)
{
	wr(CTRL, rd(CTRL) | 0x40);	/* SLU */
	rd(ICR);			/* its LSC */
	wr(TDBAL, TXR);
	wr(TDBAH, 0);
	wr(TDLEN, NTX * 16);
	wr(TDH, 0);
	wr(TDT, 0);
	wr(TCTL, 0x2 | 0x8);		/* EN, PSP */
}

static void rx_setup(uint32_t rctl)
{
	wr(CTRL, rd(CTRL) | 0x40);
	rd(ICR);
	for (unsigned i = 0; i < NRX; i++) {
		memset(fake.ram + RXR + 16 * i, 0, 16);
		ram_put64(RXR + 16 * i, RXBUF + 2048 * i);
	}
	wr(RDBAL, RXR);
	wr(RDBAH, 0);
	wr(RDLEN, NRX * 16);
	wr(RDH, 0);
	wr(RDT, NRX - 1);
	wr(RCTL, rctl | 0x2);
	rx_readies = 0;			/* enabling the receiver told the network */
}

static uint8_t *txd(unsigned i) { return fake.ram + TXR + 16 * i; }
static uint8_t *rxd(unsigned i) { return fake.ram + RXR + 16 * i; }

static void put_legacy(unsigned i, uint32_t addr, uint16_t len, uint8_t cmd, uint8_t cso, uint8_t css)
{
	uint8_t *d = txd(i);

	memset(d, 0, 16);
	ram_put64(TXR + 16 * i, addr);
	d[8] = (uint8_t)len;
	d[9] = (uint8_t)(len >> 8);
	d[10] = cso;
	d[11] = cmd;
	d[13] = css;
}

static void put_ctx(unsigned i, const uint8_t ip[4], const uint8_t tu[4], uint32_t paylen,
		    uint8_t tucmd, uint8_t hdrlen, uint16_t mss)
{
	uint8_t *d = txd(i);

	memset(d, 0, 16);
	memcpy(d, ip, 4);		/* IPCSS, IPCSO, IPCSE */
	memcpy(d + 4, tu, 4);		/* TUCSS, TUCSO, TUCSE */
	d[8] = (uint8_t)paylen;
	d[9] = (uint8_t)(paylen >> 8);
	d[10] = (uint8_t)((paylen >> 16) & 0xf);	/* DTYP 0 */
	d[11] = tucmd | 0x20;		/* DEXT */
	d[12] = 0;
	d[13] = hdrlen;
	d[14] = (uint8_t)mss;
	d[15] = (uint8_t)(mss >> 8);
}

static void put_data(unsigned i, uint32_t addr, uint32_t len, uint8_t dcmd, uint8_t popts)
{
	uint8_t *d = txd(i);

	memset(d, 0, 16);
	ram_put64(TXR + 16 * i, addr);
	d[8] = (uint8_t)len;
	d[9] = (uint8_t)(len >> 8);
	d[10] = (uint8_t)(0x10 | ((len >> 16) & 0xf));	/* DTYP 1 */
	d[11] = dcmd | 0x20;
	d[13] = popts;
}

/* ---- packets and their checksums, computed here ---------------------------------------- */

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i < len; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

/* Ethernet + IPv4 + TCP (or UDP) with payload bytes i & 0xff ^ 0x5a. The
 * IP checksum and length as the caller wants; L4 checksum 0. */
static size_t build_ipv4(uint8_t *f, size_t payload, bool udp)
{
	size_t l4 = udp ? 8 : 20, len = 14 + 20 + l4 + payload;

	memset(f, 0, 14 + 20 + l4);
	memcpy(f, "\x52\x54\x00\xaa\xbb\xcc", 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	f[18] = 0x12;			/* id 0x1234 */
	f[19] = 0x34;
	f[22] = 64;
	f[23] = udp ? 17 : 6;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[34] = 0x30, f[35] = 0x39;	/* ports 12345 -> 80 */
	f[37] = 80;
	if (udp) {
		f[38] = (uint8_t)((8 + payload) >> 8);
		f[39] = (uint8_t)(8 + payload);
	} else {
		memcpy(f + 38, "\x11\x22\x33\x44", 4);	/* seq */
		f[46] = 0x50;		/* data offset 5 */
		f[47] = 0x10 | 0x08 | 0x01;	/* ACK PSH FIN */
		f[48] = 0x10;
	}
	for (size_t i = 0; i < payload; i++)
		f[14 + 20 + l4 + i] = (uint8_t)(i ^ 0x5a);
	return len;
}

/* The pseudo-header sum (RFC 793/768) without the length, as drivers leave it. */
static uint32_t pseudo(const uint8_t *f)
{
	return sum16(f + 26, 8, f[23]);
}

static bool ip_ok(const uint8_t *f)
{
	return fold(sum16(f + 14, 20, 0)) == 0xffff;
}

static bool l4_ok(const uint8_t *f, size_t len)
{
	return fold(sum16(f + 34, len - 34, pseudo(f) + (uint32_t)(len - 34))) == 0xffff;
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffff;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int b = 0; b < 8; b++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

/* ---- transmit ----------------------------------------------------------------------------- */

static void test_tx_legacy(void)
{
	uint8_t f[100];

	setup();
	tx_setup();
	for (unsigned i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7 + 1);
	memcpy(fake.ram + TXBUF, f, 60);
	memcpy(fake.ram + TXBUF + 0x1000, f + 60, 40);
	put_legacy(0, TXBUF, 60, 0x02, 0, 0);			/* IFCS, no RS */
	put_legacy(1, TXBUF + 0x1000, 40, 0x01 | 0x02 | 0x08, 0, 0);	/* EOP RS */
	wr(IMS, 0x3);
	wr(TDT, 1);			/* the EOP descriptor not yet given */
	CHECK(ntx == 0 && rd(TDH) == 0);
	wr(TDT, 2);
	CHECK(ntx == 1 && txlen[0] == 100 && !memcmp(txf[0], f, 100));
	CHECK(rd(TDH) == 2);
	CHECK(txd(0)[12] == 0 && txd(1)[12] == 1);		/* DD only with RS */
	CHECK(txd(1)[8] == 40 && txd(1)[11] == 0x0b);		/* the rest untouched */
	CHECK(intx());
	CHECK(rd(ICR) == 0x3);					/* TXDW, TXQE */
	/* legacy IC: sum from CSS to the end stored at CSO */
	memset(fake.ram + TXBUF, 0, 64);
	for (unsigned i = 20; i < 64; i++)
		fake.ram[TXBUF + i] = (uint8_t)(i * 3);
	fake.ram[TXBUF + 30] = fake.ram[TXBUF + 31] = 0;
	put_legacy(2, TXBUF, 64, 0x01 | 0x04 | 0x08, 30, 20);
	wr(TDT, 3);
	CHECK(ntx == 2 && txlen[1] == 64);
	CHECK(fold(sum16(txf[1] + 20, 44, 0)) == 0xffff && be16(txf[1] + 30) != 0);
	/* statistics: clear on read */
	CHECK(rd(GPTC) == 2 && rd(TPT) == 2 && rd(GOTCL) == 100 + 4 + 64 + 4);
	CHECK(rd(GPTC) == 0 && rd(GOTCL) == 0);
	/* transmitter off: nothing moves */
	wr(TCTL, 0);
	put_legacy(3, TXBUF, 60, 0x09, 0, 0);
	wr(TDT, 4);
	CHECK(ntx == 2 && rd(TDH) == 3);
	wr(TCTL, 0x2);
	CHECK(ntx == 3 && rd(TDH) == 4);
}

static void test_tx_csum(void)
{
	static const uint8_t ip[4] = { 14, 24, 33, 0 }, tcp[4] = { 34, 50, 0, 0 },
			     udp[4] = { 34, 40, 0, 0 };
	uint8_t f[400];
	size_t len = build_ipv4(f, 300, false);
	uint32_t ps;

	setup();
	tx_setup();
	/* as Linux: TCP checksum field = pseudo-header sum with the length */
	ps = pseudo(f) + (uint32_t)(len - 34);
	f[50] = (uint8_t)(fold(ps) >> 8);
	f[51] = (uint8_t)fold(ps);
	memcpy(fake.ram + TXBUF, f, len);
	put_ctx(0, ip, tcp, 0, 0x01 | 0x02, 0, 0);	/* TCP, IPv4 */
	put_data(1, TXBUF, 40, 0x02, 0x01 | 0x02);	/* IXSM TXSM */
	put_data(2, TXBUF + 40, (uint32_t)len - 40, 0x01 | 0x02 | 0x08, 0);
	wr(TDT, 3);
	CHECK(ntx == 1 && txlen[0] == len);
	CHECK(ip_ok(txf[0]) && be16(txf[0] + 24) != 0);
	CHECK(l4_ok(txf[0], len));
	CHECK(!memcmp(txf[0] + 54, f + 54, len - 54));	/* payload as given */
	CHECK(rd(TDH) == 3 && txd(2)[12] == 1);
	/* UDP, TXSM only; the context stays until replaced */
	len = build_ipv4(f, 101, true);
	ps = pseudo(f) + (uint32_t)(len - 34);
	f[40] = (uint8_t)(fold(ps) >> 8);
	f[41] = (uint8_t)fold(ps);
	ps = (uint16_t)~fold(sum16(f + 14, 20, 0));
	f[24] = (uint8_t)(ps >> 8);
	f[25] = (uint8_t)ps;
	CHECK(ip_ok(f));
	memcpy(fake.ram + TXBUF, f, len);
	put_ctx(3, ip, udp, 0, 0x02, 0, 0);
	put_data(4, TXBUF, (uint32_t)len, 0x01 | 0x08, 0x02);
	wr(TDT, 5);
	CHECK(ntx == 2 && txlen[1] == len && l4_ok(txf[1], len));
	CHECK(!memcmp(txf[1] + 14, f + 14, 20));	/* IP header left alone */
}

/* Linux's e1000_tso: tot_len 0, IP checksum 0, TCP checksum the pseudo
 * sum without length; a context, then header and payload in 3 buffers. */
static unsigned queue_tso(unsigned i, uint8_t *f, size_t payload, uint16_t mss)
{
	static const uint8_t ip[4] = { 14, 24, 33, 0 }, tcp[4] = { 34, 50, 0, 0 };
	size_t len = build_ipv4(f, payload, false);
	uint16_t ps = fold(pseudo(f));

	f[16] = f[17] = 0;
	f[50] = (uint8_t)(ps >> 8);
	f[51] = (uint8_t)ps;
	memcpy(fake.ram + TXBUF, f, len);
	put_ctx(i, ip, tcp, (uint32_t)payload, 0x01 | 0x02 | 0x04, 54, mss);
	put_data(i + 1, TXBUF, 54, 0x02 | 0x04, 0x03);
	put_data(i + 2, TXBUF + 54, 1200, 0x02 | 0x04, 0x03);
	put_data(i + 3, TXBUF + 54 + 1200, (uint32_t)(len - 54 - 1200), 0x01 | 0x02 | 0x04 | 0x08, 0x03);
	return i + 4;
}

static void check_tso_segment(unsigned k, const uint8_t *f, size_t payload, uint16_t mss)
{
	const uint8_t *s = txf[k];
	size_t off = k * mss, seg = payload - off < mss ? payload - off : mss;
	bool last = off + seg == payload;

	CHECK(txlen[k] == 54 + seg);
	CHECK(be16(s + 16) == 40 + seg);		/* IPv4 total length */
	CHECK(be16(s + 18) == 0x1234 + k);		/* identification */
	CHECK(ip_ok(s));
	CHECK(be32(s + 38) == 0x11223344u + off);	/* sequence number */
	CHECK(s[47] == (last ? 0x19 : 0x10));		/* FIN, PSH only on the last */
	CHECK(l4_ok(s, txlen[k]));
	CHECK(!memcmp(s + 54, f + 54 + off, seg));
	CHECK(!memcmp(s, f, 14));
}

static void test_tx_tso(void)
{
	static uint8_t f[4096];
	unsigned next, start;

	setup();
	tx_setup();
	next = queue_tso(0, f, 2500, 1000);
	wr(TDT, next);
	CHECK(ntx == 3);
	for (unsigned k = 0; k < 3; k++)
		check_tso_segment(k, f, 2500, 1000);
	CHECK(rd(TDH) == next && txd(next - 1)[12] == 1 && txd(1)[12] == 0);
	CHECK(rd(0x40f8) == 1);				/* TSCTC */
	/* refused after one segment: TDH stays, the rest follows on resume */
	ntx = 0;
	tx_accept = 1;
	start = next;
	next = queue_tso(start, f, 2500, 1000);
	put_legacy(next, TXBUF + 0x4000, 60, 0x0b, 0, 0);	/* a packet behind it */
	wr(TDT, next + 1);
	CHECK(ntx == 1 && tx_refused == 1);
	CHECK(rd(TDH) == start + 1 && txd(next - 1)[12] == 0);	/* past the context only */
	wr(TDT, next + 1);				/* kicks while blocked do nothing */
	CHECK(tx_refused == 1 && ntx == 1);
	tx_accept = ~0u;
	dm_e1000_tx_resume(nic);
	CHECK(ntx == 4);
	for (unsigned k = 0; k < 3; k++)
		check_tso_segment(k, f, 2500, 1000);
	CHECK(txlen[3] == 60 && rd(TDH) == next + 1 && txd(next - 1)[12] == 1);
	/* MSS over the frame limit: dropped, logged, ring moves on */
	ntx = 0;
	next = queue_tso(next + 1, f, 2500, 1500);
	wr(TDT, next);
	CHECK(ntx == 0 && rd(TDH) == next && strstr(lastlog, "TSO"));
}

/* IPv6 TSO as Linux queues it: payload length 0, the pseudo sum without
 * length, no IPv4 bit, TXSM only; header and payload in one buffer. */
static void test_tx_tso6(void)
{
	static const uint8_t ip[4] = { 14, 0, 0, 0 }, tcp[4] = { 54, 70, 0, 0 };
	static uint8_t f[2200];
	size_t payload = 2100, len = 74 + payload;
	uint16_t ps;

	setup();
	tx_setup();
	memset(f, 0, 74);
	memcpy(f, "\x33\x33\x00\x00\x00\x01", 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	f[14] = 0x60;
	f[20] = 6, f[21] = 64;			/* next header TCP, hop limit */
	for (unsigned i = 0; i < 32; i++)
		f[22 + i] = (uint8_t)(0x20 + i);	/* source, destination */
	f[54] = 0x04, f[55] = 0xd2, f[57] = 80;
	memcpy(f + 58, "\xaa\xbb\xcc\xdd", 4);
	f[66] = 0x50, f[67] = 0x18;		/* ACK PSH */
	for (size_t i = 0; i < payload; i++)
		f[74 + i] = (uint8_t)(i * 13);
	ps = fold(sum16(f + 22, 32, 6));
	f[70] = (uint8_t)(ps >> 8), f[71] = (uint8_t)ps;
	memcpy(fake.ram + TXBUF, f, len);
	put_ctx(0, ip, tcp, (uint32_t)payload, 0x01 | 0x04, 74, 1400);
	put_data(1, TXBUF, (uint32_t)len, 0x01 | 0x02 | 0x04 | 0x08, 0x02);
	wr(TDT, 2);
	CHECK(ntx == 2 && txlen[0] == 74 + 1400 && txlen[1] == 74 + 700);
	for (unsigned k = 0; k < 2; k++) {
		const uint8_t *s = txf[k];
		size_t seg = k ? 700 : 1400;

		CHECK(be16(s + 18) == 20 + seg);		/* IPv6 payload length */
		CHECK(be32(s + 58) == 0xaabbccddu + 1400 * k);
		CHECK(s[67] == (k ? 0x18 : 0x10));
		CHECK(fold(sum16(s + 54, 20 + seg, sum16(s + 22, 32, 6) + (uint32_t)(20 + seg))) == 0xffff);
		CHECK(!memcmp(s + 74, f + 74 + 1400 * k, seg));
	}
}

/* CTRL.VME with a descriptor's VLE: the tag from VET and the special field. */
static void test_tx_vlan(void)
{
	uint8_t f[64];

	setup();
	tx_setup();
	for (unsigned i = 0; i < 64; i++)
		f[i] = (uint8_t)i;
	memcpy(fake.ram + TXBUF, f, 64);
	put_legacy(0, TXBUF, 64, 0x01 | 0x08 | 0x40, 0, 0);
	txd(0)[14] = 0x23, txd(0)[15] = 0x01;
	wr(TDT, 1);
	CHECK(ntx == 1 && txlen[0] == 64);		/* VME off: no tag */
	wr(CTRL, rd(CTRL) | 1u << 30);
	put_legacy(1, TXBUF, 64, 0x01 | 0x08 | 0x40, 0, 0);
	txd(1)[14] = 0x23, txd(1)[15] = 0x01;
	wr(TDT, 2);
	CHECK(ntx == 2 && txlen[1] == 68);
	CHECK(!memcmp(txf[1], f, 12) && !memcmp(txf[1] + 12, "\x81\x00\x01\x23", 4));
	CHECK(!memcmp(txf[1] + 16, f + 12, 52));
}

static void test_tx_eagain(void)
{
	uint8_t f[3][64];

	setup();
	tx_setup();
	for (unsigned p = 0; p < 3; p++) {
		memset(f[p], 0x10 + p, 64);
		memcpy(fake.ram + TXBUF + 0x100 * p, f[p], 64);
		put_legacy(p, TXBUF + 0x100 * p, 64, 0x0b, 0, 0);
	}
	tx_accept = 1;
	wr(TDT, 3);
	CHECK(ntx == 1 && rd(TDH) == 1 && tx_refused == 1);
	CHECK(txd(0)[12] == 1 && txd(1)[12] == 0);
	tx_accept = ~0u;
	dm_e1000_tx_resume(nic);
	CHECK(ntx == 3 && rd(TDH) == 3);
	for (unsigned p = 0; p < 3; p++)
		CHECK(txlen[p] == 64 && !memcmp(txf[p], f[p], 64));
	/* a ring the guest described badly: nothing, logged once */
	fake.log_lines = 0;
	wr(TDLEN, 0);
	wr(TDT, 5);
	wr(TDT, 6);
	CHECK(ntx == 3 && fake.log_lines == 1);
	wr(TDLEN, NTX * 16);
	wr(TDH, 40);
	wr(TDT, 7);
	CHECK(ntx == 3 && fake.log_lines == 1);
}

/* ---- receive --------------------------------------------------------------------------------- */

static size_t rx_frame(uint8_t *f, const uint8_t *dst, size_t len)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = 0x08;
	f[13] = 0x06;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(i + 3);
	return len;
}

static void test_rx_filter(void)
{
	static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0x99, 0x99, 0x99 },
			     bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
			     mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	uint8_t f[1600], pad[64];
	unsigned h;

	setup();
	rx_frame(f, mac, 42);
	CHECK(dm_e1000_rx(nic, f, 42) == 0);		/* receiver off */
	rx_setup(0);
	wr(IMS, 0x80);
	CHECK(dm_e1000_rx(nic, f, 42) == 1);
	CHECK(rd(RDH) == 1);
	CHECK(rxd(0)[8] == 64 && rxd(0)[9] == 0);	/* padded to 60 + FCS */
	CHECK(rxd(0)[12] == (0x01 | 0x02 | 0x04) && rxd(0)[13] == 0);
	memcpy(pad, f, 42);
	memset(pad + 42, 0, 18);
	CHECK(!memcmp(fake.ram + RXBUF, pad, 60));
	uint32_t fcs = crc32_bitwise(pad, 60);
	CHECK(fake.ram[RXBUF + 60] == (uint8_t)fcs && fake.ram[RXBUF + 63] == (uint8_t)(fcs >> 24));
	CHECK(intx() && rd(ICR) & 0x80 && !intx());
	CHECK(rd(GPRC) == 1 && rd(TPR) == 1 && rd(GORCL) == 64 && rd(GPRC) == 0);
	/* other unicast: only promiscuous */
	rx_frame(f, other, 100);
	CHECK(dm_e1000_rx(nic, f, 100) == 0 && rd(RDH) == 1);
	wr(RCTL, rd(RCTL) | 0x8);			/* UPE */
	CHECK(dm_e1000_rx(nic, f, 100) == 1);
	wr(RCTL, rd(RCTL) & ~0x8u);
	/* a second receive address */
	wr(RAL0 + 8, 0x99005452);
	wr(RAH0 + 8, 0x9999);
	CHECK(dm_e1000_rx(nic, f, 100) == 0);		/* not valid yet */
	wr(RAH0 + 8, 0x80009999);
	CHECK(dm_e1000_rx(nic, f, 100) == 1);
	/* broadcast with BAM */
	rx_frame(f, bcast, 60);
	CHECK(dm_e1000_rx(nic, f, 60) == 0);
	wr(RCTL, rd(RCTL) | 0x8000);
	CHECK(dm_e1000_rx(nic, f, 60) == 1);
	/* multicast by the MTA hash (MO 00: address bits 47:36) */
	rx_frame(f, mcast, 60);
	CHECK(dm_e1000_rx(nic, f, 60) == 0);
	h = ((mcast[4] >> 4) | mcast[5] << 4) & 0xfff;
	wr(MTA + 4 * (h >> 5), 1u << (h & 31));
	h = rd(RDH);
	CHECK(dm_e1000_rx(nic, f, 60) == 1 && rd(RDH) == (h + 1) % NRX);
	wr(RCTL, rd(RCTL) | 3u << 12);			/* MO 11: other bits */
	CHECK(dm_e1000_rx(nic, f, 60) == 0);
	wr(RCTL, rd(RCTL) | 0x10);			/* MPE */
	CHECK(dm_e1000_rx(nic, f, 60) == 1);
	/* too long, too short */
	CHECK(dm_e1000_rx(nic, f, DM_E1000_FRAME_MAX + 1) == 0);
	CHECK(dm_e1000_rx(nic, f, 13) == 0);
	/* SECRC: no FCS */
	rx_frame(f, mac, 200);
	wr(RCTL, rd(RCTL) | 1u << 26);
	h = rd(RDH);
	CHECK(dm_e1000_rx(nic, f, 200) == 1);
	CHECK(rxd(h)[8] == 200 && !memcmp(fake.ram + RXBUF + 2048 * h, f, 200));
}

static void test_rx_ring(void)
{
	uint8_t f[1600];

	setup();
	rx_setup(1u << 16);				/* BSIZE 01: 1024 bytes */
	rx_frame(f, mac, 1500);
	CHECK(dm_e1000_rx(nic, f, 1500) == 1);
	CHECK(rd(RDH) == 2);
	CHECK(rxd(0)[8] == 0x00 && rxd(0)[9] == 0x04 && rxd(0)[12] == 0x05);	/* 1024, no EOP */
	CHECK((rxd(1)[8] | rxd(1)[9] << 8) == 1504 - 1024 && rxd(1)[12] == 0x07);
	CHECK(!memcmp(fake.ram + RXBUF, f, 1024));
	CHECK(!memcmp(fake.ram + RXBUF + 2048, f + 1024, 1500 - 1024));
	CHECK(crc32_bitwise(f, 1500) == (fake.ram[RXBUF + 2048 + 476] |
		fake.ram[RXBUF + 2048 + 477] << 8 | fake.ram[RXBUF + 2048 + 478] << 16 |
		(uint32_t)fake.ram[RXBUF + 2048 + 479] << 24));
	/* RDT 7: descriptors 2..6 free; two frames, then one left */
	CHECK(dm_e1000_rx(nic, f, 1500) == 1 && dm_e1000_rx(nic, f, 1500) == 1);
	CHECK(rd(RDH) == 6);
	CHECK(rd(ICR) & 0x10);				/* RXDMT0: 1 of 8 left */
	CHECK(dm_e1000_rx(nic, f, 1500) == -DM_E1000_EAGAIN);
	CHECK(dm_e1000_rx(nic, f, 1500) == -DM_E1000_EAGAIN);
	CHECK(rd(RNBC) == 1 && (rd(ICR) & 0x40));	/* counted once per stall */
	CHECK(dm_e1000_rx(nic, f, 60) == 1);		/* a short one still fits */
	CHECK(rd(RDH) == 7);
	CHECK(dm_e1000_rx(nic, f, 60) == -DM_E1000_EAGAIN);
	CHECK(rx_readies == 0);
	wr(RDT, 3);					/* the guest cleaned 7, 0, 1, 2 */
	CHECK(rx_readies == 1);
	CHECK(dm_e1000_rx(nic, f, 1500) == 1 && rd(RDH) == 1);
	/* receiver disabled: dropped, enabling tells the network */
	wr(RCTL, rd(RCTL) & ~0x2u);
	CHECK(dm_e1000_rx(nic, f, 60) == 0);
	wr(RDT, 4);
	CHECK(rx_readies == 1);
	wr(RCTL, rd(RCTL) | 0x2);
	CHECK(rx_readies == 2);
	/* not a bus master: no DMA */
	cfg_wr(0x04, 2, 0x0003);
	CHECK(dm_e1000_rx(nic, f, 60) == 0);
	cfg_wr(0x04, 2, 0x0007);
	/* a buffer outside RAM: dropped, logged once */
	fake.log_lines = 0;
	ram_put64(RXR + 16 * 1, 0xfff00000);
	CHECK(dm_e1000_rx(nic, f, 60) == 0 && dm_e1000_rx(nic, f, 60) == 0);
	CHECK(fake.log_lines == 1 && rd(RDH) == 1);
}

/* ---- reset, unplug ---------------------------------------------------------------------------- */

static void test_reset(void)
{
	setup();
	rx_setup(0x8000);
	tx_setup();
	wr(IMS, 0xff);
	wr(RAL0, 0x11111111);
	wr(RAH0, 0x2222);
	wr(ICS, 0x80);
	CHECK(intx() && (rd(STATUS) & 2));
	rd(ICR);
	wr(ICS, 0x80);
	wr(CTRL, rd(CTRL) | (1u << 26));
	CHECK(!(rd(CTRL) & (1u << 26)));
	CHECK(!intx() && rd(IMS) == 0 && rd(ICR) == 0);
	CHECK(rd(RCTL) == 0 && rd(TCTL) == 0 && rd(RDLEN) == 0 && rd(TDT) == 0);
	CHECK(rd(RAL0) == 0x12005452 && rd(RAH0) == 0x80005634);
	CHECK(!(rd(STATUS) & 2));			/* link down until SLU */
	wr(CTRL, 0x40);
	CHECK((rd(STATUS) & 2) && rd(ICR) == 0x4);	/* LSC */
	wr(CTRL, 0x40);
	CHECK(rd(ICR) == 0);
	/* PHY_RST restores the PHY's registers */
	mdic(1, 0x10, 1, 0x0168);
	wr(CTRL, 0x40 | 1u << 31);
	wr(CTRL, 0x40);
	CHECK(mdic(1, 0x10, 0, 0) == 0x0060);
}

static void test_unplug(void)
{
	uint8_t f[64];

	setup();
	rx_setup(0);
	wr(IMS, 0x80);
	wr(ICS, 0x80);
	CHECK(last_pci_irq() == 1);
	dm_e1000_unplug(nic);
	CHECK(last_pci_irq() == 0);
	CHECK(cfg_rd(0x00, 4) == 0xffffffff && cfg_rd(0x10, 4) == 0xffffffff);
	CHECK(rd(STATUS) == 0xffffffff);		/* BAR0 gone */
	CHECK(dm_bus_read(bus, DM_PIO, IOB, 4) == 0xffffffff);
	rx_frame(f, mac, 64);
	CHECK(dm_e1000_rx(nic, f, 64) == 0);
	dm_e1000_tx_resume(nic);
	CHECK(ntx == 0);
	dm_e1000_unplug(nic);				/* twice is harmless */
	/* the slot is free again */
	nic = dm_e1000_init(&env, bus, DEV, mac, &ops, &ntx);
	CHECK(nic && nnics < 32);
	nics[nnics++] = nic;
	CHECK(cfg_rd(0x00, 4) == 0x100e8086);
}

/* ---- fuzz ---------------------------------------------------------------------------------------- */

static const unsigned hot[] = {
	CTRL, STATUS, EECD, EERD, MDIC, ICR, ICS, IMS, IMC, RCTL, TCTL, RDBAL, RDBAH, RDLEN,
	RDH, RDT, TDBAL, TDBAH, TDLEN, TDH, TDT, 0x4000, 0x40fc, MTA, RAL0, RAH0, 0x1fffc,
};

static void fuzz_access(uint64_t *seed)
{
	uint64_t r = fake_rnd(seed), v = fake_rnd(seed);
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	unsigned size = sizes[r & 3], off;

	if ((r >> 2) & 1)
		off = hot[(r >> 3) % (sizeof(hot) / sizeof(hot[0]))] + (unsigned)((r >> 8) & 7);
	else
		off = (unsigned)((r >> 8) % 0x20000);
	if (off + size > 0x20000)
		off = 0x20000 - size;
	/* keep rings mostly small so a kick stays short, but not always */
	if ((off & ~3u) == TDLEN || (off & ~3u) == RDLEN)
		v &= (r >> 40) & 1 ? 0xfffff : 0x7ff;
	if ((off & ~3u) == TDBAL || (off & ~3u) == RDBAL)
		v &= (r >> 40) & 1 ? ~0ull : 0x3fffff;
	if ((off & ~3u) == CTRL && (r >> 41) & 15)
		v &= ~(1ull << 26);
	if ((r >> 5) & 1) {
		if ((r >> 42) & 1)
			dm_bus_write(bus, DM_MMIO, BAR0 + off, size, v);
		else
			(void)dm_bus_read(bus, DM_MMIO, BAR0 + off, size);
	} else {
		unsigned io = (unsigned)((r >> 43) % 64), s = sizes[(r >> 50) % 3];

		if (io + s > 64)
			io = 64 - s;
		if ((r >> 44) & 1)
			dm_bus_write(bus, DM_PIO, IOB + io, s, (r >> 45) & 1 ? off : v);
		else
			(void)dm_bus_read(bus, DM_PIO, IOB + io, s);
	}
}

/* A plausible descriptor at a random slot of the transmit ring: any type,
 * random commands, lengths mostly modest, buffers mostly in RAM. */
static void fuzz_desc(uint64_t *seed)
{
	uint64_t r = fake_rnd(seed), q = fake_rnd(seed);
	unsigned i = (unsigned)(r % NTX);
	uint32_t addr = (uint32_t)((r >> 8) % FAKE_RAM_SIZE);
	uint32_t len = (uint32_t)((q >> 40) & 7 ? q % 1600 : q % 0x100000);
	uint8_t ip[4] = { (uint8_t)(q >> 8), (uint8_t)(q >> 16), (uint8_t)(q >> 24), 0 };
	uint8_t tu[4] = { (uint8_t)(q >> 32), (uint8_t)(q >> 40), (uint8_t)(q >> 48), 0 };

	if (!((r >> 30) & 15))
		addr = 0xfff00000u | (uint32_t)(r & 0xfffff);	/* outside RAM */
	switch ((r >> 34) & 3) {
	case 0:
		put_legacy(i, addr, (uint16_t)len, (uint8_t)(q >> 56) & ~0x20,
			   (uint8_t)q, (uint8_t)(q >> 8));
		break;
	case 1:
		if ((r >> 36) & 1) {		/* a sane TSO context */
			ip[0] = 14, ip[1] = 24, ip[2] = 33;
			tu[0] = 34, tu[1] = 50, tu[2] = 0;
		}
		put_ctx(i, ip, tu, len, (uint8_t)(q >> 56) | 0x04,
			(uint8_t)((r >> 37) & 1 ? 54 : r >> 40),
			(uint16_t)((r >> 48) & 1 ? 64 + (r >> 50) % 1400 : r >> 50));
		break;
	default:
		put_data(i, addr, len, (uint8_t)(q >> 56) & ~0x20, (uint8_t)(r >> 40));
	}
	if ((r >> 38) & 1)
		txd(i)[10] = (uint8_t)(r >> 44);	/* any descriptor type */
}

static unsigned fuzz_rx_ok;

static void fuzz_rx(uint64_t r, uint64_t *seed)
{
	static uint8_t f[DM_E1000_FRAME_MAX];
	size_t len = (size_t)((r >> 8) % (DM_E1000_FRAME_MAX + 1));

	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)fake_rnd(seed);
	if (len >= 6 && (r >> 30) & 1)
		memcpy(f, mac, 6);
	fuzz_rx_ok += dm_e1000_rx(nic, f, len) == 1;
}

static void test_fuzz(void)
{
	uint64_t seed = 0x5eed0e1000ull;

	setup();
	fake.quiet = true;
	for (unsigned it = 0; it < 200000; it++) {
		uint64_t r = fake_rnd(&seed);

		if (it % 512 == 0) {		/* a driver (re)starting */
			rx_setup((uint32_t)(r >> 8) & (0x8000 | 0x18 | 3u << 12 | 3u << 16 |
						       1u << 25 | 1u << 26 | 3u << 8));
			tx_setup();
			wr(IMS, (uint32_t)(r >> 40));
		}
		switch (r % 10) {
		case 0: {			/* scribble on descriptors and buffers */
			uint64_t a = (r >> 8) % (FAKE_RAM_SIZE - 8);

			if ((r >> 40) & 1)
				a = ((r >> 8) & 1 ? TXR : RXR) + ((r >> 9) % 512);
			ram_put64(a, fake_rnd(&seed));
			break;
		}
		case 1: case 2:
			fuzz_rx(r, &seed);
			break;
		case 3:
			tx_accept = (r >> 8) & 3 ? ~0u : (unsigned)((r >> 10) & 3);
			dm_e1000_tx_resume(nic);
			break;
		case 4: case 5:
			fuzz_desc(&seed);
			break;
		case 6:
			wr(TDT, (uint32_t)((r >> 8) % (NTX + 2)));
			break;
		case 7:
			wr(RDT, (uint32_t)((r >> 8) % (NRX + 1)));
			break;
		default:
			fuzz_access(&seed);
		}
	}
	fake.quiet = false;
	printf("fuzz: %u frames sent (%u refusals), %u received\n", ntx, tx_refused, fuzz_rx_ok);
	CHECK(ntx > 1000 && fuzz_rx_ok > 1000);
	CHECK(cfg_rd(0x00, 4) == 0x100e8086);
}

int main(void)
{
	test_pci();
	test_eeprom();
	test_phy();
	test_interrupts();
	test_tx_legacy();
	test_tx_csum();
	test_tx_tso();
	test_tx_tso6();
	test_tx_vlan();
	test_tx_eagain();
	test_rx_filter();
	test_rx_ring();
	test_reset();
	test_unplug();
	test_fuzz();
	CHECK_DONE("dm_e1000");
	return 0;
}

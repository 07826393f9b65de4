/* rtl8139.c, rtl8139_rxtx.c: the RTL8139 as Linux's 8139too and FreeBSD's
 * rl(4) see it. The test drives it as they do (EEPROM through 9346CR,
 * chip reset, RBSTART, RCR/TCR, IMR, CR RE|TE, TSAD then TSD, CAPR 16
 * behind the read offset), through the I/O BAR or the memory BAR; frames
 * leave through ops->tx into a log and enter through dm_rtl8139_rx. CRCs
 * and the multicast hash are computed here independently of the model. */
#include <stdarg.h>

#include "check.h"
#include "fakes.h"
#include "fake_net.h"
#include "pci_cfg.h"
#include "rtl8139.h"

#define DEV 0x18		/* 00:03.0 */
#define IOB 0xc100u
#define MMIO 0xfebf1000u
#define RING 0x100000u		/* receive ring buffer */
#define TXB 0x200000u		/* four transmit buffers, 2 KiB apart */

/* Registers (RTL8139C(L) datasheet), spelled out here rather than taken from the model. */
enum {
	IDR0 = 0x00, MAR0 = 0x08, TSD0 = 0x10, TSAD0 = 0x20, RBSTART = 0x30, CR = 0x37,
	CAPR = 0x38, CBR = 0x3a, IMR = 0x3c, ISR = 0x3e, TCR = 0x40, RCR = 0x44, TCTR = 0x48,
	MPC = 0x4c, CFG9346 = 0x50, CONFIG1 = 0x52, TIMERINT = 0x54, MSR = 0x58, CONFIG3 = 0x59,
	RERID = 0x5e, TSAD = 0x60, BMCR = 0x62, BMSR = 0x64, ANAR = 0x66, ANLPAR = 0x68,
};
enum { CR_BUFE = 1, CR_TE = 4, CR_RE = 8, CR_RST = 0x10 };
enum { ROK = 1, TOK = 4, TER = 8, RXOVW = 0x10, TIMEOUT = 0x4000 };
enum { AAP = 1, APM = 2, AM = 4, AB = 8, WRAP = 0x80 };
#define OWN (1u << 13)
#define TSD_TOK (1u << 15)
#define TABT (1u << 30)

static struct dm_bus *bus;
static struct dm_env env;
static struct dm_rtl8139 *nic;
static struct dm_rtl8139 *nics[32];	/* every one made, so none leaks */
static unsigned nnics;
static bool use_mmio;
static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

/* ---- the guest side ----------------------------------------------------------------- */

static uint64_t bar(void) { return use_mmio ? MMIO : IOB; }
static enum dm_space space(void) { return use_mmio ? DM_MMIO : DM_PIO; }
static uint32_t rd(unsigned off, unsigned size)
{
	return (uint32_t)dm_bus_read(bus, space(), bar() + off, size);
}
static void wr(unsigned off, unsigned size, uint32_t v) { dm_bus_write(bus, space(), bar() + off, size, v); }
static uint8_t rd8(unsigned off) { return (uint8_t)rd(off, 1); }
static uint16_t rd16(unsigned off) { return (uint16_t)rd(off, 2); }
static uint32_t rd32(unsigned off) { return rd(off, 4); }
static void wr8(unsigned off, uint8_t v) { wr(off, 1, v); }
static void wr16(unsigned off, uint16_t v) { wr(off, 2, v); }
static void wr32(unsigned off, uint32_t v) { wr(off, 4, v); }

static bool intx(void) { return pci_cfg_rd(bus, DEV, 0x06, 2) & 0x08; }

static void setup(void)
{
	env = *fake_reset();
	if (bus)
		dm_bus_free(bus);
	bus = dm_bus_new(&env);
	CHECK(dm_pci_host_init(&env, bus) == 0);
	nic = dm_rtl8139_init(&env, bus, DEV, mac, &ops, &ntx);
	CHECK(nic && nnics < 32);
	nics[nnics++] = nic;
	ntx = tx_refused = rx_readies = 0;
	tx_accept = ~0u;
	pci_cfg_wr(bus, DEV, 0x10, 4, IOB);
	pci_cfg_wr(bus, DEV, 0x14, 4, MMIO);
	pci_cfg_wr(bus, DEV, 0x04, 2, 0x0007);	/* I/O, memory, bus master */
}

/* rtl8139_hw_start: reset, unlock, MAC, RBSTART, RE|TE, RCR, TCR, lock,
 * TSADs, MPC, multicast filter, IMR. */
static void drv_start(uint32_t rcr)
{
	wr8(CR, CR_RST);
	CHECK(!(rd8(CR) & CR_RST));
	wr8(CFG9346, 0xc0);
	wr32(IDR0, (uint32_t)(mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24));
	wr32(IDR0 + 4, (uint32_t)(mac[4] | mac[5] << 8));
	wr32(RBSTART, RING);
	wr8(CR, CR_RE | CR_TE);
	wr32(RCR, rcr);
	wr32(TCR, 0x03000700);
	wr8(CFG9346, 0x00);
	for (unsigned i = 0; i < 4; i++)
		wr32(TSAD0 + 4 * i, TXB + 2048 * i);
	wr32(MPC, 0);
	wr32(MAR0, 0);
	wr32(MAR0 + 4, 0);
	wr16(IMR, 0xe07f);
	CHECK(rd8(CR) == (CR_RE | CR_TE | CR_BUFE));
}

/* ---- independent CRCs ---------------------------------------------------------------- */

static uint32_t crc32_le_bitwise(const uint8_t *p, size_t len)
{
	uint32_t c = ~0u;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (unsigned b = 0; b < 8; b++)
			c = (c >> 1) ^ (c & 1 ? 0xedb88320u : 0);
	}
	return ~c;
}

/* FreeBSD's ether_crc32_be, MSB-first: rl(4) hashes with its top 6 bits. */
static unsigned mc_hash(const uint8_t *a)
{
	uint32_t c = ~0u;

	for (unsigned i = 0; i < 6; i++)
		for (unsigned b = 0, d = a[i]; b < 8; b++, d >>= 1) {
			unsigned carry = (c >> 31) ^ (d & 1);

			c <<= 1;
			if (carry)
				c ^= 0x04c11db7u;
		}
	return c >> 26;
}

/* ---- PCI, EEPROM, PHY, config registers ---------------------------------------------- */

static void test_pci(void)
{
	setup();
	CHECK(pci_cfg_rd(bus, DEV, 0x00, 4) == 0x813910ec);
	CHECK(pci_cfg_rd(bus, DEV, 0x08, 4) == 0x02000010);	/* class, revision 0x10 */
	CHECK(pci_cfg_rd(bus, DEV, 0x2c, 4) == 0x813910ec);	/* subsystem */
	CHECK(pci_cfg_rd(bus, DEV, 0x3d, 1) == 1);		/* INTA */
	pci_cfg_wr(bus, DEV, 0x10, 4, ~0u);
	CHECK(pci_cfg_rd(bus, DEV, 0x10, 4) == 0xffffff01);	/* 256 bytes of I/O */
	pci_cfg_wr(bus, DEV, 0x14, 4, ~0u);
	CHECK(pci_cfg_rd(bus, DEV, 0x14, 4) == 0xffffff00);	/* 256 bytes of memory */
	pci_cfg_wr(bus, DEV, 0x10, 4, IOB);
	pci_cfg_wr(bus, DEV, 0x14, 4, MMIO);
	/* 8139too's chip table: HWVERID 0x74000000 is the RTL-8139C; RERID */
	CHECK((rd32(TCR) & 0x7cc00000) == 0x74000000);
	CHECK(rd8(RERID) == 0x10);
	/* Both BARs are the same registers; reset loaded the MAC into IDR. */
	for (unsigned i = 0; i < 6; i++)
		CHECK(rd8(IDR0 + i) == mac[i]);
	wr32(MAR0, 0x12345678);
	use_mmio = true;
	CHECK(rd32(MAR0) == 0x12345678 && rd16(MAR0 + 1) == 0x3456);
	/* Reserved bytes read 0, bytes past the block ones. */
	CHECK(dm_bus_read(bus, DM_MMIO, MMIO + 0xfc, 8) == 0xffffffff00000000ull);
	use_mmio = false;
}

/* 8139too's read_eeprom: CS, the command MSB first on EEDI clocked by
 * EESK, then 16 bits from EEDO sampled after each rising edge. */
static uint16_t ee_read_linux(unsigned loc, unsigned addr_len)
{
	unsigned cmd = loc | 6u << addr_len;
	uint16_t v = 0;

	wr8(CFG9346, 0x80);
	wr8(CFG9346, 0x88);
	for (int i = 4 + (int)addr_len; i >= 0; i--) {
		uint8_t d = cmd & (1u << i) ? 0x02 : 0;

		wr8(CFG9346, 0x88 | d);
		wr8(CFG9346, 0x88 | d | 0x04);
	}
	wr8(CFG9346, 0x88);
	for (unsigned i = 0; i < 16; i++) {
		wr8(CFG9346, 0x8c);
		v = (uint16_t)(v << 1 | (rd8(CFG9346) & 1));
		wr8(CFG9346, 0x88);
	}
	wr8(CFG9346, 0);
	return v;
}

/* rl(4)'s rl_eeprom_getword: data set, then a full clock pulse per bit. */
static uint16_t ee_read_bsd(unsigned loc, unsigned width)
{
	unsigned d = loc | 6u << width;
	uint16_t v = 0;

	wr8(CFG9346, 0x88);
	for (unsigned i = 1u << (width + 3); i; i >>= 1) {
		uint8_t di = d & i ? 0x02 : 0;

		wr8(CFG9346, 0x88 | di);
		wr8(CFG9346, 0x88 | di | 0x04);
		wr8(CFG9346, 0x88 | di);
	}
	wr8(CFG9346, 0x88);
	for (unsigned i = 0x8000; i; i >>= 1) {
		wr8(CFG9346, 0x8c);
		if (rd8(CFG9346) & 1)
			v |= (uint16_t)i;
		wr8(CFG9346, 0x88);
	}
	wr8(CFG9346, 0);
	return v;
}

static void test_eeprom(void)
{
	setup();
	/* Both drivers probe with 8 address bits for a 93C56 first: a 93C46
	 * answers a shifted word, so they settle on 6. */
	CHECK(ee_read_linux(0, 8) != 0x8129 && ee_read_bsd(0, 8) != 0x8129);
	CHECK(ee_read_linux(0, 6) == 0x8129 && ee_read_bsd(0, 6) == 0x8129);
	CHECK(ee_read_bsd(1, 6) == 0x10ec && ee_read_bsd(2, 6) == 0x8139);
	for (unsigned i = 0; i < 3; i++) {
		uint16_t want = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);

		CHECK(ee_read_linux(7 + i, 6) == want && ee_read_bsd(7 + i, 6) == want);
	}
	/* EEDO shows only in programming mode. */
	wr8(CFG9346, 0x88);
	CHECK((rd8(CFG9346) & 0xc8) == 0x88);
	wr8(CFG9346, 0x08);
	CHECK(rd8(CFG9346) == 0x08);
	/* Auto-load: back to normal mode, IDR reloaded from the EEPROM. */
	wr8(IDR0, 0x00);
	wr8(CFG9346, 0x40);
	CHECK(rd8(CFG9346) == 0 && rd8(IDR0) == mac[0]);
}

static void test_phy_config(void)
{
	setup();
	CHECK((rd16(BMSR) & 0x0024) == 0x0024);		/* link up, autonegotiation complete */
	CHECK((rd16(ANLPAR) & 0x0100) && (rd16(ANAR) & 0x0100));	/* 100 full both ends */
	CHECK(!(rd8(MSR) & 0x18));			/* MSR: link good, 100 Mb/s */
	wr16(BMCR, 0x8000 | 0x1000 | 0x0200);
	CHECK(rd16(BMCR) == 0x1000);			/* reset and restart self-clear */
	/* CONFIG1: writable only unlocked; IOMAP and MEMMAP are read-only. */
	CHECK((rd8(CONFIG1) & 0x0c) == 0x0c);
	wr8(CONFIG1, 0x61);
	CHECK(rd8(CONFIG1) == 0x0c);
	wr8(CFG9346, 0xc0);
	wr8(CONFIG1, 0x61);
	wr8(CONFIG3, 0x20);
	CHECK(rd8(CONFIG1) == 0x6d && rd8(CONFIG3) == 0x20);
	wr8(CFG9346, 0x00);
	/* Byte and straddling accesses see the same registers. */
	wr16(IMR, 0xa005);
	CHECK(rd8(CAPR + 1) == 0xff && rd8(BMSR + 1) == 0x78 && rd8(IMR + 1) == 0xa0);
	CHECK(rd32(CBR) == 0xa0050000 && rd(CAPR + 1, 2) == 0x00ff);
	wr8(IMR + 1, 0x00);
	CHECK(rd16(IMR) == 0x0005);
	/* Reserved and C+-only offsets read 0 and ignore writes. */
	wr32(0xe0, ~0u);
	CHECK(rd32(0xe0) == 0 && rd16(0x06) == 0);
}

static void test_timer(void)
{
	setup();
	wr32(TCTR, 0);
	fake_advance(1000);				/* 1 us of a 33 MHz clock */
	CHECK(rd32(TCTR) == 33);
	wr16(IMR, TIMEOUT);
	wr32(TIMERINT, 330);
	fake_advance(9000);
	CHECK(!(rd16(ISR) & TIMEOUT));
	fake_advance(1100);
	CHECK(rd16(ISR) & TIMEOUT);
	CHECK(intx());
	wr8(ISR + 1, TIMEOUT >> 8);			/* write 1 to clear, high byte alone */
	CHECK(!intx() && !rd16(ISR));
	wr32(TIMERINT, 0);
	fake_advance(1000000000ull);
	CHECK(!rd16(ISR));
}

/* ---- transmit ------------------------------------------------------------------------ */

static void put_frame(uint32_t gpa, size_t len, uint8_t seed)
{
	uint8_t *f = fake.ram + gpa;

	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed + i);
}

static void send(unsigned slot, size_t len, uint8_t seed)
{
	put_frame(TXB + 2048 * slot, len, seed);
	wr32(TSD0 + 4 * slot, (8u << 16) | (uint32_t)len);	/* early threshold, OWN 0 */
}

static void test_tx(void)
{
	setup();
	drv_start(AB | APM);
	for (unsigned k = 0; k < 8; k++) {		/* every slot, twice round */
		unsigned s = k % 4;
		size_t len = 60 + 100 * k;

		send(s, len, (uint8_t)k);
		CHECK(ntx == k + 1 && txlen[k] == len && !memcmp(txf[k], fake.ram + TXB + 2048 * s, len));
		CHECK(rd32(TSD0 + 4 * s) == (OWN | TSD_TOK | 8u << 16 | len));
		CHECK(rd16(ISR) == TOK && intx());
		wr16(ISR, TOK);				/* write 1 to clear */
		CHECK(!rd16(ISR) && !intx());
	}
	CHECK(rd16(TSAD) == 0xf00f);			/* TOK and OWN of all four */
	/* The network is full: the descriptor is held, OWN 0, until resumed. */
	tx_accept = 0;
	send(0, 100, 1);
	send(1, 200, 2);
	CHECK(ntx == 8 && tx_refused == 1);
	CHECK(!(rd32(TSD0) & (OWN | TSD_TOK)) && !(rd16(ISR) & TOK));
	tx_accept = ~0u;
	dm_rtl8139_tx_resume(nic);
	CHECK(ntx == 10 && txlen[8] == 100 && txlen[9] == 200);
	CHECK((rd32(TSD0) & (OWN | TSD_TOK)) == (OWN | TSD_TOK) && (rd32(TSD0 + 4) & TSD_TOK));
	/* TE off: handed over but held until TE. */
	wr16(ISR, 0xffff);
	wr8(CR, CR_RE);
	send(2, 300, 3);
	CHECK(ntx == 10 && !(rd32(TSD0 + 8) & OWN));
	wr8(CR, CR_RE | CR_TE);
	CHECK(ntx == 11 && txlen[10] == 300);
	/* Byte writes: the count first, then OWN 0 in its byte. */
	put_frame(TXB + 2048 * 3, 0x123, 4);
	wr8(TSD0 + 12, 0x23);
	CHECK(ntx == 11);
	wr8(TSD0 + 13, 0x01);
	CHECK(ntx == 12 && txlen[11] == 0x123);
}

static void test_tx_hostile(void)
{
	setup();
	drv_start(AB | APM);
	/* Too long for a frame (the datasheet allows 1792; the network 1522). */
	send(0, 1600, 0);
	CHECK(ntx == 0 && (rd32(TSD0) & (OWN | TABT)) == (OWN | TABT) && rd16(ISR) == TER);
	CHECK(strstr(fake.last_log, "transmit byte count"));
	send(1, 8, 0);
	CHECK(ntx == 0 && (rd32(TSD0 + 4) & TABT));
	/* A buffer outside guest RAM, and one that runs off its end. */
	wr32(TSAD0 + 8, 0xfffff000u);
	wr32(TSD0 + 8, 100);
	CHECK(ntx == 0 && (rd32(TSD0 + 8) & TABT));
	CHECK(strstr(fake.last_log, "transmit buffer outside guest RAM"));
	wr32(TSAD0 + 12, FAKE_RAM_SIZE - 50);
	wr32(TSD0 + 12, 100);
	CHECK(ntx == 0 && (rd32(TSD0 + 12) & TABT) && rd16(TSAD) == 0x00ff);
	/* Writing the count clears the status; the next one goes out. */
	send(0, 64, 9);
	CHECK(ntx == 1 && rd32(TSD0) == (OWN | TSD_TOK | 8u << 16 | 64));
	/* No bus mastering: nothing is read from guest memory. */
	pci_cfg_wr(bus, DEV, 0x04, 2, 0x0003);
	send(1, 64, 9);
	CHECK(ntx == 1 && !(rd32(TSD0 + 4) & OWN));
	pci_cfg_wr(bus, DEV, 0x04, 2, 0x0007);
	wr8(CR, CR_RE | CR_TE);
	CHECK(ntx == 2);
	/* A reset in the middle: pending descriptors are dropped, slot 0 next. */
	tx_accept = 0;
	send(2, 64, 1);
	wr8(CR, CR_RST);
	CHECK(rd32(TSD0 + 8) == OWN && rd8(CR) == CR_BUFE && !rd16(IMR));
	tx_accept = ~0u;
	dm_rtl8139_tx_resume(nic);
	CHECK(ntx == 2);
}

/* ---- receive ------------------------------------------------------------------------- */

static uint32_t cur_rx;		/* the driver's read offset, as 8139too keeps it */

static size_t make_rx(uint8_t *f, const uint8_t *dst, size_t len, uint8_t seed)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed * 7 + i);
	return len;
}

/* Reads the next frame at cur_rx as a driver does (split at the end
 * unless the ring lets frames run on), checks its header, data and CRC
 * against f, and moves CAPR. */
static void drv_take(const uint8_t *f, size_t len, uint32_t ring, bool run_on, uint16_t status)
{
	uint32_t off = cur_rx % ring;
	const uint8_t *h = fake.ram + RING + off;
	size_t plen = (len < 60 ? 60 : len) + 4;
	uint8_t buf[2048];

	CHECK(!(rd8(CR) & CR_BUFE));
	CHECK((h[0] | h[1] << 8) == status && (size_t)(h[2] | h[3] << 8) == plen);
	for (size_t i = 0; i < plen; i++) {
		uint32_t a = off + 4 + (uint32_t)i;

		buf[i] = fake.ram[RING + (run_on ? a : a % ring)];
	}
	CHECK(!memcmp(buf, f, len));
	for (size_t i = len; i < plen - 4; i++)
		CHECK(buf[i] == 0);
	CHECK(crc32_le_bitwise(buf, plen - 4) ==
	      (uint32_t)(buf[plen - 4] | buf[plen - 3] << 8 | buf[plen - 2] << 16 |
			 (uint32_t)buf[plen - 1] << 24));
	cur_rx = (cur_rx + (uint32_t)plen + 4 + 3) & ~3u;
	wr16(CAPR, (uint16_t)(cur_rx - 16));
}

/* Fills the ring of rbl (RCR RBLEN) with full frames until -EAGAIN, then
 * drains it, twice round the ring. */
static void rx_ring_case(unsigned rbl, bool wrap)
{
	uint32_t ring = 8192u << rbl;
	uint8_t f[1600];
	bool run_on = wrap && rbl < 3;
	unsigned got = 0;

	setup();
	drv_start(AB | APM | rbl << 11 | (wrap ? WRAP : 0));
	cur_rx = 0;
	memset(fake.ram + RING, 0xaa, ring + 4096);
	while (got * 1514 < 2 * ring + 4000) {
		unsigned in = 0, readies;
		int rc;

		while ((rc = dm_rtl8139_rx(nic, f, make_rx(f, mac, 1514, (uint8_t)(got + in)))) == 1)
			in++;
		CHECK(rc == -DM_NIC_EAGAIN && in > 0 && in < ring / 1514 + 1);
		/* The full ring raises RXOVW: a driver that took ROK away with
		 * frames still in the ring (8139too past its poll budget) is
		 * called back to them. */
		CHECK((rd16(ISR) & (ROK | RXOVW)) == (ROK | RXOVW));
		CHECK(rd16(CBR) == (uint16_t)((cur_rx + in * 1524) % ring));
		wr16(ISR, ROK | RXOVW);
		for (unsigned k = 0; k < in; k++) {
			readies = rx_readies;
			make_rx(f, mac, 1514, (uint8_t)(got + k));
			drv_take(f, 1514, ring, run_on, 0x4001);
			CHECK(rx_readies == readies + 1);	/* each CAPR write offers again */
		}
		CHECK(rd8(CR) & CR_BUFE);
		got += in;
	}
	/* Without WRAP nothing lands past the ring; with it, at most a frame. */
	for (uint32_t i = run_on ? ring + 1536 : ring; i < ring + 4096; i++)
		CHECK(fake.ram[RING + i] == 0xaa);
}

static void test_rx_ring(void)
{
	uint8_t f[256];

	for (unsigned rbl = 0; rbl < 4; rbl++) {
		rx_ring_case(rbl, false);
		rx_ring_case(rbl, true);
	}
	/* Short frames: padded to 60, CRC included in the length. */
	setup();
	drv_start(AB | APM);
	cur_rx = 0;
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mac, 42, 1)) == 1);
	drv_take(f, 42, 8192, false, 0x4001);
	CHECK(rd16(CAPR) == (uint16_t)(cur_rx - 16) && rd16(CBR) == cur_rx);
	/* A frame that would fill the ring exactly waits: CBR == CAPR + 16
	 * means empty. One dword more room and it goes in. */
	make_rx(f, mac, 100, 3);			/* 4 + 104 bytes */
	wr16(CAPR, (uint16_t)(cur_rx + 108 - 16));
	CHECK(dm_rtl8139_rx(nic, f, 100) == -DM_NIC_EAGAIN);
	wr16(CAPR, (uint16_t)(cur_rx + 112 - 16));
	CHECK(dm_rtl8139_rx(nic, f, 100) == 1 && !(rd8(CR) & CR_BUFE));
	wr16(CAPR, (uint16_t)(cur_rx - 16));
	drv_take(f, 100, 8192, false, 0x4001);
	/* RBSTART written: a new, empty ring. */
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mac, 100, 2)) == 1);
	wr32(RBSTART, RING);
	CHECK((rd8(CR) & CR_BUFE) && rd16(CBR) == 0 && rd16(CAPR) == 0xfff0);
	/* Receiver off, bad lengths, unplugged bus master: dropped. */
	CHECK(dm_rtl8139_rx(nic, f, 13) == 0 && dm_rtl8139_rx(nic, f, DM_NIC_FRAME_MAX + 1) == 0);
	wr8(CR, CR_TE);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mac, 100, 2)) == 0);
	wr8(CR, CR_TE | CR_RE);
	pci_cfg_wr(bus, DEV, 0x04, 2, 0x0003);
	CHECK(dm_rtl8139_rx(nic, f, 100) == 0);
	pci_cfg_wr(bus, DEV, 0x04, 2, 0x0007);
	/* The ring outside guest RAM: dropped, said once, nothing moved. */
	wr32(RBSTART, FAKE_RAM_SIZE - 100);
	CHECK(dm_rtl8139_rx(nic, f, 100) == 0 && (rd8(CR) & CR_BUFE));
	CHECK(strstr(fake.last_log, "receive buffer outside guest RAM"));
	/* Loopback (TCR LBK 11b): what is sent comes back, nothing leaves. */
	wr32(RBSTART, RING);
	cur_rx = 0;
	wr32(TCR, 3u << 17);
	make_rx(f, mac, 80, 5);
	memcpy(fake.ram + TXB, f, 80);
	wr32(TSD0, 80);
	CHECK(ntx == 0 && (rd32(TSD0) & TSD_TOK) && (rd16(ISR) & (ROK | TOK)) == (ROK | TOK));
	drv_take(f, 80, 8192, false, 0x4001);
}

static void test_rx_filter(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[100], other[6] = { 0x52, 0x54, 0x00, 0, 0, 1 };
	uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, mc2[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	unsigned h = mc_hash(mc);

	setup();
	drv_start(APM);
	cur_rx = 0;
	CHECK(mc_hash(mc2) != h);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, other, 100, 0)) == 0);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, bcast, 100, 0)) == 0);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mc, 100, 0)) == 0);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mac, 100, 0)) == 1);
	drv_take(f, 100, 8192, false, 0x4001);			/* PAM | ROK */
	wr32(RCR, APM | AB | AM);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, bcast, 100, 1)) == 1);
	drv_take(f, 100, 8192, false, 0x2001);			/* BAR | ROK */
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mc, 100, 2)) == 0);	/* hash bit clear */
	wr8(MAR0 + (h >> 3), (uint8_t)(1u << (h & 7)));
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mc, 100, 3)) == 1);
	drv_take(f, 100, 8192, false, 0x8001);			/* MAR | ROK */
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mc2, 100, 4)) == 0);
	wr32(RCR, APM | AB);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mc, 100, 5)) == 0);	/* AM off */
	/* Promiscuous, as 8139too sets it: any unicast, every multicast. */
	wr32(RCR, AAP | APM | AB | AM);
	wr32(MAR0, ~0u);
	wr32(MAR0 + 4, ~0u);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, other, 100, 6)) == 1);
	drv_take(f, 100, 8192, false, 0x0001);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mc2, 100, 7)) == 1);
	drv_take(f, 100, 8192, false, 0x8001);
	CHECK(rd8(CR) & CR_BUFE);
}

static void test_unplug(void)
{
	uint8_t f[100];

	setup();
	drv_start(AB | APM);
	wr32(TIMERINT, 1000);
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mac, 100, 0)) == 1 && intx());
	dm_rtl8139_unplug(nic);
	dm_rtl8139_unplug(nic);
	CHECK(strstr(fake.last_log, "unplugged"));
	CHECK(pci_cfg_rd(bus, DEV, 0x00, 4) == 0xffffffff);
	CHECK(rd32(TSD0) == 0xffffffff);			/* the BARs are gone */
	CHECK(dm_rtl8139_rx(nic, f, make_rx(f, mac, 100, 0)) == 0);
	dm_rtl8139_tx_resume(nic);
	fake_advance(1000000000ull);
	CHECK(ntx == 0 && fake.ntimers == 0);
}

/* ---- fuzz ------------------------------------------------------------------------------- */

static uint64_t fuzz_base, fuzz_ring;	/* where receive writes may go */

static int fuzz_mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	/* 8139too's slack past a run-on ring: 16 + 2048 bytes */
	CHECK(gpa >= fuzz_base && gpa + len <= fuzz_base + fuzz_ring + 16 + 2048);
	return fake_env.mem_write(ctx, gpa, buf, len);
}

static void fuzz_access(uint64_t r, uint64_t v)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	static const unsigned hot[] = { TSD0, TSD0 + 4, TSAD0, RBSTART, CR, CAPR, IMR, ISR, TCR,
					RCR, TCTR, TIMERINT, CFG9346, CONFIG1, BMCR, MAR0, 0xfc };
	unsigned size = sizes[r & 3];
	unsigned off = (r >> 2) & 1 ? hot[(r >> 3) % 17] + (unsigned)((r >> 8) & 3)
				    : (unsigned)((r >> 8) % 256);

	if ((off & ~3u) == RBSTART || ((off & ~3u) >= TSAD0 && (off & ~3u) < TSAD0 + 16))
		v = (r >> 40) & 7 ? v % FAKE_RAM_SIZE : v;
	if (off == CR && (r >> 41) & 7)
		v &= ~(uint64_t)CR_RST;
	use_mmio = (r >> 44) & 1;
	if (!use_mmio && size == 8)
		size = 4;
	if ((r >> 45) & 1)
		wr(off, size, (uint32_t)v);
	else
		(void)rd(off, size);
	if (use_mmio && size == 8 && (r >> 46) & 1)
		dm_bus_write(bus, DM_MMIO, MMIO + off, 8, v);
	use_mmio = false;
}

static void fuzz_check(void)
{
	uint32_t rcr = rd32(RCR), cbr = rd16(CBR);

	fuzz_base = rd32(RBSTART);
	fuzz_ring = 8192u << ((rcr >> 11) & 3);
	CHECK(cbr < fuzz_ring && !(cbr & 3));
	CHECK(intx() == ((rd16(ISR) & rd16(IMR)) != 0));
	CHECK(!(rd8(CR) & CR_RST) && (rd32(TCR) & 0x7cc00000) == 0x74000000);
}

static void test_fuzz(void)
{
	uint64_t seed = 0x5eed8139ull;
	unsigned rx_ok = 0;
	uint8_t f[DM_NIC_FRAME_MAX + 1];

	setup();
	env.mem_write = fuzz_mem_write;
	fake.quiet = true;
	for (unsigned it = 0; it < 200000; it++) {
		uint64_t r = fake_rnd(&seed), v = fake_rnd(&seed);

		if (it % 1000 == 0)
			drv_start((uint32_t)(r & 0xff) | (uint32_t)((r >> 8) & 3) << 11);
		fuzz_check();
		switch (r % 8) {
		case 0: {
			size_t len = (size_t)(v % (DM_NIC_FRAME_MAX + 2));

			for (size_t i = 0; i < len; i++)
				f[i] = (uint8_t)fake_rnd(&seed);
			if (len >= 6 && (r >> 8) & 1)
				memcpy(f, (r >> 9) & 1 ? mac : (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 6);
			rx_ok += dm_rtl8139_rx(nic, f, len) == 1;
			break;
		}
		case 1:
			wr16(CAPR, (uint16_t)((r >> 8) & 1 ? (uint64_t)rd16(CBR) - 16 : v));
			break;
		case 2:
			tx_accept = (r >> 8) & 3 ? ~0u : (unsigned)((r >> 10) & 1);
			dm_rtl8139_tx_resume(nic);
			break;
		case 3:
			wr32(TSD0 + 4 * ((r >> 8) & 3), (uint32_t)((r >> 10) & 3 ? v % 1600 : v));
			break;
		case 4:
			fake_advance(v % 1000000);
			break;
		default:
			fuzz_access(r, v);
		}
	}
	fake.quiet = false;
	fuzz_check();
	printf("fuzz: %u frames sent (%u refusals), %u received\n", ntx, tx_refused, rx_ok);
	CHECK(ntx > 1000 && rx_ok > 1000);
	CHECK(pci_cfg_rd(bus, DEV, 0x00, 4) == 0x813910ec);
}

int main(void)
{
	test_pci();
	test_eeprom();
	test_phy_config();
	test_timer();
	test_tx();
	test_tx_hostile();
	test_rx_ring();
	test_rx_filter();
	test_unplug();
	test_fuzz();
	CHECK_DONE("dm_rtl8139");
	return 0;
}

/* The interrupt router with the real 8259 pair and IOAPIC behind it: ISA
 * IRQ0 -> IOAPIC pin 2, the PCI swizzle through PIIX3's PIRQ routes,
 * wired-OR sharing, rerouting, and a fuzz against a reference model. */
#include "../check.h"
#include "fakes.h"
#include "bus.h"
#include "irq.h"
#include "pic.h"
#include "ioapic.h"

static struct dm_bus *bus;

static void outb(uint16_t port, uint8_t v) { dm_bus_write(bus, DM_PIO, port, 1, v); }
static void mm_write(uint64_t a, unsigned size, uint64_t v) { dm_bus_write(bus, DM_MMIO, a, size, v); }

/* PIIX3's routing registers, as the test sets them (overrides fakes.c). */
static int route[4] = { 10, 10, 11, 11 };

int dm_piix_pirq_route(unsigned pirq)
{
	return pirq < 4 ? route[pirq] : -1;
}

static struct dm_pic pic;
static struct dm_ioapic io;

static void rte(unsigned pin, uint32_t lo)
{
	mm_write(DM_IOAPIC_BASE, 4, 0x11 + 2 * pin);
	mm_write(DM_IOAPIC_BASE + 0x10, 4, 0);
	mm_write(DM_IOAPIC_BASE, 4, 0x10 + 2 * pin);
	mm_write(DM_IOAPIC_BASE + 0x10, 4, lo);
}

static void setup(void)
{
	fake_reset();
	fake.quiet = true;
	dm_bus_free(bus);
	bus = dm_bus_new(&fake_env);
	route[0] = route[1] = 10;
	route[2] = route[3] = 11;
	CHECK(dm_pic_init(&pic, &fake_env, bus) == 0);
	CHECK(dm_ioapic_init(&io, &fake_env, bus) == 0);
	dm_irq_init(&pic, &io);
	outb(0x20, 0x11); outb(0x21, 0x08); outb(0x21, 0x04); outb(0x21, 0x01);
	outb(0xa0, 0x11); outb(0xa1, 0x70); outb(0xa1, 0x02); outb(0xa1, 0x01);
}

static void test_isa(void)
{
	setup();
	rte(2, 0x30);				/* the timer's pin */
	rte(0, 0x3f);				/* nothing should reach pin 0 */
	dm_irq_set_isa(0, 1);
	dm_irq_set_isa(0, 0);
	CHECK(fake.nextints == 1 && fake.extints[0] == 0x08);
	CHECK(fake.nmsis == 1 && fake.msis[0].data == 0x30);
	outb(0x20, 0x20);
	rte(4, 0x34);
	dm_irq_set_isa(4, 1);
	CHECK(fake.nextints == 2 && fake.extints[1] == 0x0c);
	CHECK(fake.nmsis == 2 && fake.msis[1].data == 0x34);
	dm_irq_set_isa(4, 1);			/* no change, nothing passed on */
	CHECK(fake.nmsis == 2 && dm_irq_lines() == 0x10);
	dm_irq_set_isa(4, 0);
	/* IRQ2 is the cascade: nothing anywhere. */
	rte(2, 0x30);
	dm_irq_set_isa(2, 1);
	CHECK(fake.nextints == 2 && fake.nmsis == 2);
	dm_irq_set_isa(16, 1);
	dm_irq_set_isa(~0u, 1);
	CHECK(dm_irq_lines() == 0x04);
}

static void test_pci(void)
{
	setup();
	outb(0x4d1, 0x0c);			/* IRQ10, 11 level in the ELCR */
	rte(10, 0x8050);			/* level, vector 0x50 */
	rte(11, 0x8051);
	/* Slot 1 INTA -> PIRQ0 -> IRQ10. */
	dm_irq_set_pci(1 << 3, 0, 1);
	CHECK(dm_irq_lines() == 1u << 10);
	CHECK(fake.nextints == 1 && fake.extints[0] == 0x72);
	CHECK(fake.nmsis == 1 && fake.msis[0].data == 0xc050);
	/* Slot 2 INTD -> PIRQ (3 + 2 - 1) & 3 = 0: shares IRQ10. */
	dm_irq_set_pci(2 << 3, 3, 1);
	CHECK(fake.nmsis == 1);
	dm_irq_set_pci(1 << 3, 0, 0);
	CHECK(dm_irq_lines() == 1u << 10);	/* wired-OR: still up */
	dm_ioapic_eoi(0x50);
	CHECK(fake.nmsis == 2);			/* level, still asserted */
	dm_irq_set_pci(2 << 3, 3, 0);
	CHECK(dm_irq_lines() == 0);
	/* Slot 3 INTA -> PIRQ2 -> IRQ11; slot 0 INTA -> PIRQ3 -> IRQ11. */
	dm_irq_set_pci(3 << 3 | 1, 0, 1);
	CHECK(dm_irq_lines() == 1u << 11);
	dm_irq_set_pci(0, 0, 1);
	dm_irq_set_pci(0, 0, 1);		/* idempotent */
	dm_irq_set_pci(3 << 3 | 1, 0, 0);
	CHECK(dm_irq_lines() == 1u << 11);
	dm_irq_set_pci(0, 0, 0);
	CHECK(dm_irq_lines() == 0);
	/* An ISA source and a PCI source on one line. */
	dm_irq_set_isa(10, 1);
	dm_irq_set_pci(1 << 3, 0, 1);
	dm_irq_set_isa(10, 0);
	CHECK(dm_irq_lines() == 1u << 10);
	/* Reroute PIRQ0 to IRQ5, then disable it. */
	route[0] = 5;
	dm_irq_reroute();
	CHECK(dm_irq_lines() == 1u << 5);
	route[0] = -1;
	dm_irq_reroute();
	CHECK(dm_irq_lines() == 0);
	route[0] = 99;				/* out of range: ignored */
	dm_irq_reroute();
	CHECK(dm_irq_lines() == 0);
	dm_irq_set_pci(256, 0, 1);
	dm_irq_set_pci(8, 4, 1);
	CHECK(dm_irq_lines() == 0);
}

/* Random sources and routes against a model computed from scratch. */
static void test_fuzz(void)
{
	static uint8_t pins[256];
	uint16_t isa = 0;
	uint64_t x = 31337;

	setup();
	outb(0x4d0, 0xff);
	outb(0x4d1, 0xff);
	for (unsigned pin = 0; pin < 24; pin++)
		rte(pin, 0x8040 + pin);
	for (unsigned n = 0; n < 200000; n++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		unsigned a = (unsigned)(x >> 8) & 0x1ff, p = (unsigned)(x >> 20) & 7;
		int lvl = (int)(x >> 30) & 1;

		switch ((x >> 60) & 3) {
		case 0:
			dm_irq_set_isa(a & 31, lvl);
			if ((a & 31) < 16)
				isa = lvl ? isa | (uint16_t)(1u << (a & 31)) : isa & (uint16_t)~(1u << (a & 31));
			break;
		case 1:
			dm_irq_set_pci(a, p, lvl);
			if (a < 256 && p < 4)
				pins[a] = lvl ? pins[a] | (uint8_t)(1u << p) : pins[a] & (uint8_t)~(1u << p);
			break;
		case 2:
			route[p & 3] = (int)((x >> 40) & 31) - 8;
			dm_irq_reroute();
			break;
		default:
			dm_ioapic_eoi((uint8_t)(0x40 + (a & 31)));
			outb((x >> 50) & 1 ? 0x20 : 0xa0, 0x20);
			break;
		}
		uint16_t want = isa;
		for (unsigned d = 0; d < 256; d++)
			for (unsigned q = 0; q < 4; q++)
				if (pins[d] & (1u << q)) {
					int r = route[(q + (d >> 3) - 1) & 3];
					if (r >= 0 && r < 16)
						want |= (uint16_t)(1u << r);
				}
		CHECK(dm_irq_lines() == want);
		/* The IOAPIC sees the same lines (IRQ0 on pin 2, IRQ2 nowhere). */
		uint32_t io_want = (want & ~5u) | ((want & 1u) << 2);
		CHECK((io.lines & 0xffff) == io_want);
	}
}

int main(void)
{
	test_isa();
	test_pci();
	test_fuzz();
	CHECK_DONE("test_dm_irq");
	return 0;
}

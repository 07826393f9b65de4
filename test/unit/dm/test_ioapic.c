/* The IOAPIC: ID/version registers, redirection entries, edge and level
 * delivery as MSIs, masking, remote IRR and EOI re-delivery (dm_ioapic_eoi
 * and the EOI register), partial accesses, and a random fuzz. */
#include "../check.h"
#include "fakes.h"
#include "bus.h"
#include "ioapic.h"

static struct dm_bus *bus;

static uint64_t mm_read(uint64_t a, unsigned size) { return dm_bus_read(bus, DM_MMIO, a, size); }
static void mm_write(uint64_t a, unsigned size, uint64_t v) { dm_bus_write(bus, DM_MMIO, a, size, v); }

static struct dm_ioapic io;

static uint32_t reg_read(unsigned r)
{
	mm_write(DM_IOAPIC_BASE, 4, r);
	return (uint32_t)mm_read(DM_IOAPIC_BASE + 0x10, 4);
}

static void reg_write(unsigned r, uint32_t v)
{
	mm_write(DM_IOAPIC_BASE, 4, r);
	mm_write(DM_IOAPIC_BASE + 0x10, 4, v);
}

static void rte(unsigned pin, uint32_t lo, uint32_t hi)
{
	reg_write(0x11 + 2 * pin, hi);
	reg_write(0x10 + 2 * pin, lo);
}

static void setup(void)
{
	fake_reset();
	fake.quiet = true;
	dm_bus_free(bus);
	bus = dm_bus_new(&fake_env);
	CHECK(dm_ioapic_init(&io, &fake_env, bus) == 0);
}

static void test_registers(void)
{
	setup();
	CHECK(reg_read(0x01) == 0x00170020);
	CHECK(reg_read(0x00) == 0);
	reg_write(0x00, 0xffffffff);
	CHECK(reg_read(0x00) == 0x0f000000 && reg_read(0x02) == 0x0f000000);
	reg_write(0x01, 0);			/* read-only */
	CHECK(reg_read(0x01) == 0x00170020);
	for (unsigned pin = 0; pin < 24; pin++)
		CHECK(reg_read(0x10 + 2 * pin) == 0x00010000 && reg_read(0x11 + 2 * pin) == 0);
	CHECK(reg_read(0x40) == 0 && reg_read(0xff) == 0);
	/* Writable bits only: no delivery status, no remote IRR, no reserved. */
	rte(3, 0xffffffff, 0xffffffff);
	CHECK(reg_read(0x16) == 0x0001afff && reg_read(0x17) == 0xff000000);
	/* IOREGSEL reads back; byte accesses see the dword's bytes. */
	mm_write(DM_IOAPIC_BASE, 1, 0x16);
	CHECK(mm_read(DM_IOAPIC_BASE, 4) == 0x16);
	CHECK(mm_read(DM_IOAPIC_BASE + 0x11, 1) == 0xaf);
	CHECK(mm_read(DM_IOAPIC_BASE + 0x12, 2) == 0x0001);
	mm_write(DM_IOAPIC_BASE + 0x10, 1, 0x42);	/* vector byte only */
	CHECK(reg_read(0x16) == 0x0001af42);
	CHECK(mm_read(DM_IOAPIC_BASE + 0x20, 4) == 0);	/* nothing there */
	CHECK(fake.nmsis == 0);
}

static void test_edge(void)
{
	setup();
	rte(4, 0x00000031, 0x01000000);		/* vector 0x31, fixed, physical, dest 1 */
	dm_ioapic_set_irq(&io, 4, 1);
	CHECK(fake.nmsis == 1 && fake.msis[0].addr == 0xfee01000 && fake.msis[0].data == 0x31);
	dm_ioapic_set_irq(&io, 4, 1);		/* no new edge */
	CHECK(fake.nmsis == 1);
	CHECK((reg_read(0x18) & 0x5000) == 0);	/* no remote IRR, status idle */
	dm_ioapic_set_irq(&io, 4, 0);
	dm_ioapic_set_irq(&io, 4, 1);
	CHECK(fake.nmsis == 2);
	/* Masked: the edge is lost, unmasking does not replay it. */
	dm_ioapic_set_irq(&io, 4, 0);
	rte(4, 0x00010031, 0x01000000);
	dm_ioapic_set_irq(&io, 4, 1);
	rte(4, 0x00000031, 0x01000000);
	CHECK(fake.nmsis == 2);
	/* NMI delivery mode, logical destination 0x0f, polarity bit kept. */
	rte(5, 0x00002c00 | 0x400, 0x0f000000);
	CHECK(reg_read(0x1a) == 0x00002c00);
	dm_ioapic_set_irq(&io, 5, 1);
	CHECK(fake.nmsis == 3 && fake.msis[2].addr == 0xfee0f004 && fake.msis[2].data == 0x400);
	/* Out-of-range pins are ignored. */
	dm_ioapic_set_irq(&io, 24, 1);
	dm_ioapic_set_irq(&io, 1000, 1);
	CHECK(fake.nmsis == 3);
}

static void test_level(void)
{
	setup();
	/* Pin 10: level, lowest priority, logical dest 2, vector 0x41. */
	rte(10, 0x00008941, 0x02000000);
	dm_ioapic_set_irq(&io, 10, 1);
	CHECK(fake.nmsis == 1 && fake.msis[0].addr == 0xfee02004 && fake.msis[0].data == 0xc141);
	CHECK(reg_read(0x24) & 0x4000);		/* remote IRR */
	dm_ioapic_set_irq(&io, 10, 0);
	dm_ioapic_set_irq(&io, 10, 1);		/* awaiting EOI */
	CHECK(fake.nmsis == 1);
	dm_ioapic_eoi(0x42);			/* other vector */
	CHECK(fake.nmsis == 1);
	dm_ioapic_eoi(0x41);			/* still asserted: again */
	CHECK(fake.nmsis == 2 && fake.msis[1].data == 0xc141);
	dm_ioapic_set_irq(&io, 10, 0);
	dm_ioapic_eoi(0x41);
	CHECK(fake.nmsis == 2 && !(reg_read(0x24) & 0x4000));
	/* The EOI register does the same. */
	dm_ioapic_set_irq(&io, 10, 1);
	CHECK(fake.nmsis == 3);
	mm_write(DM_IOAPIC_BASE + 0x40, 4, 0x41);
	CHECK(fake.nmsis == 4);
	/* Remote IRR cannot be written; switching to edge clears it. */
	reg_write(0x24, 0x00008941 & ~0x4000u);
	CHECK(reg_read(0x24) & 0x4000);
	rte(10, 0x00000941, 0x02000000);
	CHECK(!(reg_read(0x24) & 0x4000) && fake.nmsis == 4);
	/* Back to level with the line up: delivers. */
	rte(10, 0x00008941, 0x02000000);
	CHECK(fake.nmsis == 5);
	/* Masked level pin: nothing; unmasking while asserted delivers. */
	rte(11, 0x00018051, 0);
	dm_ioapic_set_irq(&io, 11, 1);
	CHECK(fake.nmsis == 5);
	rte(11, 0x00008051, 0);
	CHECK(fake.nmsis == 6 && fake.msis[5].data == 0xc051 && fake.msis[5].addr == 0xfee00000);
	/* Two pins sharing a vector: one EOI frees both. */
	rte(12, 0x00008051, 0);
	dm_ioapic_set_irq(&io, 12, 1);
	CHECK(fake.nmsis == 7);
	dm_ioapic_eoi(0x51);
	CHECK(fake.nmsis == 9);
}

static void test_fuzz(void)
{
	uint64_t x = 4242;

	setup();
	for (unsigned n = 0; n < 200000; n++) {
		unsigned before = fake.nmsis;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t off = (x >> 20) & 0x4f;
		unsigned size = 1u << ((x >> 30) & 3);

		switch ((x >> 60) & 7) {
		case 0: case 1: mm_write(DM_IOAPIC_BASE + off, size, x >> 8); break;
		case 2: mm_write(DM_IOAPIC_BASE, 1, (x >> 8) & 0x3f); break;
		case 3: mm_read(DM_IOAPIC_BASE + off, size); break;
		case 4: dm_ioapic_eoi((uint8_t)(x >> 8)); break;
		default: dm_ioapic_set_irq(&io, (unsigned)(x >> 8) % 26, (int)(x >> 40) & 1); break;
		}
		CHECK(fake.nmsis - before <= 24);
	}
}

int main(void)
{
	test_registers();
	test_edge();
	test_level();
	test_fuzz();
	CHECK_DONE("test_dm_ioapic");
	return 0;
}

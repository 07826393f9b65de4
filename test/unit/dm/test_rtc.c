/* The MC146818: calendar from a base time plus the clock (leap day,
 * weekday, century), UIP window, update-ended interrupt, BCD/binary and
 * 12 h formats, setting the time under SET, alarm with don't-cares,
 * periodic rates, reg C clearing IRQ 8, divider reset, CMOS presets, fuzz. */
#include "../check.h"
#include "fakes.h"
#include "bus.h"
#include "rtc.h"

static struct dm_bus *bus;

static uint64_t io_read(uint64_t port, unsigned size) { return dm_bus_read(bus, DM_PIO, port, size); }
static void io_write(uint64_t port, unsigned size, uint64_t v) { dm_bus_write(bus, DM_PIO, port, size, v); }

static uint8_t inb(uint16_t port) { return (uint8_t)io_read(port, 1); }
static void outb(uint16_t port, uint8_t v) { io_write(port, 1, v); }

static struct dm_rtc rtc;

#define T0 1709251198ll		/* 2024-02-29 23:59:58 UTC, a Thursday */
#define S 1000000000ull

static uint8_t rd(uint8_t i) { outb(0x70, i); return inb(0x71); }
static void wr(uint8_t i, uint8_t v) { outb(0x70, i); outb(0x71, v); }
static void at(uint64_t ns) { CHECK(ns >= fake.now); fake_advance(ns - fake.now); }

static void setup(void)
{
	fake_reset();
	fake.quiet = true;
	dm_bus_free(bus);
	bus = dm_bus_new(&fake_env);
	CHECK(dm_rtc_init(&rtc, &fake_env, bus, T0) == 0);
}

static void test_calendar(void)
{
	setup();
	CHECK(rd(0x0a) == 0x26 && rd(0x0b) == 0x02 && rd(0x0d) == 0x80);
	CHECK(rd(0) == 0x58 && rd(2) == 0x59 && rd(4) == 0x23);
	CHECK(rd(6) == 0x05 && rd(7) == 0x29 && rd(8) == 0x02 && rd(9) == 0x24 && rd(0x32) == 0x20);
	at(2 * S - 1);
	CHECK(rd(0) == 0x59 && rd(7) == 0x29);
	at(2 * S);				/* into March 1st, a Friday */
	CHECK(rd(0) == 0x00 && rd(2) == 0x00 && rd(4) == 0x00);
	CHECK(rd(6) == 0x06 && rd(7) == 0x01 && rd(8) == 0x03 && rd(9) == 0x24);
	/* Binary, 24 h. */
	wr(0x0b, 0x06);
	at(2 * S + 3600 * S + 5 * S);		/* 01:00:05 */
	CHECK(rd(0) == 5 && rd(2) == 0 && rd(4) == 1 && rd(7) == 1 && rd(9) == 24 && rd(0x32) == 20);
	/* 12 h: 01:00 is 1 AM; 13:00 is 1 PM (bit 7); midnight is 12 AM, noon 12 PM. */
	wr(0x0b, 0x04);
	CHECK(rd(4) == 1);
	at(fake.now + 12 * 3600 * S);
	CHECK(rd(4) == 0x81);
	wr(0x0b, 0x00);				/* BCD 12 h */
	at(fake.now + 10 * 3600 * S);		/* 23:00:05 */
	CHECK(rd(4) == 0x91);
	at(fake.now + 3600 * S);		/* 00:00:05 */
	CHECK(rd(4) == 0x12);
	at(fake.now + 12 * 3600 * S);
	CHECK(rd(4) == 0x92);
	CHECK(rd(0) == 0x05);
}

static void test_uip(void)
{
	setup();
	at(5 * S - 244001);
	CHECK(!(rd(0x0a) & 0x80) && rd(0) == 0x02);
	at(5 * S - 244000);
	CHECK((rd(0x0a) & 0x80) && rd(0) == 0x02);	/* old second still readable */
	at(5 * S - 1);
	CHECK(rd(0x0a) & 0x80);
	at(5 * S);
	CHECK(!(rd(0x0a) & 0x80) && rd(0) == 0x03);
	/* SET: no updates, UIP reads 0. */
	wr(0x0b, 0x82);
	at(6 * S - 1000);
	CHECK(!(rd(0x0a) & 0x80));
}

static void test_update_irq(void)
{
	setup();
	wr(0x0a, 0x20);				/* no periodic rate: PF stays out of reg C */
	wr(0x05, 0x12);				/* the alarm (00:00:00) off midnight: no AF */
	wr(0x0b, 0x12);				/* UIE */
	at(S - 1);
	CHECK(fake.isa_edges[8] == 0);
	at(S);
	CHECK(fake.isa_edges[8] == 1 && fake.isa_level[8] == 1);
	CHECK(rd(0x0c) == 0x90);		/* IRQF | UF */
	CHECK(fake.isa_level[8] == 0);
	CHECK(rd(0x0c) == 0x00);
	at(4 * S);				/* C not read: one edge, the line stays up */
	CHECK(fake.isa_edges[8] == 2 && fake.isa_level[8] == 1);
	CHECK(rd(0x0c) == 0x90);
	at(5 * S);
	CHECK(fake.isa_edges[8] == 3);
	/* UF is set without UIE too, but raises nothing. */
	rd(0x0c);
	wr(0x0b, 0x02);
	at(6 * S);
	CHECK(fake.isa_edges[8] == 3 && rd(0x0c) == 0x10);
	/* Enabling UIE with UF pending raises at once. */
	at(7 * S);
	wr(0x0b, 0x12);
	CHECK(fake.isa_edges[8] == 4);
	/* Setting SET clears UIE. */
	rd(0x0c);
	wr(0x0b, 0x92);
	CHECK(rd(0x0b) == 0x82);
	CHECK(rd(0x0c) == 0x00);
}

static void test_set_time(void)
{
	setup();
	at(S / 4);
	wr(0x0b, 0x82);				/* SET, BCD, 24 h */
	wr(0x00, 0x56); wr(0x02, 0x34); wr(0x04, 0x12);
	wr(0x07, 0x15); wr(0x08, 0x06); wr(0x09, 0x30); wr(0x32, 0x20);
	at(10 * S);				/* frozen while SET */
	CHECK(rd(0) == 0x56 && rd(2) == 0x34);
	wr(0x0b, 0x02);
	CHECK(rd(0) == 0x56 && rd(6) == 0x07);	/* a Saturday */
	CHECK(rtc.base_sec + (int64_t)((fake.now - (uint64_t)rtc.base_ns) / S) == 1907757296ll);
	at(11 * S);				/* the divider's phase is kept: update on the second */
	CHECK(rd(0) == 0x57);
	/* Writing one register while running rebases at once. */
	wr(0x02, 0x00);
	CHECK(rd(2) == 0x00 && rd(0) == 0x57 && rd(4) == 0x12);
	/* 12 h, binary, under SET: 11 PM. */
	wr(0x0b, 0x80 | 0x04);
	wr(0x04, 0x8b);
	wr(0x0b, 0x04);
	wr(0x0b, 0x06);
	CHECK(rd(4) == 23);
	/* Garbage values are clamped, not trusted. */
	wr(0x0b, 0x86);
	wr(0x08, 0xff); wr(0x07, 0); wr(0x04, 99); wr(0x32, 0x00); wr(0x09, 250);
	wr(0x0b, 0x06);
	CHECK(rd(8) == 12 && rd(7) == 1 && rd(4) == 23 && rd(9) == 99 && rd(0x32) == 19);
}

static void test_alarm(void)
{
	setup();
	wr(0x0a, 0x20);
	wr(0x01, 0x05);				/* at :05 of any minute of any hour */
	wr(0x03, 0xc0);
	wr(0x05, 0xff);
	wr(0x0b, 0x22);				/* AIE */
	at(6 * S);				/* 23:59:58 -> 00:00:04 */
	CHECK(fake.isa_edges[8] == 0);
	at(7 * S);				/* 00:00:05 */
	CHECK(fake.isa_edges[8] == 1 && rd(0x0c) == 0xb0);	/* IRQF | AF | UF */
	at(8 * S);
	CHECK(rd(0x0c) == 0x10);
	at(67 * S);				/* 00:01:05 */
	CHECK(fake.isa_edges[8] == 2 && rd(0x0c) == 0xb0);
	/* Exact match: 00:02:10 only. */
	wr(0x01, 0x10); wr(0x03, 0x02); wr(0x05, 0x00);
	at(127 * S);
	CHECK((rd(0x0c) & 0x20) == 0);
	at(132 * S);				/* 00:02:10 */
	CHECK(rd(0x0c) == 0xb0);
	at(3600 * S + 132 * S);
	CHECK((rd(0x0c) & 0x20) == 0);
}

static void test_periodic(void)
{
	unsigned pf = 0;

	setup();
	wr(0x0b, 0x42);				/* PIE, reg A 0x26: 1024 Hz */
	for (uint64_t t = 100000; t <= S; t += 100000) {
		at(t);
		if (rd(0x0c) & 0x40)
			pf++;
	}
	CHECK(pf == 1024 && fake.isa_edges[8] == 1024);
	/* 2 Hz (RS 15). */
	wr(0x0a, 0x2f);
	pf = 0;
	for (uint64_t t = S + 1000000; t <= 2 * S; t += 1000000) {
		at(t);
		if (rd(0x0c) & 0x40)
			pf++;
	}
	CHECK(pf == 2);
	/* 8192 Hz with reg C never read: one edge, and the timer stops. */
	wr(0x0a, 0x23);
	unsigned e = fake.isa_edges[8];
	at(3 * S);
	CHECK(fake.isa_edges[8] == e + 1);
	for (unsigned i = 0; i < fake.ntimers; i++)
		CHECK(fake.timers[i] != &rtc.t_periodic);
	CHECK(rd(0x0c) == 0xd0);		/* IRQF, PF, and UF from the 3 s update */
}

static void test_periodic_lazy(void)
{
	setup();
	at(10 * 1000000);
	CHECK(rd(0x0c) == 0x40);		/* PF without PIE: flag only, no IRQ */
	CHECK(fake.isa_edges[8] == 0);
}

static void test_misc(void)
{
	setup();
	wr(0x0a, 0x20);
	CHECK(inb(0x70) == 0xff);
	wr(0x0d, 0x00);
	wr(0x0c, 0xff);
	CHECK(rd(0x0d) == 0x80 && rd(0x0c) == 0x00);
	CHECK(dm_rtc_set_cmos(&rtc, 0x10, 0x44) == 0 && rd(0x10) == 0x44);
	CHECK(dm_rtc_set_cmos(&rtc, 0x5f, 3) == 0 && rd(0xdf) == 3);	/* NMI bit ignored */
	CHECK(dm_rtc_set_cmos(&rtc, 0x32, 0x19) == -22 && rd(0x32) == 0x20);
	CHECK(dm_rtc_set_cmos(&rtc, 0x0b, 0) == -22 && dm_rtc_set_cmos(&rtc, 128, 0) == -22);
	wr(0x40, 0xaa);
	CHECK(rd(0x40) == 0xaa);
	/* Divider reset (DV = 110): time stands still; leaving it, the first
	 * update comes 500 ms later. */
	at(S / 4);
	wr(0x0a, 0x66);
	at(30 * S);
	CHECK(rd(0) == 0x58 && !(rd(0x0a) & 0x80));
	wr(0x0a, 0x20);
	at(30 * S + S / 2 - 1);
	CHECK(rd(0) == 0x58);
	at(30 * S + S / 2);
	CHECK(rd(0) == 0x59);
	at(31 * S + S / 2);
	CHECK(rd(0) == 0x00 && rd(7) == 0x01);
}

static void test_fuzz(void)
{
	uint64_t x = 2024, t0;

	setup();
	t0 = fake.now;
	for (unsigned n = 0; n < 200000; n++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		switch ((x >> 60) & 7) {
		case 0: case 1: outb(0x70, (uint8_t)(x >> 8) & 0x8f); break;	/* mostly clock/status regs */
		case 2: outb(0x70, (uint8_t)(x >> 8)); break;
		case 3: case 4: outb(0x71, (uint8_t)(x >> 16)); break;
		case 5: inb(0x71); break;
		case 6: io_write(0x70 + ((x >> 8) & 1), 4, x >> 16); io_read(0x71, 2); break;
		default: fake_advance((x >> 16) & 0x3fffffff); break;
		}
	}
	CHECK(fake.isa_edges[8] <= (fake.now - t0) / 50000 + 200000);
}

int main(void)
{
	test_calendar();
	test_uip();
	test_update_irq();
	test_set_time();
	test_alarm();
	test_periodic();
	test_periodic_lazy();
	test_misc();
	test_fuzz();
	CHECK_DONE("test_dm_rtc");
	return 0;
}

/* The 8254: counts at exact times (1.193182 MHz from now_ns), modes 0-5,
 * LSB/MSB access, latch and read-back, gates, BCD, channel 0's IRQ0 pulses
 * with coalescing and the 50 us floor, port 0x61, and a random fuzz. */
#include "../check.h"
#include "fakes.h"
#include "bus.h"
#include "pit.h"

static struct dm_bus *bus;

static uint64_t io_read(uint64_t port, unsigned size) { return dm_bus_read(bus, DM_PIO, port, size); }
static void io_write(uint64_t port, unsigned size, uint64_t v) { dm_bus_write(bus, DM_PIO, port, size, v); }

static uint8_t inb(uint16_t port) { return (uint8_t)io_read(port, 1); }
static void outb(uint16_t port, uint8_t v) { io_write(port, 1, v); }

static struct dm_pit pit;

static void setup(void)
{
	fake_reset();
	fake.quiet = true;
	dm_bus_free(bus);
	bus = dm_bus_new(&fake_env);
	CHECK(dm_pit_init(&pit, &fake_env, bus) == 0);
}

/* Absolute time of tick k (the first ns at which it has happened). */
static uint64_t tick_ns(uint64_t k) { return (k * 1000000000ull + DM_PIT_HZ - 1) / DM_PIT_HZ; }
static void at(uint64_t ns) { CHECK(ns >= fake.now); fake_advance(ns - fake.now); }
static uint16_t read16(uint16_t port) { uint8_t lo = inb(port); return (uint16_t)(lo | inb(port) << 8); }
static bool out2(void) { return inb(0x61) & 0x20; }

/* Linux's quick_pit_calibrate / pit_calibrate_tsc: channel 2, mode 0,
 * gate on, speaker off, poll port 0x61 bit 5. */
static void test_linux_calibration(void)
{
	setup();
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0);
	outb(0x42, 0xff);
	CHECK(!out2());
	outb(0x42, 0xff);
	CHECK(read16(0x42) == 0xffff);		/* t = 0: d = 0 */
	at(1000000);				/* 1 ms = 1193 ticks */
	CHECK(read16(0x42) == 0xfb56);		/* 65535 - 1193 */
	/* The live count through the flip-flop: MSB sampled at its own read. */
	at(tick_ns(0x100 * 5 - 1));
	CHECK(inb(0x42) == 0x00);		/* LSB of 65535 - 1279 = 0xfb00 */
	at(tick_ns(0x100 * 5 + 1));
	CHECK(inb(0x42) == 0xfa);
	at(54924564 - 1);			/* tick 65535 is at 54924564 ns */
	CHECK(!out2());
	at(54924564);
	CHECK(out2());
	CHECK(read16(0x42) == 0x0000);
	at(tick_ns(65537));			/* mode 0 keeps counting down, OUT stays high */
	CHECK(read16(0x42) == 0xfffe && out2());
	CHECK(fake.ntimers == 0);		/* channel 2 needs no timer */
}

/* SeaBIOS's TSC calibration: channel 2 mode 0, count 0x800. */
static void test_seabios_calibration(void)
{
	setup();
	at(5000000);
	outb(0x61, 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 0x00);
	outb(0x42, 0x08);
	uint64_t t0 = fake.now, k0 = t0 * DM_PIT_HZ / 1000000000ull;
	at(tick_ns(k0 + 2047));
	CHECK(!out2());
	at(tick_ns(k0 + 2048));
	CHECK(out2());
	CHECK(fake.now - t0 >= 1716419 - 839 && fake.now - t0 <= 1716419);	/* within a tick */
}

static void test_latch_readback(void)
{
	setup();
	outb(0x61, 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 0x10);
	outb(0x42, 0x27);			/* 10000 */
	at(tick_ns(100));
	outb(0x43, 0x80);			/* latch channel 2 */
	at(tick_ns(300));
	outb(0x43, 0x80);			/* ignored: already latched */
	CHECK(inb(0x42) == (9900 & 0xff));
	at(tick_ns(400));
	CHECK(inb(0x42) == (9900 >> 8));	/* still the latch */
	CHECK(read16(0x42) == 9600);		/* live again */
	/* Read-back: status then count of channel 2. */
	at(tick_ns(500));
	outb(0x43, 0xc8);
	CHECK(inb(0x42) == 0x30);		/* OUT 0, count loaded, LSB/MSB, mode 0, binary */
	CHECK(read16(0x42) == 9500);
	/* Status only, with OUT high after terminal count. */
	at(tick_ns(10000));
	outb(0x43, 0xe8);
	CHECK(inb(0x42) == 0xb0);
	CHECK(read16(0x42) == 0);
	/* After a control word, before the count: NULL count. */
	outb(0x43, 0xb4);			/* mode 2 */
	outb(0x43, 0xe8);
	CHECK(inb(0x42) == 0xf4);		/* OUT high (mode 2 idle), null count, mode 2 */
	/* Mode 6 aliases 2, mode 7 aliases 3. */
	outb(0x43, 0xbc);
	outb(0x43, 0xe8);
	CHECK((inb(0x42) & 0x0e) == 0x04);
	outb(0x43, 0xbe);
	outb(0x43, 0xe8);
	CHECK((inb(0x42) & 0x0e) == 0x06);
}

static void test_access_modes(void)
{
	setup();
	outb(0x61, 0x01);
	outb(0x43, 0x90);			/* LSB only, mode 0 */
	outb(0x42, 0x50);
	uint64_t base = fake.now * DM_PIT_HZ / 1000000000ull;
	at(tick_ns(base + 0x10));
	CHECK(inb(0x42) == 0x40);
	CHECK(inb(0x42) == 0x40);		/* no flip-flop in LSB-only mode */
	outb(0x43, 0xa0);			/* MSB only: 0x0300 */
	outb(0x42, 0x03);
	base = fake.now * DM_PIT_HZ / 1000000000ull;
	at(tick_ns(base + 0x80));
	CHECK(inb(0x42) == 0x02);		/* 0x300 - 0x80 = 0x280 */
	CHECK(inb(0x42) == 0x02);
	/* BCD: count 0100 decimal; after 30 ticks reads 0070. */
	outb(0x43, 0xb1);
	outb(0x42, 0x00);
	outb(0x42, 0x01);
	base = fake.now * DM_PIT_HZ / 1000000000ull;
	at(tick_ns(base + 30));
	CHECK(read16(0x42) == 0x0070);
	at(tick_ns(base + 101));
	CHECK(read16(0x42) == 0x9999 && out2());	/* wraps in BCD */
	/* The control word register reads as nothing. */
	CHECK(inb(0x43) == 0xff);
}

static void test_modes_out(void)
{
	uint64_t base;

	setup();
	outb(0x61, 0x01);
	/* Mode 3, N = 100: OUT high 50 ticks, low 50; counts by two. */
	outb(0x43, 0xb6);
	outb(0x42, 100);
	outb(0x42, 0);
	base = fake.now * DM_PIT_HZ / 1000000000ull;
	CHECK(out2());
	at(tick_ns(base + 10));
	CHECK(out2() && read16(0x42) == 80);
	at(tick_ns(base + 49));
	CHECK(out2());
	at(tick_ns(base + 50));
	CHECK(!out2() && read16(0x42) == 100);
	at(tick_ns(base + 100));
	CHECK(out2());
	/* Gate low in mode 3: OUT high, counting stops; rising edge restarts. */
	at(tick_ns(base + 160));
	CHECK(!out2());
	outb(0x61, 0x00);
	CHECK(out2());
	outb(0x61, 0x01);
	base = fake.now * DM_PIT_HZ / 1000000000ull;
	at(tick_ns(base + 50));
	CHECK(!out2());
	/* Mode 2, N = 10: low for exactly the tick where the count is 1. */
	outb(0x43, 0xb4);
	outb(0x42, 10);
	outb(0x42, 0);
	base = fake.now * DM_PIT_HZ / 1000000000ull;
	at(tick_ns(base + 8));
	CHECK(out2() && read16(0x42) == 2);
	at(tick_ns(base + 9));
	CHECK(!out2() && read16(0x42) == 1);
	at(tick_ns(base + 10));
	CHECK(out2() && read16(0x42) == 10);
	/* Mode 4, N = 5: one low tick at zero. */
	outb(0x43, 0xb8);
	outb(0x42, 5);
	outb(0x42, 0);
	base = fake.now * DM_PIT_HZ / 1000000000ull;
	at(tick_ns(base + 4));
	CHECK(out2());
	at(tick_ns(base + 5));
	CHECK(!out2());
	at(tick_ns(base + 6));
	CHECK(out2());
	/* Mode 0 with the gate low: counting waits. */
	outb(0x61, 0x00);
	outb(0x43, 0xb0);
	outb(0x42, 20);
	outb(0x42, 0);
	at(fake.now + 100000);
	CHECK(read16(0x42) == 20 && !out2());
	outb(0x61, 0x01);
	base = fake.now * DM_PIT_HZ / 1000000000ull;
	at(tick_ns(base + 5));
	CHECK(read16(0x42) == 15);
	outb(0x61, 0x00);			/* pause at 15 */
	at(fake.now + 1000000);
	CHECK(read16(0x42) == 15);
	/* Mode 1: the gate's rising edge triggers; OUT low for N ticks. */
	outb(0x43, 0xb2);
	outb(0x42, 40);
	outb(0x42, 0);
	CHECK(out2());
	at(fake.now + 100000);
	CHECK(out2());
	outb(0x61, 0x01);
	base = fake.now * DM_PIT_HZ / 1000000000ull;
	CHECK(!out2());
	at(tick_ns(base + 39));
	CHECK(!out2() && read16(0x42) == 1);
	at(tick_ns(base + 40));
	CHECK(out2());
	/* Mode 0: the first byte of a two-byte count stops counting, OUT low. */
	outb(0x43, 0xb0);
	outb(0x42, 3);
	outb(0x42, 0);
	at(fake.now + 1000000);
	CHECK(out2());
	outb(0x42, 9);
	CHECK(!out2());
}

/* Channel 0: SeaBIOS's 18.2 Hz tick (mode 2, count 0 = 65536). */
static void test_ch0_periodic(void)
{
	setup();
	outb(0x43, 0x34);
	outb(0x40, 0);
	outb(0x40, 0);
	at(54925402 - 1);			/* tick 65536 */
	CHECK(fake.isa_edges[0] == 0);
	at(54925402);
	CHECK(fake.isa_edges[0] == 1 && fake.isa_level[0] == 0);	/* a pulse */
	at(1000000000);
	CHECK(fake.isa_edges[0] == 18);
	at(10000000000ull);
	CHECK(fake.isa_edges[0] == 182);	/* 11931820 / 65536 */
	/* Missed edges coalesce: a late timer delivers one pulse and re-arms
	 * at the next boundary (the fake fires due timers; move the clock
	 * past several periods without firing to model a stall). */
	uint64_t next = fake.timers[0]->deadline_ns;
	fake.now = next + 5 * 54925402ull;
	fake_advance(0);
	CHECK(fake.isa_edges[0] == 183);
	CHECK(fake.ntimers == 1 && fake.timers[0]->deadline_ns > fake.now &&
	      fake.timers[0]->deadline_ns - fake.now <= 54925402);
	/* The count keeps exact time: reprogram, latch at a known tick. */
	outb(0x43, 0x34);
	CHECK(fake.ntimers == 0);		/* control word stops it */
	outb(0x40, 0x9c);
	outb(0x40, 0x2e);			/* 11932: Linux's LATCH for HZ=100 */
	uint64_t base = fake.now * DM_PIT_HZ / 1000000000ull;
	unsigned e = fake.isa_edges[0];
	at(tick_ns(base + 11932 * 100) - 1);
	CHECK(fake.isa_edges[0] - e == 99);
	at(tick_ns(base + 11932 * 100));
	CHECK(fake.isa_edges[0] - e == 100);
	outb(0x43, 0x00);			/* latch channel 0 */
	CHECK(read16(0x40) == 11932);
}

/* Count 1 in mode 2 must not make 1.19 million callbacks a second. */
static void test_ch0_floor(void)
{
	setup();
	outb(0x43, 0x34);
	outb(0x40, 1);
	outb(0x40, 0);
	at(1000000000);
	CHECK(fake.isa_edges[0] == 1000000000 / DM_PIT_FLOOR_NS);
	/* Mode 0 one-shot: one pulse, no timer after it. */
	setup();
	outb(0x43, 0x30);
	outb(0x40, 0xe8);
	outb(0x40, 0x03);			/* 1000 */
	at(838096 - 1);
	CHECK(fake.isa_edges[0] == 0);
	at(838096);
	CHECK(fake.isa_edges[0] == 1 && fake.ntimers == 0);
	at(100000000);
	CHECK(fake.isa_edges[0] == 1);
	/* Mode 4: one pulse when OUT returns high at N + 1. */
	outb(0x43, 0x38);
	outb(0x40, 10);
	outb(0x40, 0);
	at(fake.now + 1000000);
	CHECK(fake.isa_edges[0] == 2 && fake.ntimers == 0);
	/* Mode 1 on channel 0 never triggers (its gate is tied high). */
	outb(0x43, 0x32);
	outb(0x40, 10);
	outb(0x40, 0);
	at(fake.now + 1000000);
	CHECK(fake.isa_edges[0] == 2 && fake.ntimers == 0);
}

static void test_port61(void)
{
	setup();
	outb(0x61, 0x0f);
	CHECK((inb(0x61) & 0xcf) == 0x0f);
	outb(0x61, 0xf0);
	CHECK((inb(0x61) & 0xcf) == 0x00);	/* 4-7 read-only, IOCHK/SERR 0 */
	at(15085 * 10);
	uint8_t a = inb(0x61) & 0x10;
	at(15085 * 11);
	CHECK((inb(0x61) & 0x10) != a);		/* refresh toggle */
	at(15085 * 11 + 15000);
	CHECK((inb(0x61) & 0x10) != a);
	at(15085 * 12);
	CHECK((inb(0x61) & 0x10) == a);
}

static void test_fuzz(void)
{
	static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x43, 0x61 };
	uint64_t x = 99, t0;

	setup();
	t0 = fake.now;
	for (unsigned n = 0; n < 200000; n++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint16_t port = ports[(x >> 33) % 6];

		switch ((x >> 60) & 3) {
		case 0: outb(port, (uint8_t)(x >> 8)); break;
		case 1: inb(port); break;
		case 2: io_write(port, 4, x >> 8); io_read(port, 2); break;
		default: fake_advance((x >> 16) & 0xfffff); break;
		}
	}
	/* Never more IRQ0 pulses than the floor allows. */
	CHECK(fake.isa_edges[0] <= (fake.now - t0) / DM_PIT_FLOOR_NS + 1000);
}

int main(void)
{
	test_linux_calibration();
	test_seabios_calibration();
	test_latch_readback();
	test_access_modes();
	test_modes_out();
	test_ch0_periodic();
	test_ch0_floor();
	test_port61();
	test_fuzz();
	CHECK_DONE("test_dm_pit");
	return 0;
}

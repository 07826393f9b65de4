/* Port 0x92, the 8042 with its answering keyboard (Linux's i8042/atkbd and
 * SeaBIOS's probe sequences), the debug console's line logging, the POST
 * port and the silent ISA DMA ports, and a random fuzz. */
#include "../check.h"
#include "fakes.h"
#include "bus.h"
#include "misc.h"
#include <stdarg.h>

static struct dm_misc misc;
static struct dm_bus *bus;
static struct dm_env env;
static char last_log[512];
static unsigned nlog, longest_debug;

static void t_log(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	nlog++;
	if (!strncmp(last_log, "guest debug: ", 13) && strlen(last_log + 13) > longest_debug)
		longest_debug = (unsigned)strlen(last_log + 13);
}

static uint8_t inb(uint16_t port) { return (uint8_t)dm_bus_read(bus, DM_PIO, port, 1); }
static void outb(uint16_t port, uint8_t v) { dm_bus_write(bus, DM_PIO, port, 1, v); }

static void setup(void)
{
	fake_reset();
	fake.quiet = true;
	env = fake_env;
	env.log = t_log;
	nlog = 0;
	if (bus)
		dm_bus_free(bus);
	bus = dm_bus_new(&env);
	CHECK(dm_misc_init(&misc, &env, bus) == 0);
}

static void test_port92(void)
{
	setup();
	CHECK(inb(0x92) == 0x00);
	outb(0x92, 0x02);
	CHECK(inb(0x92) == 0x02 && fake.shutdown_reason == -1);
	outb(0x92, 0x03);
	CHECK(fake.shutdown_reason == 1);
}

/* Reads one byte once OBF is set, as the drivers poll. */
static int kbc_get(void)
{
	if (!(inb(0x64) & 0x01))
		return -1;
	return inb(0x60);
}

static void test_kbc_controller(void)
{
	setup();
	CHECK(inb(0x64) == 0x14);		/* unlocked, system flag; nothing to read */
	outb(0x64, 0x20);
	CHECK(inb(0x64) == 0x1d);		/* OBF, A2 (command was last) */
	CHECK(fake.isa_level[1] == 1 && fake.isa_edges[1] == 1);
	CHECK(inb(0x60) == 0x45 && fake.isa_level[1] == 0);
	CHECK(kbc_get() == -1 && inb(0x60) == 0x45);	/* empty: last byte again */
	outb(0x64, 0x60);
	outb(0x60, 0x44);			/* interrupts off (Linux's probe) */
	CHECK(!(inb(0x64) & 0x08));		/* data was last */
	outb(0x64, 0xaa);
	CHECK(kbc_get() == 0x55 && fake.isa_edges[1] == 1);
	outb(0x64, 0xab);
	CHECK(kbc_get() == 0x00);
	/* Aux loop-back, then aux disable/enable show in the command byte. */
	outb(0x64, 0xd3);
	outb(0x60, 0x5a);
	CHECK((inb(0x64) & 0x21) == 0x21 && inb(0x60) == 0x5a);
	outb(0x64, 0xa7);
	outb(0x64, 0x20);
	CHECK(kbc_get() == 0x64);
	outb(0x64, 0xa8);
	outb(0x64, 0x20);
	CHECK(kbc_get() == 0x44);
	outb(0x64, 0xa9);
	CHECK(kbc_get() == 0x00);
	/* With the aux interrupt on, loop-back raises IRQ 12. */
	outb(0x64, 0x60);
	outb(0x60, 0x47);
	outb(0x64, 0xd3);
	outb(0x60, 0xa5);
	CHECK(fake.isa_level[12] == 1 && fake.isa_edges[12] == 1 && fake.isa_level[1] == 0);
	CHECK(kbc_get() == 0xa5 && fake.isa_level[12] == 0);
	/* No mouse: anything sent to it is NAKed, from the aux side. */
	outb(0x64, 0xd4);
	outb(0x60, 0xf2);
	CHECK((inb(0x64) & 0x20) && kbc_get() == 0xfe && fake.isa_edges[12] == 2);
	/* 0xad/0xae toggle command byte bit 4. */
	outb(0x64, 0xad);
	outb(0x64, 0x20);
	CHECK(kbc_get() == 0x57);
	outb(0x64, 0xae);
	/* Output port, A20, reset lines. */
	outb(0x64, 0xd0);
	CHECK(kbc_get() == 0x03);
	outb(0x64, 0xdd);
	outb(0x64, 0xd0);
	CHECK(kbc_get() == 0x01);
	outb(0x64, 0xd1);
	outb(0x60, 0x03);
	CHECK(fake.shutdown_reason == -1);
	outb(0x64, 0xff);			/* pulse nothing */
	CHECK(fake.shutdown_reason == -1);
	outb(0x64, 0xfe);
	CHECK(fake.shutdown_reason == 1);
	fake.shutdown_reason = -1;
	outb(0x64, 0xd1);
	outb(0x60, 0x02);
	CHECK(fake.shutdown_reason == 1);
	/* Unknown command: ignored, logged once. */
	unsigned n = nlog;
	outb(0x64, 0x05);
	outb(0x64, 0x06);
	CHECK(nlog == n + 1 && kbc_get() == -1);
}

static void test_kbd(void)
{
	setup();
	outb(0x60, 0xff);			/* reset */
	CHECK(kbc_get() == 0xfa && kbc_get() == 0xaa && kbc_get() == -1);
	CHECK(fake.isa_edges[1] == 2);		/* one edge per byte */
	outb(0x60, 0xf2);			/* identify */
	CHECK(kbc_get() == 0xfa && kbc_get() == 0xab && kbc_get() == 0x83 && kbc_get() == -1);
	CHECK(fake.isa_edges[1] == 5 && fake.isa_level[1] == 0);
	outb(0x60, 0xed);			/* LEDs + argument */
	CHECK(kbc_get() == 0xfa);
	outb(0x60, 0x02);
	CHECK(kbc_get() == 0xfa);
	outb(0x60, 0xf0);			/* scan set query */
	outb(0x60, 0x00);
	CHECK(kbc_get() == 0xfa && kbc_get() == 0xfa && kbc_get() == 0x02);
	outb(0x60, 0xf0);
	outb(0x60, 0x01);
	outb(0x60, 0xf0);
	outb(0x60, 0x00);
	CHECK(kbc_get() == 0xfa && kbc_get() == 0xfa && kbc_get() == 0xfa && kbc_get() == 0xfa);
	CHECK(kbc_get() == 0x01);
	outb(0x60, 0xf3);
	outb(0x60, 0x20);
	outb(0x60, 0xf4);
	outb(0x60, 0xf5);
	outb(0x60, 0xee);
	outb(0x60, 0x01);
	CHECK(kbc_get() == 0xfa && kbc_get() == 0xfa && kbc_get() == 0xfa && kbc_get() == 0xfa);
	CHECK(kbc_get() == 0xee && kbc_get() == 0xfe && kbc_get() == -1);
	/* A full queue drops, logs once. */
	unsigned n = nlog;
	for (unsigned i = 0; i < 20; i++)
		outb(0x60, 0xf4);
	CHECK(nlog == n + 1);
	for (unsigned i = 0; i < DM_KBC_QUEUE; i++)
		CHECK(kbc_get() == 0xfa);
	CHECK(kbc_get() == -1);
}

static void test_debugcon(void)
{
	setup();
	CHECK(inb(0x402) == 0xe9 && inb(0xe9) == 0xe9);
	for (const char *s = "SeaBIOS (version x)\r\n"; *s; s++)
		outb(0x402, (uint8_t)*s);
	CHECK(!strcmp(last_log, "guest debug: SeaBIOS (version x)"));
	unsigned n = nlog;
	outb(0x402, '\n');			/* empty lines are not logged */
	CHECK(nlog == n);
	outb(0xe9, 'a');
	outb(0x402, 'b');
	outb(0xe9, '\n');
	CHECK(!strcmp(last_log, "guest debug: a"));
	outb(0x402, 0x01);
	outb(0x402, '\\');
	outb(0x402, 0xff);
	outb(0x402, '\n');
	CHECK(!strcmp(last_log, "guest debug: b\\x01\\x5c\\xff"));
	dm_bus_write(bus, DM_PIO, 0xe9, 2, 'h' | 'i' << 8);
	outb(0xe9, '\n');
	CHECK(!strcmp(last_log, "guest debug: hi"));
	n = nlog;
	for (unsigned i = 0; i < 500; i++)
		outb(0x402, 'x');
	outb(0x402, '\n');
	CHECK(nlog == n + 3 && longest_debug <= DM_MISC_LINE);
}

static void test_post_dma(void)
{
	setup();
	unsigned n = nlog;
	outb(0x80, 0x55);
	CHECK(inb(0x80) == 0xff);
	CHECK(inb(0x08) == 0x00 && inb(0xd0) == 0x00 && inb(0x0f) == 0x00 && inb(0xdf) == 0x00);
	outb(0x0b, 0x44);
	outb(0xd6, 0xc0);
	outb(0x81, 0x12);
	outb(0x8f, 0x34);
	outb(0x48b, 0x56);
	CHECK(inb(0x81) == 0x12 && inb(0x8f) == 0x34 && inb(0x48b) == 0x56 && inb(0x482) == 0);
	CHECK(dm_bus_read(bus, DM_PIO, 0x8e, 2) == 0x3400);
	CHECK(dm_bus_read(bus, DM_PIO, 0x8f, 4) == 0x34);	/* clipped at the end */
	CHECK(nlog == n);			/* nothing unclaimed, nothing logged */
}

static void test_fuzz(void)
{
	static const uint16_t ports[] = { 0x60, 0x64, 0x64, 0x92, 0x402, 0xe9, 0x80, 0x00, 0x0c,
					  0xc0, 0xdf, 0x81, 0x8f, 0x480, 0x48f };
	uint64_t x = 8042;

	setup();
	for (unsigned n = 0; n < 200000; n++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint16_t port = ports[(x >> 33) % 15];
		unsigned size = 1u << ((x >> 40) & 3);

		if (size > 4)
			size = 4;
		if ((x >> 60) & 1)
			dm_bus_write(bus, DM_PIO, port, size, x >> 8);
		else
			dm_bus_read(bus, DM_PIO, port, size);
		CHECK(misc.kbc_len <= DM_KBC_QUEUE);
		CHECK(fake.isa_level[1] + fake.isa_level[12] <= 1);
	}
	CHECK(longest_debug <= DM_MISC_LINE);
	dm_bus_free(bus);
	bus = NULL;
}

int main(void)
{
	test_port92();
	test_kbc_controller();
	test_kbd();
	test_debugcon();
	test_post_dma();
	test_fuzz();
	CHECK_DONE("test_dm_misc");
	return 0;
}

/* The 8259A pair: ICW sequence, priority and nesting, EOI (specific,
 * non-specific, rotating), masking, cascade, edge vs level (ELCR), auto-EOI,
 * poll mode, special mask mode, spurious vectors, and a random fuzz. */
#include "../check.h"
#include "fakes.h"
#include "bus.h"
#include "pic.h"

static struct dm_bus *bus;

static uint64_t io_read(uint64_t port, unsigned size) { return dm_bus_read(bus, DM_PIO, port, size); }
static void io_write(uint64_t port, unsigned size, uint64_t v) { dm_bus_write(bus, DM_PIO, port, size, v); }

static uint8_t inb(uint16_t port) { return (uint8_t)io_read(port, 1); }
static void outb(uint16_t port, uint8_t v) { io_write(port, 1, v); }

static struct dm_pic pic;

/* SeaBIOS's programming: master base 0x08, slave 0x70, ICW4 x86 mode. */
static void setup(uint8_t icw4)
{
	fake_reset();
	fake.quiet = true;
	dm_bus_free(bus);
	bus = dm_bus_new(&fake_env);
	CHECK(dm_pic_init(&pic, &fake_env, bus) == 0);
	outb(0x20, 0x11); outb(0x21, 0x08); outb(0x21, 0x04); outb(0x21, icw4);
	outb(0xa0, 0x11); outb(0xa1, 0x70); outb(0xa1, 0x02); outb(0xa1, icw4);
}

static uint8_t read_irr(uint16_t cmd) { outb(cmd, 0x0a); return inb(cmd); }
static uint8_t read_isr(uint16_t cmd) { outb(cmd, 0x0b); return inb(cmd); }
static void pulse(unsigned irq) { dm_pic_set_irq(&pic, irq, 1); dm_pic_set_irq(&pic, irq, 0); }

static void test_uninitialized(void)
{
	fake_reset();
	fake.quiet = true;
	dm_bus_free(bus);
	bus = dm_bus_new(&fake_env);
	CHECK(dm_pic_init(&pic, &fake_env, bus) == 0);
	pulse(0);
	CHECK(fake.nextints == 0);	/* no vector base yet */
	/* ICW1 forgets the edge; after init nothing is pending. */
	outb(0x20, 0x11); outb(0x21, 0x08); outb(0x21, 0x04); outb(0x21, 0x01);
	CHECK(fake.nextints == 0);
	CHECK(inb(0x21) == 0x00);	/* ICW1 cleared IMR */
}

static void test_priority_eoi(void)
{
	setup(0x01);
	pulse(1);
	CHECK(fake.nextints == 1 && fake.extints[0] == 0x09);
	pulse(0);			/* higher: nests */
	CHECK(fake.nextints == 2 && fake.extints[1] == 0x08);
	pulse(3);			/* lower than both in service */
	CHECK(fake.nextints == 2);
	CHECK(read_irr(0x20) == 0x08);
	CHECK(read_isr(0x20) == 0x03);
	CHECK(inb(0x20) == 0x03);	/* the read selection sticks */
	outb(0x20, 0x20);		/* non-specific EOI: IR0 */
	CHECK(read_isr(0x20) == 0x02 && fake.nextints == 2);
	outb(0x20, 0x61);		/* specific EOI IR1 */
	CHECK(fake.nextints == 3 && fake.extints[2] == 0x0b);
	CHECK(read_isr(0x20) == 0x08 && read_irr(0x20) == 0x00);
	outb(0x20, 0x63);
	CHECK(read_isr(0x20) == 0x00);
	/* A specific EOI for a level not in service changes nothing. */
	outb(0x20, 0x65);
	CHECK(read_isr(0x20) == 0x00 && fake.nextints == 3);
}

static void test_mask(void)
{
	setup(0x01);
	outb(0x21, 0x10);
	CHECK(inb(0x21) == 0x10);
	pulse(4);
	CHECK(fake.nextints == 0 && read_irr(0x20) == 0x10);
	outb(0x21, 0x00);		/* unmask: the latched edge goes out */
	CHECK(fake.nextints == 1 && fake.extints[0] == 0x0c);
	/* Masking the slave input on the master holds back all of the slave. */
	outb(0x20, 0x20);
	outb(0x21, 0x04);
	pulse(14);
	CHECK(fake.nextints == 1);
	outb(0x21, 0x00);
	CHECK(fake.nextints == 2 && fake.extints[1] == 0x76);
}

static void test_cascade(void)
{
	setup(0x01);
	pulse(8);
	CHECK(fake.nextints == 1 && fake.extints[0] == 0x70);
	CHECK(read_isr(0x20) == 0x04 && read_isr(0xa0) == 0x01);
	pulse(12);
	CHECK(fake.nextints == 1);
	outb(0xa0, 0x20);		/* slave EOI only: master IR2 still in service */
	CHECK(fake.nextints == 1 && read_irr(0xa0) == 0x10);
	pulse(3);			/* master IR3 is below IR2 */
	CHECK(fake.nextints == 1);
	outb(0x20, 0x20);		/* master EOI: IR2 (slave IRQ12) first, then IR3 waits */
	CHECK(fake.nextints == 2 && fake.extints[1] == 0x74);
	outb(0xa0, 0x20); outb(0x20, 0x20);
	CHECK(fake.nextints == 3 && fake.extints[2] == 0x0b);
	/* A slave request pending behind an in-service one survives (IR2 is a level). */
	outb(0x20, 0x20);
	pulse(9);
	pulse(8);			/* higher than 9 on the slave, but IR2 busy */
	CHECK(fake.nextints == 4 && fake.extints[3] == 0x71);
	outb(0xa0, 0x20); outb(0x20, 0x20);
	CHECK(fake.nextints == 5 && fake.extints[4] == 0x70);
}

static void test_level_edge(void)
{
	setup(0x01);
	outb(0x4d0, 0xff);
	outb(0x4d1, 0xff);
	CHECK(inb(0x4d0) == 0xf8 && inb(0x4d1) == 0xde);	/* IRQ0-2, 8, 13 hard-wired edge */
	CHECK(io_read(0x4d0, 2) == 0xdef8);
	outb(0x4d0, 0x00);
	outb(0x4d1, 0x04);		/* IRQ10 level */
	dm_pic_set_irq(&pic, 10, 1);
	CHECK(fake.nextints == 1 && fake.extints[0] == 0x72);
	outb(0xa0, 0x20); outb(0x20, 0x20);
	CHECK(fake.nextints == 2);	/* still asserted: again */
	dm_pic_set_irq(&pic, 10, 0);
	CHECK((read_irr(0xa0) & 0x04) == 0);	/* level: IRR follows the line */
	outb(0xa0, 0x20); outb(0x20, 0x20);
	CHECK(fake.nextints == 2);
	/* Edge: held high, EOI'd: nothing more until the next rising edge. */
	dm_pic_set_irq(&pic, 5, 1);
	CHECK(fake.nextints == 3 && fake.extints[2] == 0x0d);
	outb(0x20, 0x20);
	dm_pic_set_irq(&pic, 5, 1);
	CHECK(fake.nextints == 3);
	dm_pic_set_irq(&pic, 5, 0);
	dm_pic_set_irq(&pic, 5, 1);
	CHECK(fake.nextints == 4);
	outb(0x20, 0x20);
	/* An edge stays latched after the line falls; level mode drops it. */
	outb(0x21, 0x20);
	dm_pic_set_irq(&pic, 5, 0);
	dm_pic_set_irq(&pic, 5, 1);
	dm_pic_set_irq(&pic, 5, 0);
	CHECK((read_irr(0x20) & 0x20) != 0);
	outb(0x4d0, 0x20);		/* level: IRR follows the (low) line */
	CHECK((read_irr(0x20) & 0x20) == 0);
	dm_pic_set_irq(&pic, 5, 1);
	outb(0x21, 0x00);
	CHECK(fake.nextints == 5 && fake.extints[4] == 0x0d);
}

static void test_auto_eoi(void)
{
	setup(0x03);
	pulse(0);
	CHECK(fake.nextints == 1 && read_isr(0x20) == 0x00);
	pulse(0);
	CHECK(fake.nextints == 2);	/* no EOI needed */
	/* Level + auto-EOI: once per evaluation, not a storm. */
	outb(0x4d0, 0x08);
	dm_pic_set_irq(&pic, 3, 1);
	CHECK(fake.nextints == 3 && fake.extints[2] == 0x0b);
	outb(0x21, 0x00);		/* any event: the still-high level again */
	CHECK(fake.nextints == 4);
	dm_pic_set_irq(&pic, 3, 0);
	outb(0x21, 0x00);
	CHECK(fake.nextints == 4);
	/* Rotate in auto-EOI mode: IR0 becomes lowest after service. */
	outb(0x20, 0x80);
	outb(0x21, 0xff);
	pulse(0); pulse(1);
	outb(0x21, 0x00);
	CHECK(fake.nextints == 6 && fake.extints[4] == 0x08 && fake.extints[5] == 0x09);
	outb(0x20, 0x0b);
	outb(0x21, 0xff);
	pulse(0); pulse(4);
	outb(0x21, 0x00);		/* after IR1 served, IR2 highest: IR4 before IR0 */
	CHECK(fake.nextints == 8 && fake.extints[6] == 0x0c && fake.extints[7] == 0x08);
}

static void test_rotation(void)
{
	setup(0x01);
	outb(0x21, 0xff);
	pulse(0); pulse(4);
	outb(0x20, 0xc3);		/* set priority: IR3 lowest, IR4 highest */
	outb(0x21, 0x00);
	CHECK(fake.nextints == 1 && fake.extints[0] == 0x0c);
	outb(0x20, 0xa0);		/* rotate on non-specific EOI: IR4 lowest */
	CHECK(fake.nextints == 2 && fake.extints[1] == 0x08);
	pulse(4);			/* IR4 now below IR0 in service */
	CHECK(fake.nextints == 2);
	outb(0x20, 0xe0);		/* rotate on specific EOI IR0: IR1 highest */
	CHECK(fake.nextints == 3 && fake.extints[2] == 0x0c);
	CHECK(read_isr(0x20) == 0x10);
}

static void test_poll_smm_spurious(void)
{
	setup(0x01);
	pulse(0);
	CHECK(fake.nextints == 1);
	pulse(9);			/* the slave requests, master IR2 is held by IR0 */
	CHECK(fake.nextints == 1);
	outb(0xa0, 0x0c);		/* poll the slave */
	CHECK(inb(0xa0) == 0x81);
	CHECK(read_isr(0xa0) == 0x02 && read_irr(0xa0) == 0x00);
	outb(0x20, 0x0c);
	CHECK(inb(0x21) == 0x00);	/* nothing to poll; poll mode ends with the read */
	CHECK(inb(0x21) == 0x00);	/* IMR */
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	/* Special mask mode: IR3 in service and masked lets IR5 through. */
	pulse(3);
	CHECK(fake.nextints == 2 && fake.extints[1] == 0x0b);
	pulse(5);
	CHECK(fake.nextints == 2);
	outb(0x20, 0x68);		/* set SMM */
	outb(0x21, 0x08);
	CHECK(fake.nextints == 3 && fake.extints[2] == 0x0d);
	outb(0x20, 0x48);		/* clear SMM */
	/* An INTA with nothing requesting answers IRQ7's vector, ISR untouched. */
	uint8_t isr = read_isr(0x20);
	CHECK(dm_pic_intack(&pic) == 0x0f);
	CHECK(read_isr(0x20) == isr);
	/* ISA IRQ2 is the cascade itself: ignored as an input. */
	pulse(2);
	CHECK(fake.nextints == 3);
	dm_pic_set_irq(&pic, 99, 1);
	CHECK(fake.nextints == 3);
}

static void test_fuzz(void)
{
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	uint64_t x = 7;

	setup(0x01);
	for (unsigned n = 0; n < 200000; n++) {
		unsigned before = fake.nextints;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint16_t port = ports[(x >> 33) % 6];
		unsigned size = 1u << ((x >> 40) & 3);

		switch ((x >> 60) & 3) {
		case 0: io_write(port, size > 4 ? 4 : size, x >> 8); break;
		case 1: io_read(port, size > 4 ? 4 : size); break;
		default: dm_pic_set_irq(&pic, (unsigned)(x >> 20) & 31, (int)(x >> 50) & 1); break;
		}
		CHECK(fake.nextints - before <= 32);	/* bounded per event */
	}
}

int main(void)
{
	test_uninitialized();
	test_priority_eoi();
	test_mask();
	test_cascade();
	test_level_edge();
	test_auto_eoi();
	test_rotation();
	test_poll_smm_spurious();
	test_fuzz();
	CHECK_DONE("test_dm_pic");
	return 0;
}

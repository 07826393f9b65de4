/* uart.c: a 16550A as Linux's 8250 driver probes and drives it: IER/IIR
 * (THRE test), loopback, FIFO probe and trigger levels, divisor latch,
 * RX data/timeout interrupts, backlog, OUT2 gating, batched TX. */
#include "bus.h"
#include "check.h"
#include "fakes.h"
#include "uart.h"

#define COM1 0x3f8
#define IRQ 4

static struct dm_bus *bus;
static struct dm_uart *u;
static uint8_t txd[8192];
static size_t txn;
static unsigned tx_calls;

static void tx(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	tx_calls++;
	if (txn + n <= sizeof(txd))
		memcpy(txd + txn, buf, n);
	txn += n;
}

static const struct dm_uart_ops ops = { tx };

static uint8_t in(unsigned reg) { return (uint8_t)dm_bus_read(bus, DM_PIO, COM1 + reg, 1); }
static void out(unsigned reg, uint8_t v) { dm_bus_write(bus, DM_PIO, COM1 + reg, 1, v); }

static void setup(void)
{
	struct dm_env *env = fake_reset();

	fake.quiet = true;
	if (u)
		dm_uart_free(u, bus);
	if (bus)
		dm_bus_free(bus);
	bus = dm_bus_new(env);
	u = dm_uart_init(env, bus, COM1, IRQ, &ops, NULL);
	CHECK(u);
	txn = 0;
	tx_calls = 0;
}

static void test_reset_and_probe(void)
{
	setup();
	CHECK(in(1) == 0 && in(2) == 0x01 && in(3) == 0 && in(4) == 0);
	CHECK(in(5) == 0x60 && in(6) == 0xb0);
	out(7, 0xa5);
	CHECK(in(7) == 0xa5);
	/* autoconfig: IER holds 4 bits, bit 6 (UUE) does not stick */
	out(1, 0x0f);
	CHECK(in(1) == 0x0f);
	out(1, 0xff);
	CHECK(in(1) == 0x0f);
	out(1, 0);
	/* the loopback check: MCR LOOP|RTS|OUT2 reads back CTS|DCD */
	out(4, 0x1a);
	CHECK((in(6) & 0xf0) == 0x90);
	out(4, 0x00);
	CHECK((in(6) & 0xf0) == 0xb0);
	/* FIFO probe: 16550A reports 0xc0 in IIR */
	out(2, 0xe7);
	CHECK((in(2) >> 6) == 3);
	out(3, 0xbf);		/* EFR probe: IIR, not 0 => no 16650 */
	CHECK(in(2) != 0);
	out(3, 0x03);
	out(2, 0x00);
	CHECK((in(2) >> 6) == 0);
	/* no 64-byte FIFO bit */
	out(3, 0x80);
	out(2, 0x21);
	out(3, 0x00);
	CHECK((in(2) & 0x20) == 0);
	/* the divisor latch */
	out(3, 0x83);
	out(0, 0x01);
	out(1, 0x00);
	CHECK(in(0) == 0x01 && in(1) == 0x00);
	out(3, 0x03);
	CHECK(in(1) == 0x00 && in(3) == 0x03);	/* IER again */
	out(3, 0x83);
	CHECK(in(0) == 0x01);
	out(3, 0x03);
}

static void test_thre(void)
{
	setup();
	out(4, 0x0b);				/* DTR RTS OUT2, as Linux */
	CHECK(fake.isa_level[IRQ] == 0);
	/* serial8250_do_startup's THRE test */
	out(1, 0x02);
	CHECK(fake.isa_level[IRQ] == 1);
	CHECK(in(2) == 0x02);			/* THRE, acknowledged by the read */
	CHECK(in(2) == 0x01 && fake.isa_level[IRQ] == 0);
	out(1, 0x00);
	out(1, 0x02);
	CHECK(in(2) == 0x02);			/* re-asserted on re-enable */
	CHECK((in(5) & 0x60) == 0x60);
	/* a THR write re-arms it */
	out(0, 'A');
	CHECK(fake.isa_level[IRQ] == 1 && in(2) == 0x02);
	/* OUT2 gates the line, not the IIR */
	out(1, 0x00);
	out(1, 0x02);
	out(4, 0x03);
	CHECK(fake.isa_level[IRQ] == 0);
	out(4, 0x0b);
	CHECK(fake.isa_level[IRQ] == 1);
	out(1, 0x00);				/* disabling ETBEI drops it */
	CHECK(fake.isa_level[IRQ] == 0 && in(2) == 0x01);
}

static void test_tx(void)
{
	uint8_t big[300];

	setup();
	for (const char *s = "hello\n"; *s; s++)
		out(0, (uint8_t)*s);
	CHECK(tx_calls == 1 && txn == 6 && !memcmp(txd, "hello\n", 6));
	out(0, 'a');
	out(0, 'b');
	CHECK(tx_calls == 1);
	fake_advance(999999);
	CHECK(tx_calls == 1);
	fake_advance(1);
	CHECK(tx_calls == 2 && txn == 8 && !memcmp(txd + 6, "ab", 2));
	out(0, 'c');
	dm_uart_flush(u);
	CHECK(tx_calls == 3 && txd[8] == 'c' && fake.ntimers == 0);
	memset(big, 'x', sizeof(big));
	for (unsigned i = 0; i < sizeof(big); i++)
		out(0, big[i]);
	CHECK(tx_calls == 4 && txn == 9 + 256);
	dm_uart_flush(u);
	CHECK(tx_calls == 5 && txn == 9 + 300);
	/* DLAB writes are no data */
	out(3, 0x80);
	out(0, 'z');
	out(3, 0x00);
	dm_uart_flush(u);
	CHECK(txn == 9 + 300);
}

static void test_loopback(void)
{
	setup();
	out(4, 0x1b);				/* LOOP + OUT2 + DTR + RTS */
	out(1, 0x0f);
	out(0, 'x');
	CHECK((in(5) & 0x01) == 1 && in(0) == 'x' && (in(5) & 0x01) == 0);
	dm_uart_flush(u);
	CHECK(txn == 0);			/* nothing left the chip */
	CHECK(fake.isa_level[IRQ] == 0);	/* loopback keeps OUT2 off the line */
	/* modem status: MSR follows MCR, with deltas */
	in(6);
	out(4, 0x1a);				/* DTR off: DSR falls */
	CHECK(in(2) == 0x02);			/* THRE ranks above modem status */
	CHECK(in(2) == 0x00);			/* THRE acknowledged: MSI next */
	CHECK(in(6) == 0x92);			/* CTS|DCD, DDSR */
	CHECK(in(6) == 0x90 && in(2) == 0x01);
	out(4, 0x1e);				/* OUT1: RI rises ... */
	CHECK(in(6) == 0xd0);
	out(4, 0x1a);				/* ... and its trailing edge counts */
	CHECK(in(6) == 0x94);
	/* external input waits while in loopback */
	dm_uart_rx(u, (const uint8_t *)"ext", 3);
	CHECK((in(5) & 0x01) == 0);
	out(4, 0x0b);
	CHECK((in(5) & 0x01) == 1 && in(0) == 'e');
	CHECK(in(6) & 0x0b);			/* leaving loopback changed CTS/DSR/DCD */
}

static void test_rx_fifo(void)
{
	uint8_t buf[20];
	uint64_t char4;

	setup();
	out(3, 0x03);
	out(4, 0x0b);
	out(2, 0xc7);				/* FIFO on, trigger 14 */
	out(1, 0x01);
	CHECK(in(2) == 0xc1);
	dm_uart_rx(u, (const uint8_t *)"12345", 5);
	CHECK(in(5) == 0x61 && in(2) == 0xc1 && fake.isa_level[IRQ] == 0);
	/* character timeout: 4 chars of 10 bits at 9600 baud (divisor 12) */
	char4 = 4 * (10 * 1000000000ull * 12 / 115200);
	fake_advance(char4 - 1);
	CHECK(in(2) == 0xc1);
	fake_advance(1);
	CHECK(in(2) == 0xcc && fake.isa_level[IRQ] == 1);
	CHECK(in(0) == '1');			/* a read restarts the timeout */
	CHECK(in(2) == 0xc1 && fake.isa_level[IRQ] == 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK(in(0) == '2' + i);
	CHECK(in(5) == 0x60 && fake.ntimers == 0);
	/* above the trigger: data available at once; the backlog refills */
	for (unsigned i = 0; i < 20; i++)
		buf[i] = (uint8_t)('a' + i);
	CHECK(dm_uart_rx(u, buf, 20) == 20);
	CHECK(in(2) == 0xc4 && fake.isa_level[IRQ] == 1);
	for (unsigned i = 0; i < 20; i++)
		CHECK(in(0) == 'a' + i);
	CHECK(in(0) == 0 && in(5) == 0x60 && fake.isa_level[IRQ] == 0);
	/* trigger 4 */
	out(2, 0x41);
	dm_uart_rx(u, (const uint8_t *)"abc", 3);
	CHECK(in(2) == 0xc1);
	dm_uart_rx(u, (const uint8_t *)"d", 1);
	CHECK(in(2) == 0xc4);
	out(2, 0x43);				/* clear RX */
	CHECK(in(5) == 0x60 && in(2) == 0xc1);
	/* FIFOs off: one byte deep, interrupt per byte */
	out(2, 0x00);
	dm_uart_rx(u, (const uint8_t *)"xy", 2);
	CHECK(in(2) == 0x04 && in(0) == 'x' && in(2) == 0x04 && in(0) == 'y');
	CHECK(in(2) == 0x01 && fake.ntimers == 0);
}

static void test_backlog(void)
{
	static uint8_t lots[5000];

	setup();
	out(4, 0x0b);
	out(1, 0x05);				/* RX data + line status */
	for (unsigned i = 0; i < sizeof(lots); i++)
		lots[i] = (uint8_t)i;
	CHECK(dm_uart_rx(u, lots, sizeof(lots)) == DM_UART_BACKLOG);
	CHECK(dm_uart_dropped(u) == sizeof(lots) - DM_UART_BACKLOG);
	CHECK(in(2) == 0x06);			/* overrun first */
	CHECK(in(5) == 0x63);			/* DR, OE; OE clears on read */
	CHECK(in(5) == 0x61 && in(2) == 0x04);
	for (unsigned i = 0; i < DM_UART_BACKLOG; i++)
		if (in(0) != (uint8_t)i)
			CHECK(!"byte order");
	CHECK(in(5) == 0x60 && in(2) == 0x01);
	CHECK(dm_uart_rx(u, lots, 10) == 10);
}

static uint64_t rng = 0xa4093822299f31d0ull;
static uint64_t rnd(void) { return fake_rnd(&rng); }

static void test_fuzz(void)
{
	static const unsigned sizes[] = { 1, 2, 4 };

	setup();
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t r = rnd();
		unsigned size = sizes[r % 3], reg = (r >> 2) & 7;

		switch ((r >> 5) & 7) {
		case 0: case 1: case 2:
			dm_bus_read(bus, DM_PIO, COM1 + reg, size);
			break;
		case 3: case 4:
			dm_bus_write(bus, DM_PIO, COM1 + reg, size, r >> 32);
			break;
		case 5: {
			uint8_t b[64];

			for (unsigned j = 0; j < sizeof(b); j++)
				b[j] = (uint8_t)(r >> j);
			dm_uart_rx(u, b, (r >> 10) % sizeof(b));
			break;
		}
		case 6:
			fake_advance((r >> 10) % 20000000);
			break;
		default:
			if ((r >> 10) & 1)
				dm_uart_flush(u);
			break;
		}
		/* the line agrees with IIR and OUT2 (a read of IIR may ack THRE,
		 * so check through the level only) */
		if (!(i & 1023)) {
			uint8_t iir = in(2), mcr = in(4);

			CHECK((iir & 0x30) == 0);
			if ((iir & 1) || !(mcr & 0x08) || (mcr & 0x10))
				CHECK(fake.isa_level[IRQ] == 0);
		}
	}
	dm_uart_free(u, bus);
	u = NULL;
}

int main(void)
{
	test_reset_and_probe();
	test_thre();
	test_tx();
	test_loopback();
	test_rx_fifo();
	test_backlog();
	test_fuzz();
	dm_bus_free(bus);
	CHECK_DONE("dm_uart");
	return 0;
}

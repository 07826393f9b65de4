/*
 * 16550 UART, polled: the console (console.c) reads it from the timer tick
 * and feeds the transmitter only as fast as it empties, never waiting on it
 * except in uart_tx_sync (panic, flush, sync_console).
 */
#include "uart.h"
#include "cpu.h"

#define THR 0
#define RBR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5

#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define IIR_FIFO_ON 0xc0	/* both bits: a 16550A with working FIFOs */
#define FCR_ENABLE 0x01
#define FCR_RX_TRIGGER_14 0xc0
#define MCR_DTR_RTS 0x03
#define TX_FIFO_16550A 16
#define TX_SPIN_LIMIT 1000000	/* uart_tx_sync: a missing UART must not hang the core */

static u16 uart_base = 0x3f8;
static u32 tx_fifo = 1;		/* bytes THR takes when LSR.THRE is set */
static u32 overruns;		/* LSR.OE seen: bytes the UART itself lost */

static bool fifo_on(void)
{
	return (inb(uart_base + IIR) & IIR_FIFO_ON) == IIR_FIFO_ON;
}

/*
 * Changing FCR's enable bit discards the receiver's contents, on a real
 * 16550 (TL16C550 data sheet, FCR0) and in QEMU, which also refills the
 * holding register from its input as soon as it is read. So no byte may be
 * waiting or in flight when the FIFOs are switched on: with a byte already
 * held (typed or piped in before the core started) they stay off for good
 * and the UART runs as a 16450, one byte at a time.
 */
static void fifo_setup(void)
{
	if (fifo_on())		/* left on by firmware or GRUB: keep its contents */
		outb(uart_base + FCR, FCR_ENABLE | FCR_RX_TRIGGER_14);
	else if (!(inb(uart_base + LSR) & LSR_DR))
		outb(uart_base + FCR, FCR_ENABLE | FCR_RX_TRIGGER_14);
	tx_fifo = fifo_on() ? TX_FIFO_16550A : 1;
}

void uart_init(u16 base, u32 baud, u32 clock_hz, u8 data_bits, char parity, u8 stop_bits)
{
	u8 lcr = (u8)((data_bits - 5) & 3);

	uart_base = base;
	if (stop_bits == 2)
		lcr |= 0x04;
	switch (parity) {
	case 'o': lcr |= 0x08; break;
	case 'e': lcr |= 0x18; break;
	case 'm': lcr |= 0x28; break;
	case 's': lcr |= 0x38; break;
	default: break;
	}
	outb(base + IER, 0);
	if (baud) {
		u32 div = (clock_hz ? clock_hz : 1843200) / (16 * baud);

		outb(base + LCR, LCR_DLAB);
		outb(base + DLL, (u8)div);
		outb(base + DLM, (u8)(div >> 8));
	}
	outb(base + LCR, lcr);
	outb(base + MCR, MCR_DTR_RTS);
	fifo_setup();
}

u32 uart_tx_fifo(void)
{
	return tx_fifo;
}

u32 uart_tx_room(void)
{
	return (inb(uart_base + LSR) & LSR_THRE) ? tx_fifo : 0;
}

void uart_tx(char c)
{
	outb(uart_base + THR, (u8)c);
}

void uart_tx_sync(char c)
{
	for (int spin = 0; !(inb(uart_base + LSR) & LSR_THRE) && spin < TX_SPIN_LIMIT; spin++)
		cpu_relax();
	outb(uart_base + THR, (u8)c);
}

bool uart_rx(char *c)
{
	u8 lsr = inb(uart_base + LSR);

	if (lsr & LSR_OE)	/* reading LSR cleared it: count it now */
		overruns++;
	if (!(lsr & LSR_DR))
		return false;
	*c = (char)inb(uart_base + RBR);
	return true;
}

u32 uart_rx_overruns(void)
{
	return overruns;
}

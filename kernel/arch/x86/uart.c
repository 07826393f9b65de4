/* 16550 UART, polled (the console is synchronous; no receive interrupts yet). */
#include "uart.h"
#include "cpu.h"

#define THR 0
#define RBR 0
#define DLL 0
#define IER 1
#define DLM 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5

#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20

static u16 uart_base = 0x3f8;
/* Bytes that arrived before uart_init: turning the FIFOs on clears them. */
static u8 early_rx[64];
static unsigned early_len, early_pos;

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
	while (early_len < sizeof(early_rx) && (inb(base + LSR) & LSR_DR))
		early_rx[early_len++] = inb(base + RBR);
	outb(base + IER, 0);
	if (baud) {
		u32 div = (clock_hz ? clock_hz : 1843200) / (16 * baud);

		outb(base + LCR, LCR_DLAB);
		outb(base + DLL, (u8)div);
		outb(base + DLM, (u8)(div >> 8));
	}
	outb(base + LCR, lcr);
	outb(base + FCR, 0x05);	/* FIFOs on, transmit cleared; received bytes kept */
	outb(base + MCR, 0x03);	/* DTR, RTS */
}

void uart_putc(char c)
{
	for (int spin = 0; !(inb(uart_base + LSR) & LSR_THRE) && spin < 1000000; spin++)
		cpu_relax();
	outb(uart_base + THR, (u8)c);
}

int uart_getc(void)
{
	if (early_pos < early_len)
		return early_rx[early_pos++];
	if (!(inb(uart_base + LSR) & LSR_DR))
		return -1;
	return inb(uart_base + RBR);
}

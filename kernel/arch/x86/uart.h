/* The 16550 UART the core logs to. */
#ifndef ARCH_X86_UART_H
#define ARCH_X86_UART_H

#include "types.h"

/* baud 0 keeps the firmware's divisor. parity: 'n','o','e','m','s'. */
void uart_init(u16 base, u32 baud, u32 clock_hz, u8 data_bits, char parity, u8 stop_bits);
void uart_putc(char c);
/* A received byte, or -1. */
int uart_getc(void);

#endif

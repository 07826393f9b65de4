/* The 16550 UART the core logs to and reads Dom0's console input from. */
#ifndef ARCH_X86_UART_H
#define ARCH_X86_UART_H

#include "types.h"

/* baud 0 keeps the firmware's divisor. parity: 'n','o','e','m','s'.
 * Switches the FIFOs on unless that could discard a received byte. */
void uart_init(u16 base, u32 baud, u32 clock_hz, u8 data_bits, char parity, u8 stop_bits);
/* The transmit FIFO's depth: 16, or 1 when the FIFOs are off. */
u32 uart_tx_fifo(void);
/* Bytes the transmitter takes now without waiting: 0 or uart_tx_fifo(). */
u32 uart_tx_room(void);
/* Writes a byte; the caller saw room for it. */
void uart_tx(char c);
/* Waits until the transmitter takes c (panic, flush, sync_console). */
void uart_tx_sync(char c);
/* A received byte: false when none is waiting. Never waits. */
bool uart_rx(char *c);
/* Receiver overruns seen so far (bytes the UART dropped before we read them). */
u32 uart_rx_overruns(void);

#endif

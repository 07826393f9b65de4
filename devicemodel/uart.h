/*
 * A 16550A UART (8 ports at base, an ISA IRQ): COM1 is 0x3f8 / IRQ 4.
 * Output leaves through ops->tx in batches (a newline, 256 bytes, 1 ms
 * after the first byte, or dm_uart_flush); input is queued by dm_uart_rx
 * into a 4 KiB backlog that feeds the 16-byte receive FIFO as the guest
 * reads, so nothing is lost while the backlog has room.
 */
#ifndef DM_UART_H
#define DM_UART_H

#include "dm.h"

struct dm_uart_ops {
	void (*tx)(void *ctx, const uint8_t *buf, size_t n);
};

struct dm_uart;

#define DM_UART_BACKLOG 4096

/* NULL on failure (ports taken, no memory). ops and ctx must outlive it. */
struct dm_uart *dm_uart_init(struct dm_env *env, struct dm_bus *bus, uint16_t base,
			     unsigned irq, const struct dm_uart_ops *ops, void *ctx);
/* Flushes, removes its ports and timers, frees it. */
void dm_uart_free(struct dm_uart *u, struct dm_bus *bus);
/* Queues input; returns how many bytes fit (the rest count as dropped and
 * set the overrun bit, as a real line would). */
size_t dm_uart_rx(struct dm_uart *u, const uint8_t *buf, size_t n);
/* Bytes dropped so far for want of backlog. */
uint64_t dm_uart_dropped(const struct dm_uart *u);
/* Hands buffered output to ops->tx now (the main loop may call it after
 * each batch of ioreqs). */
void dm_uart_flush(struct dm_uart *u);

#endif

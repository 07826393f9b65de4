/*
 * The core's console: its log (levels, an in-memory history for `xl dmesg`),
 * guests' console_io lines, Dom0's terminal, and serial input for Dom0.
 * Every byte for the UART waits in one transmit ring (conbuf.c) and is fed
 * to the UART only as fast as it takes bytes, from the writer's path and
 * from the timer tick: no writer waits on the UART (but see sync_console).
 */
#ifndef BULKHEAD_CONSOLE_H
#define BULKHEAD_CONSOLE_H

#include "types.h"
#include "compiler.h"
#include "cmdline.h"

#define CONSOLE_RING_SIZE (16 * 1024)	/* the history (`xl dmesg`) */
#define CONSOLE_TX_SIZE (16 * 1024)	/* the serial transmit ring */
#define CONSOLE_INPUT_SIZE (16 * 1024)	/* serial input not yet read by Dom0 */
/* The level a guest's console_io lines are filed at. Xen files them at
 * debug, so its default guest_loglvl=none/warning hides them; Bulkhead's
 * default rate-limits them instead (issue 6): guest_loglvl=all prints them
 * all, guest_loglvl=none (none/none) silences them. */
#define CONSOLE_GUEST_LEVEL LOG_WARNING

struct vcpu;

void console_init(const struct cmdline_opts *o);
void console_set_levels(int loglvl, int guest_loglvl, int guest_loglvl_rate);
/* One log line at a level: printed as "(XEN) text" when the level passes. */
void log_printf(int level, const char *fmt, ...) __printf(2, 3);
/* One line a guest wrote through console_io (without its newline), printed
 * as "(dN) line" if guest_loglvl lets it through and the transmit ring has
 * room for it; otherwise it is counted and the count printed later. */
void console_guest_line(unsigned domid, const char *s, size_t len);
/* Dom0's terminal output (n <= 128): raw bytes to the UART, not into the
 * history. False, and nothing queued, while the transmit ring is too full. */
bool console_dom0_write(const char *s, size_t n);
/* Sends everything queued, waiting on the UART (power-off, panic). */
void console_flush(void);
/* Copy up to size bytes of the history, oldest first; returns bytes. */
size_t console_ring_read(char *buf, size_t size);
void console_ring_clear(void);

/* From the timer tick on CPU0: moves received bytes to Dom0's input (three
 * CTRL-a in a row switch input between Dom0 and the hypervisor's key
 * handlers), feeds the UART its share of queued output, reports drops. */
void console_poll_input(void);
/* Dom0's reader, one at a time (console_op.c): up to size typed bytes, in
 * order, left queued until console_input_consume takes them. */
size_t console_input_peek(char *buf, size_t size);
void console_input_consume(size_t n);
/* Called when input for Dom0 arrives (VIRQ_CONSOLE). */
extern void (*console_input_notify)(void);
/* Handles a key typed while input goes to the hypervisor ('h' is built in). */
extern void (*console_key_handler)(char key);

/* The console_io hypercall (console_op.c). */
long console_op_hypercall(struct vcpu *v, const u64 *a);

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
bool console_panicking(void);

#define pr_err(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARNING, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif

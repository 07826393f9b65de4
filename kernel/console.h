/* The core's log: levels, a UART, and an in-memory ring (later `xl dmesg`). */
#ifndef BULKHEAD_CONSOLE_H
#define BULKHEAD_CONSOLE_H

#include "types.h"
#include "compiler.h"
#include "cmdline.h"

#define CONSOLE_RING_SIZE (16 * 1024)

void console_init(const struct cmdline_opts *o);
void console_set_levels(int loglvl, int guest_loglvl);
/* One log line at a level: printed as "(XEN) text" when the level passes. */
void log_printf(int level, const char *fmt, ...) __printf(2, 3);
/* Text a guest wrote through console_io, at guest level: "(dN) text". */
void console_guest_write(unsigned domid, const char *s, size_t len);
/* Dom0's terminal output: raw bytes to the UART, not into the log ring. */
void console_puts(const char *s, size_t len);
/* Copy up to size bytes of the ring's oldest-first contents; returns bytes. */
size_t console_ring_read(char *buf, size_t size);
void console_ring_clear(void);
bool console_guest_level_ok(int level);

/* Polls the UART for input (from the timer tick on CPU0): three Ctrl-A in a
 * row switch input between Dom0 and the hypervisor's own key handlers. */
void console_poll_input(void);
/* Dom0 reads what was typed for it: up to size bytes, the count returned. */
size_t console_input_read(char *buf, size_t size);
/* Called when input for Dom0 arrives (VIRQ_CONSOLE). */
extern void (*console_input_notify)(void);
/* Handles a key typed while input goes to the hypervisor ('h' is built in). */
extern void (*console_key_handler)(char key);

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
bool console_panicking(void);

#define pr_err(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARNING, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif

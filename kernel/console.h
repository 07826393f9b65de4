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
/* Raw bytes to the UART and the ring, no prefix or filtering. */
void console_puts(const char *s, size_t len);
/* Copy up to size bytes of the ring's oldest-first contents; returns bytes. */
size_t console_ring_read(char *buf, size_t size);
bool console_guest_level_ok(int level);

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
bool console_panicking(void);

#define pr_err(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARNING, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif

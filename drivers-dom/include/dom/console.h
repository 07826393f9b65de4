/*
 * The domain's console. Dom0 (privileged) writes with console_io, which the
 * core puts raw on the serial line, and reads what is typed with
 * CONSOLEIO_read, woken by VIRQ_CONSOLE when the core has event channels.
 * Other domains use the console ring page named in their start info
 * (public/io/console.h), or console_io (the hypervisor log) if they have none.
 */
#ifndef DOM_CONSOLE_H
#define DOM_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

struct dom_start_info;

/* Start of day: console_io only, until dom_console_init() knows more. */
void dom_console_init(const struct dom_start_info *si);
/* Binds the input event once event channels work (start of day). */
void dom_console_init_events(void);

/* Output through the capture sink if one is set (shell redirection), else out. */
void dom_console_write(const char *s, size_t len);
__attribute__((format(printf, 1, 2))) int dom_printf(const char *fmt, ...);
__attribute__((format(printf, 1, 0))) int dom_vprintf(const char *fmt, va_list ap);
/* Straight to the console, never captured, no allocation (crash reports). */
__attribute__((format(printf, 1, 2))) void dom_console_printk(const char *fmt, ...);

/* What was typed, without waiting: up to len bytes, 0 if none. */
size_t dom_console_read(char *buf, size_t len);
/* The next typed byte; waits (running event and timer handlers) until there is one. */
int dom_console_getc(void);

/* Diverts dom_console_write/dom_printf to sink until called with NULL.
 * Returns the previous sink through *old_fn and *old_arg when they are not NULL. */
typedef void (*dom_console_sink_fn)(void *arg, const char *s, size_t len);
void dom_console_set_capture(dom_console_sink_fn fn, void *arg, dom_console_sink_fn *old_fn,
			     void **old_arg);

#endif

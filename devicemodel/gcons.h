/*
 * The device model's end of its guest's serial console (serial="pty"): a
 * console ring (public/io/console.h) in one of the device model's own pages,
 * named with its event channel in the start info's /hypervisor node
 * (bulkhead,guest-console-pfn / -evtchn). Dom0's console daemon serves it as
 * the guest's console: `xl console NAME` shows what the guest's UART sends
 * and types into what it receives. The ring code is the runtime's
 * (dom/bytering.h); this is only the glue.
 */
#ifndef DM_GCONS_H
#define DM_GCONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dom_start_info;

/* 0, or -ENOENT when the start info has no guest console (serial=0): then
 * writes are dropped and reads return nothing. */
int dm_gcons_init(const struct dom_start_info *si);
/* The guest's output; never blocks: what does not fit the ring is dropped
 * and counted (dm_gcons_dropped), and Dom0 is notified. */
void dm_gcons_write(const void *buf, size_t n);
/* Typed input waiting: up to n bytes, 0 if none. */
size_t dm_gcons_read(void *buf, size_t n);
/* Called (interrupt context) when Dom0 signals: input arrived or output was
 * consumed. fn may be NULL; the UART can also just poll dm_gcons_read. */
void dm_gcons_on_event(void (*fn)(void *arg), void *arg);
/* Bytes dropped because the ring was full, since start. */
uint64_t dm_gcons_dropped(void);
bool dm_gcons_present(void);

#endif

/*
 * Xen-ABI hypercalls from a 64-bit test guest (ABI.md "Hypercalls"): number
 * in RAX, arguments in RDI, RSI, RDX; result in RAX.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "public/xen.h"

#define GUEST_ENOSYS 38 /* Xen errno value; the core's errno.h is not for guests */

/* Picks vmcall or vmmcall by CPU vendor; an unknown vendor gets the page. */
void hypercall_init(void);
/* Asks the hypervisor to fill the hypercall page and calls through it from now on. */
void hypercall_use_page(void);
/* The page (valid after hypercall_use_page), for tests that inspect it. */
const uint8_t *hypercall_page_address(void);

long hypercall3(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3);
long hypercall_console_write(const char *buf, unsigned long len);
long hypercall_sched_op(unsigned long cmd, void *arg);
long hypercall_xen_version(unsigned long cmd, void *arg);
__attribute__((noreturn)) void hypercall_shutdown(uint32_t reason);

#endif

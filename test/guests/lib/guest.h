/*
 * What a C test guest provides and gets. The runtime (entry.S, start.c)
 * enters guest_main() on every vCPU with the IDT loaded and hypercalls
 * working; its return value is the SCHEDOP_shutdown reason.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>
#include "cpu.h"
#include "hypercall.h"
#include "print.h"
#include "trap.h"

/* Defined by each guest: the prefix of its output lines. */
extern const char guest_name[];

/* Defined by each guest. vcpu and domid come from RDI and RSI (ABI.md). */
int guest_main(unsigned int vcpu, unsigned int domid);

#endif

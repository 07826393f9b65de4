/* The CPUID view a guest gets: the host's, filtered, plus Xen's leaves. */
#ifndef BULKHEAD_CPUID_H
#define BULKHEAD_CPUID_H

#include "cpu.h"

struct vcpu;

void cpuid_guest(struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_regs *r);

#endif

/* Bringing up the application processors, and per-CPU start of day. */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include "acpi.h"

#define TRAMPOLINE_BASE 0x8000

/* Makes pcpus[index] this CPU's per-CPU area (GS base). */
void percpu_set(unsigned index);
/* FPU/SSE/XSAVE enables for this CPU. */
void cpu_local_init(void);
/* Starts every CPU in cpus other than this one; each runs ap_main once up. */
void smp_boot(const struct platform_cpus *cpus, void (*ap_main)(void));
/* Host XSAVE feature mask (0 if the CPU has no XSAVE). */
extern u64 xsave_mask;

#endif

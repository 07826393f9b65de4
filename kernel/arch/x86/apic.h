/* The host's local APIC: xAPIC MMIO or x2APIC MSRs, its timer, and IPIs. */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include "types.h"

#define TIMER_HZ 1000

void apic_cpu_init(void);	/* this CPU: enable, spurious vector, timer at TIMER_HZ */
u32 apic_id(void);
void apic_eoi(void);
void apic_send_ipi(u32 apic_id, u8 vector);
void apic_send_nmi_all_but_self(void);
void apic_start_ap(u32 apic_id, u32 start_page);
bool apic_x2apic(void);
/* TSC ticks per millisecond, measured at boot. */
extern u64 tsc_per_ms;
extern u64 boot_tsc;	/* TSC when the core started timing */
void apic_calibrate(void);
void delay_us(u64 us);

#endif

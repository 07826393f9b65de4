/* Per-CPU data, reached through GS base (gs:0 holds the struct's own address). */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include "types.h"
#include "compiler.h"
#include "runq.h"

#define MAX_CPUS 64
#define STACK_SIZE (16 * 1024)

/* GDT layout, identical on every CPU. */
#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_CODE32 0x18
#define GDT_TSS 0x20
#define GDT_ENTRIES 6

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];		/* IST1 NMI, IST2 #DF, IST3 #MC */
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

struct pcpu {
	struct pcpu *self;	/* gs:0; immutable */
	u32 index;		/* 0 = boot CPU; immutable */
	u32 apic_id;		/* immutable */
	u64 stack_top;		/* immutable */
	struct vcpu *current;	/* vCPU being run or last run here; this CPU only */
	void *vendor;		/* vendor's per-CPU state (VMXON region, host save areas) */
	u64 ticks;		/* timer interrupts taken; this CPU only */
	u64 idle_tsc;		/* TSC ticks with no vCPU to run (sched_loop); this CPU only */
	struct runqueue rq;	/* runnable vCPUs; under rq.lock */
	struct vcpu *vcpus;	/* every vCPU placed here, via cpu_next; under rq.lock */
	u64 gdt[GDT_ENTRIES] __aligned(16);
	struct tss64 tss __aligned(16);
	volatile bool online;
};

extern struct pcpu pcpus[MAX_CPUS];
extern unsigned nr_cpus;

static inline struct pcpu *this_cpu(void)
{
	struct pcpu *p;

	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(p));
	return p;
}

#endif

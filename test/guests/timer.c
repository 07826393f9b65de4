/*
 * timer: the x2APIC timer (ABI.md "Local APIC") wakes a halted vCPU.
 * Ten one-shot 10 ms periods, each waited for with sti; hlt. Each wake-up
 * must come with exactly one run of the handler, after the count ran out.
 */
#include "guest.h"

const char guest_name[] = "timer";

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_X2APIC (1u << 10)
#define APIC_BASE_ENABLE (1u << 11)
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SVR 0x80f
#define SVR_ENABLE (1u << 8)
#define SVR_SPURIOUS_VECTOR 0xff
#define MSR_X2APIC_LVT_TIMER 0x832 /* vector 7:0, mask 16, mode 18:17 (0 one-shot) */
#define MSR_X2APIC_INIT_COUNT 0x838
#define MSR_X2APIC_CUR_COUNT 0x839
#define MSR_X2APIC_DIVIDE 0x83e
#define DIVIDE_BY_1 0xb /* Intel SDM Vol. 3A 11.5.4: bits 3,1,0 = 1,1,1 */

#define TIMER_VECTOR 0x40
#define TIMER_COUNT 1000000 /* 10 ms at the 100 MHz timer clock */
#define WAKEUPS 10

static unsigned int timer_irqs; /* written only by the handler */

static void timer_handler(struct trap_frame *frame)
{
	(void)frame;
	timer_irqs++;
	cpu_wrmsr(MSR_X2APIC_EOI, 0);
}

static int fail(const char *what, uint64_t got)
{
	print("timer: %s FAILED (got 0x%lx)\n", what, got);
	return SHUTDOWN_crash;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	uint64_t base = cpu_rdmsr(MSR_APIC_BASE), tsc_start;

	(void)domid;
	if (vcpu != 0 || (base & (APIC_BASE_ENABLE | APIC_BASE_X2APIC | APIC_BASE_BSP)) !=
				 (APIC_BASE_ENABLE | APIC_BASE_X2APIC | APIC_BASE_BSP))
		return fail("apic base", base);

	trap_set_handler(TIMER_VECTOR, timer_handler);
	cpu_wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | SVR_SPURIOUS_VECTOR);
	cpu_wrmsr(MSR_X2APIC_DIVIDE, DIVIDE_BY_1);
	cpu_wrmsr(MSR_X2APIC_LVT_TIMER, TIMER_VECTOR); /* one-shot, unmasked */

	tsc_start = cpu_rdtsc();
	for (unsigned int i = 0; i < WAKEUPS; i++) {
		cpu_wrmsr(MSR_X2APIC_INIT_COUNT, TIMER_COUNT);
		/* sti's interrupt shadow covers hlt: no wake-up is lost in between. */
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");

		unsigned int irqs = __atomic_load_n(&timer_irqs, __ATOMIC_RELAXED);
		if (irqs != i + 1) {
			print("timer: wakeup %u: handler ran %u times in all FAILED\n", i + 1, irqs);
			return SHUTDOWN_crash;
		}
		/* The one-shot count must have run out while the vCPU was halted. */
		uint64_t left = cpu_rdmsr(MSR_X2APIC_CUR_COUNT);
		if (left != 0)
			return fail("current count after wakeup", left);
	}
	print("timer: %u wakeups ok, tsc delta %lu\n", WAKEUPS, cpu_rdtsc() - tsc_start);
	return SHUTDOWN_poweroff;
}

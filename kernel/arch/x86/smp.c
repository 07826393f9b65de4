/* Application processor start-up through INIT-SIPI-SIPI (SDM Vol 3A 8.4). */
#include "smp.h"
#include "percpu.h"
#include "traps.h"
#include "apic.h"
#include "cpu.h"
#include "mm.h"
#include "console.h"
#include "lib.h"

extern const u8 trampoline_start[], trampoline_end[];
extern u64 trampoline_cr3, trampoline_stack, trampoline_entry;

struct pcpu pcpus[MAX_CPUS];
unsigned nr_cpus = 1;
u64 xsave_mask;
static u8 stacks[MAX_CPUS][STACK_SIZE] __aligned(16);
static volatile unsigned booting;	/* index of the CPU coming up */
static void (*ap_continue)(void);

void percpu_set(unsigned index)
{
	struct pcpu *c = &pcpus[index];

	c->self = c;
	c->index = index;
	c->stack_top = (u64)(uintptr_t)&stacks[index][STACK_SIZE];
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)c);
}

void cpu_local_init(void)
{
	struct cpuid_regs r;
	u64 cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	cpuid_count(1, 0, &r);
	if (r.ecx & (1u << 26))
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	if (cr4 & CR4_OSXSAVE) {
		cpuid_count(0xd, 0, &r);
		xsave_mask = ((u64)r.edx << 32 | r.eax) & 0x2ff; /* x87 SSE AVX MPX AVX-512 PKRU */
		xsetbv(0, xsave_mask);
	}
}

static void ap_entry(void)
{
	percpu_set(booting);
	traps_cpu_init();
	cpu_local_init();
	apic_cpu_init();
	this_cpu()->apic_id = apic_id();
	__atomic_store_n(&this_cpu()->online, true, __ATOMIC_RELEASE);
	ap_continue();
	panic("ap_main returned");
}

static bool start_one(unsigned index, u32 id)
{
	struct pcpu *c = &pcpus[index];

	booting = index;
	trampoline_stack = (u64)(uintptr_t)&stacks[index][STACK_SIZE];
	memcpy((void *)(uintptr_t)TRAMPOLINE_BASE, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	apic_start_ap(id, TRAMPOLINE_BASE);
	for (int ms = 0; ms < 500; ms++) {
		if (__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
			return true;
		delay_us(1000);
	}
	return false;
}

void smp_boot(const struct platform_cpus *cpus, void (*ap_main)(void))
{
	u32 self = apic_id();

	ap_continue = ap_main;
	trampoline_cr3 = paging_root();
	trampoline_entry = (u64)(uintptr_t)ap_entry;
	for (u32 i = 0; i < cpus->count && nr_cpus < MAX_CPUS; i++) {
		if (cpus->apic_ids[i] == self)
			continue;
		if (start_one(nr_cpus, cpus->apic_ids[i]))
			nr_cpus++;
		else
			pr_warn("smp: CPU with APIC id %u did not start\n", cpus->apic_ids[i]);
	}
	pr_info("smp: %u CPU%s up\n", nr_cpus, nr_cpus == 1 ? "" : "s");
}

/* The x86 instructions runtime code needs, as inline functions. */
#ifndef DOM_CPU_H
#define DOM_CPU_H

#include <stdint.h>

#define DOM_MSR_FS_BASE 0xc0000100u
#define DOM_MSR_X2APIC_ID 0x802u

/* r[] receives EAX, EBX, ECX, EDX. */
static inline void dom_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	__asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(subleaf));
}

static inline uint64_t dom_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void dom_wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

static inline uint64_t dom_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void dom_cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline uint64_t dom_read_cr(int n)
{
	uint64_t v = 0;

	switch (n) {
	case 0: __asm__ __volatile__("mov %%cr0, %0" : "=r"(v)); break;
	case 2: __asm__ __volatile__("mov %%cr2, %0" : "=r"(v)); break;
	case 3: __asm__ __volatile__("mov %%cr3, %0" : "=r"(v)); break;
	case 4: __asm__ __volatile__("mov %%cr4, %0" : "=r"(v)); break;
	}
	return v;
}

#endif

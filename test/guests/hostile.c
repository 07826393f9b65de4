/*
 * hostile: two million hypercalls with random numbers and random arguments
 * (test/common/hostile.h) from a core test guest; the core must answer each
 * with an error or a harmless success and keep every other domain running.
 */
#include "guest.h"
#include "../common/hostile.h"

const char guest_name[] = "hostile";

#define SCRATCH 0x200000ul	/* 1 MiB of RAM this guest does not otherwise use */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static int intel;

static long hypercall5(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4, r8 __asm__("r8") = a5;
	long ret;

	if (intel)
		__asm__ __volatile__("vmcall" : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
				     "+r"(r8) : "a"(nr) : "memory", "rcx", "r11");
	else
		__asm__ __volatile__("vmmcall" : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
				     "+r"(r8) : "a"(nr) : "memory", "rcx", "r11");
	return ret;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	uint32_t r[4];
	unsigned long ok = 0, errors = 0;

	(void)vcpu;
	cpu_cpuid(0, 0, r);
	intel = r[1] == 0x756e6547;	/* "Genu" */
	rng ^= domid;
	for (unsigned long i = 0; i < HOSTILE_CALLS; i++) {
		uint64_t nr = hostile_next(&rng) % HOSTILE_MAX_NR, a[5];

		for (int k = 0; k < 5; k++)
			a[k] = hostile_arg(&rng, SCRATCH);
		if (hostile_next(&rng) % 4 == 0)
			a[0] %= 16;	/* plausible sub-command numbers */
		hostile_tame(nr, a);
		if (hypercall5(nr, a[0], a[1], a[2], a[3], a[4]) < 0)
			errors++;
		else
			ok++;
		if ((i + 1) % 500000 == 0)
			print("hostile: %lu calls made\n", i + 1);
	}
	print("hostile: %lu random hypercalls survived (%lu errors, %lu successes)\n", HOSTILE_CALLS,
	      errors, ok);
	return SHUTDOWN_poweroff;
}

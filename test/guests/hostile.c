/*
 * hostile: two million hypercalls with random numbers and random arguments
 * (pseudo-random, fixed seed, so a failure replays). The core must answer
 * every one with an error or a harmless success and keep every other domain
 * running. Calls that would legitimately end or freeze this guest (shutdown,
 * block, poll; console writes of random garbage; operations that write our own
 * memory at a frame we do not choose) are redirected so that it survives to report; everything else, including pointers aimed at unmapped
 * memory, at its own page tables' neighbourhood or at a scratch buffer, goes
 * through unchanged.
 */
#include "guest.h"

const char guest_name[] = "hostile";

#define CALLS 2000000ul
#define SCRATCH 0x200000ul	/* 1 MiB of RAM this guest does not otherwise use */
#define SCRATCH_SIZE 0x100000ul

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static int intel;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* An argument: a random word, a small number, or a pointer into scratch / elsewhere. */
static uint64_t arg(void)
{
	switch (next() % 5) {
	case 0: return next();
	case 1: return next() % 64;
	case 2: return SCRATCH + next() % (SCRATCH_SIZE - 4096);
	case 3: return (next() % 0x100000000ull) & ~7ull;	/* anywhere below 4 GiB */
	default: return (uint64_t)-(int64_t)(next() % 16);
	}
}

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

/* Keeps this guest alive and quiet: see the file comment. */
static void tame(uint64_t nr, uint64_t *a)
{
	if (nr == __HYPERVISOR_sched_op)
		a[0] = SCHEDOP_yield;
	if (nr == __HYPERVISOR_console_io && a[0] == CONSOLEIO_write)
		a[1] = 0;
	if (nr == __HYPERVISOR_memory_op && (a[0] == 1 || a[0] == 7))
		a[0] = 3;	/* decrease_reservation / add_to_physmap could unmap our code */
	if (nr == __HYPERVISOR_hvm_op)
		a[0] = 1;	/* get_param only: a random callback vector would hit our IDT */
	if (nr == __HYPERVISOR_vcpu_op && a[0] == 10)
		a[0] = 11;	/* register_vcpu_info at a random frame could be our code */
	if (nr == __HYPERVISOR_grant_table_op && a[0] == 5)
		a[0] = 6;	/* a copy into one of our own frames could be our code */
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	uint32_t r[4];
	unsigned long ok = 0, errors = 0;

	(void)vcpu;
	cpu_cpuid(0, 0, r);
	intel = r[1] == 0x756e6547;	/* "Genu" */
	rng ^= domid;
	for (unsigned long i = 0; i < CALLS; i++) {
		uint64_t nr = next() % 72, a[5] = { arg(), arg(), arg(), arg(), arg() };

		if (next() % 4 == 0)
			a[0] %= 16;	/* plausible sub-command numbers */
		tame(nr, a);
		if (hypercall5(nr, a[0], a[1], a[2], a[3], a[4]) < 0)
			errors++;
		else
			ok++;
		if ((i + 1) % 500000 == 0)
			print("hostile: %lu calls made\n", i + 1);
	}
	print("hostile: %lu random hypercalls survived (%lu errors, %lu successes)\n", CALLS,
	      errors, ok);
	return SHUTDOWN_poweroff;
}

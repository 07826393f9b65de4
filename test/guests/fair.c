/*
 * fair: two domains of two vCPUs each run the same fixed amount of work in
 * 20 rounds; the interleaving of their "round" lines shows how fairly the
 * scheduler shares the CPUs. vCPU 0 ends the domain once both are done.
 */
#include "guest.h"

const char guest_name[] = "fair";

#define ROUNDS 20
#define VCPUS 2
#define LOOP_ITERATIONS 1000000ul /* 2 instructions each: 2 million per round */
#define WAIT_FACTOR 8 /* vCPU 0 waits at most 8x its own run time: 3 others could run after it */

static uint32_t vcpus_done; /* atomic */

/* A fixed instruction count, whatever the compiler does. */
static void busy_round(void)
{
	unsigned long n = LOOP_ITERATIONS;

	__asm__ __volatile__("1: dec %0\n\tjnz 1b" : "+r"(n));
}

/* Waits for the other vCPU; fails rather than hang if it never finishes. */
static int wait_for_others(unsigned int domid, uint64_t budget)
{
	uint64_t start = cpu_rdtsc();

	while (__atomic_load_n(&vcpus_done, __ATOMIC_ACQUIRE) < VCPUS) {
		if (cpu_rdtsc() - start > budget) {
			print("fair: dom %u vcpu 0 waited too long FAILED (got %u done)\n", domid,
			      __atomic_load_n(&vcpus_done, __ATOMIC_ACQUIRE));
			return SHUTDOWN_crash;
		}
		cpu_pause();
		hypercall_sched_op(SCHEDOP_yield, 0);
	}
	print("fair: dom %u done\n", domid);
	return SHUTDOWN_poweroff;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	uint64_t start = cpu_rdtsc();

	for (unsigned int round = 1; round <= ROUNDS; round++) {
		busy_round();
		print("fair: dom %u vcpu %u round %u\n", domid, vcpu, round);
	}
	__atomic_fetch_add(&vcpus_done, 1, __ATOMIC_RELEASE);

	if (vcpu == 0)
		return wait_for_others(domid, WAIT_FACTOR * (cpu_rdtsc() - start) + 1000000000ull);

	/* No interrupt is ever sent: this blocks until vCPU 0's shutdown. */
	for (;;)
		hypercall_sched_op(SCHEDOP_block, 0);
}

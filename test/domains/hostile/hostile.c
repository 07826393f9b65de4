/*
 * hostile, the runtime domain: two million random hypercalls
 * (test/common/hostile.h) from a domain xl created, beside Dom0 and whatever
 * else runs. It reports on its console and powers off; the emulator test
 * checks that it did, that the core logged no fault, and that Dom0 and other
 * domains still work afterwards.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/hypercall.h"
#include "dom/start.h"
#include "../../common/hostile.h"

static uint8_t scratch[HOSTILE_SCRATCH_SIZE] __attribute__((aligned(4096)));

int dom_main(const struct dom_start_info *si)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull ^ si->domid;
	unsigned long ok = 0, errors = 0;

	dom_printf("hostile: domid %u: %lu random hypercalls\n", si->domid, HOSTILE_CALLS);
	for (unsigned long i = 0; i < HOSTILE_CALLS; i++) {
		uint64_t nr = hostile_next(&rng) % HOSTILE_MAX_NR, a[5];

		for (int k = 0; k < 5; k++)
			a[k] = hostile_arg(&rng, (uint64_t)(uintptr_t)scratch);
		if (hostile_next(&rng) % 4 == 0)
			a[0] %= 16;	/* plausible sub-command numbers */
		hostile_tame(nr, a);
		if (dom_hypercall5(nr, a[0], a[1], a[2], a[3], a[4]) < 0)
			errors++;
		else
			ok++;
	}
	dom_printf("hostile: %lu random hypercalls survived (%lu errors, %lu successes)\n",
		   HOSTILE_CALLS, errors, ok);
	return 0;
}

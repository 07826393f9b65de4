/* From _start to guest_main(): one-time runtime set-up shared by all vCPUs. */
#include <stdbool.h>
#include "guest.h"

enum start_state { START_NONE, START_BUSY, START_DONE };

/* Every vCPU starts at once (ABI.md); the first one initialises for all. */
static uint32_t start_state = START_NONE;

void guest_start(uint64_t vcpu, uint64_t domid);
__attribute__((noreturn)) void guest_start(uint64_t vcpu, uint64_t domid)
{
	uint32_t expected = START_NONE;

	if (__atomic_compare_exchange_n(&start_state, &expected, START_BUSY, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		hypercall_init();
		trap_init();
		__atomic_store_n(&start_state, START_DONE, __ATOMIC_RELEASE);
	} else {
		while (__atomic_load_n(&start_state, __ATOMIC_ACQUIRE) != START_DONE)
			cpu_pause();
	}
	trap_load();
	hypercall_shutdown((uint32_t)guest_main((unsigned int)vcpu, (unsigned int)domid));
}

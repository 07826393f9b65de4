/*
 * vcpu_op(cmd, vcpuid, arg) (hypercall 24). Written from the published
 * layouts (x86-64). Implemented: VCPUOP_register_vcpu_info, VCPUOP_is_up,
 * the single-shot timer (set/stop, the calling vCPU's own: VIRQ_TIMER at
 * timeout_abs_ns of its pvclock time), VCPUOP_stop_periodic_timer (there is
 * no periodic timer: it succeeds), VCPUOP_register_runstate_memory_area
 * (accepted, never written: no steal time is reported), VCPUOP_send_nmi (an
 * NMI to any vCPU of the caller's domain; arg must be NULL). The others answer
 * -ENOSYS. An unknown vcpuid gets -ENOENT.
 */
#ifndef PUBLIC_VCPU_H
#define PUBLIC_VCPU_H

#include "shared_info.h"

#define VCPUOP_initialise 0
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3			/* returns 1: every vCPU runs from creation */
#define VCPUOP_get_runstate_info 4
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10
#define VCPUOP_send_nmi 11
#define VCPUOP_get_physid 12
#define VCPUOP_register_vcpu_time_memory_area 13

#ifndef __ASSEMBLER__
#include <stdint.h>

/*
 * Move a vCPU's vcpu_info (64 bytes, shared_info.h) out of shared_info into
 * a RAM page of the domain: GFN mfn, byte offset within it (8-byte aligned,
 * offset + 64 <= 4096). Once per vCPU (again: -EBUSY). The current contents
 * are copied over and every event is marked pending once, as in Xen. The
 * page then cannot be given back with decrease_reservation.
 */
struct vcpu_register_vcpu_info {
	uint64_t mfn;		/* IN: a GFN */
	uint32_t offset;	/* IN */
	uint32_t rsvd;		/* IN: 0 */
};

_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "register_vcpu_info");

#define VCPU_SSHOTTMR_future (1u << 0)	/* a timeout in the past fails with -ETIME */
struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;	/* pvclock system time */
	uint32_t flags;
	uint32_t pad;
};

_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16, "set_singleshot_timer");
#endif

#endif

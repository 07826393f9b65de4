/*
 * The pages the core shares with every domain for event delivery, in Xen's
 * x86-64 layout: shared_info (one per domain, mapped with XENMEM_add_to_physmap
 * XENMAPSPACE_shared_info) and vcpu_info (64 bytes per vCPU, in shared_info
 * for vCPUs 0-31 or wherever VCPUOP_register_vcpu_info put it). Also the
 * domain-id constants and scalar types the IPC headers share. Written from
 * the published layout; every offset is checked below.
 *
 * Who writes what: the core sets evtchn_pending bits, evtchn_pending_sel bits
 * and evtchn_upcall_pending with atomic read-modify-writes; the guest clears
 * them (also atomically) and owns evtchn_mask and evtchn_upcall_mask.
 */
#ifndef PUBLIC_SHARED_INFO_H
#define PUBLIC_SHARED_INFO_H

#include "xen.h"

/* Domain ids at and above DOMID_FIRST_RESERVED never name a real domain. */
#define DOMID_FIRST_RESERVED 0x7ff0
#define DOMID_SELF 0x7ff0	/* "the calling domain" wherever a domid is IN */
#define DOMID_INVALID 0x7ff4

#define XEN_LEGACY_MAX_VCPUS 32	/* vcpu_info slots inside shared_info */

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef uint64_t xen_ulong_t;	/* x86-64: 64 bits */
typedef uint64_t xen_pfn_t;	/* a guest frame number (HVM: GPA >> 12) */
typedef uint32_t evtchn_port_t;

/* pvclock time (kernel/vtime.c): ns = system_time + ((tsc - tsc_timestamp)
 * << tsc_shift) * tsc_to_system_mul >> 32 (a negative shift shifts right). */
#define PVCLOCK_TSC_STABLE_BIT (1u << 0)	/* one TSC for every vCPU: no fix-ups */
struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};

struct arch_vcpu_info {
	uint64_t cr2;
	uint64_t pad;
};

struct vcpu_info {
	uint8_t evtchn_upcall_pending;	/* core sets, guest clears */
	uint8_t evtchn_upcall_mask;	/* guest's (PV only; HVM guests leave it 0) */
	uint8_t pad0[6];
	xen_ulong_t evtchn_pending_sel;	/* bit i: some port in evtchn_pending[i] */
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
};

struct arch_shared_info {
	uint64_t max_pfn;
	xen_pfn_t pfn_to_mfn_frame_list_list;
	uint64_t nmi_reason;
	uint64_t p2m_cr3;
	uint64_t p2m_vaddr;
	uint64_t p2m_generation;
};

struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[64];	/* one bit per port: 64 x 64 = 4096 ports */
	xen_ulong_t evtchn_mask[64];
	uint32_t wc_version;		/* wall clock at system time 0: odd while changing */
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	struct arch_shared_info arch;
};

_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info size");
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info size");
_Static_assert(__builtin_offsetof(struct vcpu_info, evtchn_upcall_mask) == 1, "upcall_mask");
_Static_assert(__builtin_offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "pending_sel");
_Static_assert(__builtin_offsetof(struct vcpu_info, arch) == 16, "vcpu_info.arch");
_Static_assert(__builtin_offsetof(struct vcpu_info, time) == 32, "vcpu_info.time");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_pending) == 2048, "evtchn_pending");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_mask) == 2560, "evtchn_mask");
_Static_assert(__builtin_offsetof(struct shared_info, wc_version) == 3072, "wallclock");
_Static_assert(__builtin_offsetof(struct shared_info, arch) == 3088, "shared_info.arch");
_Static_assert(sizeof(struct shared_info) == 3136, "shared_info size");
#endif

#endif

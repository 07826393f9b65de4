/*
 * The hypercall ABI, in Xen's numbering (x86-64: number in RAX, arguments in
 * RDI, RSI, RDX, R10, R8; 32-bit guests: EBX, ECX, EDX, ESI, EDI; result in
 * RAX). Written from the published Xen interface; shared by the core, the
 * runtime, the toolstack and the test guests. Assembly may include this file
 * with __ASSEMBLER__ defined: only the #defines are then seen.
 */
#ifndef PUBLIC_XEN_H
#define PUBLIC_XEN_H

#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_memory_op 12
#define NR_HYPERCALLS 64	/* the hypercall page holds 128 stubs; numbers >= 64 are -ENOSYS */

/* console_io */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* sched_op */
#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2
#define SCHEDOP_poll 3

#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2
#define SHUTDOWN_crash 3
#define SHUTDOWN_watchdog 4
#define SHUTDOWN_soft_reset 5

/* xen_version */
#define XENVER_version 0
#define XENVER_extraversion 1
#define XENVER_compile_info 2
#define XENVER_capabilities 3
#define XENVER_changeset 4
#define XENVER_platform_parameters 5
#define XENVER_get_features 6
#define XENVER_pagesize 7
#define XENVER_commandline 9

#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock 9	/* vcpu_info.time is valid for HVM guests */

/* The version Bulkhead reports: the Xen interface it implements. */
#define BULKHEAD_XEN_MAJOR 4
#define BULKHEAD_XEN_MINOR 17

/* CPUID leaves and MSR of Xen's HVM detection interface (base 0x40000000). */
#define XEN_CPUID_BASE 0x40000000u
#define XEN_CPUID_LAST 0x40000005u
#define XEN_HYPERCALL_PAGE_MSR 0x40000000u
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT (1u << 4)

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef uint16_t domid_t;

/* sched_op(SCHEDOP_shutdown, &arg) */
struct sched_shutdown {
	uint32_t reason; /* IN: SHUTDOWN_* */
};

/* xen_version(XENVER_extraversion, buf) */
typedef char xen_extraversion_t[16];
/* xen_version(XENVER_capabilities / XENVER_commandline, buf) */
typedef char xen_capabilities_info_t[1024];
typedef char xen_commandline_t[1024];

/* xen_version(XENVER_compile_info, &info) */
struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};

/* xen_version(XENVER_platform_parameters, &p) */
struct xen_platform_parameters {
	uint64_t virt_start; /* OUT */
};

/* xen_version(XENVER_get_features, &f) */
struct xen_feature_info {
	uint32_t submap_idx; /* IN: which 32-bit submap */
	uint32_t submap;     /* OUT */
};
#endif

#endif

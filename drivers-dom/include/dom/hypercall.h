/*
 * Hypercalls from runtime domains: Xen's x86-64 convention (RAX number,
 * RDI RSI RDX R10 R8 arguments, result in RAX; negative = -errno with Xen's
 * values, kernel/include/errno.h), issued with vmcall or vmmcall chosen by
 * CPU vendor, or through the hypercall page on an unknown vendor.
 */
#ifndef DOM_HYPERCALL_H
#define DOM_HYPERCALL_H

#include <stdint.h>
#include "public/xen.h"
#include "public/bulkhead.h"

/* Chooses the instruction; the start-of-day code calls it before anything else. */
void dom_hypercall_init(void);
long dom_hypercall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, unsigned long a5);
/* Alias of dom_hypercall5 for code that declares it itself. */
long hypercall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		unsigned long a4, unsigned long a5);

static inline long dom_hypercall_console_io(int cmd, unsigned long count, void *buf)
{
	return dom_hypercall5(__HYPERVISOR_console_io, (unsigned)cmd, count,
			      (unsigned long)buf, 0, 0);
}

static inline long dom_hypercall_sched_op(int cmd, void *arg)
{
	return dom_hypercall5(__HYPERVISOR_sched_op, (unsigned)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long dom_hypercall_xen_version(int cmd, void *arg)
{
	return dom_hypercall5(__HYPERVISOR_xen_version, (unsigned)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long dom_hypercall_memory_op(int cmd, void *arg)
{
	return dom_hypercall5(__HYPERVISOR_memory_op, (unsigned)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long dom_hypercall_hvm_op(int op, void *arg)
{
	return dom_hypercall5(__HYPERVISOR_hvm_op, (unsigned)op, (unsigned long)arg, 0, 0, 0);
}

static inline long dom_hypercall_event_channel_op(int cmd, void *arg)
{
	return dom_hypercall5(__HYPERVISOR_event_channel_op, (unsigned)cmd, (unsigned long)arg,
			      0, 0, 0);
}

static inline long dom_hypercall_grant_table_op(int cmd, void *uop, unsigned int count)
{
	return dom_hypercall5(__HYPERVISOR_grant_table_op, (unsigned)cmd, (unsigned long)uop,
			      count, 0, 0);
}

static inline long dom_hypercall_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return dom_hypercall5(__HYPERVISOR_vcpu_op, (unsigned)cmd, vcpu, (unsigned long)arg, 0, 0);
}

/* Bulkhead's domain control (Dom0 only); fills in cmd's version. */
static inline long dom_hypercall_domctl(struct bh_domctl *d)
{
	d->version = BULKHEAD_DOMCTL_VERSION;
	return dom_hypercall5(__HYPERVISOR_bulkhead_domctl, (unsigned long)d, 0, 0, 0, 0);
}

/* SCHEDOP_shutdown with reason (SHUTDOWN_*); crashes, then halts, if it returns. */
__attribute__((noreturn)) void dom_shutdown(unsigned int reason);

#endif

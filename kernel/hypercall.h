/* Hypercall dispatch, Xen-numbered (public/xen.h). */
#ifndef BULKHEAD_HYPERCALL_H
#define BULKHEAD_HYPERCALL_H

#include "types.h"

struct vcpu;

/* Runs the hypercall in the guest's registers; the result goes to RAX. */
void hypercall_dispatch(struct vcpu *v);
/* Guest wrote Xen's hypercall-page MSR: fill that page with call stubs. */
int hypercall_page_install(struct vcpu *v, u64 val);

#endif

/* Bulkhead's domain-control hypercall for the toolstack (public/bulkhead.h). */
#ifndef BULKHEAD_DOMCTL_H
#define BULKHEAD_DOMCTL_H

#include "types.h"

struct vcpu;

/* __HYPERVISOR_bulkhead_domctl(struct bh_domctl *op): privileged callers only. */
long domctl_hypercall(struct vcpu *v, const u64 *args);

#endif

/* dm_op: the device model's hypercall (public/dmop.h). */
#ifndef BULKHEAD_DMOP_H
#define BULKHEAD_DMOP_H

#include "types.h"

struct vcpu;

long dmop_hypercall(struct vcpu *v, const u64 *a);

#endif

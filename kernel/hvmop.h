/* hvm_op (public/hvm.h): HVM parameters, kept in struct domain's hvm_params. */
#ifndef BULKHEAD_HVMOP_H
#define BULKHEAD_HVMOP_H

#include "types.h"

struct vcpu;

/* hvm_op(cmd, arg): HVMOP_set_param / HVMOP_get_param; others -ENOSYS. */
long hvmop_hypercall(struct vcpu *v, const u64 *a);

#endif

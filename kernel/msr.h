/* Guest MSR accesses that exit: handled here, or #GP. */
#ifndef BULKHEAD_MSR_H
#define BULKHEAD_MSR_H

#include "types.h"

struct vcpu;

/* 0, or -EINVAL when the access must raise #GP in the guest. */
int msr_read(struct vcpu *v, u32 index, u64 *val);
int msr_write(struct vcpu *v, u32 index, u64 val);

#endif

/*
 * Exit forwarding: port I/O and MMIO to non-RAM belong to the domain that
 * serves the guest's devices (its device model). The core never emulates
 * the device; until a server is attached the guest is stopped.
 */
#ifndef BULKHEAD_EXITFWD_H
#define BULKHEAD_EXITFWD_H

#include "virt.h"

struct vcpu;

void exitfwd_io(struct vcpu *v, const struct exit_record *e);
void exitfwd_mmio(struct vcpu *v, const struct exit_record *e);

#endif

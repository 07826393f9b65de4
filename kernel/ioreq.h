/*
 * Exit forwarding to the device model (DESIGN §2, public/hvm/ioreq.h): a
 * port access or an MMIO access of an HVM guest becomes a request in its
 * vCPU's slot; the vCPU blocks until the device model answers, then the
 * instruction completes. MMIO instructions are decoded and executed by the
 * core (mmio.c), so the device model sees only address, size, direction and
 * data; the local APIC page and guest RAM touched by the same instruction
 * are served here without leaving the core.
 */
#ifndef BULKHEAD_IOREQ_H
#define BULKHEAD_IOREQ_H

#include "types.h"

struct vcpu;
struct exit_record;

enum ioreq_wait { IOREQ_WAIT_NONE, IOREQ_WAIT_PIO, IOREQ_WAIT_MMIO };

/* EXIT_IO and EXIT_NPF of an HVM guest. */
void ioreq_pio(struct vcpu *v, const struct exit_record *e);
void ioreq_mmio(struct vcpu *v, const struct exit_record *e);
/* Whether the device model answered v's request. */
bool ioreq_answered(struct vcpu *v);
/* On v's pCPU with its vendor state current: takes the answer and completes
 * the instruction. False when there is no answer yet, or the instruction
 * needs another request (v then waits again). */
bool ioreq_complete(struct vcpu *v);

#endif

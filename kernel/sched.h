/*
 * vCPU scheduling: each pCPU round-robins the vCPUs placed on it with a
 * fixed time slice; blocked vCPUs leave the queue until an event or their
 * timer wakes them. vCPUs are placed once, at creation, and never migrate.
 */
#ifndef BULKHEAD_SCHED_H
#define BULKHEAD_SCHED_H

#include "types.h"

struct vcpu;

#define SCHED_SLICE_TICKS 5	/* ms */

/* The pCPU the next vCPU goes to (spreads vCPUs over all CPUs). */
u32 sched_place(void);
/* Adds a new vCPU to its pCPU, runnable. */
void sched_add(struct vcpu *v);
/* Makes a blocked vCPU runnable; kicks its pCPU if that is another one. */
void sched_wake(struct vcpu *v);
/* The running vCPU blocks (call from its exit handler). */
void sched_block(struct vcpu *v);
/* The same, woken at the latest when the TSC reaches wake_tsc (1 ms resolution). */
void sched_block_until(struct vcpu *v, u64 wake_tsc);
/* The running vCPU gives up the rest of its slice. */
void sched_yield(struct vcpu *v);
/* Makes a pCPU leave the guest it runs (it re-enters after looking around). */
void sched_kick(unsigned cpu);
/* Asks a pCPU to look at dying domains' vCPUs. */
void sched_reap(unsigned cpu);
/* From the timer interrupt. */
void sched_tick(void);
/* idle_poll on the command line: an idle pCPU spins (PAUSE with interrupts
 * open) instead of halting. Set before the APs start. For measuring under
 * an emulator whose clock jumps over a halt (QEMU -icount sleep=off), as
 * Linux's idle=poll; it costs a real machine a spinning core. */
extern bool sched_idle_poll;
/* Each pCPU's loop, never returns. */
__attribute__((noreturn)) void sched_loop(void);

#endif

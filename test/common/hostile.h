/*
 * The random-hypercall engine shared by the hostile test guest (core level,
 * test/guests/hostile.c) and the hostile runtime domain (created by xl,
 * test/domains/hostile/): a fixed-seed xorshift generator, argument shapes,
 * and the few redirections that keep the caller alive to report (shutdown,
 * block and poll would end or freeze it; console writes of garbage; and
 * operations that would overwrite its own memory at a frame it did not pick,
 * or tear down the channels its runtime lives on). Everything else, including
 * pointers at unmapped or foreign addresses, goes through unchanged.
 */
#ifndef TEST_COMMON_HOSTILE_H
#define TEST_COMMON_HOSTILE_H

#include <stdint.h>
#include "public/xen.h"

#define HOSTILE_CALLS 2000000ul
#define HOSTILE_SCRATCH_SIZE 0x100000ul
#define HOSTILE_MAX_NR 72	/* a little past the table: those must be -ENOSYS */

static inline uint64_t hostile_next(uint64_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return *rng;
}

/* A random word, a small number, a pointer into scratch, anywhere below 4 GiB, or -1..-15. */
static inline uint64_t hostile_arg(uint64_t *rng, uint64_t scratch)
{
	switch (hostile_next(rng) % 5) {
	case 0: return hostile_next(rng);
	case 1: return hostile_next(rng) % 64;
	case 2: return scratch + hostile_next(rng) % (HOSTILE_SCRATCH_SIZE - 4096);
	case 3: return (hostile_next(rng) % 0x100000000ull) & ~7ull;
	default: return (uint64_t)-(int64_t)(hostile_next(rng) % 16);
	}
}

static inline void hostile_tame(uint64_t nr, uint64_t *a)
{
	if (nr == __HYPERVISOR_sched_op)
		a[0] = SCHEDOP_yield;
	if (nr == __HYPERVISOR_console_io && a[0] == CONSOLEIO_write)
		a[1] = 0;
	if (nr == __HYPERVISOR_memory_op && (a[0] == 1 || a[0] == 7))
		a[0] = 3;	/* decrease_reservation / add_to_physmap could unmap our code */
	if (nr == __HYPERVISOR_hvm_op)
		a[0] = 1;	/* get_param only: a random callback vector would hit our IDT */
	if (nr == __HYPERVISOR_vcpu_op && a[0] == 10)
		a[0] = 11;	/* register_vcpu_info at a random frame could be our code */
	if (nr == __HYPERVISOR_grant_table_op && (a[0] == 5 || a[0] == 2))
		a[0] = 6;	/* copy into, or setup over, our own frames */
	if (nr == __HYPERVISOR_event_channel_op && (a[0] == 3 || a[0] == 8))
		a[0] = 5;	/* closing or moving the channels our console lives on */
}

#endif

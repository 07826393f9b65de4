/*
 * The random-hypercall engine shared by the hostile test guest (core level,
 * test/guests/hostile.c) and the hostile runtime domain (created by xl,
 * test/domains/hostile/): a fixed-seed xorshift generator, argument shapes,
 * and the few redirections that keep the caller alive to report (shutdown,
 * block and poll would end or freeze it; console writes of garbage; and
 * operations that would overwrite its own memory at a frame it did not pick,
 * or tear down the channels its runtime lives on). Everything else, including
 * pointers at unmapped or foreign addresses, goes through unchanged.
 *
 * Random words rarely make a struct the core gets past its first check (a
 * domid that is DOMID_SELF, a port below 4096), so for the structured
 * operations whose arguments the redirections would otherwise have to
 * forbid outright -- event channels, vcpu_op, hvm_op, SCHEDOP_poll -- the
 * engine writes a plausible struct of its own into the last page of scratch
 * and points the call at it, with the dangerous field values left out (a
 * low port to close, a callback vector, a poll without timeout, a vcpu_info
 * frame that exists). It draws those from a second generator, so the main
 * sequence of numbers and arguments is the same as before.
 */
#ifndef TEST_COMMON_HOSTILE_H
#define TEST_COMMON_HOSTILE_H

#include <stdint.h>
#include "public/xen.h"
#include "public/event_channel.h"
#include "public/hvm.h"
#include "public/vcpu.h"

#define HOSTILE_CALLS 2000000ul
#define HOSTILE_SCRATCH_SIZE 0x100000ul
#define HOSTILE_MAX_NR 72	/* a little past the table: those must be -ENOSYS */
/* The runtime's own channels (console, xenstore, ...) come first: below this. */
#define HOSTILE_KEEP_PORTS 16

/* Where hostile_tame builds its structs (the last page of the caller's
 * scratch, which hostile_arg never points into), and its own generator. */
static uint64_t hostile_struct_page;
static uint64_t hostile_rng2 = 0x2545f4914f6cdd1dull;

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
	hostile_struct_page = scratch + HOSTILE_SCRATCH_SIZE - 4096;
	switch (hostile_next(rng) % 5) {
	case 0: return hostile_next(rng);
	case 1: return hostile_next(rng) % 64;
	case 2: return scratch + hostile_next(rng) % (HOSTILE_SCRATCH_SIZE - 4096);
	case 3: return (hostile_next(rng) % 0x100000000ull) & ~7ull;
	default: return (uint64_t)-(int64_t)(hostile_next(rng) % 16);
	}
}

/* A field value the core has to look at: 0, small, a port (some just past
 * the 4096 limit), a domid (DOMID_SELF, another, a reserved one), or noise. */
static inline uint32_t hostile_plausible(void)
{
	uint64_t r = hostile_next(&hostile_rng2);

	switch (r % 8) {
	case 0: return 0;
	case 1: case 2: return (uint32_t)(r >> 8) % 64;
	case 3: return (uint32_t)(r >> 8) % 4200;
	case 4: return DOMID_SELF;
	case 5: return (uint32_t)(r >> 8) % 8;			/* domids: Dom0, a neighbour */
	case 6: return DOMID_FIRST_RESERVED + (uint32_t)(r >> 8) % 16;
	default: return (uint32_t)(r >> 8);
	}
}

/* 64 bytes of plausible 16- and 32-bit fields at the struct page. */
static inline uint32_t *hostile_struct(void)
{
	uint32_t *w = (uint32_t *)(uintptr_t)hostile_struct_page;

	for (int i = 0; i < 16; i++) {
		uint32_t lo = hostile_plausible();

		/* Half the words hold a domid_t pair, half one 32-bit field. */
		w[i] = hostile_next(&hostile_rng2) & 1 ? lo : (lo & 0xffff) | hostile_plausible() << 16;
	}
	return w;
}

/* EVTCHNOP_*: every command on a plausible struct half of the time; close
 * and bind_vcpu always, and never on the runtime's own low ports. */
static inline void hostile_evtchn(uint64_t *a)
{
	uint32_t *w;

	if (a[0] != EVTCHNOP_close && a[0] != EVTCHNOP_bind_vcpu && hostile_next(&hostile_rng2) & 1)
		return;
	w = hostile_struct();
	if ((a[0] == EVTCHNOP_close || a[0] == EVTCHNOP_bind_vcpu) && w[0] < HOSTILE_KEEP_PORTS)
		w[0] += HOSTILE_KEEP_PORTS;
	a[1] = hostile_struct_page;
}

/* SCHEDOP_poll that cannot block: a timeout already past (1 ns after the
 * core started), ports from anywhere or plausible ones, nr_ports 0..130. */
static inline void hostile_poll(uint64_t *a)
{
	struct sched_poll *sp = (struct sched_poll *)(uintptr_t)hostile_struct_page;
	uint32_t *ports = (uint32_t *)(uintptr_t)(hostile_struct_page + 1024);

	for (int i = 0; i < 130; i++)
		ports[i] = hostile_plausible();
	sp->ports = hostile_next(&hostile_rng2) % 4 ? (uint64_t)(uintptr_t)ports : a[2];
	sp->nr_ports = (uint32_t)(hostile_next(&hostile_rng2) % 131);
	sp->pad = 0;
	sp->timeout = 1;
	a[0] = SCHEDOP_poll;
	a[1] = hostile_struct_page;
}

/* HVMOP_set_param / get_param on plausible (domid, index) pairs; a value for
 * the callback is never a vector that would be delivered (the core must
 * refuse vectors below 16), so the caller's own upcall stays as it is. */
static inline void hostile_hvm(uint64_t *a)
{
	struct xen_hvm_param *p = (struct xen_hvm_param *)(uintptr_t)hostile_struct_page;

	p->domid = (uint16_t)hostile_plausible();
	p->pad = 0;
	p->index = hostile_plausible() % (HVM_NR_PARAMS + 8);
	p->value = hostile_next(&hostile_rng2);
	if (p->index == HVM_PARAM_CALLBACK_IRQ)
		p->value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT |
			   p->value % 16;
	a[1] = hostile_struct_page;
}

/* A hole: GFNs from 2^35 up (128 TiB), under the core's GFN limit, where no
 * random populate_physmap of ours can have put RAM (its GFNs are small,
 * below 2^32, or random 64-bit words). */
#define HOSTILE_HOLE_GFN (1ull << 35)

/* VCPUOP_register_vcpu_info that every check but one lets through: rsvd
 * set, a misaligned or too high offset, a GFN past the p2m, or a hole. */
static inline void hostile_vcpu_info(uint64_t *a)
{
	struct vcpu_register_vcpu_info *r = (void *)(uintptr_t)hostile_struct_page;
	uint64_t pick = hostile_next(&hostile_rng2);

	r->mfn = HOSTILE_HOLE_GFN + pick % 0x1000;
	r->offset = (uint32_t)(pick >> 16) % 4032 & ~7u;
	r->rsvd = 0;
	switch (pick % 4) {
	case 0: r->rsvd = 1; break;
	case 1: r->offset |= 4; break;
	case 2: r->offset = 4096 - 32; break;
	default: r->mfn = pick >> 4 | 1ull << 40; break;
	}
	if (pick >> 62 == 0)
		r->mfn = HOSTILE_HOLE_GFN + pick % 0x1000;	/* all else right: the hole */
	a[2] = hostile_struct_page;
}

static inline void hostile_tame(uint64_t nr, uint64_t *a)
{
	if (nr == __HYPERVISOR_sched_op) {
		a[0] = SCHEDOP_yield;
		if (hostile_next(&hostile_rng2) % 4 == 0)
			hostile_poll(a);
	}
	if (nr == __HYPERVISOR_console_io && a[0] == CONSOLEIO_write)
		a[1] = 0;
	if (nr == __HYPERVISOR_memory_op && (a[0] == 1 || a[0] == 7))
		a[0] = 3;	/* decrease_reservation / add_to_physmap could unmap our code */
	if (nr == __HYPERVISOR_hvm_op) {
		/* Never a random struct: a random callback vector would hit our IDT. */
		a[0] = hostile_next(&hostile_rng2) & 1 ? HVMOP_set_param : HVMOP_get_param;
		hostile_hvm(a);
	}
	if (nr == __HYPERVISOR_vcpu_op && a[0] == VCPUOP_register_vcpu_info)
		hostile_vcpu_info(a);	/* at a random frame it could be our code */
	if (nr == __HYPERVISOR_grant_table_op && (a[0] == 5 || a[0] == 2))
		a[0] = 6;	/* copy into, or setup over, our own frames */
	if (nr == __HYPERVISOR_event_channel_op)
		hostile_evtchn(a);	/* closing or moving the channels our console lives on */
}

#endif

/*
 * What the IPC test pair (ipc-a.c, ipc-b.c) shares: the protocol between
 * them, thin hypercall wrappers and the event helpers. Included once by
 * each of the two guests.
 *
 * A (created first) grants B a page and offers an unbound port; B binds it,
 * maps the grant, checks it, and the two bounce IPC_ROUND_TRIPS
 * notifications (B -> A -> B), each side waiting in SCHEDOP_poll. B then
 * unmaps and sends one last event; A checks its grant is no longer in use.
 */
#ifndef GUEST_IPC_H
#define GUEST_IPC_H

#include <stdbool.h>
#include "guest.h"
#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/hvm.h"
#include "public/memory.h"
#include "public/vcpu.h"

#define IPC_PORT 1			/* A's unbound port: the first free one */
#define IPC_GREF GNTTAB_NR_RESERVED_ENTRIES	/* the first ref not reserved */
#define IPC_ROUND_TRIPS 1000
#define IPC_PATTERN 0x1bc0ffee00000000ull	/* word i of the page holds PATTERN ^ i */
#define IPC_B_MARK 0xb0b0b0b0b0b0b0b0ull	/* B writes it into the last word */
#define IPC_MAP_GPA 0x4000000ul		/* 64 MiB: above B's RAM, unpopulated */
#define IPC_BIND_TRIES 1000000

/*
 * The runtime does not hand RDX (ABI.md: the module's arg=, here the peer's
 * domain id) to guest_main: this stub is the image's first byte (.text.entry
 * comes first and the guest's file precedes entry.S on the link line), keeps
 * RDX and goes on to _start.
 */
extern uint64_t ipc_peer;
uint64_t ipc_peer;
__asm__(".pushsection .text.entry, \"ax\"\n"
	"ipc_entry:\n\t"
	"movq %rdx, ipc_peer(%rip)\n\t"
	"jmp _start\n"
	".popsection");

static inline long evtchn_op(unsigned int cmd, void *arg)
{
	return hypercall3(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0);
}

static inline long gnttab_op(unsigned int cmd, void *uop, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, (unsigned long)uop, count);
}

static inline long memory_op(unsigned int cmd, void *arg)
{
	return hypercall3(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0);
}

static inline long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg);
}

static inline long hvm_op(unsigned int cmd, void *arg)
{
	return hypercall3(__HYPERVISOR_hvm_op, cmd, (unsigned long)arg, 0);
}

static inline uint64_t gfn_of(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p >> 12;
}

/* Puts one of the core's pages (space, idx) at the page p of our RAM. */
static inline long place_page(unsigned int space, unsigned long idx, volatile void *p)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gfn_of(p),
	};

	return memory_op(XENMEM_add_to_physmap, &x);
}

static inline long send(uint32_t port)
{
	struct evtchn_send s = { .port = port };

	return evtchn_op(EVTCHNOP_send, &s);
}

/* Takes the port's pending bit if set (the guest's half of the 2-level ABI). */
static inline int take(volatile struct shared_info *sh, uint32_t port)
{
	uint64_t m = 1ull << (port % 64);

	return (__atomic_fetch_and(&sh->evtchn_pending[port / 64], ~m, __ATOMIC_SEQ_CST) & m) != 0;
}

/* Waits in SCHEDOP_poll until the port is pending, and takes it. */
static inline long wait_port(volatile struct shared_info *sh, uint32_t port)
{
	evtchn_port_t ports[1] = { port };
	struct sched_poll p = { .ports = (uint64_t)(uintptr_t)ports, .nr_ports = 1 };
	long rc;

	while (!take(sh, port))
		if ((rc = hypercall_sched_op(SCHEDOP_poll, &p)))
			return rc;
	return 0;
}

/* Sets up our grant table in table_page (version 1, one frame) and grants
 * our page frame to domid read-only under ref: 0 or the failing status. */
static inline long self_grant_readonly(volatile void *table_page, uint16_t domid, uint32_t ref,
				       const volatile void *frame)
{
	volatile struct grant_entry_v1 *gt = (volatile struct grant_entry_v1 *)table_page;
	struct gnttab_set_version sv = { .version = 1 };
	uint64_t gfn;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = (uint64_t)(uintptr_t)&gfn };
	long rc;

	if ((rc = gnttab_op(GNTTABOP_set_version, &sv, 1)) ||
	    (rc = place_page(XENMAPSPACE_grant_table, 0, table_page)) ||
	    (rc = gnttab_op(GNTTABOP_setup_table, &st, 1)) || (rc = st.status))
		return rc;
	gt[ref].frame = (uint32_t)gfn_of(frame);
	gt[ref].domid = domid;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gt[ref].flags = GTF_permit_access | GTF_readonly;
	return 0;
}

static inline int ipc_fail(const char *what, long got)
{
	print("ipc: %s FAILED (got %ld)\n", what, got);
	return SHUTDOWN_crash;
}

#endif

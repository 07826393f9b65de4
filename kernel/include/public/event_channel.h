/*
 * event_channel_op(cmd, arg) (hypercall 32) and sched_op(SCHEDOP_poll, arg):
 * Xen's 2-level event channels. Written from the published layouts (x86-64).
 * Ports are 1..4095 (port 0 is reserved); a port's pending and mask bits
 * live in the domain's shared_info (shared_info.h).
 */
#ifndef PUBLIC_EVENT_CHANNEL_H
#define PUBLIC_EVENT_CHANNEL_H

#include "shared_info.h"

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_bind_pirq 2		/* -ENOSYS: no physical IRQs reach domains this way */
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_reset 10		/* -ENOSYS */
#define EVTCHNOP_init_control 11	/* -ENOSYS: FIFO ABI absent, guests fall back to 2-level */
#define EVTCHNOP_expand_array 12	/* -ENOSYS */
#define EVTCHNOP_set_priority 13	/* -ENOSYS */

/* Virtual IRQs. V: per vCPU; G: global (bound by the privileged domain only,
 * on vCPU 0, movable with bind_vcpu); D: per domain (vCPU 0). */
#define VIRQ_TIMER 0		/* V */
#define VIRQ_DEBUG 1		/* V */
#define VIRQ_CONSOLE 2		/* G: input arrived for Dom0's console */
#define VIRQ_DOM_EXC 3		/* G: some domain shut down or died */
#define VIRQ_TBUF 4		/* G */
#define VIRQ_DEBUGGER 6		/* G */
#define VIRQ_XENOPROF 7		/* V */
#define VIRQ_CON_RING 8		/* G */
#define VIRQ_PCPU_STATE 9	/* G */
#define VIRQ_MEM_EVENT 10	/* G */
#define VIRQ_ARGO 11		/* D */
#define VIRQ_ENOMEM 12		/* G */
#define VIRQ_XENPMU 13		/* V */
#define VIRQ_ARCH_0 16		/* G on x86 (machine check) */
#define NR_VIRQS 24

/* evtchn_status.status */
#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5

#ifndef __ASSEMBLER__
#include <stdint.h>

/* A new port of `dom` that `remote_dom` may bind. dom: DOMID_SELF, or another
 * domain (privileged callers only); remote_dom: DOMID_SELF = the caller. */
struct evtchn_alloc_unbound {
	domid_t dom;		/* IN */
	domid_t remote_dom;	/* IN */
	evtchn_port_t port;	/* OUT */
};

/* Connect to remote_dom's unbound port that names the caller. */
struct evtchn_bind_interdomain {
	domid_t remote_dom;		/* IN: DOMID_SELF allowed */
	uint16_t pad;
	evtchn_port_t remote_port;	/* IN */
	evtchn_port_t local_port;	/* OUT */
};

struct evtchn_bind_virq {
	uint32_t virq;		/* IN: VIRQ_* */
	uint32_t vcpu;		/* IN: 0 for global and per-domain VIRQs */
	evtchn_port_t port;	/* OUT */
};

struct evtchn_bind_ipi {
	uint32_t vcpu;		/* IN: the vCPU notified */
	evtchn_port_t port;	/* OUT */
};

struct evtchn_close {
	evtchn_port_t port;	/* IN */
};

struct evtchn_send {
	evtchn_port_t port;	/* IN */
};

struct evtchn_status {
	domid_t dom;		/* IN: DOMID_SELF, or another domain (privileged) */
	uint16_t pad;
	evtchn_port_t port;	/* IN */
	uint32_t status;	/* OUT: EVTCHNSTAT_* */
	uint32_t vcpu;		/* OUT: the vCPU notified */
	union {
		struct {
			domid_t dom;
		} unbound;	/* EVTCHNSTAT_unbound: who may bind */
		struct {
			domid_t dom;
			uint16_t pad;
			evtchn_port_t port;
		} interdomain;	/* EVTCHNSTAT_interdomain: the peer */
		uint32_t pirq;
		uint32_t virq;
	} u;			/* OUT */
};

/* Move a port's notifications to another vCPU (not IPI or per-vCPU VIRQ ports). */
struct evtchn_bind_vcpu {
	evtchn_port_t port;	/* IN */
	uint32_t vcpu;		/* IN */
};

struct evtchn_unmask {
	evtchn_port_t port;	/* IN */
};

/* FIFO event channels: always answered -ENOSYS. */
struct evtchn_init_control {
	uint64_t control_gfn;
	uint32_t offset;
	uint32_t vcpu;
	uint8_t link_bits;
	uint8_t pad[7];
};

/*
 * sched_op(SCHEDOP_poll, &poll): block until one of the ports is pending.
 * It returns 0 when woken, which may be early (any event of the domain can
 * wake it): callers re-check their ports. A non-zero timeout is accepted but
 * not armed: the call then yields once and returns 0.
 */
struct sched_poll {
	uint64_t ports;		/* IN: guest-virtual address of evtchn_port_t[nr_ports] */
	uint32_t nr_ports;	/* IN: 1..128 */
	uint32_t pad;
	uint64_t timeout;	/* IN: 0 = none */
};

_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "alloc_unbound");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "bind_interdomain");
_Static_assert(__builtin_offsetof(struct evtchn_bind_interdomain, local_port) == 8, "local_port");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "bind_virq");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "bind_ipi");
_Static_assert(sizeof(struct evtchn_status) == 24, "status");
_Static_assert(__builtin_offsetof(struct evtchn_status, u) == 16, "status.u");
_Static_assert(__builtin_offsetof(struct evtchn_status, u.interdomain.port) == 20, "status port");
_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "bind_vcpu");
_Static_assert(sizeof(struct evtchn_init_control) == 24, "init_control");
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll");
_Static_assert(__builtin_offsetof(struct sched_poll, timeout) == 16, "sched_poll.timeout");
#endif

#endif

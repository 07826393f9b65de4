/*
 * 2-level event channels (dom/evtchn.h): shared_info above RAM, the upcall
 * as an interrupt vector, per-port handlers and counts.
 */
#include "dom.h"
#include "dom/evtchn.h"
#include "dom/gpa.h"
#include "dom/hypercall.h"
#include "dom/trap.h"
#include "dom/error.h"
#include "public/event_channel.h"
#include "public/hvm.h"
#include "public/memory.h"

#define WORD_BITS 64

static struct shared_info *shinfo;
static struct {
	dom_evtchn_fn fn;
	void *arg;
	unsigned int count;	/* events since the last dom_evtchn_take */
} ports[DOM_EVTCHN_PORTS];

bool dom_evtchn_ready(void)
{
	return shinfo != NULL;
}

void *dom_evtchn_shared_info(void)
{
	return shinfo;
}

static bool valid(unsigned int port)
{
	return shinfo && port > 0 && port < DOM_EVTCHN_PORTS;
}

static unsigned int events;	/* every port's events (dom_evtchn_events) */

/* The upcall (Xen's 2-level scan): selector word, then pending & ~mask words. */
static void upcall(struct dom_trap_frame *f, void *arg)
{
	struct vcpu_info *vi = &shinfo->vcpu_info[0];

	(void)f;
	(void)arg;
	while (__atomic_exchange_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST)) {
		xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);

		while (sel) {
			unsigned int w = (unsigned int)__builtin_ctzll(sel);
			xen_ulong_t bits;

			sel &= sel - 1;
			bits = __atomic_load_n(&shinfo->evtchn_pending[w], __ATOMIC_ACQUIRE) &
			       ~__atomic_load_n(&shinfo->evtchn_mask[w], __ATOMIC_ACQUIRE);
			while (bits) {
				unsigned int b = (unsigned int)__builtin_ctzll(bits);
				unsigned int port = w * WORD_BITS + b;

				bits &= bits - 1;
				__atomic_fetch_and(&shinfo->evtchn_pending[w], ~(1ull << b),
						   __ATOMIC_SEQ_CST);
				ports[port].count++;
				__atomic_fetch_add(&events, 1, __ATOMIC_RELEASE);
				if (ports[port].fn)
					ports[port].fn(port, ports[port].arg);
			}
		}
	}
}

int dom_evtchn_init(void)
{
	struct xen_add_to_physmap map = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = dom_gpa_shared_info() >> 12,
	};
	struct xen_hvm_param cb = {
		.domid = DOMID_SELF,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT |
			 DOM_VECTOR_EVENT,
	};
	struct shared_info *s = (struct shared_info *)(uintptr_t)dom_gpa_shared_info();
	long rc;

	if ((rc = dom_hypercall_memory_op(XENMEM_add_to_physmap, &map)))
		return (int)rc;
	for (unsigned int i = 0; i < DOM_EVTCHN_PORTS / WORD_BITS; i++)
		__atomic_store_n(&s->evtchn_mask[i], ~0ull, __ATOMIC_RELEASE);
	dom_irq_set_handler(DOM_VECTOR_EVENT, upcall, NULL);
	shinfo = s;
	if ((rc = dom_hypercall_hvm_op(HVMOP_set_param, &cb))) {
		shinfo = NULL;
		return (int)rc;
	}
	return 0;
}

void dom_evtchn_mask(unsigned int port)
{
	if (valid(port))
		__atomic_fetch_or(&shinfo->evtchn_mask[port / WORD_BITS], 1ull << (port % WORD_BITS),
				  __ATOMIC_SEQ_CST);
}

int dom_evtchn_unmask(unsigned int port)
{
	struct evtchn_unmask op = { .port = port };
	uint64_t bit = 1ull << (port % WORD_BITS);

	if (!valid(port))
		return -EINVAL;
	/* Clear the mask before looking at pending, so that an event arriving
	 * now raises its own upcall. One that arrived while masked raised none:
	 * the core redoes it, but EVTCHNOP_unmask acts only on a port that is
	 * still masked (as Xen's does), so mask it again first. Without that,
	 * the port stayed pending with no selector bit, and every later send to
	 * it was a no-op: the lost notifications Dom0's backends polled around. */
	__atomic_fetch_and(&shinfo->evtchn_mask[port / WORD_BITS], ~bit, __ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&shinfo->evtchn_pending[port / WORD_BITS], __ATOMIC_SEQ_CST) & bit))
		return 0;
	__atomic_fetch_or(&shinfo->evtchn_mask[port / WORD_BITS], bit, __ATOMIC_SEQ_CST);
	return (int)dom_hypercall_event_channel_op(EVTCHNOP_unmask, &op);
}

int dom_evtchn_set_handler(unsigned int port, dom_evtchn_fn fn, void *arg)
{
	if (!valid(port))
		return shinfo ? -EINVAL : -ENOSYS;
	ports[port].arg = arg;
	ports[port].fn = fn;
	return dom_evtchn_unmask(port);
}

/* A port the core just gave us (rc of its hypercall, read before port is):
 * handler on, unmasked; the port or -errno. */
static int bound(long rc, unsigned int port, dom_evtchn_fn fn, void *arg)
{
	if (rc)
		return (int)rc;
	ports[port].count = 0;
	rc = dom_evtchn_set_handler(port, fn, arg);
	return rc ? (int)rc : (int)port;
}

int dom_evtchn_alloc_unbound(uint16_t remote_dom, dom_evtchn_fn fn, void *arg)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote_dom };
	long rc;

	if (!shinfo)
		return -ENOSYS;
	rc = dom_hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);
	return bound(rc, op.port, fn, arg);
}

int dom_evtchn_bind_interdomain(uint16_t remote_dom, unsigned int remote_port,
				dom_evtchn_fn fn, void *arg)
{
	struct evtchn_bind_interdomain op = { .remote_dom = remote_dom,
					      .remote_port = remote_port };

	long rc;

	if (!shinfo)
		return -ENOSYS;
	rc = dom_hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &op);
	return bound(rc, op.local_port, fn, arg);
}

int dom_evtchn_bind_virq(unsigned int virq, dom_evtchn_fn fn, void *arg)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = 0 };
	long rc;

	if (!shinfo)
		return -ENOSYS;
	rc = dom_hypercall_event_channel_op(EVTCHNOP_bind_virq, &op);
	return bound(rc, op.port, fn, arg);
}

/* Needs no shared_info: works from the first console line on. */
int dom_evtchn_notify(unsigned int port)
{
	struct evtchn_send op = { .port = port };

	return (int)dom_hypercall_event_channel_op(EVTCHNOP_send, &op);
}

int dom_evtchn_close(unsigned int port)
{
	struct evtchn_close op = { .port = port };

	if (!valid(port))
		return shinfo ? -EINVAL : -ENOSYS;
	dom_evtchn_mask(port);
	ports[port].fn = NULL;
	ports[port].count = 0;
	return (int)dom_hypercall_event_channel_op(EVTCHNOP_close, &op);
}

unsigned int dom_evtchn_events(void)
{
	return __atomic_load_n(&events, __ATOMIC_ACQUIRE);
}

unsigned int dom_evtchn_take(unsigned int port)
{
	unsigned int n;

	if (port >= DOM_EVTCHN_PORTS)
		return 0;
	n = ports[port].count;
	ports[port].count = 0;
	return n;
}

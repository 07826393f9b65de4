/*
 * Event-channel mechanism (evtchn.h): the port table and Xen's 2-level
 * pending / mask / selector bits. Plain memory only; host-testable.
 */
#include "evtchn.h"
#include "errno.h"
#include "lib.h"

#define WORD_BITS 64

_Static_assert(sizeof(struct evtchn) * EVTCHN_BUCKET_PORTS == PAGE_SIZE, "one bucket per page");
_Static_assert(sizeof(u16[EVTCHN_MAX_VCPUS][NR_VIRQS]) <= PAGE_SIZE, "virq map in one page");
_Static_assert(EVTCHN_MAX_PORTS == 64 * WORD_BITS, "2-level: 64 words of 64 bits");

static void *evtchn_page_alloc(const struct page_ops *p)
{
	paddr_t pa = p->alloc(p->ctx);

	return pa ? p->map(p->ctx, pa) : NULL;
}

/* Mapped pages are the pages' own addresses in the core (identity) and in
 * the host tests' fake allocator alike. */
static void evtchn_page_free(const struct page_ops *p, void *page)
{
	if (page)
		p->free(p->ctx, (paddr_t)(uintptr_t)page);
}

int evtchn_table_init(struct evtchn_table *t, u32 nr_vcpus, const struct page_ops *pages)
{
	memset(t, 0, sizeof(*t));
	if (!nr_vcpus || nr_vcpus > EVTCHN_MAX_VCPUS)
		return -EINVAL;
	t->pages = pages;
	t->nr_vcpus = nr_vcpus;
	t->virq = evtchn_page_alloc(pages);
	t->bucket[0] = evtchn_page_alloc(pages);
	if (!t->virq || !t->bucket[0]) {
		evtchn_table_destroy(t);
		return -ENOMEM;
	}
	t->bucket[0][0].state = ECS_RESERVED;
	return 0;
}

void evtchn_table_destroy(struct evtchn_table *t)
{
	for (u32 b = 0; b < EVTCHN_NR_BUCKETS; b++) {
		evtchn_page_free(t->pages, t->bucket[b]);
		t->bucket[b] = NULL;
	}
	evtchn_page_free(t->pages, t->virq);
	t->virq = NULL;
}

struct evtchn *evtchn_lookup(const struct evtchn_table *t, u32 port)
{
	struct evtchn *b;

	if (port >= EVTCHN_MAX_PORTS)
		return NULL;
	b = t->bucket[port / EVTCHN_BUCKET_PORTS];
	return b ? &b[port % EVTCHN_BUCKET_PORTS] : NULL;
}

u32 evtchn_next_used(const struct evtchn_table *t, u32 after)
{
	for (u32 p = after + 1; p < EVTCHN_MAX_PORTS; p++) {
		const struct evtchn *c = evtchn_lookup(t, p);

		if (!c) {	/* skip the whole missing bucket */
			p = ALIGN_UP(p + 1, EVTCHN_BUCKET_PORTS) - 1;
			continue;
		}
		if (c->state != ECS_FREE && c->state != ECS_RESERVED)
			return p;
	}
	return 0;
}

enum evtchn_virq_type evtchn_virq_type(u32 virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return VIRQ_TYPE_VCPU;
	case VIRQ_ARGO:
		return VIRQ_TYPE_DOMAIN;
	default:
		return VIRQ_TYPE_GLOBAL;
	}
}

/* The lowest free port (never 0), growing the table a bucket at a time. */
static int evtchn_alloc(struct evtchn_table *t, u32 *port)
{
	for (u32 p = 1; p < EVTCHN_MAX_PORTS; p++) {
		u32 b = p / EVTCHN_BUCKET_PORTS;

		if (!t->bucket[b] && !(t->bucket[b] = evtchn_page_alloc(t->pages)))
			return -ENOMEM;
		if (t->bucket[b][p % EVTCHN_BUCKET_PORTS].state == ECS_FREE) {
			*port = p;
			return 0;
		}
	}
	return -ENOSPC;
}

int evtchn_alloc_unbound(struct evtchn_table *t, u16 remote_domid, u32 *port)
{
	struct evtchn *c;
	int rc = evtchn_alloc(t, port);

	if (rc)
		return rc;
	c = evtchn_lookup(t, *port);
	c->state = ECS_UNBOUND;
	c->remote_domid = remote_domid;
	c->notify_vcpu = 0;
	return 0;
}

int evtchn_bind_interdomain(struct evtchn_table *lt, u16 ldomid, void *lowner,
			    struct evtchn_table *rt, u16 rdomid, void *rowner, u32 rport,
			    u32 *lport)
{
	struct evtchn *r = evtchn_lookup(rt, rport), *l;
	int rc;

	if (!r || r->state != ECS_UNBOUND || r->remote_domid != ldomid)
		return -EINVAL;
	rc = evtchn_alloc(lt, lport);
	if (rc)
		return rc;
	l = evtchn_lookup(lt, *lport);
	l->state = ECS_INTERDOMAIN;
	l->remote_domid = rdomid;
	l->remote_port = rport;
	l->peer = rowner;
	l->notify_vcpu = 0;
	r->state = ECS_INTERDOMAIN;
	r->remote_domid = ldomid;
	r->remote_port = *lport;
	r->peer = lowner;
	return 0;
}

int evtchn_bind_virq(struct evtchn_table *t, u32 virq, u32 vcpu, u32 *port)
{
	struct evtchn *c;
	int rc;

	if (virq >= NR_VIRQS || (evtchn_virq_type(virq) != VIRQ_TYPE_VCPU && vcpu != 0))
		return -EINVAL;
	if (vcpu >= t->nr_vcpus)
		return -ENOENT;
	if (t->virq[vcpu][virq])
		return -EEXIST;
	rc = evtchn_alloc(t, port);
	if (rc)
		return rc;
	c = evtchn_lookup(t, *port);
	c->state = ECS_VIRQ;
	c->virq = virq;
	c->notify_vcpu = vcpu;
	t->virq[vcpu][virq] = (u16)*port;
	return 0;
}

int evtchn_bind_ipi(struct evtchn_table *t, u32 vcpu, u32 *port)
{
	int rc;

	if (vcpu >= t->nr_vcpus)
		return -ENOENT;
	rc = evtchn_alloc(t, port);
	if (rc)
		return rc;
	evtchn_lookup(t, *port)->state = ECS_IPI;
	evtchn_lookup(t, *port)->notify_vcpu = vcpu;
	return 0;
}

int evtchn_bind_ioreq(struct evtchn_table *t, u16 guest_domid, u32 guest_vcpu, u32 *port)
{
	int rc = evtchn_alloc(t, port);

	if (rc)
		return rc;
	evtchn_lookup(t, *port)->state = ECS_IOREQ;
	evtchn_lookup(t, *port)->remote_domid = guest_domid;
	evtchn_lookup(t, *port)->virq = guest_vcpu;
	return 0;
}

int evtchn_bind_pirq(struct evtchn_table *t, u32 tag, u32 *port)
{
	int rc = evtchn_alloc(t, port);

	if (rc)
		return rc;
	evtchn_lookup(t, *port)->state = ECS_PIRQ;
	evtchn_lookup(t, *port)->virq = tag;
	return 0;
}

int evtchn_bind_vcpu(struct evtchn_table *t, u32 port, u32 vcpu)
{
	struct evtchn *c;

	if (vcpu >= t->nr_vcpus)
		return -ENOENT;
	c = evtchn_lookup(t, port);
	if (!c)
		return -EINVAL;
	/* Per-vCPU VIRQs and IPIs stay; global VIRQs may move (their map entry
	 * stays at vCPU 0). */
	if (c->state != ECS_UNBOUND && c->state != ECS_INTERDOMAIN &&
	    (c->state != ECS_VIRQ || evtchn_virq_type(c->virq) == VIRQ_TYPE_VCPU))
		return -EINVAL;
	c->notify_vcpu = vcpu;
	return 0;
}

int evtchn_close(struct evtchn_table *t, struct shared_info *sh, u32 port, u16 my_domid,
		 struct evtchn_table *peer)
{
	struct evtchn *c = evtchn_lookup(t, port), *p;

	if (!c || c->state == ECS_FREE || c->state == ECS_RESERVED)
		return -EINVAL;
	if (c->state == ECS_INTERDOMAIN) {
		if (!peer)
			return -EINVAL;
		p = evtchn_lookup(peer, c->remote_port);
		if (p && p->state == ECS_INTERDOMAIN && p->remote_port == port &&
		    p->remote_domid == my_domid) {
			p->state = ECS_UNBOUND;	/* my_domid may bind it again */
			p->remote_port = 0;
			p->peer = NULL;
		}
	} else if (c->state == ECS_VIRQ) {
		u32 vcpu = evtchn_virq_type(c->virq) == VIRQ_TYPE_VCPU ? c->notify_vcpu : 0;

		t->virq[vcpu][c->virq] = 0;
	}
	evtchn_2l_clear_pending(sh, port);
	memset(c, 0, sizeof(*c));
	return 0;
}

/* Guest-shared words: every access atomic, the guest updates them too. */
static bool bit_test_and_set(xen_ulong_t *w, unsigned bit)
{
	u64 m = 1ull << bit;

	return __atomic_fetch_or(w, m, __ATOMIC_SEQ_CST) & m;
}

static bool bit_test_and_clear(xen_ulong_t *w, unsigned bit)
{
	u64 m = 1ull << bit;

	return __atomic_fetch_and(w, ~m, __ATOMIC_SEQ_CST) & m;
}

static bool bit_test(const xen_ulong_t *w, unsigned bit)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST) & (1ull << bit);
}

/* Sets the selector bit, then upcall_pending (Xen's order). */
static unsigned mark_pending(struct vcpu_info *vi, u32 port)
{
	if (bit_test_and_set(&vi->evtchn_pending_sel, port / WORD_BITS))
		return 0;
	return __atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) ? 0 :
										      EVTCHN_UPCALL;
}

unsigned evtchn_2l_set_pending(struct shared_info *sh, struct vcpu_info *vi, u32 port)
{
	if (port >= EVTCHN_MAX_PORTS ||
	    bit_test_and_set(&sh->evtchn_pending[port / WORD_BITS], port % WORD_BITS))
		return 0;
	if (!vi || bit_test(&sh->evtchn_mask[port / WORD_BITS], port % WORD_BITS))
		return EVTCHN_NEWLY_PENDING;
	return EVTCHN_NEWLY_PENDING | mark_pending(vi, port);
}

unsigned evtchn_2l_unmask(struct shared_info *sh, struct vcpu_info *vi, u32 port)
{
	if (port >= EVTCHN_MAX_PORTS ||
	    !bit_test_and_clear(&sh->evtchn_mask[port / WORD_BITS], port % WORD_BITS) ||
	    !bit_test(&sh->evtchn_pending[port / WORD_BITS], port % WORD_BITS) || !vi)
		return 0;
	return mark_pending(vi, port);
}

bool evtchn_2l_is_pending(const struct shared_info *sh, u32 port)
{
	return port < EVTCHN_MAX_PORTS &&
	       bit_test(&sh->evtchn_pending[port / WORD_BITS], port % WORD_BITS);
}

void evtchn_2l_clear_pending(struct shared_info *sh, u32 port)
{
	if (port < EVTCHN_MAX_PORTS)
		bit_test_and_clear(&sh->evtchn_pending[port / WORD_BITS], port % WORD_BITS);
}

unsigned evtchn_2l_mark_all(struct vcpu_info *vi)
{
	__atomic_store_n(&vi->evtchn_pending_sel, ~0ull, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
	return EVTCHN_UPCALL;	/* always: a spurious upcall is harmless, a lost one is not */
}

/* The event-channel mechanism on fake pages: port table states and 2-level bits. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "evtchn.h"
#include "errno.h"

#include "fake_pages.h"
static struct shared_info sh_a, sh_b;
static int owner_a, owner_b;	/* stand-ins for the domains */

#define DOM_A 7
#define DOM_B 8

static void test_unbound_and_interdomain(void)
{
	struct evtchn_table a, b;
	struct evtchn *c;
	u32 p, q, r;

	CHECK(evtchn_table_init(&a, 2, &fake) == 0);
	CHECK(evtchn_table_init(&b, 1, &fake) == 0);
	CHECK(evtchn_lookup(&a, 0)->state == ECS_RESERVED);
	CHECK(evtchn_lookup(&a, EVTCHN_MAX_PORTS) == NULL);
	CHECK(evtchn_lookup(&a, EVTCHN_BUCKET_PORTS) == NULL);	/* bucket not allocated */

	/* The first free port is 1, then 2. */
	CHECK(evtchn_alloc_unbound(&a, DOM_B, &p) == 0 && p == 1);
	CHECK(evtchn_alloc_unbound(&a, DOM_A, &r) == 0 && r == 2);
	c = evtchn_lookup(&a, p);
	CHECK(c->state == ECS_UNBOUND && c->remote_domid == DOM_B && c->notify_vcpu == 0);

	/* Only the named domain may bind, only an unbound port, only in range. */
	CHECK(evtchn_bind_interdomain(&b, 9, &owner_b, &a, DOM_A, &owner_a, p, &q) == -EINVAL);
	CHECK(evtchn_bind_interdomain(&b, DOM_B, &owner_b, &a, DOM_A, &owner_a, 3, &q) == -EINVAL);
	CHECK(evtchn_bind_interdomain(&b, DOM_B, &owner_b, &a, DOM_A, &owner_a, 0, &q) == -EINVAL);
	CHECK(evtchn_bind_interdomain(&b, DOM_B, &owner_b, &a, DOM_A, &owner_a, 99999, &q) ==
	      -EINVAL);
	CHECK(evtchn_bind_interdomain(&b, DOM_B, &owner_b, &a, DOM_A, &owner_a, p, &q) == 0);
	CHECK(q == 1);
	c = evtchn_lookup(&b, q);
	CHECK(c->state == ECS_INTERDOMAIN && c->remote_domid == DOM_A && c->remote_port == p &&
	      c->peer == &owner_a);
	c = evtchn_lookup(&a, p);
	CHECK(c->state == ECS_INTERDOMAIN && c->remote_domid == DOM_B && c->remote_port == q &&
	      c->peer == &owner_b);
	/* No longer unbound: a second bind fails. */
	CHECK(evtchn_bind_interdomain(&b, DOM_B, &owner_b, &a, DOM_A, &owner_a, p, &q) == -EINVAL);

	/* Closing B's end makes A's end unbound again, bindable by B (Xen). */
	evtchn_2l_set_pending(&sh_b, NULL, q);
	CHECK(evtchn_close(&b, &sh_b, q, DOM_B, &a) == 0);
	CHECK(!evtchn_2l_is_pending(&sh_b, q));	/* closing clears pending */
	CHECK(evtchn_lookup(&b, q)->state == ECS_FREE);
	c = evtchn_lookup(&a, p);
	CHECK(c->state == ECS_UNBOUND && c->remote_domid == DOM_B && c->peer == NULL);
	CHECK(evtchn_close(&b, &sh_b, q, DOM_B, &a) == -EINVAL);	/* already free */
	CHECK(evtchn_bind_interdomain(&b, DOM_B, &owner_b, &a, DOM_A, &owner_a, p, &q) == 0);
	CHECK(q == 1);
	/* An interdomain close needs the peer's table. */
	CHECK(evtchn_close(&a, &sh_a, p, DOM_A, NULL) == -EINVAL);
	CHECK(evtchn_close(&a, &sh_a, p, DOM_A, &b) == 0);
	CHECK(evtchn_lookup(&b, q)->state == ECS_UNBOUND &&
	      evtchn_lookup(&b, q)->remote_domid == DOM_A);
	CHECK(evtchn_close(&b, &sh_b, q, DOM_B, NULL) == 0);

	/* A domain may connect to itself (port 2 names DOM_A). */
	CHECK(evtchn_bind_interdomain(&a, DOM_A, &owner_a, &a, DOM_A, &owner_a, r, &q) == 0);
	CHECK(q == 1 && evtchn_lookup(&a, r)->remote_port == 1);
	CHECK(evtchn_close(&a, &sh_a, q, DOM_A, &a) == 0);
	CHECK(evtchn_lookup(&a, r)->state == ECS_UNBOUND);

	CHECK(evtchn_close(&a, &sh_a, 0, DOM_A, NULL) == -EINVAL);	/* reserved */
	CHECK(evtchn_close(&a, &sh_a, 5000, DOM_A, NULL) == -EINVAL);
	evtchn_table_destroy(&a);
	evtchn_table_destroy(&b);
	CHECK(pages_live == 0);
}

static void test_virq_ipi_vcpu(void)
{
	struct evtchn_table t;
	u32 p, q, g, i;

	CHECK(evtchn_table_init(&t, 2, &fake) == 0);
	CHECK(evtchn_bind_virq(&t, VIRQ_TIMER, 1, &p) == 0 && p == 1);
	CHECK(evtchn_bind_virq(&t, VIRQ_TIMER, 1, &q) == -EEXIST);
	CHECK(evtchn_bind_virq(&t, VIRQ_TIMER, 0, &q) == 0 && q == 2);
	CHECK(evtchn_bind_virq(&t, VIRQ_TIMER, 2, &q) == -ENOENT);
	CHECK(evtchn_bind_virq(&t, NR_VIRQS, 0, &q) == -EINVAL);
	CHECK(evtchn_bind_virq(&t, VIRQ_CONSOLE, 1, &q) == -EINVAL);	/* global: vCPU 0 */
	CHECK(evtchn_bind_virq(&t, VIRQ_CONSOLE, 0, &g) == 0 && g == 3);
	CHECK(t.virq[1][VIRQ_TIMER] == 1 && t.virq[0][VIRQ_TIMER] == 2 &&
	      t.virq[0][VIRQ_CONSOLE] == 3);
	CHECK(evtchn_virq_type(VIRQ_DOM_EXC) == VIRQ_TYPE_GLOBAL);
	CHECK(evtchn_virq_type(VIRQ_TIMER) == VIRQ_TYPE_VCPU);
	CHECK(evtchn_virq_type(VIRQ_ARGO) == VIRQ_TYPE_DOMAIN);

	CHECK(evtchn_bind_ipi(&t, 1, &i) == 0 && i == 4);
	CHECK(evtchn_lookup(&t, i)->state == ECS_IPI && evtchn_lookup(&t, i)->notify_vcpu == 1);
	CHECK(evtchn_bind_ipi(&t, 2, &q) == -ENOENT);

	/* bind_vcpu: a global VIRQ moves (its map entry stays), per-vCPU ones and IPIs don't. */
	CHECK(evtchn_bind_vcpu(&t, g, 1) == 0 && evtchn_lookup(&t, g)->notify_vcpu == 1);
	CHECK(evtchn_bind_vcpu(&t, p, 0) == -EINVAL);
	CHECK(evtchn_bind_vcpu(&t, i, 0) == -EINVAL);
	CHECK(evtchn_bind_vcpu(&t, g, 2) == -ENOENT);
	CHECK(evtchn_bind_vcpu(&t, 77, 0) == -EINVAL);	/* free */
	CHECK(evtchn_bind_vcpu(&t, 9999, 0) == -EINVAL);
	CHECK(evtchn_alloc_unbound(&t, 3, &q) == 0 && evtchn_bind_vcpu(&t, q, 1) == 0);

	/* Closing a VIRQ port frees its map entry, wherever it was moved. */
	CHECK(evtchn_close(&t, &sh_a, g, DOM_A, NULL) == 0 && t.virq[0][VIRQ_CONSOLE] == 0);
	CHECK(evtchn_close(&t, &sh_a, p, DOM_A, NULL) == 0 && t.virq[1][VIRQ_TIMER] == 0);
	CHECK(evtchn_bind_virq(&t, VIRQ_TIMER, 1, &q) == 0 && q == p);	/* lowest free again */

	/* The teardown walk sees every port in use, in order. */
	CHECK(evtchn_next_used(&t, 0) == 1);
	CHECK(evtchn_next_used(&t, 1) == 2);
	CHECK(evtchn_next_used(&t, 2) == 4);
	CHECK(evtchn_next_used(&t, 5) == 0);
	evtchn_table_destroy(&t);
	CHECK(pages_live == 0);
}

static void test_exhaustion(void)
{
	struct evtchn_table t;
	u32 p, n = 0;
	int rc;

	fail_after = 0;
	CHECK(evtchn_table_init(&t, 1, &fake) == -ENOMEM);
	CHECK(pages_live == 0);
	fail_after = 1;
	CHECK(evtchn_table_init(&t, 1, &fake) == -ENOMEM);
	CHECK(pages_live == 0);
	fail_after = -1;
	CHECK(evtchn_table_init(&t, 0, &fake) == -EINVAL);
	CHECK(evtchn_table_init(&t, EVTCHN_MAX_VCPUS + 1, &fake) == -EINVAL);

	CHECK(evtchn_table_init(&t, 1, &fake) == 0);
	fail_after = 0;	/* the next bucket cannot be had */
	for (;;) {
		rc = evtchn_alloc_unbound(&t, DOM_B, &p);
		if (rc)
			break;
		n++;
	}
	CHECK(rc == -ENOMEM && n == EVTCHN_BUCKET_PORTS - 1);
	fail_after = -1;
	while (!(rc = evtchn_alloc_unbound(&t, DOM_B, &p)))
		n++;
	CHECK(rc == -ENOSPC && n == EVTCHN_MAX_PORTS - 1);
	CHECK(evtchn_next_used(&t, EVTCHN_MAX_PORTS - 2) == EVTCHN_MAX_PORTS - 1);
	CHECK(evtchn_close(&t, &sh_a, 1000, DOM_A, NULL) == 0);
	CHECK(evtchn_alloc_unbound(&t, DOM_B, &p) == 0 && p == 1000);
	evtchn_table_destroy(&t);
	CHECK(pages_live == 0);
}

/* A passed-through device's interrupt (pci_msi.c): a fresh ECS_PIRQ port
 * naming the core's vector, notifying vCPU 0, fixed there. */
static void test_pirq(void)
{
	struct evtchn_table t;
	struct evtchn *c;
	u32 i, p, q, u, n = 0;
	int rc;

	CHECK(evtchn_table_init(&t, 2, &fake) == 0);
	/* A port that notified vCPU 1 and is closed: its successor starts clean. */
	CHECK(evtchn_bind_ipi(&t, 1, &i) == 0 && i == 1);
	CHECK(evtchn_close(&t, &sh_a, i, DOM_A, NULL) == 0);
	CHECK(evtchn_bind_pirq(&t, 0x40, &p) == 0 && p == 1);	/* lowest free */
	c = evtchn_lookup(&t, p);
	CHECK(c->state == ECS_PIRQ && c->virq == 0x40 && c->notify_vcpu == 0);
	CHECK(c->remote_domid == 0 && c->remote_port == 0 && c->peer == NULL);
	/* Each bind is a new port, even for the same tag; the tag is kept whole. */
	CHECK(evtchn_alloc_unbound(&t, DOM_B, &u) == 0 && u == 2);
	CHECK(evtchn_bind_pirq(&t, 0x800000df, &q) == 0 && q == 3);
	CHECK(evtchn_lookup(&t, q)->state == ECS_PIRQ && evtchn_lookup(&t, q)->virq == 0x800000df);
	CHECK(evtchn_bind_pirq(&t, 0x40, &q) == 0 && q == 4);
	CHECK(c->state == ECS_PIRQ && c->virq == 0x40);	/* the first one unchanged */
	/* It stays on vCPU 0, as the core's vector aims there. */
	CHECK(evtchn_bind_vcpu(&t, p, 1) == -EINVAL && c->notify_vcpu == 0);
	CHECK(evtchn_bind_vcpu(&t, p, 0) == -EINVAL);
	CHECK(evtchn_bind_vcpu(&t, p, 2) == -ENOENT);
	CHECK(c->state == ECS_PIRQ && c->virq == 0x40);
	/* The teardown walk sees it; closing frees it (pending cleared) and
	 * the port is the next one handed out. */
	CHECK(evtchn_next_used(&t, 0) == p);
	evtchn_2l_set_pending(&sh_a, NULL, p);
	CHECK(evtchn_close(&t, &sh_a, p, DOM_A, NULL) == 0);
	CHECK(!evtchn_2l_is_pending(&sh_a, p) && c->state == ECS_FREE && c->virq == 0);
	CHECK(evtchn_close(&t, &sh_a, p, DOM_A, NULL) == -EINVAL);	/* already free */
	CHECK(evtchn_next_used(&t, 0) == u);
	CHECK(evtchn_bind_pirq(&t, 0x41, &q) == 0 && q == p && c->virq == 0x41);
	/* No VIRQ map entry was touched by any of it. */
	for (u32 v = 0; v < 2; v++)
		for (u32 k = 0; k < NR_VIRQS; k++)
			CHECK(t.virq[v][k] == 0);
	evtchn_table_destroy(&t);
	CHECK(pages_live == 0);

	/* Exhaustion, as for the other binds: no bucket, then no port. */
	CHECK(evtchn_table_init(&t, 1, &fake) == 0);
	fail_after = 0;
	while (!(rc = evtchn_bind_pirq(&t, 0x40 + n % 0xa0, &p)))
		n++;
	CHECK(rc == -ENOMEM && n == EVTCHN_BUCKET_PORTS - 1);
	fail_after = -1;
	while (!(rc = evtchn_bind_pirq(&t, 0x40, &p)))
		n++;
	CHECK(rc == -ENOSPC && n == EVTCHN_MAX_PORTS - 1);
	CHECK(evtchn_close(&t, &sh_a, 77, DOM_A, NULL) == 0);
	CHECK(evtchn_bind_pirq(&t, 0x55, &p) == 0 && p == 77);
	CHECK(evtchn_lookup(&t, 77)->state == ECS_PIRQ && evtchn_lookup(&t, 77)->virq == 0x55);
	CHECK(evtchn_bind_pirq(&t, 0x55, &p) == -ENOSPC);
	evtchn_table_destroy(&t);
	CHECK(pages_live == 0);
}

static void test_2level(void)
{
	struct shared_info *sh = calloc(1, sizeof(*sh));
	struct vcpu_info *vi = &sh->vcpu_info[0];

	/* Unmasked: pending, selector bit and upcall_pending, once. */
	CHECK(evtchn_2l_set_pending(sh, vi, 70) == (EVTCHN_NEWLY_PENDING | EVTCHN_UPCALL));
	CHECK(sh->evtchn_pending[1] == 1ull << 6 && vi->evtchn_pending_sel == 2 &&
	      vi->evtchn_upcall_pending == 1);
	CHECK(evtchn_2l_set_pending(sh, vi, 70) == 0);	/* already pending */
	CHECK(evtchn_2l_is_pending(sh, 70) && !evtchn_2l_is_pending(sh, 71));
	/* Same word, selector already set: pending only, no second upcall. */
	CHECK(evtchn_2l_set_pending(sh, vi, 71) == EVTCHN_NEWLY_PENDING);
	/* The guest handled the upcall: clears upcall_pending and the selector. */
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	evtchn_2l_clear_pending(sh, 70);
	evtchn_2l_clear_pending(sh, 71);
	CHECK(evtchn_2l_set_pending(sh, vi, 4095) == (EVTCHN_NEWLY_PENDING | EVTCHN_UPCALL));
	CHECK(vi->evtchn_pending_sel == 1ull << 63);
	CHECK(evtchn_2l_set_pending(sh, vi, 4096) == 0 && !evtchn_2l_is_pending(sh, 4096));

	/* Masked: pending without upcall; unmask then delivers it. */
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	sh->evtchn_mask[0] = 1ull << 5;
	CHECK(evtchn_2l_set_pending(sh, vi, 5) == EVTCHN_NEWLY_PENDING);
	CHECK(vi->evtchn_pending_sel == 0 && vi->evtchn_upcall_pending == 0);
	CHECK(evtchn_2l_unmask(sh, vi, 5) == EVTCHN_UPCALL);
	CHECK(sh->evtchn_mask[0] == 0 && vi->evtchn_pending_sel == 1 && vi->evtchn_upcall_pending);
	CHECK(evtchn_2l_unmask(sh, vi, 5) == 0);	/* not masked: nothing (Xen) */
	/* Unmasking a port that is not pending delivers nothing. */
	sh->evtchn_mask[0] = 1ull << 6;
	CHECK(evtchn_2l_unmask(sh, vi, 6) == 0 && sh->evtchn_mask[0] == 0);

	/* No vcpu_info (vCPU >= 32 unregistered): the pending bit only. */
	CHECK(evtchn_2l_set_pending(sh, NULL, 9) == EVTCHN_NEWLY_PENDING);
	sh->evtchn_mask[0] = 1ull << 9;
	CHECK(evtchn_2l_unmask(sh, NULL, 9) == 0);

	/* After VCPUOP_register_vcpu_info everything is marked once. */
	vi->evtchn_upcall_pending = 0;
	CHECK(evtchn_2l_mark_all(vi) == EVTCHN_UPCALL && vi->evtchn_pending_sel == ~0ull &&
	      vi->evtchn_upcall_pending == 1);
	free(sh);
}

int main(void)
{
	test_unbound_and_interdomain();
	test_virq_ipi_vcpu();
	test_exhaustion();
	test_pirq();
	test_2level();
	CHECK_DONE("evtchn");
	return 0;
}

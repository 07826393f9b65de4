/* Run-queue mechanics (the policy is in sched.c). */
#include "runq.h"

void runq_init(struct runqueue *q)
{
	q->lock = (spinlock_t)SPINLOCK_INIT;
	q->head = q->tail = NULL;
	q->nr = 0;
}

void runq_push(struct runqueue *q, struct rq_node *n)
{
	if (n->queued)
		return;
	n->next = NULL;
	n->queued = true;
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	q->nr++;
}

struct rq_node *runq_pop(struct runqueue *q)
{
	struct rq_node *n = q->head;

	if (!n)
		return NULL;
	q->head = n->next;
	if (!q->head)
		q->tail = NULL;
	n->next = NULL;
	n->queued = false;
	q->nr--;
	return n;
}

bool runq_remove(struct runqueue *q, struct rq_node *n)
{
	struct rq_node **pp = &q->head, *prev = NULL;

	if (!n->queued)
		return false;
	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != n)
			continue;
		*pp = n->next;
		if (q->tail == n)
			q->tail = prev;
		n->next = NULL;
		n->queued = false;
		q->nr--;
		return true;
	}
	return false;
}

/* Per-CPU run queues: FIFO of runnable vCPUs, round robin. Host-testable. */
#ifndef BULKHEAD_RUNQ_H
#define BULKHEAD_RUNQ_H

#include "types.h"
#include "spinlock.h"

struct rq_node {
	struct rq_node *next;	/* under the queue's lock */
	bool queued;		/* under the queue's lock */
};

struct runqueue {
	spinlock_t lock;
	struct rq_node *head, *tail;
	unsigned nr;
};

void runq_init(struct runqueue *q);
/* Append n unless already queued. Caller holds q->lock. */
void runq_push(struct runqueue *q, struct rq_node *n);
/* Take the head, or NULL. Caller holds q->lock. */
struct rq_node *runq_pop(struct runqueue *q);
/* Take n out wherever it is; false if it was not queued. Caller holds q->lock. */
bool runq_remove(struct runqueue *q, struct rq_node *n);

#endif

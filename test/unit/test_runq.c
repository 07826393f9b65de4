/* Run queues: FIFO order, idempotent push, removal anywhere, round-robin fairness. */
#include "check.h"
#include "runq.h"

int main(void)
{
	struct runqueue q;
	struct rq_node n[4] = { 0 };
	unsigned runs[4] = { 0 };

	runq_init(&q);
	CHECK(runq_pop(&q) == NULL);
	for (int i = 0; i < 4; i++)
		runq_push(&q, &n[i]);
	runq_push(&q, &n[1]);	/* already queued: no duplicate */
	CHECK(q.nr == 4);
	CHECK(runq_pop(&q) == &n[0]);
	CHECK(!n[0].queued);
	CHECK(runq_remove(&q, &n[2]));
	CHECK(!runq_remove(&q, &n[2]));
	CHECK(runq_remove(&q, &n[3]));	/* the tail */
	CHECK(q.tail == &n[1]);
	runq_push(&q, &n[0]);
	CHECK(runq_pop(&q) == &n[1]);
	CHECK(runq_pop(&q) == &n[0]);
	CHECK(runq_pop(&q) == NULL && q.nr == 0 && q.tail == NULL);
	/* Round robin: pop, run, push back; every node gets the same share. */
	for (int i = 0; i < 4; i++)
		runq_push(&q, &n[i]);
	for (int slice = 0; slice < 4000; slice++) {
		struct rq_node *r = runq_pop(&q);

		runs[r - n]++;
		runq_push(&q, r);
	}
	for (int i = 0; i < 4; i++)
		CHECK(runs[i] == 1000);
	CHECK_DONE("test_runq");
	return 0;
}

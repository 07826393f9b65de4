/* public/io/ring.h: sizes, a front and a back end trading requests, event suppression. */
#include "check.h"
#include "dom.h"
#include "public/io/ring.h"

struct req {
	uint64_t id;
	uint32_t op;
	uint32_t pad;
};
struct rsp {
	uint64_t id;
	int32_t status;
	uint32_t pad;
};
DEFINE_RING_TYPES(test, struct req, struct rsp);

/* A 112-byte slot, as blkif's: 32 per page. */
struct big {
	uint8_t b[112];
};
DEFINE_RING_TYPES(big, struct big, struct big);

static unsigned char page[4096] __attribute__((aligned(4096)));

int main(void)
{
	struct test_sring *s = (struct test_sring *)page;
	struct test_front_ring f;
	struct test_back_ring b;
	struct big_front_ring bf;
	int notify, work;
	uint64_t next_id = 0, got = 0;

	CHECK(offsetof(struct test_sring, ring) == 64);
	memset(page, 0xff, sizeof(page));
	SHARED_RING_INIT(s);
	CHECK(s->req_prod == 0 && s->rsp_event == 1 && s->pad[47] == 0);
	FRONT_RING_INIT(&f, s, 4096);
	BACK_RING_INIT(&b, s, 4096);
	CHECK(RING_SIZE(&f) == 128 && RING_SIZE(&b) == 128);	/* (4096-64)/16 = 252 -> 128 */
	FRONT_RING_INIT(&bf, (struct big_sring *)page, 4096);
	CHECK(RING_SIZE(&bf) == 32);
	CHECK(RING_POW2_FLOOR(1) == 1 && RING_POW2_FLOOR(255) == 128 && RING_POW2_FLOOR(256) == 256);

	/* The back end sleeps: asks to hear about the first request. */
	RING_FINAL_CHECK_FOR_REQUESTS(&b, work);
	CHECK(!work);
	/* 1000 rounds of up to 100 requests: indexes wrap the ring many times. */
	for (int round = 0; round < 1000; round++) {
		int n = 1 + round % 100;

		for (int i = 0; i < n && !RING_FULL(&f); i++) {
			struct req *r = RING_GET_REQUEST(&f, f.req_prod_pvt);

			r->id = next_id++;
			r->op = 7;
			f.req_prod_pvt++;
		}
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f, notify);
		CHECK(notify);	/* the back end asked for it */
		while (RING_HAS_UNCONSUMED_REQUESTS(&b)) {
			struct req copy;

			RING_COPY_REQUEST(&b, b.req_cons, &copy);
			CHECK(!RING_REQUEST_CONS_OVERFLOW(&b, b.req_cons));
			b.req_cons++;
			RING_GET_RESPONSE(&b, b.rsp_prod_pvt)->id = copy.id;
			RING_GET_RESPONSE(&b, b.rsp_prod_pvt)->status = (int32_t)copy.op;
			b.rsp_prod_pvt++;
		}
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b, notify);
		RING_FINAL_CHECK_FOR_REQUESTS(&b, work);
		CHECK(!work);
		/* A second push with nothing new notifies nobody. */
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f, notify);
		CHECK(!notify);
		for (;;) {
			while (RING_HAS_UNCONSUMED_RESPONSES(&f)) {
				struct rsp *r = RING_GET_RESPONSE(&f, f.rsp_cons);

				CHECK(r->id == got && r->status == 7);
				got++;
				f.rsp_cons++;
			}
			RING_FINAL_CHECK_FOR_RESPONSES(&f, work);
			if (!work)
				break;
		}
		CHECK(RING_FREE_REQUESTS(&f) == RING_SIZE(&f));
	}
	CHECK(got == next_id && next_id > 20000);
	CHECK(!RING_RESPONSE_PROD_OVERFLOW(&f, s->rsp_prod));
	CHECK(RING_REQUEST_PROD_OVERFLOW(&b, s->req_prod + 129));
	CHECK_DONE("ring");
	return 0;
}

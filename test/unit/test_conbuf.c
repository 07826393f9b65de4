/* The console's buffering (kernel/conbuf.c): rings, per-owner limits, rate
 * limit, level verdicts, guest line cutting, CTRL-a input switching. */
#include <string.h>
#include "check.h"
#include "conbuf.h"
#include "cmdline.h"

static void test_ring_order_and_wrap(void)
{
	char buf[16], out[32];
	struct conbuf_ring r;

	conbuf_ring_init(&r, buf, sizeof(buf));
	CHECK(conbuf_ring_put(&r, "0123456789", 10) == 10);
	CHECK(conbuf_ring_peek(&r, out, 4) == 4 && !memcmp(out, "0123", 4));
	conbuf_ring_consume(&r, 4);
	/* 6 left, 10 free: a put of 12 takes 10, wrapping round the end. */
	CHECK(conbuf_ring_put(&r, "abcdefghijkl", 12) == 10);
	CHECK(conbuf_ring_used(&r) == 16);
	CHECK(conbuf_ring_put(&r, "x", 1) == 0);	/* full: nothing taken */
	CHECK(conbuf_ring_peek(&r, out, sizeof(out)) == 16);
	CHECK(!memcmp(out, "456789abcdefghij", 16));
	conbuf_ring_consume(&r, 100);	/* more than held: empties it */
	CHECK(conbuf_ring_used(&r) == 0 && conbuf_ring_peek(&r, out, 1) == 0);
	/* The counters run free across many wraps. */
	for (int i = 0; i < 1000; i++) {
		char c = (char)('a' + i % 26), got;

		CHECK(conbuf_ring_put(&r, &c, 1) == 1);
		CHECK(conbuf_ring_peek(&r, &got, 1) == 1 && got == c);
		conbuf_ring_consume(&r, 1);
	}
}

static const struct conbuf_limits lim = { .dom0 = 56, .guests = 32, .per_guest = 16 };

static void tx_init(struct conbuf_tx *t, char *buf, struct conbuf_seg *segs)
{
	conbuf_tx_init(t, buf, 64, segs, 8, &lim);
}

static void test_tx_limits(void)
{
	char buf[64], big[64];
	struct conbuf_seg segs[8];
	struct conbuf_tx t;
	unsigned a = conbuf_tx_guest_owner(1), b = conbuf_tx_guest_owner(2);

	memset(big, 'g', sizeof(big));
	tx_init(&t, buf, segs);
	CHECK(a != b && conbuf_tx_guest_owner(1 + CONBUF_GUEST_SLOTS) == a);
	/* One guest gets per_guest bytes, no more, all or nothing. */
	CHECK(conbuf_tx_put(&t, a, big, 10));
	CHECK(!conbuf_tx_put(&t, a, big, 7));
	CHECK(conbuf_tx_put(&t, a, big, 6));
	CHECK(t.queued[a] == 16 && conbuf_ring_used(&t.bytes) == 16);
	/* Another guest still gets its share, up to all guests' limit. */
	CHECK(conbuf_tx_put(&t, b, big, 16));
	CHECK(!conbuf_tx_put(&t, conbuf_tx_guest_owner(3), big, 1));
	CHECK(t.guests_queued == 32);
	/* Dom0 fills to its limit, the core to the very end. */
	CHECK(conbuf_tx_put(&t, CONBUF_DOM0, big, 24));
	CHECK(!conbuf_tx_put(&t, CONBUF_DOM0, big, 1));
	CHECK(conbuf_tx_put(&t, CONBUF_CORE, big, 8));
	CHECK(!conbuf_tx_put(&t, CONBUF_CORE, big, 1));
	CHECK(conbuf_ring_used(&t.bytes) == 64);
	/* Taking bytes from the head credits their owners, across runs. */
	conbuf_tx_consume(&t, 12);
	CHECK(t.queued[a] == 4 && t.guests_queued == 20);
	CHECK(conbuf_tx_put(&t, a, big, 12));	/* a has room again */
	conbuf_tx_consume(&t, 4 + 16);
	CHECK(t.queued[a] == 12 && t.queued[b] == 0 && t.guests_queued == 12);
	conbuf_tx_consume(&t, 1000);
	CHECK(conbuf_ring_used(&t.bytes) == 0 && t.seg_prod == t.seg_cons);
	for (unsigned o = 0; o < CONBUF_OWNERS; o++)
		CHECK(t.queued[o] == 0);
	CHECK(t.guests_queued == 0 && conbuf_tx_put(&t, CONBUF_CORE, "", 0));
	CHECK(!conbuf_tx_put(&t, CONBUF_OWNERS, big, 1));
}

static void test_tx_order_and_runs(void)
{
	char buf[64], out[64];
	struct conbuf_seg segs[8];
	struct conbuf_tx t;
	unsigned g = conbuf_tx_guest_owner(5);

	tx_init(&t, buf, segs);
	/* Runs by one owner merge, so 8 run records carry many writes. */
	for (int i = 0; i < 20; i++)
		CHECK(conbuf_tx_put(&t, CONBUF_DOM0, "d", 1));
	CHECK(t.seg_prod - t.seg_cons == 1);
	/* Alternating owners use one record each: the ninth run is refused. */
	for (int i = 0; i < 7; i++)
		CHECK(conbuf_tx_put(&t, i % 2 ? CONBUF_DOM0 : g, "x", 1));
	CHECK(!conbuf_tx_put(&t, CONBUF_CORE, "c", 1));
	CHECK(conbuf_tx_put(&t, g, "y", 1));	/* merges into the last run */
	CHECK(conbuf_ring_peek(&t.bytes, out, 64) == 28);
	CHECK(!memcmp(out, "ddddddddddddddddddddxxxxxxxy", 28));
	/* A partly consumed head run keeps its owner's count right. */
	conbuf_tx_consume(&t, 21);
	CHECK(t.queued[CONBUF_DOM0] == 3 && t.queued[g] == 4);
	conbuf_tx_consume(&t, 7);
	CHECK(t.queued[g] == 0 && t.queued[CONBUF_DOM0] == 0 && t.seg_prod == t.seg_cons);
}

static void test_rate(void)
{
	struct conbuf_rate r = { 0 };
	int allowed = 0;

	for (int i = 0; i < 100; i++)
		allowed += conbuf_rate_allow(&r, 1000);
	CHECK(allowed == CONBUF_RATE_BURST);
	CHECK(!conbuf_rate_allow(&r, 1000 + CONBUF_RATE_MS - 1));
	CHECK(conbuf_rate_allow(&r, 1000 + CONBUF_RATE_MS));
	CHECK(!conbuf_rate_allow(&r, 1000 + CONBUF_RATE_MS));
	CHECK(!conbuf_rate_allow(&r, 10));	/* time going back gives nothing */
	/* A long quiet spell refills only the burst. */
	allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += conbuf_rate_allow(&r, 10000000);
	CHECK(allowed == CONBUF_RATE_BURST);
}

static void test_verdict(void)
{
	/* Guest lines are filed at warning (console_op.c). */
	CHECK(conbuf_verdict(LOG_WARNING, LOG_ALL, LOG_ALL) == CONBUF_PRINT);
	CHECK(conbuf_verdict(LOG_WARNING, LOG_NONE, LOG_WARNING) == CONBUF_LIMIT); /* default */
	CHECK(conbuf_verdict(LOG_WARNING, LOG_NONE, LOG_NONE) == CONBUF_DROP);
	CHECK(conbuf_verdict(LOG_WARNING, LOG_ERROR, LOG_ERROR) == CONBUF_DROP);
	CHECK(conbuf_verdict(LOG_WARNING, LOG_WARNING, LOG_WARNING) == CONBUF_PRINT);
}

struct lines {
	char text[8][32];
	int n;
};

static void collect(void *arg, const char *line, u32 len)
{
	struct lines *l = arg;

	CHECK(l->n < 8 && len < 32);
	memcpy(l->text[l->n], line, len);
	l->text[l->n++][len] = '\0';
}

static void test_lines(void)
{
	struct lines got = { 0 };
	char line[8];
	u32 len = 0;

	conbuf_line_feed(line, &len, sizeof(line), "ab\r\ncd", 6, collect, &got);
	CHECK(got.n == 1 && !strcmp(got.text[0], "ab") && len == 2);
	/* A line continues across writes; escapes and other controls vanish. */
	conbuf_line_feed(line, &len, sizeof(line), "e\x1b[2Jf\tg\n", 9, collect, &got);
	CHECK(got.n == 3 && !strcmp(got.text[1], "cde[2Jf"));	/* 7 = cap - 1: cut */
	CHECK(!strcmp(got.text[2], "\tg") && len == 0);
	conbuf_line_feed(line, &len, sizeof(line), "\n", 1, collect, &got);
	CHECK(got.n == 4 && got.text[3][0] == '\0');	/* an empty line is a line */
}

static u32 feed(struct conbuf_input *in, const char *s, char *dom0, int *keys, int *switches)
{
	u32 n = 0;

	for (; *s; s++) {
		char out[3];
		int key;
		bool sw;
		u32 k = conbuf_input_feed(in, *s, out, &key, &sw);

		memcpy(&dom0[n], out, k);
		n += k;
		if (key >= 0)
			*keys = *keys * 256 + key;
		*switches += sw;
	}
	dom0[n] = '\0';
	return n;
}

static void test_input(void)
{
	struct conbuf_input in = { 0 };
	char dom0[64];
	int keys = 0, switches = 0;

	/* Every byte reaches Dom0 in order, a CTRL-a or two included. */
	CHECK(feed(&in, "xl list\n", dom0, &keys, &switches) == 8 && !strcmp(dom0, "xl list\n"));
	CHECK(feed(&in, "a\x01" "b\x01\x01" "c", dom0, &keys, &switches) == 6);
	CHECK(!strcmp(dom0, "a\x01" "b\x01\x01" "c") && switches == 0);
	/* Three in a row switch to the key handlers, three more switch back. */
	CHECK(feed(&in, "\x01\x01\x01" "q\x01h", dom0, &keys, &switches) == 0);
	CHECK(switches == 1 && in.to_xen && keys == 'q' * 256 + 'h');
	CHECK(feed(&in, "\x01\x01\x01" "ok", dom0, &keys, &switches) == 2);
	CHECK(switches == 2 && !in.to_xen && !strcmp(dom0, "ok"));
	/* A CTRL-a last in a burst waits for the next byte, as in Xen. */
	CHECK(feed(&in, "z\x01", dom0, &keys, &switches) == 1 && in.held == 1);
	CHECK(feed(&in, "y", dom0, &keys, &switches) == 2 && !strcmp(dom0, "\x01y"));
}

int main(void)
{
	test_ring_order_and_wrap();
	test_tx_limits();
	test_tx_order_and_runs();
	test_rate();
	test_verdict();
	test_lines();
	test_input();
	CHECK_DONE("test_conbuf");
	return 0;
}

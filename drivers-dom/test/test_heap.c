/* The runtime's heap (lib/heap.c): allocation, coalescing, realloc, corruption detection. */
#include <setjmp.h>
#include <stdint.h>
#include "check.h"
#include "dom.h"
#include "dom/heap.h"

#define ARENA (1 << 20)

static unsigned char arena[ARENA] __attribute__((aligned(16)));
static jmp_buf corrupt_jmp;
static const char *corrupt_what;

static void on_corrupt(const struct heap *h, const char *what, const void *where)
{
	(void)h;
	(void)where;
	corrupt_what = what;
	longjmp(corrupt_jmp, 1);
}

/* Small deterministic generator (xorshift). */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void test_basic(void)
{
	struct heap h;
	struct heap_stats st, st0;
	void *a, *b, *c;

	CHECK(heap_init(&h, arena, 64, on_corrupt) == -1);
	CHECK(heap_init(&h, arena + 3, ARENA - 3, on_corrupt) == 0);
	heap_get_stats(&h, &st0);
	CHECK(st0.nr_free == 1 && st0.used == 0);
	a = heap_alloc(&h, 0);
	b = heap_alloc(&h, 100);
	c = heap_alloc(&h, 5000);
	CHECK(a && b && c && a != b);
	CHECK(((uintptr_t)a % 16) == 0 && ((uintptr_t)b % 16) == 0 && ((uintptr_t)c % 16) == 0);
	CHECK(heap_block_size(&h, b) >= 100);
	memset(b, 0xab, 100);
	memset(c, 0xcd, 5000);
	CHECK(heap_check(&h) == 0);
	CHECK(heap_alloc(&h, ARENA) == NULL);
	CHECK(heap_alloc(&h, SIZE_MAX) == NULL);
	heap_free(&h, b);
	heap_free(&h, a);
	heap_free(&h, c);
	heap_free(&h, NULL);
	CHECK(heap_check(&h) == 0);
	heap_get_stats(&h, &st);
	/* Everything merged back into one block. */
	CHECK(st.nr_free == 1 && st.nr_used == 0 && st.used == 0);
	CHECK(st.largest_free == st0.largest_free);
}

static void test_realloc(void)
{
	struct heap h;
	unsigned char *p, *q, *guard;

	heap_init(&h, arena, ARENA, on_corrupt);
	p = heap_alloc(&h, 64);
	for (int i = 0; i < 64; i++)
		p[i] = (unsigned char)i;
	q = heap_realloc(&h, p, 1000);	/* grows in place into the free rest */
	CHECK(q == p);
	for (int i = 0; i < 64; i++)
		CHECK(q[i] == i);
	guard = heap_alloc(&h, 16);	/* now q cannot grow in place */
	p = heap_realloc(&h, q, 5000);
	CHECK(p && p != q);
	for (int i = 0; i < 64; i++)
		CHECK(p[i] == i);
	q = heap_realloc(&h, p, 10);	/* shrinks in place */
	CHECK(q == p && q[9] == 9);
	CHECK(heap_check(&h) == 0);
	CHECK(heap_realloc(&h, NULL, 32) != NULL);
	heap_free(&h, guard);
	CHECK(heap_check(&h) == 0);
}

/* Random allocations and frees with content checks against a shadow table. */
static void test_random(void)
{
	enum { SLOTS = 512, ROUNDS = 20000 };
	static unsigned char *ptr[SLOTS];
	static size_t len[SLOTS];
	struct heap h;
	struct heap_stats st;

	heap_init(&h, arena, ARENA, on_corrupt);
	for (int r = 0; r < ROUNDS; r++) {
		int i = (int)(rnd() % SLOTS);

		if (ptr[i]) {
			for (size_t k = 0; k < len[i]; k++)
				CHECK(ptr[i][k] == (unsigned char)(i + k));
			if (rnd() % 3 == 0) {
				size_t n = rnd() % 3000;
				unsigned char *p = heap_realloc(&h, ptr[i], n);

				CHECK(p != NULL);
				for (size_t k = 0; k < n && k < len[i]; k++)
					CHECK(p[k] == (unsigned char)(i + k));
				for (size_t k = 0; k < n; k++)
					p[k] = (unsigned char)(i + k);
				ptr[i] = p;
				len[i] = n;
			} else {
				heap_free(&h, ptr[i]);
				ptr[i] = NULL;
			}
		} else {
			len[i] = rnd() % 2000;
			ptr[i] = heap_alloc(&h, len[i]);
			CHECK(ptr[i] != NULL);
			for (size_t k = 0; k < len[i]; k++)
				ptr[i][k] = (unsigned char)(i + k);
		}
		if (r % 1000 == 0)
			CHECK(heap_check(&h) == 0);
	}
	for (int i = 0; i < SLOTS; i++)
		heap_free(&h, ptr[i]);
	CHECK(heap_check(&h) == 0);
	heap_get_stats(&h, &st);
	CHECK(st.nr_free == 1 && st.nr_used == 0);
}

static int expect_corruption(void (*op)(struct heap *h, unsigned char *p), const char *what)
{
	struct heap h;
	unsigned char *p;

	heap_init(&h, arena, ARENA, on_corrupt);
	p = heap_alloc(&h, 32);
	heap_alloc(&h, 32);
	corrupt_what = NULL;
	if (setjmp(corrupt_jmp) == 0) {
		op(&h, p);
		return 0;
	}
	return corrupt_what && strstr(corrupt_what, what) != NULL;
}

static void double_free(struct heap *h, unsigned char *p)
{
	heap_free(h, p);
	heap_free(h, p);
}

static void overflow(struct heap *h, unsigned char *p)
{
	memset(p, 0x41, 32 + 16);	/* runs over the next block's header */
	heap_free(h, p);
}

static void underflow_check(struct heap *h, unsigned char *p)
{
	p[-8] ^= 1;	/* this block's header tag */
	heap_check(h);
}

static void wild_free(struct heap *h, unsigned char *p)
{
	heap_free(h, p + 16);
}

int main(void)
{
	test_basic();
	test_realloc();
	test_random();
	CHECK(expect_corruption(double_free, "double free"));
	CHECK(expect_corruption(overflow, "overflow"));
	CHECK(expect_corruption(underflow_check, "header"));
	CHECK(expect_corruption(wild_free, "header"));
	CHECK_DONE("dom_heap");
	return 0;
}

/* qsort as an in-place heapsort: O(n log n) worst case, no recursion, no allocation. */
#include "dom.h"

static void swap(unsigned char *a, unsigned char *b, size_t size)
{
	while (size--) {
		unsigned char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* Moves element i down the max-heap of n elements until both children are smaller. */
static void sift_down(unsigned char *base, size_t i, size_t n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t big = i, l = 2 * i + 1, r = l + 1;

		if (l < n && cmp(base + l * size, base + big * size) > 0)
			big = l;
		if (r < n && cmp(base + r * size, base + big * size) > 0)
			big = r;
		if (big == i)
			return;
		swap(base + i * size, base + big * size, size);
		i = big;
	}
}

void qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char *b = base;

	if (nmemb < 2 || !size)
		return;
	for (size_t i = nmemb / 2; i-- > 0;)
		sift_down(b, i, nmemb, size, cmp);
	for (size_t n = nmemb - 1; n > 0; n--) {
		swap(b, b + n * size, size);
		sift_down(b, 0, n, size, cmp);
	}
}

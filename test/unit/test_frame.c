/* Frame allocator: release/reserve arithmetic, exhaustion, exact free counts. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "frame.h"

#define FRAMES 1000

int main(void)
{
	static u64 bitmap[(FRAMES + 63) / 64];
	struct frame_pool p;
	paddr_t got[FRAMES];
	u64 n = 0;

	frame_pool_init(&p, bitmap, FRAMES);
	CHECK(frame_pool_free_count(&p) == 0);
	CHECK(frame_pool_alloc(&p) == 0);
	/* Partial frames at the edges of a released range are not usable. */
	frame_pool_release(&p, 0x1800, 0x10800);
	CHECK(frame_pool_free_count(&p) == 14);	/* frames 2..15 */
	/* Frame 0 is never handed out even when released. */
	frame_pool_release(&p, 0, 0x1000);
	CHECK(frame_pool_free_count(&p) == 14);
	/* Reserving covers partial frames. */
	frame_pool_reserve(&p, 0x2800, 0x3001);
	CHECK(frame_pool_free_count(&p) == 12);
	/* Ranges past the pool's end are clipped. */
	frame_pool_release(&p, 0x100000, 0x10000000);
	CHECK(frame_pool_free_count(&p) == 12 + (FRAMES - 256));
	while ((got[n] = frame_pool_alloc(&p)) != 0) {
		CHECK((got[n] & 0xfff) == 0);
		CHECK(got[n] != 0x2000 && got[n] != 0x3000);
		n++;
	}
	CHECK(n == 12 + (FRAMES - 256));
	CHECK(frame_pool_free_count(&p) == 0);
	/* Every frame handed out is distinct. */
	for (u64 i = 1; i < n; i++)
		CHECK(got[i] != got[i - 1]);
	for (u64 i = 0; i < n; i++)
		frame_pool_free(&p, got[i]);
	CHECK(frame_pool_free_count(&p) == n);
	/* Free, reallocate: the same count comes back. */
	paddr_t a = frame_pool_alloc(&p), b = frame_pool_alloc(&p);
	CHECK(a && b && a != b);
	frame_pool_free(&p, a);
	frame_pool_free(&p, b);
	CHECK(frame_pool_free_count(&p) == n);
	CHECK_DONE("test_frame");
	return 0;
}

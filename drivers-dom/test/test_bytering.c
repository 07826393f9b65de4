/* Byte rings (hv/bytering.c): wrap-around, full and empty rings, a broken peer. */
#include "check.h"
#include "dom.h"
#include "dom/bytering.h"
#include "public/io/console.h"

int main(void)
{
	static struct xencons_interface page;
	struct dom_bytering out = { page.out, sizeof(page.out), &page.out_cons, &page.out_prod };
	char buf[3000], got[3000];
	uint32_t start = 0xfffffc00u;	/* indexes wrap through 2^32 too */

	page.out_cons = page.out_prod = start;
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)((i % 1000) * 7 + 1);	/* period 1000 */
	CHECK(dom_bytering_get(&out, got, sizeof(got)) == 0);
	CHECK(dom_bytering_put(&out, buf, sizeof(buf)) == 2048);	/* full */
	CHECK(dom_bytering_used(&out) == 2048);
	CHECK(dom_bytering_put(&out, buf, 1) == 0);
	CHECK(dom_bytering_get(&out, got, 1000) == 1000 && !memcmp(got, buf, 1000));
	CHECK(dom_bytering_put(&out, buf + 2048, 952) == 952);
	CHECK(dom_bytering_get(&out, got, sizeof(got)) == 2000);
	CHECK(!memcmp(got, buf + 1000, 2000));
	CHECK(page.out_cons == page.out_prod && page.out_cons == start + 3000);
	/* A producer index more than a ring ahead: nothing is read or written. */
	page.out_prod = page.out_cons + 4000;
	CHECK(dom_bytering_used(&out) == 0);
	CHECK(dom_bytering_get(&out, got, sizeof(got)) == 0);
	CHECK(dom_bytering_put(&out, buf, 10) == 0);
	/* Many small transfers keep order. */
	page.out_cons = page.out_prod = 0;
	for (int round = 0, sent = 0, recv = 0; round < 5000; round++) {
		size_t n = dom_bytering_put(&out, buf + sent % 1000, (size_t)(round % 37));

		sent += (int)n;
		n = dom_bytering_get(&out, got, (size_t)(round % 23));
		for (size_t k = 0; k < n; k++)
			CHECK(got[k] == buf[(recv + (int)k) % 1000]);
		recv += (int)n;
	}
	CHECK_DONE("dom_bytering");
	return 0;
}

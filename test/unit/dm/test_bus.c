/* The bus: dispatch by first byte, overlap refusal, move/unmap, unclaimed
 * all-ones with bounded once-per-address logging, and a random fuzz. */
#include "../check.h"
#include "fakes.h"
#include "bus.h"

struct dev {
	uint64_t last_off, last_val;
	unsigned last_size, reads, writes;
	uint64_t reply;
};

static uint64_t dev_read(void *d, uint64_t off, unsigned size)
{
	struct dev *v = d;

	v->reads++;
	v->last_off = off;
	v->last_size = size;
	return v->reply;
}

static void dev_write(void *d, uint64_t off, unsigned size, uint64_t val)
{
	struct dev *v = d;

	v->writes++;
	v->last_off = off;
	v->last_size = size;
	v->last_val = val;
}

static const struct dm_io_ops dev_ops = { dev_read, dev_write };

static void test_dispatch(void)
{
	struct dm_env *env = fake_reset();
	struct dm_bus *bus = dm_bus_new(env);
	struct dev a = { .reply = 0x1122334455667788ull }, b = { .reply = 0xab };
	struct dm_region ra = { DM_PIO, 0x3f8, 8, &dev_ops, &a, "a", NULL };
	struct dm_region rb = { DM_PIO, 0x400, 4, &dev_ops, &b, "b", NULL };
	struct dm_region rc = { DM_PIO, 0x3fc, 4, &dev_ops, &b, "c", NULL };
	struct dm_region rm = { DM_MMIO, 0xfec00000, 0x1000, &dev_ops, &b, "m", NULL };

	fake.quiet = true;
	CHECK(dm_bus_add(bus, &ra) == 0);
	CHECK(dm_bus_add(bus, &rb) == 0);
	CHECK(dm_bus_add(bus, &rc) == -17);	/* overlaps a */
	CHECK(dm_bus_add(bus, &ra) == -17);	/* already there */
	CHECK(dm_bus_add(bus, &rm) == 0);

	CHECK(dm_bus_read(bus, DM_PIO, 0x3f9, 1) == 0x88);	/* masked to size */
	CHECK(a.last_off == 1 && a.last_size == 1);
	CHECK(dm_bus_read(bus, DM_PIO, 0x3fe, 2) == 0x7788);
	/* Crossing the end: the region of the first byte gets it. */
	dm_bus_write(bus, DM_PIO, 0x3ff, 4, 0x1ffffffffull);
	CHECK(a.writes == 1 && a.last_off == 7 && a.last_size == 4 && a.last_val == 0xffffffff);
	CHECK(dm_bus_read(bus, DM_PIO, 0x403, 1) == 0xab && b.last_off == 3);
	/* MMIO and PIO are separate spaces. */
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfec00010, 4) == 0xab && b.last_off == 0x10);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfec00010, 8) == 0xab);
	CHECK(dm_bus_read(bus, DM_PIO, 0xfec00010 & 0xffff, 1) == 0xff);

	/* Unclaimed: all-ones by size, logged once per address. */
	unsigned lines = fake.log_lines;
	CHECK(dm_bus_read(bus, DM_PIO, 0x2e8, 1) == 0xff);
	CHECK(dm_bus_read(bus, DM_PIO, 0x2e8, 2) == 0xffff);
	CHECK(dm_bus_read(bus, DM_PIO, 0x2e8, 4) == 0xffffffff);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xe0000000, 8) == ~0ull);
	dm_bus_write(bus, DM_PIO, 0x2e8, 1, 5);
	CHECK(fake.log_lines == lines + 2);
	/* Bad sizes: 8 on ports, 3 anywhere. */
	CHECK(dm_bus_read(bus, DM_PIO, 0x3f8, 8) == ~0ull);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfec00000, 3) == 0xffffff);
	CHECK(a.reads == 2);

	/* Remove / move. */
	dm_bus_remove(bus, &ra);
	dm_bus_remove(bus, &ra);
	CHECK(dm_bus_read(bus, DM_PIO, 0x3f8, 1) == 0xff);
	CHECK(dm_bus_add(bus, &rc) == 0);	/* fits now */
	CHECK(dm_bus_move(bus, &rc, 0x402) == -17);	/* onto b: stays unmapped */
	CHECK(dm_bus_read(bus, DM_PIO, 0x3fc, 1) == 0xff);
	CHECK(dm_bus_move(bus, &rc, 0x1000) == 0);
	CHECK(dm_bus_read(bus, DM_PIO, 0x1003, 1) == 0xab && b.last_off == 3);
	CHECK(dm_bus_move(bus, &rc, ~0ull) == 0);	/* unmapped */
	CHECK(dm_bus_read(bus, DM_PIO, 0x1003, 1) == 0xff);
	CHECK(dm_bus_move(bus, &rc, 0) == 0);
	CHECK(dm_bus_read(bus, DM_PIO, 0x0, 1) == 0xff);
	/* Invalid regions. */
	struct dm_region bad = { DM_PIO, ~0ull - 2, 8, &dev_ops, &a, "bad", NULL };
	CHECK(dm_bus_add(bus, &bad) == -22);
	bad.base = 0x10; bad.len = 0;
	CHECK(dm_bus_add(bus, &bad) == -22);
	bad.len = 1; bad.ops = NULL;
	CHECK(dm_bus_add(bus, &bad) == -22);
	dm_bus_free(bus);
}

static void test_log_bound(void)
{
	struct dm_env *env = fake_reset();
	struct dm_bus *bus = dm_bus_new(env);

	fake.quiet = true;
	for (unsigned i = 0; i < 1000; i++)
		CHECK(dm_bus_read(bus, DM_PIO, 0x5000 + i, 1) == 0xff);
	/* 64 addresses, then one "further unclaimed accesses not logged". */
	CHECK(fake.log_lines == DM_BUS_UNCLAIMED_MAX + 1);
	dm_bus_free(bus);
}

/* Many regions: lookups find the right one (bisection over a sorted array). */
static void test_many(void)
{
	struct dm_env *env = fake_reset();
	struct dm_bus *bus = dm_bus_new(env);
	static struct dm_region r[300];
	static struct dev d[300];

	fake.quiet = true;
	for (unsigned i = 0; i < 300; i++) {
		unsigned k = (i * 7919) % 300;	/* insert out of order */

		d[k].reply = k;
		r[k] = (struct dm_region){ DM_MMIO, 0x100000 + k * 0x100, 0x80, &dev_ops, &d[k], "r", NULL };
		CHECK(dm_bus_add(bus, &r[k]) == 0);
	}
	for (unsigned k = 0; k < 300; k++) {
		CHECK(dm_bus_read(bus, DM_MMIO, 0x100000 + k * 0x100 + 0x7f, 4) == k);
		CHECK(dm_bus_read(bus, DM_MMIO, 0x100000 + k * 0x100 + 0x80, 4) == 0xffffffff);
	}
	for (unsigned k = 0; k < 300; k += 2)
		dm_bus_remove(bus, &r[k]);
	for (unsigned k = 0; k < 300; k++)
		CHECK(dm_bus_read(bus, DM_MMIO, 0x100000 + k * 0x100, 2) == ((k & 1) ? k : 0xffff));
	dm_bus_free(bus);
}

static void test_fuzz(void)
{
	struct dm_env *env = fake_reset();
	struct dm_bus *bus = dm_bus_new(env);
	static struct dm_region r[32];
	static struct dev d[32];
	uint64_t x = 12345;

	fake.quiet = true;
	for (unsigned i = 0; i < 32; i++)
		r[i] = (struct dm_region){ i & 1 ? DM_MMIO : DM_PIO, 0, 1, &dev_ops, &d[i], "f", NULL };
	for (unsigned n = 0; n < 200000; n++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		unsigned op = (unsigned)(x >> 60) & 7, i = (unsigned)(x >> 40) & 31;
		uint64_t addr = (x >> 8) & 0x3ff;

		if (op == 0) {
			dm_bus_remove(bus, &r[i]);	/* a mapped region's base is the bus's */
			r[i].base = addr;
			r[i].len = ((x >> 20) & 15) + 1;
			dm_bus_add(bus, &r[i]);
		} else if (op == 1) {
			dm_bus_remove(bus, &r[i]);
		} else if (op == 2) {
			dm_bus_move(bus, &r[i], (x >> 30) & 1 ? addr : ~0ull);
		} else if (op < 5) {
			dm_bus_write(bus, (enum dm_space)(x & 1), addr, (unsigned)(x >> 1) & 15, x);
		} else {
			dm_bus_read(bus, (enum dm_space)(x & 3), addr, (unsigned)(x >> 1) & 15);
		}
	}
	dm_bus_free(bus);
}

int main(void)
{
	test_dispatch();
	test_log_bound();
	test_many();
	test_fuzz();
	CHECK_DONE("test_dm_bus");
	return 0;
}

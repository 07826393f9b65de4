/* Volumes on a GPT disk (blkback/volumes.c) on the host: a RAM disk at 512
 * and 4096 bytes a sector; a blank disk gets a fresh table, a corrupt one is
 * refused untouched, a bad primary is repaired from the backup; create,
 * destroy (busy while open), list, names with '/', the full table, I/O
 * clamped to each volume, failed writes leave the table as it was, a new
 * volume reads as zeros where a destroyed one held data, and a fixed-seed
 * fuzz of random operations against a model. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "../../blkback/volumes.h"

struct ram {
	uint32_t ss;
	uint64_t sectors;
	uint8_t *b;
	int fail_reads, fail_writes, fail_zero, fail_flush;	/* fail while > 0 */
	unsigned writes, flushes, zeroes;
	uint64_t zero_lba, zero_count;	/* the last zero call */
	unsigned zero_writes, zero_flushes;	/* writes and flushes before it */
};

static struct ram rd;
static struct volumes vol, vol2;
static const struct gpt_guid guid = { { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x48,
					 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 } };

static int rread(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct ram *r = ctx;

	CHECK(lba < r->sectors && count <= r->sectors - lba && count);
	if (r->fail_reads)
		return -EIO;
	memcpy(buf, r->b + lba * r->ss, (size_t)count * r->ss);
	return 0;
}

static int rwrite(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	struct ram *r = ctx;

	CHECK(lba < r->sectors && count <= r->sectors - lba && count);
	if (r->fail_writes)
		return -EIO;
	memcpy(r->b + lba * r->ss, buf, (size_t)count * r->ss);
	r->writes++;
	return 0;
}

static int rflush(void *ctx)
{
	struct ram *r = ctx;

	if (r->fail_flush)
		return -EIO;
	r->flushes++;
	return 0;
}

static int rzero(void *ctx, uint64_t lba, uint64_t count)
{
	struct ram *r = ctx;

	CHECK(lba < r->sectors && count <= r->sectors - lba && count);
	if (r->fail_zero)
		return -EIO;
	memset(r->b + lba * r->ss, 0, (size_t)count * r->ss);
	r->zeroes++;
	r->zero_lba = lba;
	r->zero_count = count;
	r->zero_writes = r->writes;
	r->zero_flushes = r->flushes;
	return 0;
}

static struct volumes_disk disk_of(struct ram *r)
{
	return (struct volumes_disk){ r->ss, r->sectors, r, rread, rwrite, rflush, rzero, NULL, true };
}

static void ram_new(uint32_t ss, uint64_t bytes)
{
	free(rd.b);
	rd = (struct ram){ .ss = ss, .sectors = bytes / ss };
	rd.b = calloc(1, bytes);
	CHECK(rd.b);
}

static int vopen(struct volumes *v)
{
	struct volumes_disk d = disk_of(&rd);

	return volumes_open(v, &d, &guid);
}

static unsigned count(const struct volumes *v)
{
	return volumes_list(v, NULL, 0);
}

static void test_blank_and_create(uint32_t ss)
{
	struct volumes_info info[4];
	struct gpt_table t;
	struct gpt_io io = { ss, 0, &rd, rread, rwrite };

	ram_new(ss, 16u << 20);
	io.sectors = rd.sectors;
	CHECK(vopen(&vol) == 0 && vol.created && !vol.warn);
	CHECK(rd.flushes == 1 && count(&vol) == 0);
	CHECK(gpt_read(&io, &t) == 0 && !t.warn);	/* both copies on the disk */
	CHECK(!memcmp(rd.b + ss, "EFI PART", 8) && !memcmp(rd.b + (rd.sectors - 1) * ss, "EFI PART", 8));
	CHECK(rd.b[510] == 0x55 && rd.b[511] == 0xaa);	/* protective MBR */

	CHECK(volumes_create(&vol, "tank/xendisk0", 4u << 20) == 0);
	CHECK(volumes_create(&vol, "tank/a", 1000) == 0);	/* rounds up */
	CHECK(volumes_create(&vol, "tank/xendisk0", 1) == -EEXIST);
	CHECK(volumes_list(&vol, info, 4) == 2);
	CHECK(!strcmp(info[0].name, "tank/xendisk0") && info[0].bytes == 4u << 20);
	CHECK(!strcmp(info[1].name, "tank/a") && info[1].bytes == (1000 + ss - 1) / ss * ss);
	CHECK(volumes_size(&vol, "tank/a") == info[1].bytes && volumes_size(&vol, "x") == 0);

	/* What is on the disk is what a new open finds (the table, not memory). */
	CHECK(vopen(&vol2) == 0 && !vol2.created && count(&vol2) == 2);
	CHECK(volumes_size(&vol2, "tank/xendisk0") == 4u << 20);
	CHECK(volumes_destroy(&vol2, "tank/xendisk0") == 0);
	CHECK(vopen(&vol) == 0 && count(&vol) == 1 && volumes_size(&vol, "tank/xendisk0") == 0);
	CHECK(volumes_destroy(&vol, "tank/xendisk0") == -ENOENT);
}

static void test_names(void)
{
	static const char *const bad[] = { "", "/x", "x/", "a//b", "a b", "a.b", "a:b", "é",
					   "0123456789012345678901234567890123456" };

	ram_new(512, 8u << 20);
	CHECK(vopen(&vol) == 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(volumes_create(&vol, bad[i], 4096) == -EINVAL);
		CHECK(vol.why != NULL);
	}
	CHECK(volumes_create(&vol, NULL, 4096) == -EINVAL);
	CHECK(volumes_create(&vol, "012345678901234567890123456789012345", 512) == 0);
	CHECK(volumes_create(&vol, "a-b_c@d/E/9", 512) == 0);
	CHECK(volumes_create(&vol, "zero", 0) == -EINVAL);
	CHECK(volumes_create(&vol, "huge", 8u << 20) == -ENOSPC);
	CHECK(volumes_create(&vol, "huge", UINT64_MAX) == -ENOSPC);
	CHECK(count(&vol) == 2);
}

static void test_full_table(void)
{
	char name[32];

	ram_new(4096, 140u << 20);	/* 128 volumes at 1 MiB alignment fit */
	CHECK(vopen(&vol) == 0);
	for (int i = 0; i < GPT_MAX_PARTS; i++) {
		snprintf(name, sizeof(name), "pool/v%d", i);
		CHECK(volumes_create(&vol, name, 4096) == 0);
	}
	CHECK(volumes_create(&vol, "pool/more", 4096) == -ENOSPC);
	CHECK(count(&vol) == GPT_MAX_PARTS);
	CHECK(vopen(&vol2) == 0 && count(&vol2) == GPT_MAX_PARTS);
	CHECK(volumes_destroy(&vol2, "pool/v77") == 0);
	CHECK(volumes_create(&vol2, "pool/more", 4096) == 0);
	CHECK(volumes_size(&vol2, "pool/more") == 4096);
}

static void corrupt_byte(uint64_t at)
{
	rd.b[at] ^= 0x5a;
}

static void test_corrupt(void)
{
	uint8_t *copy;
	size_t bytes = 8u << 20;

	ram_new(512, bytes);
	CHECK(vopen(&vol) == 0 && volumes_create(&vol, "tank/x", 65536) == 0);
	/* A bad primary header: repaired from the backup, both written again. */
	corrupt_byte(512 + 20);
	CHECK(vopen(&vol) == 0 && vol.warn && !vol.created && count(&vol) == 1);
	CHECK(vopen(&vol2) == 0 && !vol2.warn && count(&vol2) == 1);
	/* Both copies bad: refused, the disk untouched. */
	corrupt_byte(512 + 20);
	corrupt_byte((rd.sectors - 1) * 512 + 20);
	copy = malloc(bytes);
	memcpy(copy, rd.b, bytes);
	rd.writes = 0;
	CHECK(vopen(&vol) == -EINVAL && vol.why && rd.writes == 0);
	CHECK(!memcmp(copy, rd.b, bytes));
	/* Only the backup has a signature left: still not blank. */
	memset(rd.b + 512, 0, 512);
	CHECK(vopen(&vol) == -EINVAL && rd.writes == 0);
	/* An MBR disk without a GPT: refused. */
	memset(rd.b, 0, bytes);
	rd.b[510] = 0x55;
	rd.b[511] = 0xaa;
	rd.b[446 + 4] = 0x83;	/* a Linux partition */
	CHECK(vopen(&vol) == -EINVAL && rd.writes == 0);
	/* Read errors at open are reported, not taken for a blank disk. */
	memset(rd.b, 0, bytes);
	rd.fail_reads = 1;
	CHECK(vopen(&vol) == -EIO && rd.writes == 0);
	rd.fail_reads = 0;
	/* Bad geometry. */
	rd.ss = 1024 + 512;
	CHECK(vopen(&vol) == -EINVAL);
	rd.ss = 512;
	free(copy);
}

static void test_busy(void)
{
	struct volumes_ref r1, r2, r3;

	ram_new(512, 8u << 20);
	CHECK(vopen(&vol) == 0 && volumes_create(&vol, "a", 1u << 20) == 0);
	CHECK(volumes_get(&vol, "nope", &r3) == -ENOENT && r3.slot == -1);
	CHECK(volumes_get(&vol, "a", &r1) == 0 && volumes_get(&vol, "a", &r2) == 0);
	CHECK(volumes_destroy(&vol, "a") == -EBUSY);
	volumes_put(&r1);
	volumes_put(&r1);	/* twice: harmless */
	CHECK(volumes_destroy(&vol, "a") == -EBUSY);
	volumes_put(&r2);
	CHECK(volumes_destroy(&vol, "a") == 0);
	CHECK(volumes_read(&r2, 0, rd.b, 512) == -EINVAL);	/* a closed ref */
}

static void test_io(void)
{
	struct volumes_ref a, b;
	uint8_t buf[2048], zero[2048] = { 0 };
	uint64_t alba;

	ram_new(512, 8u << 20);
	CHECK(vopen(&vol) == 0);
	CHECK(volumes_create(&vol, "a", 1u << 20) == 0 && volumes_create(&vol, "b", 1u << 20) == 0);
	CHECK(volumes_get(&vol, "a", &a) == 0 && volumes_get(&vol, "b", &b) == 0);
	alba = a.first;
	CHECK(a.count == 2048 && b.first >= a.first + a.count);
	memset(buf, 0xab, sizeof(buf));
	CHECK(volumes_store_ops.write(&a, (1u << 20) - 1024, buf, 1024) == 0);	/* last two */
	CHECK(!memcmp(rd.b + (alba + 2046) * 512, buf, 1024));
	CHECK(volumes_write(&a, (1u << 20) - 512, buf, 1024) == -EINVAL);	/* past the end */
	CHECK(volumes_write(&a, 1u << 20, buf, 512) == -EINVAL);
	CHECK(volumes_write(&a, UINT64_MAX - 511, buf, 512) == -EINVAL);
	CHECK(volumes_write(&a, 256, buf, 512) == -EINVAL);	/* misaligned */
	CHECK(volumes_write(&a, 0, buf, 100) == -EINVAL);
	CHECK(volumes_write(&a, 0, buf, 0) == -EINVAL);
	CHECK(volumes_read(&b, 0, buf, 2048) == 0 && !memcmp(buf, zero, 2048));	/* b untouched */
	CHECK(volumes_read(&a, (1u << 20) - 1024, buf, 1024) == 0 && buf[0] == 0xab);
	/* A batch over a disk without rw: piece by piece, each io clamped to
	 * the volume on its own. */
	{
		uint8_t p2[1536];
		struct blk_iov v[2] = { { buf, 512 }, { p2, 1536 } };
		struct blk_io io[3] = { { 1, (1u << 20) - 2048, v, 2, 1 },
					{ 0, (1u << 20) - 1536, v, 2, 0 },	/* past the end */
					{ 1, 512, v, 1, 0 } };

		memset(p2, 0xcd, sizeof(p2));
		rd.writes = 0;
		volumes_store_ops.rw(&a, io, 3);
		CHECK(io[0].rc == 0 && io[1].rc == -EINVAL && io[2].rc == 0 && rd.writes == 3);
		CHECK(rd.b[(alba + 2044) * 512] == 0xab && rd.b[(alba + 2045) * 512] == 0xcd);
		CHECK(rd.b[(alba + 2048) * 512 - 1] == 0xcd && rd.b[(alba + 1) * 512] == 0xab);
		v[0].len = 100;
		io[0].write = 1;
		volumes_rw(&a, io, 1);
		CHECK(io[0].rc == -EINVAL && rd.writes == 3);
		memset(p2, 0, sizeof(p2));
		v[0].len = 512;
		io[0] = (struct blk_io){ 0, (1u << 20) - 2048, v, 2, 1 };
		volumes_rw(&a, io, 1);
		CHECK(io[0].rc == 0 && p2[1535] == 0xcd);
		volumes_rw(&b, io, 1);
		CHECK(io[0].rc == 0 && !memcmp(p2, zero, sizeof(p2)));
	}
	/* Discard: the disk's zero on the volume's own sectors, never past it. */
	CHECK(!volumes_store_ops.discard && volumes_store_ops_discard.discard == volumes_discard);
	memset(rd.b + (b.first) * 512, 0x77, 512);
	rd.zeroes = 0;
	CHECK(volumes_discard(&a, (1u << 20) - 1024, 1024) == 0 && rd.zeroes == 1 &&
	      rd.zero_lba == alba + 2046 && rd.zero_count == 2);
	CHECK(volumes_read(&a, (1u << 20) - 1024, buf, 1024) == 0 && !memcmp(buf, zero, 1024));
	CHECK(volumes_discard(&a, (1u << 20) - 512, 1024) == -EINVAL);	/* into b */
	CHECK(volumes_discard(&a, UINT64_MAX - 511, 512) == -EINVAL);
	CHECK(volumes_discard(&a, 0, UINT64_MAX - 511) == -EINVAL);
	CHECK(volumes_discard(&a, 256, 512) == -EINVAL);
	CHECK(volumes_discard(&a, 512, 0) == 0 && rd.zeroes == 1);	/* nothing to do */
	CHECK(rd.b[b.first * 512] == 0x77 && rd.zeroes == 1);
	rd.fail_zero = 1;
	CHECK(volumes_discard(&a, 0, 512) == -EIO);
	rd.fail_zero = 0;
	rd.flushes = 0;
	CHECK(volumes_flush(&a) == 0 && rd.flushes == 1);
	volumes_put(&a);
	CHECK(volumes_flush(&a) == -EINVAL);
	CHECK(volumes_discard(&a, 0, 512) == -EINVAL && volumes_discard(&a, 0, 0) == -EINVAL);
	volumes_put(&b);
}

static void test_write_failure(void)
{
	ram_new(512, 8u << 20);
	CHECK(vopen(&vol) == 0 && volumes_create(&vol, "keep", 512) == 0);
	rd.fail_writes = 1;
	CHECK(volumes_create(&vol, "new", 512) == -EIO && count(&vol) == 1);
	CHECK(volumes_destroy(&vol, "keep") == -EIO && count(&vol) == 1);
	rd.fail_writes = 0;
	CHECK(volumes_size(&vol, "keep") == 512 && volumes_size(&vol, "new") == 0);
	CHECK(vopen(&vol2) == 0 && count(&vol2) == 1 && volumes_size(&vol2, "keep") == 512);
	CHECK(volumes_create(&vol, "new", 512) == 0);	/* memory and disk agree */
	CHECK(vopen(&vol2) == 0 && count(&vol2) == 2);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A volume created where a destroyed one held data reads as zeros (the
 * zeroing is on the media, flushed, before the table names it); a failed
 * zero or flush fails the create and leaves the table as it was. */
static void test_zeroed(uint32_t ss)
{
	struct volumes_ref a, k;
	uint8_t *buf = malloc(1u << 20), *before = malloc(1u << 20);
	uint64_t first;
	unsigned w;

	ram_new(ss, 8u << 20);
	CHECK(vopen(&vol) == 0 && volumes_create(&vol, "keep", 1u << 20) == 0);
	CHECK(volumes_create(&vol, "old", 1u << 20) == 0 && volumes_get(&vol, "old", &a) == 0);
	CHECK(rd.zero_lba == a.first && rd.zero_count == a.count);
	CHECK(rd.writes > rd.zero_writes && rd.flushes >= rd.zero_flushes + 2);
	CHECK(volumes_get(&vol, "keep", &k) == 0);
	memset(buf, 0x5a, 1u << 20);
	CHECK(volumes_write(&a, 0, buf, 1u << 20) == 0 && volumes_write(&k, 0, buf, 1u << 20) == 0);
	first = a.first;
	volumes_put(&a);
	CHECK(volumes_destroy(&vol, "old") == 0);
	memcpy(before, rd.b + first * ss, 1u << 20);	/* the old data, still there */

	/* Each step of the zeroing fails in turn: no volume, nothing written. */
	for (int f = 0; f < 2; f++) {
		w = rd.writes;
		rd.fail_zero = !f;
		rd.fail_flush = f;
		CHECK(volumes_create(&vol, "new", 1u << 20) == -EIO && vol.why);
		CHECK(count(&vol) == 1 && volumes_size(&vol, "new") == 0 && rd.writes == w);
		rd.fail_zero = rd.fail_flush = 0;
		CHECK(vopen(&vol2) == 0 && count(&vol2) == 1);
		CHECK(f || !memcmp(before, rd.b + first * ss, 1u << 20));
	}

	CHECK(volumes_create(&vol, "new", 1u << 20) == 0 && volumes_get(&vol, "new", &a) == 0);
	CHECK(a.first == first && rd.zero_lba == first && rd.zero_count == a.count);
	CHECK(volumes_read(&a, 0, buf, 1u << 20) == 0 && all_zero(buf, 1u << 20));
	CHECK(volumes_read(&k, 0, buf, 1u << 20) == 0 && buf[0] == 0x5a &&
	      !memcmp(buf, buf + 1, (1u << 20) - 1));	/* the neighbour untouched */
	volumes_put(&a);
	volumes_put(&k);
	free(buf);
	free(before);
}

/* Random operations against a model of which names exist and are open. */
static void test_fuzz(void)
{
	unsigned long long s = 0x1234abcd5678ef01ull;
	bool exists[24] = { false };
	struct volumes_ref refs[24];
	int open[24] = { 0 };
	char name[32];
	uint8_t buf[4096];

	ram_new(512, 32u << 20);
	CHECK(vopen(&vol) == 0);
	memset(buf, 0xa5, sizeof(buf));	/* what a destroyed volume leaves behind */
	for (int i = 0; i < 24; i++)
		refs[i].slot = -1;
	for (int it = 0; it < 100000; it++) {
		unsigned k = (unsigned)(check_rnd(&s) % 24), op = (unsigned)(check_rnd(&s) % 6);
		uint64_t off = check_rnd(&s) % (3u << 20), len = check_rnd(&s) % 4097;
		int rc;

		snprintf(name, sizeof(name), "t/%u", k);
		if (op == 0) {
			rc = volumes_create(&vol, name, 512 + check_rnd(&s) % (2u << 20));
			CHECK(exists[k] ? rc == -EEXIST : (rc == 0 || rc == -ENOSPC));
			exists[k] |= rc == 0;
			CHECK(rc || (all_zero(rd.b + rd.zero_lba * 512, 512) &&
				     all_zero(rd.b + (rd.zero_lba + rd.zero_count - 1) * 512, 512) &&
				     rd.zero_count * 512 == volumes_size(&vol, name)));
		} else if (op == 1) {
			rc = volumes_destroy(&vol, name);
			CHECK(rc == (!exists[k] ? -ENOENT : open[k] ? -EBUSY : 0));
			exists[k] &= rc != 0;
		} else if (op == 2 && exists[k] && !open[k]) {
			CHECK(volumes_get(&vol, name, &refs[k]) == 0);
			open[k] = 1;
		} else if (op == 3 && open[k]) {
			volumes_put(&refs[k]);
			open[k] = 0;
		} else if (op >= 4 && open[k]) {
			bool in = off % 512 == 0 && len % 512 == 0 && len &&
				  off / 512 + len / 512 <= refs[k].count;

			rc = op == 4 ? volumes_read(&refs[k], off, buf, len)
				     : volumes_write(&refs[k], off, buf, len);
			CHECK(in ? rc == 0 : rc == -EINVAL);
		}
		if (it % 5000 == 0) {
			unsigned n = 0;

			for (int i = 0; i < 24; i++)
				n += exists[i];
			CHECK(count(&vol) == n && vopen(&vol2) == 0 && count(&vol2) == n);
		}
	}
	for (int i = 0; i < 24; i++)
		if (open[i])
			volumes_put(&refs[i]);
}

int main(void)
{
	test_blank_and_create(512);
	test_blank_and_create(4096);
	test_names();
	test_full_table();
	test_corrupt();
	test_busy();
	test_io();
	test_write_failure();
	test_zeroed(512);
	test_zeroed(4096);
	test_fuzz();
	free(rd.b);
	CHECK_DONE("volumes");
	return 0;
}

/* GUID partition tables (blkback/gpt.c) on the host: a sparse in-memory disk
 * (the first and last WIN sectors are real, the middle reads as zeros and
 * must never be written), round trips at 512 and 4096 bytes a sector, the
 * volume calls, hostile headers and entries, and a fixed-seed fuzz loop. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "../../blkback/gpt.h"

#define WIN 64			/* real sectors at each end of the disk */

struct disk {
	uint32_t ss;
	uint64_t sectors;
	uint8_t *head, *tail;	/* WIN sectors each */
	int fail_reads;		/* reads fail with -EIO while set */
};

static struct disk dk;
static struct gpt_table tab, tab2;

static uint8_t *sector(struct disk *d, uint64_t lba)
{
	if (lba < WIN)
		return d->head + lba * d->ss;
	if (lba >= d->sectors - WIN)
		return d->tail + (lba - (d->sectors - WIN)) * d->ss;
	return NULL;
}

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct disk *d = ctx;

	CHECK(count >= 1 && lba < d->sectors && count <= d->sectors - lba);
	if (d->fail_reads)
		return -EIO;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *s = sector(d, lba + i), *b = (uint8_t *)buf + (size_t)i * d->ss;

		if (s)
			memcpy(b, s, d->ss);
		else
			memset(b, 0, d->ss);
	}
	return 0;
}

static int disk_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	struct disk *d = ctx;

	CHECK(count >= 1 && lba < d->sectors && count <= d->sectors - lba);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *s = sector(d, lba + i);

		CHECK(s);	/* GPT writes stay in the first and last 34 sectors */
		memcpy(s, (const uint8_t *)buf + (size_t)i * d->ss, d->ss);
	}
	return 0;
}

static struct gpt_io disk_open(uint32_t ss, uint64_t sectors)
{
	free(dk.head);
	free(dk.tail);
	dk.ss = ss;
	dk.sectors = sectors;
	dk.head = calloc(WIN, ss);
	dk.tail = calloc(WIN, ss);
	dk.fail_reads = 0;
	return (struct gpt_io){ ss, sectors, &dk, disk_read, disk_write };
}

static const struct gpt_guid disk_guid = { { 1, 2, 3, 4, 5, 6, 7, 0x48, 0x89, 10, 11, 12, 13, 14, 15, 16 } };

static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Recompute the header CRC of the header at lba (its header_size, clamped). */
static void fix_hdr_crc(uint64_t lba)
{
	uint8_t *h = sector(&dk, lba);
	uint32_t size = rd32(h + 12);

	if (size > dk.ss)
		size = dk.ss;
	wr32(h + 16, 0);
	wr32(h + 16, gpt_crc32(0, h, size));
}

/* Recompute the entries CRC of the header at lba, where the array is in a window. */
static void fix_crcs(uint64_t lba)
{
	uint8_t *h = sector(&dk, lba);
	uint64_t elba = rd64(h + 72), bytes = (uint64_t)rd32(h + 80) * rd32(h + 84);
	uint64_t n = (bytes + dk.ss - 1) / dk.ss;
	uint32_t crc = 0;

	if (bytes <= (1u << 20) && elba < dk.sectors && n <= dk.sectors - elba) {
		for (uint64_t s = 0; s < n; s++) {
			uint8_t *p = sector(&dk, elba + s);
			uint64_t len = bytes - s * dk.ss < dk.ss ? bytes - s * dk.ss : dk.ss;
			static uint8_t zero[4096];

			crc = gpt_crc32(crc, p ? p : zero, len);
		}
		wr32(h + 88, crc);
	}
	fix_hdr_crc(lba);
}

/* A disk with two volumes, written and checked to read back. */
static struct gpt_io valid_image(uint32_t ss, uint64_t sectors)
{
	struct gpt_io io = disk_open(ss, sectors);
	int idx;

	CHECK(gpt_init(&tab, &io, &disk_guid) == 0);
	CHECK(gpt_add(&tab, "tank/xendisk0", 2 * (1u << 20) / ss, &idx) == 0 && idx == 0);
	CHECK(gpt_add(&tab, "tank/xendisk1", 1, &idx) == 0 && idx == 1);
	CHECK(gpt_write(&io, &tab) == 0);
	CHECK(gpt_read(&io, &tab2) == 0 && !tab2.warn);
	return io;
}

static void test_crc(void)
{
	CHECK(gpt_crc32(0, "123456789", 9) == 0xcbf43926);
	CHECK(gpt_crc32(gpt_crc32(0, "1234", 4), "56789", 5) == 0xcbf43926);
	CHECK(gpt_crc32(0, "", 0) == 0);
}

static void round_trip(uint32_t ss, uint64_t sectors)
{
	struct gpt_io io = valid_image(ss, sectors);
	uint64_t arr = (128 * 128 + ss - 1) / ss;
	uint8_t *mbr = sector(&dk, 0), *h = sector(&dk, 1);

	CHECK(mbr[510] == 0x55 && mbr[511] == 0xaa && mbr[446 + 4] == 0xee);
	CHECK(rd32(mbr + 446 + 8) == 1);
	CHECK(rd32(mbr + 446 + 12) == (sectors - 1 > 0xffffffffu ? 0xffffffffu : sectors - 1));
	CHECK(!memcmp(h, "EFI PART", 8) && rd32(h + 12) == 92 && rd64(h + 32) == sectors - 1);
	CHECK(rd64(h + 72) == 2 && rd32(h + 80) == 128 && rd32(h + 84) == 128);
	CHECK(rd64(sector(&dk, sectors - 1) + 72) == sectors - 1 - arr);
	CHECK(tab2.sector_size == ss && tab2.sectors == sectors);
	CHECK(tab2.first_usable == 2 + arr && tab2.last_usable == sectors - 2 - arr);
	CHECK(!memcmp(&tab2.disk_guid, &disk_guid, 16));
	CHECK(!memcmp(tab2.part, tab.part, sizeof(tab.part)));
	CHECK(gpt_find(&tab2, "tank/xendisk0") == 0 && gpt_find(&tab2, "tank/xendisk1") == 1);
	CHECK(tab2.part[0].first == (1u << 20) / ss);
	CHECK(tab2.part[0].last == 3 * (1u << 20) / ss - 1);
	CHECK(tab2.part[1].first == 3 * (1u << 20) / ss && tab2.part[1].last == tab2.part[1].first);
	CHECK(!memcmp(&tab2.part[0].type, &gpt_type_volume, 16));
	CHECK(memcmp(&tab2.part[0].uuid, &tab2.part[1].uuid, 16));
	CHECK(!tab2.part[2].used);
	/* The backup alone gives the same table. */
	memset(sector(&dk, 1), 0, ss);
	CHECK(gpt_read(&io, &tab2) == 0 && tab2.warn && !strcmp(tab2.primary_why, "bad signature"));
	CHECK(!memcmp(tab2.part, tab.part, sizeof(tab.part)));
}

static void test_volumes(void)
{
	struct gpt_io io = disk_open(512, 65536);	/* 32 MiB */
	char long_name[40];
	int i, a, b, c;

	CHECK(gpt_init(&tab, &io, &disk_guid) == 0);
	CHECK(gpt_add(&tab, "a", 2048, &a) == 0 && gpt_add(&tab, "b", 4096, &b) == 0);
	CHECK(gpt_add(&tab, "c", 100, &c) == 0 && a == 0 && b == 1 && c == 2);
	CHECK(tab.part[a].first == 2048 && tab.part[b].first == 4096 && tab.part[c].first == 8192);
	CHECK(gpt_add(&tab, "b", 1, &i) == -EEXIST);
	CHECK(gpt_remove(&tab, "b") == 0 && gpt_find(&tab, "b") == -ENOENT);
	CHECK(gpt_remove(&tab, "b") == -ENOENT && gpt_remove(&tab, NULL) == -ENOENT);
	/* First fit: the hole b left, in b's slot; a bigger one goes after c. */
	CHECK(gpt_add(&tab, "d", 8192, &i) == 0 && i == 1 && tab.part[i].first == 10240);
	CHECK(gpt_add(&tab, "e", 2048, &i) == 0 && i == 3 && tab.part[i].first == 4096);
	CHECK(gpt_add(&tab, "f", 2049, &i) == 0 && tab.part[i].first == 18432);
	CHECK(gpt_add(&tab, "huge", 65536, &i) == -ENOSPC);
	CHECK(gpt_add(&tab, "", 1, &i) == -EINVAL && gpt_add(&tab, NULL, 1, &i) == -EINVAL);
	CHECK(gpt_add(&tab, "a\tb", 1, &i) == -EINVAL && gpt_add(&tab, "caf\xc3\xa9", 1, &i) == -EINVAL);
	CHECK(gpt_add(&tab, "zero", 0, &i) == -EINVAL);
	memset(long_name, 'x', 36);
	long_name[36] = '\0';
	CHECK(gpt_add(&tab, long_name, 1, &i) == 0 && gpt_find(&tab, long_name) == i);
	CHECK(tab.part[i].first == 6144);	/* right after e, 1 MiB aligned */
	long_name[36] = 'x';
	long_name[37] = '\0';
	CHECK(gpt_add(&tab, long_name, 1, &i) == -EINVAL);
	CHECK(gpt_add(&tab, "tank/xendisk0", UINT64_MAX, &i) == -ENOSPC);
	/* The last usable sector is reachable; one more is not. */
	CHECK(gpt_add(&tab, "rest", tab.last_usable + 2 - 22528, &i) == -ENOSPC);
	CHECK(gpt_add(&tab, "rest", tab.last_usable + 1 - 22528, &i) == 0);
	CHECK(tab.part[i].first == 22528 && tab.part[i].last == tab.last_usable);
	CHECK(gpt_write(&io, &tab) == 0 && gpt_read(&io, &tab2) == 0);
	CHECK(!memcmp(tab2.part, tab.part, sizeof(tab.part)));
	CHECK(gpt_find(&tab2, "rest") == i && !strcmp(tab2.part[i].name, "rest"));
	/* An inconsistent table is not written. */
	tab.part[0].last = tab.part[1].first;
	CHECK(gpt_write(&io, &tab) == -EINVAL && !strcmp(tab.why, "partitions overlap"));
}

static void test_full(void)
{
	struct gpt_io io = disk_open(4096, 65536);	/* 256 MiB */
	char name[24];
	int i;

	CHECK(gpt_init(&tab, &io, &disk_guid) == 0);
	for (int k = 0; k < GPT_MAX_PARTS; k++) {
		snprintf(name, sizeof(name), "tank/v%d", k);
		CHECK(gpt_add(&tab, name, 256, &i) == 0 && i == k);
		CHECK(tab.part[i].first == 256u * (k + 1));
	}
	CHECK(gpt_add(&tab, "one-more", 1, &i) == -ENOSPC && !strcmp(tab.why, "partition table full"));
	CHECK(gpt_write(&io, &tab) == 0 && gpt_read(&io, &tab2) == 0);
	CHECK(!memcmp(tab2.part, tab.part, sizeof(tab.part)));
	CHECK(gpt_find(&tab2, "tank/v127") == 127);
}

/* Both copies fail with why; set(lba) changes the copy whose header is at lba. */
static void expect_reject(void (*set)(uint64_t lba), const char *why)
{
	struct gpt_io io = valid_image(512, 8192);

	set(1);
	CHECK(gpt_read(&io, &tab2) == 0 && tab2.warn && !strcmp(tab2.primary_why, why));
	set(dk.sectors - 1);
	CHECK(gpt_read(&io, &tab2) == -EINVAL && !strcmp(tab2.why, "no valid GPT"));
	if (strcmp(tab2.backup_why, why))
		fprintf(stderr, "backup: %s, expected %s\n", tab2.backup_why, why);
	CHECK(!strcmp(tab2.primary_why, why) && !strcmp(tab2.backup_why, why));
	for (int i = 0; i < GPT_MAX_PARTS; i++)
		CHECK(!tab2.part[i].used);
}

#define HDR_CASE(fn, off, width, expr)					\
	static void fn(uint64_t lba)					\
	{								\
		uint8_t *h = sector(&dk, lba);				\
		(void)h;						\
		if (width == 8)						\
			wr64(h + off, (expr));				\
		else							\
			wr32(h + off, (uint32_t)(expr));		\
		fix_crcs(lba);						\
	}

HDR_CASE(hdr_size0, 12, 4, 0)
HDR_CASE(hdr_size1000, 12, 4, 1000)
HDR_CASE(hdr_size91, 12, 4, 91)
HDR_CASE(rev2, 8, 4, 0x00020000)
HDR_CASE(esize0, 84, 4, 0)
HDR_CASE(esize7, 84, 4, 7)
HDR_CASE(esize132, 84, 4, 132)
HDR_CASE(esize64k, 84, 4, 65536)
HDR_CASE(ecount_huge, 80, 4, 0xffffffffu)
HDR_CASE(my_lba_wrong, 24, 8, rd64(h + 24) + 1)
HDR_CASE(alt_beyond, 32, 8, dk.sectors)
HDR_CASE(alt_self, 32, 8, lba)
HDR_CASE(fu_header, 40, 8, 1)
HDR_CASE(lu_header, 48, 8, dk.sectors - 1)
HDR_CASE(fu_after_lu, 40, 8, rd64(h + 48) + 1)
HDR_CASE(lu_beyond, 48, 8, dk.sectors + 100)
HDR_CASE(array_in_usable, 72, 8, rd64(h + 40))
HDR_CASE(array_beyond, 72, 8, dk.sectors - 2)
HDR_CASE(array_huge_lba, 72, 8, UINT64_MAX - 3)
HDR_CASE(array_at_mbr, 72, 8, 0)
HDR_CASE(array_on_header, 72, 8, lba == 1 ? 1 : lba - 31)

static void bad_sig(uint64_t lba) { sector(&dk, lba)[0] = 'e'; fix_crcs(lba); }
static void bad_hcrc(uint64_t lba) { sector(&dk, lba)[16] ^= 1; }
static void bad_ecrc(uint64_t lba) { sector(&dk, lba)[88] ^= 1; fix_hdr_crc(lba); }

/* Change entry idx's 64-bit field at off in the array of the header at lba. */
static void set_entry(uint64_t lba, int idx, int off, uint64_t v)
{
	uint8_t *e = sector(&dk, rd64(sector(&dk, lba) + 72) + idx / 4) + (idx % 4) * 128;

	wr64(e + off, v);
	fix_crcs(lba);
}

static void part_beyond(uint64_t lba) { set_entry(lba, 1, 40, dk.sectors + 10); }
static void part_past_usable(uint64_t lba) { set_entry(lba, 1, 40, dk.sectors - 2); }
static void part_in_header(uint64_t lba) { set_entry(lba, 0, 32, 1); }
static void part_reversed(uint64_t lba) { set_entry(lba, 0, 32, 7000); }
static void part_overlap(uint64_t lba) { set_entry(lba, 1, 32, 6143); }
static void part_wraps(uint64_t lba) { set_entry(lba, 1, 40, UINT64_MAX); }

static void test_hostile(void)
{
	expect_reject(bad_sig, "bad signature");
	expect_reject(bad_hcrc, "header CRC mismatch");
	expect_reject(bad_ecrc, "entries CRC mismatch");
	expect_reject(hdr_size0, "bad header size");
	expect_reject(hdr_size91, "bad header size");
	expect_reject(hdr_size1000, "bad header size");
	expect_reject(rev2, "unsupported revision");
	expect_reject(esize0, "bad entry size");
	expect_reject(esize7, "bad entry size");
	expect_reject(esize132, "bad entry size");
	expect_reject(esize64k, "entry array too large");
	expect_reject(ecount_huge, "entry array too large");
	expect_reject(my_lba_wrong, "my_lba is not where the header is");
	expect_reject(alt_beyond, "alternate LBA outside the disk");
	expect_reject(alt_self, "alternate LBA outside the disk");
	expect_reject(fu_header, "usable range overlaps a header");
	expect_reject(lu_header, "usable range overlaps a header");
	expect_reject(lu_beyond, "usable range overlaps a header");
	expect_reject(fu_after_lu, "first usable LBA after the last");
	expect_reject(array_in_usable, "entry array overlaps the usable range");
	expect_reject(array_beyond, "entry array outside the disk");
	expect_reject(array_huge_lba, "entry array outside the disk");
	expect_reject(array_at_mbr, "entry array outside the disk");
	expect_reject(array_on_header, "entry array overlaps a header");
	expect_reject(part_beyond, "partition outside the usable range");
	expect_reject(part_past_usable, "partition outside the usable range");
	expect_reject(part_in_header, "partition outside the usable range");
	expect_reject(part_reversed, "partition ends before it starts");
	expect_reject(part_overlap, "partitions overlap");
	expect_reject(part_wraps, "partition outside the usable range");
}

static void test_hostile_more(void)
{
	struct gpt_io io = valid_image(512, 8192), bad;
	uint8_t *h = sector(&dk, 1), *e;

	/* A 129th entry in use: first usable moved past it so the array fits. */
	wr64(h + 40, 64);
	wr32(h + 80, 129);
	e = sector(&dk, 2 + 32);
	e[0] = 1;
	fix_crcs(1);
	CHECK(gpt_read(&io, &tab2) == 0 && !strcmp(tab2.primary_why, "used entry beyond slot 128"));
	/* ... and unused, it is fine. */
	e[0] = 0;
	fix_crcs(1);
	CHECK(gpt_read(&io, &tab2) == 0 && !tab2.warn && tab2.first_usable == 64);
	/* Non-ASCII names read as '?', up to the NUL. */
	e = sector(&dk, 2);
	e[56] = 0xe9;		/* U+00E9 */
	e[58] = 0;
	e[59] = 0;
	fix_crcs(1);
	CHECK(gpt_read(&io, &tab2) == 0 && !tab2.warn && !strcmp(tab2.part[0].name, "?"));
	/* Zero entries: a valid, empty table. */
	wr32(h + 80, 0);
	fix_crcs(1);
	CHECK(gpt_read(&io, &tab2) == 0 && !tab2.warn && !tab2.part[0].used);
	/* Odd geometry. */
	uint32_t sizes[] = { 0, 256, 513, 1000, 8192 };
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		bad = io;
		bad.sector_size = sizes[k];
		CHECK(gpt_read(&bad, &tab2) == -EINVAL && !strcmp(tab2.why, "bad disk geometry"));
		CHECK(gpt_init(&tab2, &bad, &disk_guid) == -EINVAL);
	}
	bad = io;
	bad.sectors = 2;
	CHECK(gpt_read(&bad, &tab2) == -EINVAL);
	bad.sectors = 60;
	CHECK(gpt_init(&tab2, &bad, &disk_guid) == -EINVAL && !strcmp(tab2.why, "disk too small"));
	/* A table for another disk is not written there. */
	io = valid_image(512, 8192);
	bad = io;
	bad.sectors = 8191;
	CHECK(gpt_write(&bad, &tab) == -EINVAL);
	/* Read errors. */
	dk.fail_reads = 1;
	CHECK(gpt_read(&io, &tab2) == -EIO && !strcmp(tab2.why, "no valid GPT"));
}

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return check_rnd(&rng);
}

/* An accepted table: everything inside the disk's usable area, disjoint. */
static void check_invariants(const struct gpt_table *t)
{
	CHECK(t->first_usable >= 2 && t->first_usable <= t->last_usable);
	CHECK(t->last_usable < t->sectors - 1);
	for (int i = 0; i < GPT_MAX_PARTS; i++) {
		const struct gpt_part *p = &t->part[i];

		if (!p->used)
			continue;
		CHECK(p->first >= t->first_usable && p->first <= p->last && p->last <= t->last_usable);
		CHECK(strlen(p->name) <= GPT_NAME_LEN);
		for (int j = 0; j < i; j++)
			CHECK(!t->part[j].used || p->last < t->part[j].first || t->part[j].last < p->first);
	}
}

/* Change one byte of the window, often in its header (at sector hdr). */
static size_t mutate(uint8_t *win, size_t hdr)
{
	uint64_t r = rnd();
	size_t off;

	if (r & 1)	/* a header field, where the interesting checks are */
		off = hdr * 512 + (r >> 8) % 92;
	else
		off = (r >> 8) % ((size_t)WIN * 512);
	if ((r >> 1) & 1)
		win[off] = (uint8_t)(r >> 40);
	else
		win[off] ^= (uint8_t)(1u << ((r >> 40) % 8));
	return off / 512;
}

/* Make the mutated copies' CRCs right again: the entries CRC where the
 * array changed, the header CRC where only the header did. */
static void fuzz_fix_crcs(size_t dirty[][2], int n)
{
	bool hdr[2] = { false, false }, array[2] = { false, false };

	for (int k = 0; k < n; k++) {
		int end = (int)dirty[k][0];

		if (dirty[k][1] == (end ? WIN - 1 : 1))
			hdr[end] = true;
		else
			array[end] = true;
	}
	for (int end = 0; end < 2; end++) {
		uint64_t lba = end ? dk.sectors - 1 : 1;

		if (array[end])
			fix_crcs(lba);
		else if (hdr[end])
			fix_hdr_crc(lba);
	}
}

static void test_fuzz(int iterations)
{
	struct gpt_io io = valid_image(512, 8192);
	size_t len = (size_t)WIN * 512;
	uint8_t *head = malloc(len), *tail = malloc(len);
	int accepted = 0, backups = 0;

	memcpy(head, dk.head, len);
	memcpy(tail, dk.tail, len);
	for (int it = 0; it < iterations; it++) {
		int n = 1 + (int)(rnd() % 4);
		size_t dirty[4][2];

		for (int k = 0; k < n; k++) {
			int end = (int)(rnd() & 1);

			dirty[k][0] = (size_t)end;
			dirty[k][1] = mutate(end ? dk.tail : dk.head, end ? WIN - 1 : 1);
		}
		if (rnd() % 4 != 0)	/* mostly get past the CRCs to the field checks */
			fuzz_fix_crcs(dirty, n);
		if (gpt_read(&io, &tab2) == 0) {
			accepted++;
			backups += tab2.warn != NULL;
			check_invariants(&tab2);
		} else {
			CHECK(tab2.why && !strcmp(tab2.why, "no valid GPT"));
		}
		for (int k = 0; k < n; k++) {
			size_t o = dirty[k][1] * 512;

			memcpy((dirty[k][0] ? dk.tail : dk.head) + o, (dirty[k][0] ? tail : head) + o, 512);
		}
		memcpy(dk.head + 512, head + 512, 512);
		memcpy(dk.tail + len - 512, tail + len - 512, 512);
	}
	CHECK(!memcmp(dk.head, head, len) && !memcmp(dk.tail, tail, len));
	printf("fuzz: %d iterations, %d accepted (%d from the backup)\n", iterations, accepted,
	       backups);
	CHECK(accepted > 0 && accepted < iterations);
	free(head);
	free(tail);
}

int main(int argc, char **argv)
{
	test_crc();
	round_trip(512, 32768);
	round_trip(4096, 8192);
	round_trip(512, 1ull << 33);		/* 4 TiB: the MBR's size saturates */
	test_volumes();
	test_full();
	test_hostile();
	test_hostile_more();
	test_fuzz(argc > 1 ? atoi(argv[1]) : 100000);
	CHECK_DONE("gpt");
	free(dk.head);
	free(dk.tail);
	return 0;
}

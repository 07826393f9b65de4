/* atapi.c: the MMC command set, byte for byte, and its sense sequencing. */
#include "../check.h"
#include "atapi.h"

static struct dm_blk cd = { .sectors = 4 * 1000, .readonly = true, .cdrom = true, .present = true,
			    .max_len = 65536 };
static struct dm_blk dvd = { .sectors = 4 * 2000000, .readonly = true, .cdrom = true,
			     .present = true, .max_len = 65536 };
static uint8_t buf[DM_ATAPI_MIN_BUF];
static struct dm_atapi_reply r;

static void cmd(struct dm_atapi *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3, uint8_t b4,
		uint8_t b5, uint8_t b6, uint8_t b7, uint8_t b8, uint8_t b9)
{
	uint8_t cdb[12] = { b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, 0, 0 };

	memset(buf, 0xcc, sizeof(buf));
	dm_atapi_command(a, cdb, buf, sizeof(buf), &r);
}

static void sense_is(struct dm_atapi *a, uint8_t key, uint8_t asc, uint8_t ascq)
{
	cmd(a, 0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_DATA && r.len == 18);
	CHECK(buf[0] == 0x70 && buf[7] == 10);
	CHECK(buf[2] == key && buf[12] == asc && buf[13] == ascq);
}

static void check_fails(struct dm_atapi *a, uint8_t key, uint8_t asc, uint8_t ascq)
{
	CHECK(r.kind == DM_ATAPI_CHECK && r.sense_key == key);
	sense_is(a, key, asc, ascq);
	sense_is(a, 0, 0, 0);		/* reported once */
}

static void test_inquiry_sense(void)
{
	struct dm_atapi a;

	dm_atapi_init(&a, &cd);
	cmd(&a, 0x12, 0, 0, 0, 96, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_DATA && r.len == 36);
	CHECK(buf[0] == 5 && buf[1] == 0x80 && buf[4] == 31 && buf[36] == 0xcc);
	CHECK(!memcmp(buf + 8, "BULKHEADDVD-ROM         1.0 ", 28));
	cmd(&a, 0x12, 0, 0, 0, 5, 0, 0, 0, 0, 0);
	CHECK(r.len == 5);
	cmd(&a, 0x12, 1, 0x80, 0, 96, 0, 0, 0, 0, 0);		/* VPD */
	check_fails(&a, 5, 0x24, 0);
	cmd(&a, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	check_fails(&a, 5, 0x20, 0);
	cmd(&a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_NODATA);
	cmd(&a, 0x03, 0, 0, 0, 8, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_DATA && r.len == 8);
}

static void test_capacity_reads(void)
{
	struct dm_atapi a;

	dm_atapi_init(&a, &cd);
	cmd(&a, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_DATA && r.len == 8);
	CHECK(!memcmp(buf, "\x00\x00\x03\xe7\x00\x00\x08\x00", 8));
	cmd(&a, 0x28, 0, 0, 0, 0x03, 0xe0, 0, 0, 8, 0);		/* READ(10) 992+8 */
	CHECK(r.kind == DM_ATAPI_READ && r.lba == 992 && r.blocks == 8);
	cmd(&a, 0x28, 0, 0, 0, 0x03, 0xe0, 0, 0, 9, 0);		/* one beyond */
	check_fails(&a, 5, 0x21, 0);
	cmd(&a, 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0);
	check_fails(&a, 5, 0x21, 0);
	cmd(&a, 0x28, 0, 0, 0, 0, 5, 0, 0, 0, 0);			/* zero blocks */
	CHECK(r.kind == DM_ATAPI_NODATA);
	uint8_t c12[12] = { 0xa8, 0, 0, 0, 0, 16, 0, 0, 0, 4, 0, 0 };
	dm_atapi_command(&a, c12, buf, sizeof(buf), &r);
	CHECK(r.kind == DM_ATAPI_READ && r.lba == 16 && r.blocks == 4);
	uint8_t rcd[12] = { 0xbe, 0, 0, 0, 0, 17, 0, 0, 2, 0x10, 0, 0 };
	dm_atapi_command(&a, rcd, buf, sizeof(buf), &r);
	CHECK(r.kind == DM_ATAPI_READ && r.lba == 17 && r.blocks == 2);
	rcd[9] = 0xf8;						/* raw sectors: no */
	dm_atapi_command(&a, rcd, buf, sizeof(buf), &r);
	check_fails(&a, 5, 0x24, 0);
	rcd[9] = 0;
	dm_atapi_command(&a, rcd, buf, sizeof(buf), &r);
	CHECK(r.kind == DM_ATAPI_NODATA);
	cmd(&a, 0x2b, 0, 0, 0, 0x03, 0xe7, 0, 0, 0, 0);		/* SEEK last */
	CHECK(r.kind == DM_ATAPI_NODATA);
	cmd(&a, 0x2b, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 0);
	check_fails(&a, 5, 0x21, 0);
	dm_atapi_medium_error(&a);
	sense_is(&a, 3, 0x11, 0);
}

static void test_toc(void)
{
	struct dm_atapi a;
	static const uint8_t toc_lba[] = { 0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0,
					   0, 0x14, 0xaa, 0, 0, 0, 0x03, 0xe8 };
	/* 1000 + 150 = 1150 frames = 00:15:25 */
	static const uint8_t toc_msf[] = { 0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 2, 0,
					   0, 0x14, 0xaa, 0, 0, 0, 15, 25 };

	dm_atapi_init(&a, &cd);
	cmd(&a, 0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0);
	CHECK(r.kind == DM_ATAPI_DATA && r.len == 20 && !memcmp(buf, toc_lba, 20));
	cmd(&a, 0x43, 2, 0, 0, 0, 0, 0, 0, 100, 0);
	CHECK(r.len == 20 && !memcmp(buf, toc_msf, 20));
	cmd(&a, 0x43, 0, 0, 0, 0, 0, 0xaa, 0, 100, 0);		/* from the lead-out */
	CHECK(r.len == 12 && buf[1] == 10 && buf[6] == 0xaa);
	cmd(&a, 0x43, 0, 0, 0, 0, 0, 2, 0, 100, 0);
	check_fails(&a, 5, 0x24, 0);
	cmd(&a, 0x43, 0, 1, 0, 0, 0, 0, 0, 100, 0);		/* session info */
	CHECK(r.len == 12 && !memcmp(buf, "\x00\x0a\x01\x01\x00\x14\x01\x00\x00\x00\x00\x00", 12));
	cmd(&a, 0x43, 0, 0, 0, 0, 0, 0, 0, 0, 0x40);		/* old place of format 1 */
	CHECK(r.kind == DM_ATAPI_NODATA);			/* allocation length 0 */
	cmd(&a, 0x43, 0, 0, 0, 0, 0, 0, 0, 4, 0);
	CHECK(r.len == 4);
	cmd(&a, 0x43, 0, 5, 0, 0, 0, 0, 0, 100, 0);
	check_fails(&a, 5, 0x24, 0);

	cmd(&a, 0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0);		/* disc information */
	CHECK(r.len == 34 && buf[1] == 32 && buf[2] == 0x0e && buf[3] == 1 && buf[4] == 1);
	cmd(&a, 0x52, 1, 0, 0, 0, 1, 0, 0, 36, 0);		/* track 1 */
	CHECK(r.len == 36 && buf[2] == 1 && buf[5] == 4 && buf[6] == 1);
	CHECK(!memcmp(buf + 24, "\x00\x00\x03\xe8\x00\x00\x03\xe7", 8));
	cmd(&a, 0x52, 1, 0, 0, 0, 2, 0, 0, 36, 0);
	check_fails(&a, 5, 0x24, 0);
	cmd(&a, 0x42, 0, 0x40, 1, 0, 0, 0, 0, 16, 0);		/* subchannel position */
	CHECK(r.len == 16 && buf[1] == 0x15 && buf[3] == 12 && buf[4] == 1);
	cmd(&a, 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8);
	CHECK(r.len == 8 && buf[1] == 0);
	cmd(&a, 0xbb, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_NODATA);
}

static void test_mode_sense(void)
{
	struct dm_atapi a;

	dm_atapi_init(&a, &cd);
	cmd(&a, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0);
	CHECK(r.kind == DM_ATAPI_DATA && r.len == 30);
	CHECK(buf[0] == 0 && buf[1] == 28 && buf[2] == 1 && buf[6] == 0 && buf[7] == 0);
	CHECK(buf[8] == 0x2a && buf[9] == 20 && buf[10] == 0x0b && buf[14] == 0x29);
	cmd(&a, 0x1e, 0, 0, 0, 1, 0, 0, 0, 0, 0);			/* prevent */
	cmd(&a, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0);
	CHECK(buf[14] == 0x2b);
	cmd(&a, 0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 255, 0);
	CHECK(r.len == 8 + 12 + 16 + 22 && buf[8] == 1 && buf[20] == 0x0e && buf[36] == 0x2a);
	cmd(&a, 0x1a, 0, 0x01, 0, 255, 0, 0, 0, 0, 0);			/* MODE SENSE(6) */
	CHECK(r.len == 16 && buf[0] == 15 && buf[4] == 1 && buf[5] == 10);
	cmd(&a, 0x1a, 0, 0x4e, 0, 255, 0, 0, 0, 0, 0);			/* changeable */
	CHECK(r.len == 20 && buf[4] == 0x0e && buf[5] == 14 && buf[6] == 0);
	cmd(&a, 0x5a, 0, 0xc1, 0, 0, 0, 0, 0, 128, 0);			/* saved */
	check_fails(&a, 5, 0x39, 0);
	cmd(&a, 0x5a, 0, 0x05, 0, 0, 0, 0, 0, 128, 0);
	check_fails(&a, 5, 0x24, 0);
}

static void test_configuration(void)
{
	struct dm_atapi a;

	dm_atapi_init(&a, &cd);
	cmd(&a, 0x46, 0, 0, 0, 0, 0, 0, 0, 255, 0);
	CHECK(r.kind == DM_ATAPI_DATA && r.len == 8 + 12 + 12 + 8 + 8 + 12);
	CHECK(!memcmp(buf, "\x00\x00\x00\x38\x00\x00\x00\x08", 8));
	CHECK(!memcmp(buf + 8, "\x00\x00\x03\x08\x00\x10\x00\x00\x00\x08\x01\x00", 12));
	CHECK(buf[20 + 1] == 1 && buf[20 + 7] == 2 && buf[32 + 1] == 2 && buf[40 + 1] == 3);
	CHECK(buf[48 + 1] == 0x10 && buf[48 + 2] == 1 && buf[48 + 6] == 8);
	cmd(&a, 0x46, 2, 0, 3, 0, 0, 0, 0, 255, 0);			/* just 0x0003 */
	CHECK(r.len == 16 && buf[3] == 12 && buf[9] == 3);
	dm_atapi_init(&a, &dvd);
	cmd(&a, 0x46, 1, 0, 0, 0, 0, 0, 0, 8, 0);
	CHECK(r.len == 8 && buf[6] == 0 && buf[7] == 0x10);
	dm_atapi_init(&a, NULL);
	cmd(&a, 0x46, 1, 0, 0, 0, 0, 0, 0, 255, 0);			/* current only */
	CHECK(buf[7] == 0 && r.len == 8 + 12 + 12 + 8 + 8);
	cmd(&a, 0x46, 3, 0, 0, 0, 0, 0, 0, 255, 0);
	check_fails(&a, 5, 0x24, 0);
}

static void gesn(struct dm_atapi *a, uint8_t event, uint8_t status)
{
	cmd(a, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0);
	CHECK(r.kind == DM_ATAPI_DATA && r.len == 8);
	CHECK(buf[0] == 0 && buf[1] == 6 && buf[2] == 4 && buf[3] == 0x10);
	CHECK(buf[4] == event && buf[5] == status);
}

static void test_media_change(void)
{
	struct dm_atapi a;

	dm_atapi_init(&a, NULL);
	cmd(&a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	check_fails(&a, 2, 0x3a, 1);
	cmd(&a, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_CHECK && r.sense_key == 2);
	gesn(&a, 0, 0);
	cmd(&a, 0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0);			/* not polled */
	check_fails(&a, 5, 0x24, 0);
	cmd(&a, 0x4a, 1, 0, 0, 0x02, 0, 0, 0, 8, 0);			/* no media class */
	CHECK(r.len == 4 && buf[2] == 0x80);

	dm_atapi_change(&a, &cd);
	cmd(&a, 0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0);			/* passes */
	CHECK(r.kind == DM_ATAPI_DATA);
	gesn(&a, 2, 2);
	gesn(&a, 0, 2);
	cmd(&a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0);			/* attention, once */
	check_fails(&a, 6, 0x28, 0);
	cmd(&a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_NODATA);

	dm_atapi_change(&a, &dvd);					/* sense clears it */
	sense_is(&a, 6, 0x28, 0);
	cmd(&a, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK(r.kind == DM_ATAPI_DATA && buf[1] == 0x1e);

	cmd(&a, 0x1e, 0, 0, 0, 1, 0, 0, 0, 0, 0);			/* locked: no eject */
	cmd(&a, 0x1b, 0, 0, 0, 2, 0, 0, 0, 0, 0);
	check_fails(&a, 5, 0x53, 2);
	cmd(&a, 0x1e, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	cmd(&a, 0x1b, 0, 0, 0, 2, 0, 0, 0, 0, 0);			/* eject */
	CHECK(r.kind == DM_ATAPI_NODATA && !dm_atapi_has_medium(&a));
	gesn(&a, 3, 1);
	cmd(&a, 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8);
	CHECK(buf[1] == 0x10);
	cmd(&a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	check_fails(&a, 2, 0x3a, 2);
	cmd(&a, 0x1b, 0, 0, 0, 3, 0, 0, 0, 0, 0);			/* load */
	gesn(&a, 2, 2);
	cmd(&a, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	check_fails(&a, 6, 0x28, 0);
	cmd(&a, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	CHECK(r.kind == DM_ATAPI_READ);

	dm_atapi_change(&a, NULL);
	gesn(&a, 3, 0);
	cmd(&a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	check_fails(&a, 2, 0x3a, 1);
	struct dm_blk empty = cd;
	empty.present = false;
	dm_atapi_change(&a, &empty);
	CHECK(!dm_atapi_has_medium(&a) && dm_atapi_blocks(&a) == 0);
}

static void test_fuzz(void)
{
	struct dm_atapi a;
	uint32_t x = 12345;

	dm_atapi_init(&a, &cd);
	for (int i = 0; i < 100000; i++) {
		uint8_t cdb[12];

		for (int j = 0; j < 12; j++) {
			x = x * 1103515245 + 12345;
			cdb[j] = (uint8_t)(x >> 16);
		}
		if (i & 1)
			cdb[0] = (uint8_t[]){ 0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2b,
					      0x42, 0x43, 0x46, 0x4a, 0x51, 0x52, 0x5a, 0xa8,
					      0xbb, 0xbd, 0xbe }[cdb[11] % 20];
		if (i % 1000 == 0)
			dm_atapi_change(&a, i % 3000 ? &cd : NULL);
		dm_atapi_command(&a, cdb, buf, sizeof(buf), &r);
		CHECK(r.kind != DM_ATAPI_DATA || (r.len > 0 && r.len <= sizeof(buf)));
		CHECK(r.kind != DM_ATAPI_READ ||
		      (r.blocks && r.lba + r.blocks <= dm_atapi_blocks(&a)));
	}
}

int main(void)
{
	test_inquiry_sense();
	test_capacity_reads();
	test_toc();
	test_mode_sense();
	test_configuration();
	test_media_change();
	test_fuzz();
	CHECK_DONE("dm_atapi");
	return 0;
}

/*
 * GUID partition tables (gpt.h), after UEFI 2.x §5.2.3 (protective MBR) and
 * §5.3 (GPT header, partition entry array). Every header field is checked
 * against the disk before it is used as an offset; the entry array is read
 * a sector at a time through t->scratch, so no field can make us read or
 * copy outside the disk or our buffers.
 */
#include "gpt.h"
#include "errno.h"

#ifdef BULKHEAD_HOST
#include <string.h>
#else
#include "dom.h"
#endif

#define HDR_SIZE 92u			/* §5.3.2 Table 5-5: the fields we know */
#define HDR_REVISION 0x00010000u	/* 1.0 */
#define ENTRY_SIZE 128u			/* §5.3.3: the fields we know; what we write */
#define NO_LBA UINT64_MAX
#define MAX_SECTORS (1ull << 48)	/* 128 PiB at 512: keeps LBA sums far from overflow */
#define ALIGN_BYTES (1u << 20)		/* volumes start 1 MiB aligned */

const struct gpt_guid gpt_type_volume = { {
	0x60, 0x5f, 0x86, 0xba, 0xca, 0xe6, 0x92, 0x46,
	0xa8, 0xcc, 0x2d, 0xd6, 0xdc, 0x10, 0x66, 0x97,
} };

/* A GPT header's fields (§5.3.2 Table 5-5 offsets in the parser). */
struct hdr {
	uint32_t revision, size, crc;
	uint64_t my_lba, alt_lba, first_usable, last_usable;
	struct gpt_guid disk_guid;
	uint64_t entry_lba;
	uint32_t entries, entry_size, entries_crc;
};

/* Where the entry array is read from: one cached sector of t->scratch. */
struct cursor {
	const struct gpt_io *io;
	uint8_t *buf;
	uint64_t base, cached;
};

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

uint32_t gpt_crc32(uint32_t crc, const void *buf, size_t len)
{
	/* Byte table of the reflected polynomial, built on first use (one
	 * caller at a time, gpt.h). */
	static uint32_t tab[256];
	const uint8_t *p = buf;

	if (!tab[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
			tab[i] = c;
		}
	}
	crc = ~crc;
	while (len--)
		crc = (crc >> 8) ^ tab[(crc ^ *p++) & 0xff];
	return ~crc;
}

static bool geometry_ok(uint32_t ss, uint64_t sectors)
{
	return ss >= GPT_MIN_SECTOR && ss <= GPT_MAX_SECTOR && !(ss & (ss - 1)) &&
	       sectors >= 3 && sectors <= MAX_SECTORS;
}

/* Sectors of the 128 x 128-byte entry array we write. */
static uint64_t std_array_sectors(uint32_t ss)
{
	return (GPT_MAX_PARTS * ENTRY_SIZE + ss - 1) / ss;
}

static int cursor_load(struct cursor *c, uint64_t lba)
{
	int rc;

	if (lba == c->cached)
		return 0;
	c->cached = NO_LBA;
	rc = c->io->read(c->io->ctx, lba, 1, c->buf);
	if (rc)
		return rc < 0 ? rc : -EIO;
	c->cached = lba;
	return 0;
}

/* Copy len bytes at byte offset off of the array; the caller checked the range. */
static int cursor_get(struct cursor *c, uint64_t off, void *dst, size_t len)
{
	uint32_t ss = c->io->sector_size;
	uint8_t *d = dst;

	while (len) {
		size_t in = (size_t)(off % ss), n = ss - in;
		int rc = cursor_load(c, c->base + off / ss);

		if (rc)
			return rc;
		if (n > len)
			n = len;
		memcpy(d, c->buf + in, n);
		d += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int cursor_crc(struct cursor *c, uint64_t len, uint32_t *crc)
{
	uint32_t ss = c->io->sector_size;

	*crc = 0;
	for (uint64_t off = 0; off < len; off += ss) {
		int rc = cursor_load(c, c->base + off / ss);

		if (rc)
			return rc;
		*crc = gpt_crc32(*crc, c->buf, len - off < ss ? (size_t)(len - off) : ss);
	}
	return 0;
}

static void hdr_parse(const uint8_t *b, struct hdr *h)
{
	h->revision = get32(b + 8);
	h->size = get32(b + 12);
	h->crc = get32(b + 16);
	h->my_lba = get64(b + 24);
	h->alt_lba = get64(b + 32);
	h->first_usable = get64(b + 40);
	h->last_usable = get64(b + 48);
	memcpy(h->disk_guid.b, b + 56, 16);
	h->entry_lba = get64(b + 72);
	h->entries = get32(b + 80);
	h->entry_size = get32(b + 84);
	h->entries_crc = get32(b + 88);
}

/* The header in b, read from LBA at: its own fields (§5.3.2 validity rules). */
static const char *hdr_check(const struct gpt_io *io, uint8_t *b, uint64_t at, struct hdr *h)
{
	hdr_parse(b, h);
	if (memcmp(b, "EFI PART", 8))
		return "bad signature";
	if (h->revision != HDR_REVISION)
		return "unsupported revision";
	if (h->size < HDR_SIZE || h->size > io->sector_size)
		return "bad header size";
	put32(b + 16, 0);
	if (gpt_crc32(0, b, h->size) != h->crc)
		return "header CRC mismatch";
	if (h->my_lba != at)
		return "my_lba is not where the header is";
	if (h->alt_lba >= io->sectors || h->alt_lba == at || h->alt_lba == 0)
		return "alternate LBA outside the disk";
	if (h->first_usable > h->last_usable)
		return "first usable LBA after the last";
	if (h->first_usable < 2 || h->last_usable >= io->sectors - 1 ||
	    (h->alt_lba >= h->first_usable && h->alt_lba <= h->last_usable))
		return "usable range overlaps a header";
	if (h->entry_size < ENTRY_SIZE || h->entry_size % 8)
		return "bad entry size";
	if ((uint64_t)h->entries * h->entry_size > GPT_MAX_ARRAY)
		return "entry array too large";
	return NULL;
}

/* The entry array's place: inside the disk, clear of the MBR, both headers
 * and the usable range. */
static const char *hdr_check_array(const struct gpt_io *io, const struct hdr *h)
{
	uint64_t bytes = (uint64_t)h->entries * h->entry_size;
	uint64_t n = (bytes + io->sector_size - 1) / io->sector_size, end;

	if (!n)
		return NULL;
	if (h->entry_lba == 0 || h->entry_lba >= io->sectors || n > io->sectors - h->entry_lba)
		return "entry array outside the disk";
	end = h->entry_lba + n - 1;
	if ((h->my_lba >= h->entry_lba && h->my_lba <= end) ||
	    (h->alt_lba >= h->entry_lba && h->alt_lba <= end))
		return "entry array overlaps a header";
	if (h->entry_lba <= h->last_usable && end >= h->first_usable)
		return "entry array overlaps the usable range";
	return NULL;
}

/* UTF-16LE to the ASCII subset of UTF-8: anything else reads as '?'. */
static void name_from_disk(struct gpt_part *p, const uint8_t *raw)
{
	size_t i;

	for (i = 0; i < GPT_NAME_LEN; i++)
		p->name16[i] = get16(raw + 2 * i);
	for (i = 0; i < GPT_NAME_LEN && p->name16[i]; i++)
		p->name[i] = p->name16[i] >= 0x20 && p->name16[i] < 0x7f ? (char)p->name16[i] : '?';
	p->name[i] = '\0';
}

static bool guid_zero(const struct gpt_guid *g)
{
	static const struct gpt_guid zero;

	return !memcmp(g, &zero, sizeof(zero));
}

/* Used partitions: inside the usable range, first <= last, pairwise disjoint. */
static const char *parts_check(const struct gpt_table *t)
{
	for (int i = 0; i < GPT_MAX_PARTS; i++) {
		const struct gpt_part *p = &t->part[i];

		if (!p->used)
			continue;
		if (p->first > p->last)
			return "partition ends before it starts";
		if (p->first < t->first_usable || p->last > t->last_usable)
			return "partition outside the usable range";
		for (int j = 0; j < i; j++) {
			const struct gpt_part *q = &t->part[j];

			if (q->used && p->first <= q->last && q->first <= p->last)
				return "partitions overlap";
		}
	}
	return NULL;
}

/* Entry i of the array into slot i; an entry past our slots must be unused. */
static int entry_read(struct cursor *c, const struct hdr *h, uint32_t i, struct gpt_table *t,
		      const char **why)
{
	uint8_t e[ENTRY_SIZE];
	struct gpt_part *p;
	int rc;

	rc = cursor_get(c, (uint64_t)i * h->entry_size, e, i < GPT_MAX_PARTS ? ENTRY_SIZE : 16);
	if (rc)
		return rc;
	if (i >= GPT_MAX_PARTS) {
		if (!guid_zero((const struct gpt_guid *)e))
			*why = "used entry beyond slot 128";
		return 0;
	}
	p = &t->part[i];
	memcpy(p->type.b, e, 16);
	p->used = !guid_zero(&p->type);
	if (!p->used)
		return 0;
	memcpy(p->uuid.b, e + 16, 16);
	p->first = get64(e + 32);
	p->last = get64(e + 40);
	p->attrs = get64(e + 48);
	name_from_disk(p, e + 56);
	return 0;
}

/* One copy of the GPT, header at LBA at: 0 and t filled, -EINVAL with *why, or a read error. */
static int copy_read(const struct gpt_io *io, struct gpt_table *t, uint64_t at, const char **why)
{
	struct cursor c = { io, t->scratch, 0, NO_LBA };
	struct hdr h;
	uint32_t crc;
	int rc;

	memset(t->part, 0, sizeof(t->part));
	*why = "read error";
	rc = cursor_load(&c, at);
	if (rc)
		return rc;
	*why = hdr_check(io, t->scratch, at, &h);
	if (!*why)
		*why = hdr_check_array(io, &h);
	if (*why)
		return -EINVAL;
	c.base = h.entry_lba;
	c.cached = NO_LBA;
	*why = "read error";
	rc = cursor_crc(&c, (uint64_t)h.entries * h.entry_size, &crc);
	if (rc)
		return rc;
	*why = crc == h.entries_crc ? NULL : "entries CRC mismatch";
	t->first_usable = h.first_usable;
	t->last_usable = h.last_usable;
	for (uint32_t i = 0; i < h.entries && !*why; i++) {
		rc = entry_read(&c, &h, i, t, why);
		if (rc) {
			*why = "read error";
			return rc;
		}
	}
	if (!*why)
		*why = parts_check(t);
	if (*why)
		return -EINVAL;
	t->disk_guid = h.disk_guid;
	return 0;
}

int gpt_read(const struct gpt_io *io, struct gpt_table *t)
{
	int rc, rc2;

	t->warn = t->primary_why = t->backup_why = NULL;
	memset(t->part, 0, sizeof(t->part));
	if (!geometry_ok(io->sector_size, io->sectors) || !io->read) {
		t->why = "bad disk geometry";
		return -EINVAL;
	}
	t->sector_size = io->sector_size;
	t->sectors = io->sectors;
	t->why = NULL;
	rc = copy_read(io, t, 1, &t->primary_why);
	if (!rc)
		return 0;
	rc2 = copy_read(io, t, io->sectors - 1, &t->backup_why);
	if (!rc2) {
		t->warn = "primary GPT invalid, backup used";
		return 0;
	}
	memset(t->part, 0, sizeof(t->part));
	t->first_usable = t->last_usable = 0;
	t->why = "no valid GPT";
	return rc != -EINVAL ? rc : rc2;
}

int gpt_init(struct gpt_table *t, const struct gpt_io *io, const struct gpt_guid *disk_guid)
{
	uint64_t n;

	memset(t, 0, offsetof(struct gpt_table, scratch));
	if (!geometry_ok(io->sector_size, io->sectors)) {
		t->why = "bad disk geometry";
		return -EINVAL;
	}
	n = std_array_sectors(io->sector_size);
	if (io->sectors < 2 * n + 4) {
		t->why = "disk too small";
		return -EINVAL;
	}
	t->sector_size = io->sector_size;
	t->sectors = io->sectors;
	t->first_usable = 2 + n;
	t->last_usable = io->sectors - 2 - n;
	t->disk_guid = *disk_guid;
	return 0;
}

static void entry_encode(const struct gpt_part *p, uint8_t *e)
{
	memset(e, 0, ENTRY_SIZE);
	if (!p->used)
		return;
	memcpy(e, p->type.b, 16);
	memcpy(e + 16, p->uuid.b, 16);
	put64(e + 32, p->first);
	put64(e + 40, p->last);
	put64(e + 48, p->attrs);
	for (int i = 0; i < GPT_NAME_LEN; i++)
		put16(e + 56 + 2 * i, p->name16[i]);
}

/* The 128 entries, one sector at a time, at lba; also their CRC. */
static int array_write(const struct gpt_io *io, struct gpt_table *t, uint64_t lba, uint32_t *crc)
{
	uint32_t ss = io->sector_size, per = ss / ENTRY_SIZE;
	uint64_t n = std_array_sectors(ss);
	int rc;

	*crc = 0;
	for (uint64_t s = 0; s < n; s++) {
		memset(t->scratch, 0, ss);
		for (uint32_t k = 0; k < per && s * per + k < GPT_MAX_PARTS; k++)
			entry_encode(&t->part[s * per + k], t->scratch + k * ENTRY_SIZE);
		*crc = gpt_crc32(*crc, t->scratch, ss);
		rc = io->write(io->ctx, lba + s, 1, t->scratch);
		if (rc)
			return rc < 0 ? rc : -EIO;
	}
	return 0;
}

static int hdr_write(const struct gpt_io *io, struct gpt_table *t, uint64_t at, uint64_t alt,
		     uint64_t entry_lba, uint32_t entries_crc)
{
	uint8_t *b = t->scratch;
	int rc;

	memset(b, 0, io->sector_size);
	memcpy(b, "EFI PART", 8);
	put32(b + 8, HDR_REVISION);
	put32(b + 12, HDR_SIZE);
	put64(b + 24, at);
	put64(b + 32, alt);
	put64(b + 40, t->first_usable);
	put64(b + 48, t->last_usable);
	memcpy(b + 56, t->disk_guid.b, 16);
	put64(b + 72, entry_lba);
	put32(b + 80, GPT_MAX_PARTS);
	put32(b + 84, ENTRY_SIZE);
	put32(b + 88, entries_crc);
	put32(b + 16, gpt_crc32(0, b, HDR_SIZE));
	rc = io->write(io->ctx, at, 1, b);
	return rc ? (rc < 0 ? rc : -EIO) : 0;
}

/* §5.2.3: one partition of type 0xEE covering the disk (capped at 2^32-1). */
static int mbr_write(const struct gpt_io *io, struct gpt_table *t)
{
	uint8_t *b = t->scratch, *r = b + 446;
	uint64_t size = io->sectors - 1;
	int rc;

	memset(b, 0, io->sector_size);
	r[2] = 0x02;			/* starting CHS 0/0/2 */
	r[4] = 0xee;
	r[5] = r[6] = r[7] = 0xff;	/* ending CHS: not representable */
	put32(r + 8, 1);
	put32(r + 12, size > 0xffffffffu ? 0xffffffffu : (uint32_t)size);
	b[510] = 0x55;
	b[511] = 0xaa;
	rc = io->write(io->ctx, 0, 1, b);
	return rc ? (rc < 0 ? rc : -EIO) : 0;
}

static const char *write_check(const struct gpt_io *io, const struct gpt_table *t)
{
	uint64_t n;

	if (!geometry_ok(io->sector_size, io->sectors) || !io->write)
		return "bad disk geometry";
	if (t->sector_size != io->sector_size || t->sectors != io->sectors)
		return "table is for another disk";
	n = std_array_sectors(io->sector_size);
	if (io->sectors < 2 * n + 4 || t->first_usable < 2 + n ||
	    t->last_usable > io->sectors - 2 - n || t->first_usable > t->last_usable)
		return "usable range overlaps the entry arrays";
	return parts_check(t);
}

int gpt_write(const struct gpt_io *io, struct gpt_table *t)
{
	uint64_t last = io->sectors - 1, backup_array;
	uint32_t crc;
	int rc;

	t->why = write_check(io, t);
	if (t->why)
		return -EINVAL;
	backup_array = last - std_array_sectors(io->sector_size);
	/* Backup first: a write cut short leaves the primary's entries CRC wrong
	 * (so the backup is used) or both copies whole. */
	rc = array_write(io, t, backup_array, &crc);
	if (!rc)
		rc = hdr_write(io, t, last, 1, backup_array, crc);
	if (!rc)
		rc = array_write(io, t, 2, &crc);
	if (!rc)
		rc = hdr_write(io, t, 1, last, 2, crc);
	if (!rc)
		rc = mbr_write(io, t);
	if (rc)
		t->why = "write error";
	return rc;
}

static bool name_ok(const char *name)
{
	size_t n = 0;

	if (!name)
		return false;
	for (; name[n]; n++)
		if (n >= GPT_NAME_LEN || name[n] < 0x20 || name[n] > 0x7e)
			return false;
	return n > 0;
}

int gpt_find(const struct gpt_table *t, const char *name)
{
	if (!name)
		return -ENOENT;
	for (int i = 0; i < GPT_MAX_PARTS; i++)
		if (t->part[i].used && !strcmp(t->part[i].name, name))
			return i;
	return -ENOENT;
}

/* First 1 MiB aligned start at which size sectors fit, or NO_LBA. */
static uint64_t first_fit(const struct gpt_table *t, uint64_t size)
{
	uint64_t align = ALIGN_BYTES / t->sector_size;
	uint64_t at = (t->first_usable + align - 1) / align * align;
	bool moved = true;

	while (moved) {
		moved = false;
		if (at > t->last_usable || size > t->last_usable - at + 1)
			return NO_LBA;
		for (int i = 0; i < GPT_MAX_PARTS; i++) {
			const struct gpt_part *p = &t->part[i];

			if (p->used && p->first <= at + size - 1 && at <= p->last) {
				at = (p->last + align) / align * align;
				moved = true;
			}
		}
	}
	return at;
}

int gpt_add(struct gpt_table *t, const char *name, uint64_t size_sectors, int *out_index)
{
	struct gpt_part *p = NULL;
	uint64_t at;
	int i;

	t->why = "bad volume name or size";
	if (!name_ok(name) || !size_sectors || !t->sector_size)
		return -EINVAL;
	t->why = "name in use";
	if (gpt_find(t, name) >= 0)
		return -EEXIST;
	t->why = "partition table full";
	for (i = 0; i < GPT_MAX_PARTS && !p; i++)
		if (!t->part[i].used)
			p = &t->part[i];
	if (!p)
		return -ENOSPC;
	t->why = "no room on the disk";
	at = first_fit(t, size_sectors);
	if (at == NO_LBA)
		return -ENOSPC;
	t->why = NULL;
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->type = gpt_type_volume;
	p->first = at;
	p->last = at + size_sectors - 1;
	/* Unique on this disk: the disk GUID with the start LBA (< 2^48) mixed
	 * into its last six bytes; the version and variant bits stay. */
	p->uuid = t->disk_guid;
	for (int k = 0; k < 6; k++)
		p->uuid.b[10 + k] ^= (uint8_t)(at >> (8 * k));
	for (size_t k = 0; name[k]; k++) {
		p->name[k] = name[k];
		p->name16[k] = (uint8_t)name[k];
	}
	*out_index = (int)(p - t->part);
	return 0;
}

int gpt_remove(struct gpt_table *t, const char *name)
{
	int i = gpt_find(t, name);

	if (i < 0) {
		t->why = "no such volume";
		return i;
	}
	memset(&t->part[i], 0, sizeof(t->part[i]));
	t->why = NULL;
	return 0;
}

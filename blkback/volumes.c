/*
 * Volumes as GPT partitions of one disk (volumes.h). The table in memory
 * (struct gpt_table) is the truth between calls; each change is written to
 * the disk before it is reported done, and undone in memory if the write
 * fails, so memory and disk agree after every call.
 */
#include <string.h>
#include "errno.h"
#include "volumes.h"

#define MBR_SIG_OFF 510

static int io_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	const struct volumes_disk *d = ctx;

	return d->read(d->ctx, lba, count, buf);
}

static int io_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
	const struct volumes_disk *d = ctx;

	return d->write(d->ctx, lba, count, buf);
}

static bool is_volume(const struct gpt_part *p)
{
	return p->used && !memcmp(&p->type, &gpt_type_volume, sizeof(p->type));
}

/* Blank (volumes.h): no GPT signature in either header, no MBR signature.
 * 1 blank, 0 not, or the read error. Uses t.scratch as the sector buffer. */
static int blank(struct volumes *v)
{
	uint8_t *s = v->t.scratch;
	const uint64_t lbas[3] = { 0, 1, v->disk.sectors - 1 };
	int rc;

	for (int i = 0; i < 3; i++) {
		if ((rc = v->disk.read(v->disk.ctx, lbas[i], 1, s)))
			return rc;
		if (i == 0 && s[MBR_SIG_OFF] == 0x55 && s[MBR_SIG_OFF + 1] == 0xaa)
			return 0;
		if (i > 0 && !memcmp(s, "EFI PART", 8))
			return 0;
	}
	return 1;
}

static bool geometry_ok(const struct volumes_disk *d)
{
	return d && d->read && d->write && d->flush && d->zero &&
	       d->sector_size >= GPT_MIN_SECTOR && d->sector_size <= GPT_MAX_SECTOR &&
	       !(d->sector_size & (d->sector_size - 1)) && d->sectors >= 3;
}

/* Writes the table and flushes the disk so that it outlives a crash. */
static int commit(struct volumes *v)
{
	int rc = gpt_write(&v->io, &v->t);

	if (rc) {
		v->why = v->t.why ? v->t.why : "table write failed";
		return rc;
	}
	if ((rc = v->disk.flush(v->disk.ctx)))
		v->why = "flush after the table write failed";
	return rc;
}

int volumes_open(struct volumes *v, const struct volumes_disk *d, const struct gpt_guid *new_guid)
{
	int rc;

	memset(v, 0, sizeof(*v));
	v->why = "bad disk geometry or ops";
	if (!geometry_ok(d) || !new_guid)
		return -EINVAL;
	v->disk = *d;
	v->io = (struct gpt_io){ d->sector_size, d->sectors, &v->disk, io_read, io_write };
	if (!(rc = gpt_read(&v->io, &v->t))) {
		v->why = NULL;
		if (!(v->warn = v->t.warn))
			return 0;
		return commit(v);	/* a bad copy: write both again */
	}
	if (rc != -EINVAL) {
		v->why = "disk read failed";
		return rc;
	}
	if ((rc = blank(v)) <= 0) {
		v->why = rc ? "disk read failed"
			    : "the disk holds a partition table that is not a valid GPT; refused";
		return rc ? rc : -EINVAL;
	}
	if ((rc = gpt_init(&v->t, &v->io, new_guid))) {
		v->why = v->t.why ? v->t.why : "disk too small";
		return rc;
	}
	v->created = true;
	v->why = NULL;
	return commit(v);
}

/* xenstore path characters (a volume is published as data/volumes/<name>):
 * alphanumerics, '-', '_', '@'; '/' only between non-empty components. */
static bool name_ok(const char *name)
{
	size_t n = strnlen(name, GPT_NAME_LEN + 1);

	if (!n || n > GPT_NAME_LEN || name[0] == '/' || name[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			     (c >= 'A' && c <= 'Z');

		if (c == '/' && name[i + 1] == '/')
			return false;
		if (!alnum && c != '-' && c != '_' && c != '@' && c != '/')
			return false;
	}
	return true;
}

int volumes_create(struct volumes *v, const char *name, uint64_t bytes)
{
	uint64_t ss = v->disk.sector_size, sectors = bytes / ss + (bytes % ss != 0);
	const struct gpt_part *p;
	int slot, rc;

	v->why = "bad volume name (letters, digits, - _ @, '/' between parts; 36 at most)";
	if (!name || !name_ok(name))
		return -EINVAL;
	v->why = "bad size";
	if (!bytes)
		return -EINVAL;
	if ((rc = gpt_add(&v->t, name, sectors, &slot))) {
		v->why = v->t.why;
		return rc;
	}
	/* Zeros on the media before the table names the range: a crash in
	 * between leaves zeroed free space, never a volume with old data. */
	p = &v->t.part[slot];
	if ((rc = v->disk.zero(v->disk.ctx, p->first, p->last - p->first + 1)) ||
	    (rc = v->disk.flush(v->disk.ctx)))
		v->why = "zeroing the new volume failed";
	if (rc || (rc = commit(v))) {
		memset(&v->t.part[slot], 0, sizeof(v->t.part[slot]));
		return rc;
	}
	v->users[slot] = 0;
	v->why = NULL;
	return 0;
}

static int find_volume(const struct volumes *v, const char *name)
{
	int i = name ? gpt_find(&v->t, name) : -ENOENT;

	return i >= 0 && is_volume(&v->t.part[i]) ? i : -ENOENT;
}

int volumes_destroy(struct volumes *v, const char *name)
{
	struct gpt_part saved;
	int i = find_volume(v, name), rc;

	v->why = "no such volume";
	if (i < 0)
		return i;
	v->why = "volume in use by a vbd";
	if (v->users[i])
		return -EBUSY;
	saved = v->t.part[i];
	memset(&v->t.part[i], 0, sizeof(v->t.part[i]));
	if ((rc = commit(v))) {
		v->t.part[i] = saved;
		return rc;
	}
	v->why = NULL;
	return 0;
}

unsigned volumes_list(const struct volumes *v, struct volumes_info *out, unsigned max)
{
	unsigned n = 0;

	for (int i = 0; i < GPT_MAX_PARTS; i++) {
		const struct gpt_part *p = &v->t.part[i];

		if (!is_volume(p))
			continue;
		if (n < max) {
			memcpy(out[n].name, p->name, sizeof(out[n].name));
			out[n].bytes = (p->last - p->first + 1) * v->disk.sector_size;
			out[n].users = v->users[i];
		}
		n++;
	}
	return n;
}

uint64_t volumes_size(const struct volumes *v, const char *name)
{
	int i = find_volume(v, name);

	if (i < 0)
		return 0;
	return (v->t.part[i].last - v->t.part[i].first + 1) * v->disk.sector_size;
}

int volumes_get(struct volumes *v, const char *name, struct volumes_ref *r)
{
	int i = find_volume(v, name);

	r->slot = -1;
	if (i < 0)
		return i;
	*r = (struct volumes_ref){ v, i, v->t.part[i].first,
				   v->t.part[i].last - v->t.part[i].first + 1 };
	v->users[i]++;
	return 0;
}

void volumes_put(struct volumes_ref *r)
{
	if (r->slot >= 0 && r->v->users[r->slot])
		r->v->users[r->slot]--;
	r->slot = -1;
}

/* The disk LBA and count for bytes [off, off + len) of the volume, or -EINVAL. */
static int clamp(const struct volumes_ref *r, uint64_t off, size_t len, uint64_t *lba,
		 uint32_t *count)
{
	uint64_t ss = r->v ? r->v->disk.sector_size : 0, n;

	if (r->slot < 0 || !ss || off % ss || len % ss || !len)
		return -EINVAL;
	n = len / ss;
	if (off / ss >= r->count || n > r->count - off / ss || n > UINT32_MAX)
		return -EINVAL;
	*lba = r->first + off / ss;
	*count = (uint32_t)n;
	return 0;
}

int volumes_read(void *ref, uint64_t off, void *buf, size_t len)
{
	struct volumes_ref *r = ref;
	uint64_t lba;
	uint32_t n;
	int rc = clamp(r, off, len, &lba, &n);

	return rc ? rc : r->v->disk.read(r->v->disk.ctx, lba, n, buf);
}

int volumes_write(void *ref, uint64_t off, const void *buf, size_t len)
{
	struct volumes_ref *r = ref;
	uint64_t lba;
	uint32_t n;
	int rc = clamp(r, off, len, &lba, &n);

	return rc ? rc : r->v->disk.write(r->v->disk.ctx, lba, n, buf);
}

int volumes_flush(void *ref)
{
	struct volumes_ref *r = ref;

	return r->slot < 0 ? -EINVAL : r->v->disk.flush(r->v->disk.ctx);
}

/* Per piece, for a disk without rw. */
static int rw_pieces(struct volumes_ref *r, const struct blk_io *io)
{
	uint64_t off = io->off;
	int rc = 0;

	for (unsigned int i = 0; i < io->n && !rc; off += io->v[i++].len)
		rc = io->write ? volumes_write(r, off, io->v[i].base, io->v[i].len)
			       : volumes_read(r, off, io->v[i].base, io->v[i].len);
	return rc;
}

#define BATCH 16	/* ios passed to the disk per call */

void volumes_rw(void *ref, struct blk_io *ios, unsigned int n)
{
	struct volumes_ref *r = ref;
	const struct volumes_disk *d = r->v ? &r->v->disk : NULL;
	struct blk_io dio[BATCH];
	unsigned int idx[BATCH];

	for (unsigned int i = 0; i < n;) {
		unsigned int k = 0;

		for (; i < n && k < BATCH; i++) {
			size_t len = ios[i].v && ios[i].n ? blk_iov_total(ios[i].v, ios[i].n) : 0;
			uint64_t lba;
			uint32_t count;

			if ((ios[i].rc = clamp(r, ios[i].off, len, &lba, &count)))
				continue;
			if (!d->rw) {
				ios[i].rc = rw_pieces(r, &ios[i]);
				continue;
			}
			dio[k] = ios[i];
			dio[k].off = lba * d->sector_size;
			idx[k++] = i;
		}
		if (k)
			d->rw(d->ctx, dio, k);
		for (unsigned int j = 0; j < k; j++)
			ios[idx[j]].rc = dio[j].rc;
	}
}

int volumes_discard(void *ref, uint64_t off, uint64_t len)
{
	struct volumes_ref *r = ref;
	uint64_t lba;
	uint32_t n;
	int rc;

	if (!len)	/* blkif allows an empty range: nothing to do */
		return r->slot < 0 ? -EINVAL : 0;
	if ((rc = clamp(r, off, len, &lba, &n)))
		return rc;
	return r->v->disk.zero(r->v->disk.ctx, lba, n);
}

const struct blkif_back_store_ops volumes_store_ops = {
	.read = volumes_read, .write = volumes_write, .flush = volumes_flush,
	.rw = volumes_rw,
};

const struct blkif_back_store_ops volumes_store_ops_discard = {
	.read = volumes_read, .write = volumes_write, .flush = volumes_flush,
	.discard = volumes_discard, .rw = volumes_rw,
};

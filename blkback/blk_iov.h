/*
 * A scattered buffer: the pieces of one blkif request's data (each
 * segment's bytes in its granted page), in order; and a batch entry, one
 * request's transfer. blkif_back.c hands storage a batch of these, so that
 * the disk drivers move each with as few device commands as their bounce
 * pages allow (not one per 4 KiB segment) and keep several in flight. A
 * cursor walks a buffer while a driver fills or drains its bounce pages.
 * Header only, <string.h> only: the host tests and both domains include it.
 */
#ifndef BLKBACK_BLK_IOV_H
#define BLKBACK_BLK_IOV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct blk_iov {
	void *base;
	size_t len;
};

/* One transfer of a batch: the total of v's pieces at byte off of the store
 * (a volume, or a whole disk in the drivers), rc its result (0 or -errno). */
struct blk_io {
	int write;
	uint64_t off;
	const struct blk_iov *v;
	unsigned int n;
	int rc;
};

struct blk_iov_cursor {
	const struct blk_iov *v;
	unsigned int n, i;	/* pieces, the current one */
	size_t at;		/* bytes of piece i already passed */
};

/* The pieces' total; SIZE_MAX if it would overflow. */
static inline size_t blk_iov_total(const struct blk_iov *v, unsigned int n)
{
	size_t sum = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (v[i].len > (size_t)-1 - sum)
			return (size_t)-1;
		sum += v[i].len;
	}
	return sum;
}

static inline void blk_iov_start(struct blk_iov_cursor *c, const struct blk_iov *v,
				 unsigned int n)
{
	c->v = v;
	c->n = n;
	c->i = 0;
	c->at = 0;
}

/* The cursor at byte at of the pieces (or at their end). */
static inline void blk_iov_seek(struct blk_iov_cursor *c, const struct blk_iov *v, unsigned int n,
				size_t at)
{
	blk_iov_start(c, v, n);
	while (c->i < n && at >= v[c->i].len)
		at -= v[c->i++].len;
	c->at = c->i < n ? at : 0;
}

/* Copies len bytes between the cursor's pieces and flat (to_iov: flat into
 * the pieces), moving the cursor on; a copy runs out at the last piece's end
 * (the caller checked the total). */
static inline void blk_iov_copy(struct blk_iov_cursor *c, void *flat, size_t len, int to_iov)
{
	unsigned char *p = flat;

	while (len && c->i < c->n) {
		const struct blk_iov *v = &c->v[c->i];
		size_t k = v->len - c->at < len ? v->len - c->at : len;
		unsigned char *q = (unsigned char *)v->base + c->at;

		if (to_iov)
			memcpy(q, p, k);
		else
			memcpy(p, q, k);
		p += k;
		len -= k;
		c->at += k;
		if (c->at == v->len) {
			c->i++;
			c->at = 0;
		}
	}
}

/*
 * For a driver whose device moves the bytes in place: bytes [at, at + bytes)
 * of the pieces as runs that each lie in one page of the device's address
 * space (dma: the device address of a byte), in order. fn gets each run's
 * device address and length, and whether more bytes follow it; it returns
 * false to stop. True when fn took every byte (the caller checked the total).
 */
static inline int blk_iov_dma_runs(const struct blk_iov *v, unsigned int n, size_t at,
				   size_t bytes, size_t page,
				   uint64_t (*dma)(void *ctx, const void *p), void *ctx,
				   int (*fn)(void *arg, uint64_t addr, size_t len, int more),
				   void *arg)
{
	struct blk_iov_cursor c;

	blk_iov_seek(&c, v, n, at);
	for (; bytes && c.i < c.n; c.i++, c.at = 0) {
		const unsigned char *p = (const unsigned char *)c.v[c.i].base + c.at;
		size_t k = c.v[c.i].len - c.at < bytes ? c.v[c.i].len - c.at : bytes;

		for (size_t off = 0; off < k;) {
			uint64_t a = dma(ctx, p + off);
			size_t len = page - (size_t)(a % page);

			len = len < k - off ? len : k - off;
			off += len;
			if (!fn(arg, a, len, off < k || bytes > k))
				return 0;
		}
		bytes -= k;
	}
	return !bytes;
}

#endif

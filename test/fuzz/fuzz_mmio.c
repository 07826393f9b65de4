/*
 * libFuzzer target for the MMIO emulator: random code bytes, mode and
 * registers into mmio_emulate() with ops that bounds-check every access.
 * Input: byte 0 = mode (bits 0-1), addr32_wrap (bit 2), restart reads with
 * -EAGAIN (bit 3), fail reads (bit 4) or the write (bit 5) with -EIO; bytes
 * 1-15 = code; then gpr[16], rip, rflags, seg_base[6] (zero-padded).
 * Checks: no crash or UB; sizes 1/2/4/8 and values that fit them; no read
 * after the write and at most one write; nothing changes on error; on
 * success rip moved past exactly the decoded instruction (or stayed, REP).
 */
#include <stdlib.h>
#include <string.h>
#include "errno.h"
#include "insn.h"
#include "mmio.h"

#define CODE_LEN 15

struct fz {
	unsigned cfg, writes, seen;
	u64 seen_gla[16];
};

static void fz_assert(int ok)
{
	if (!ok)
		abort();
}

static bool fz_size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static int fz_read(void *ctx, u64 gla, unsigned size, u64 *val)
{
	struct fz *f = ctx;
	unsigned i;

	fz_assert(fz_size_ok(size) && f->writes == 0);
	if ((f->cfg & 0x10) && (gla & 0x10))
		return -EIO;
	for (i = 0; i < f->seen && f->seen_gla[i] != gla; i++)
		;
	if ((f->cfg & 8) && i == f->seen && f->seen < 16) {
		f->seen_gla[f->seen++] = gla;
		return -EAGAIN;
	}
	/* Deliberately wider than size: the emulator must mask. */
	*val = gla * 0x9e3779b97f4a7c15ull ^ 0xa5a5a5a5a5a5a5a5ull;
	return 0;
}

static int fz_write(void *ctx, u64 gla, unsigned size, u64 val)
{
	struct fz *f = ctx;

	(void)gla;
	fz_assert(fz_size_ok(size) && f->writes == 0);
	fz_assert(size == 8 || val >> (size * 8) == 0);
	if (f->cfg & 0x20)
		return -EIO;
	f->writes++;
	return 0;
}

static const struct mmio_ops fz_ops = { fz_read, fz_write };

static bool fz_same(const struct mmio_cpu *a, const struct mmio_cpu *b)
{
	return memcmp(a->gpr, b->gpr, sizeof(a->gpr)) == 0 && a->rip == b->rip &&
	       a->rflags == b->rflags;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u64 regs[16 + 2 + 6] = { 0 };
	struct fz f = { 0 };
	struct mmio_cpu c = { 0 }, before;
	u8 *code;
	size_t n;
	int rc, len;

	if (size < 2)
		return 0;
	f.cfg = data[0];
	c.mode = (enum insn_mode)(f.cfg & 3) % 3;
	c.addr32_wrap = f.cfg & 4;
	n = size - 1 < CODE_LEN ? size - 1 : CODE_LEN;
	code = malloc(n);	/* exactly n bytes: ASan sees a read past them */
	memcpy(code, data + 1, n);
	if (size > 1 + CODE_LEN)
		memcpy(regs, data + 1 + CODE_LEN,
		       size - 1 - CODE_LEN < sizeof(regs) ? size - 1 - CODE_LEN : sizeof(regs));
	memcpy(c.gpr, regs, sizeof(c.gpr));
	c.rip = regs[16];
	c.rflags = regs[17];
	memcpy(c.seg_base, regs + 18, sizeof(c.seg_base));
	for (unsigned i = 0; i < 20; i++) {
		before = c;
		f.writes = 0;
		rc = mmio_emulate(code, n, &c, &fz_ops, &f);
		if (rc != -EAGAIN)
			break;
		fz_assert(f.writes == 0);
	}
	fz_assert(rc == 0 || fz_same(&c, &before));
	if (rc == 0) {
		u64 m = c.mode == INSN_MODE_16 ? 0xffff : c.mode == INSN_MODE_32 ? 0xffffffff : ~0ull;

		len = insn_length(code, n, c.mode);
		fz_assert(len > 0);
		fz_assert(c.rip == before.rip || c.rip == ((before.rip + (u64)len) & m));
	}
	free(code);
	return 0;
}

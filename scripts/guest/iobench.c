/*
 * iobench DEV OFFSET_MIB SPAN_MIB: block I/O as the guest sees it (issue 8's
 * bench). On DEV opened O_DIRECT (no page cache: every request reaches the
 * driver), over [OFFSET, OFFSET + SPAN) MiB:
 *   seq-write   SPAN MiB in 1 MiB writes, then fdatasync
 *   seq-read    the same, read back (checked against what was written)
 *   rand-read   RAND_OPS 4 KiB reads at fixed-seed random 4 KiB offsets
 *   rand-write  RAND_OPS 4 KiB writes likewise, then fdatasync
 * and prints one line per test:
 *   BULKHEAD-IO: <test> bytes B ops N ticks T
 * T in TSC ticks (on QEMU with -icount shift=0, emulated instructions, so a
 * bare run and a Bulkhead run of the same guest compare directly:
 * test/bench/bench_hvm.py). The area's old contents are not kept: give it
 * a scratch region. Exit status 0, or 1 after "iobench: <why>" on stderr.
 */
#define PROG "iobench"
#include "guestlib.h"

#define SYS_READ_AT 17		/* pread64 */
#define SYS_WRITE_AT 18		/* pwrite64 */
#define SYS_OPEN 2
#define SYS_FDATASYNC 75
#define O_RDWR 02
#define O_DIRECT 040000
#define MIB (1ul << 20)
#define SMALL 4096ul
#define RAND_OPS 2000ul

static unsigned char buf[MIB] __attribute__((aligned(4096)));

static long sys4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

static void line(const char *test, u64 bytes, u64 ops, u64 ticks)
{
	char b[3][24];

	out(1, "BULKHEAD-IO: ");
	out(1, test);
	out(1, " bytes ");
	out(1, fmt(b[0] + 24, bytes, 10));
	out(1, " ops ");
	out(1, fmt(b[1] + 24, ops, 10));
	out(1, " ticks ");
	out(1, fmt(b[2] + 24, ticks, 10));
	out(1, "\n");
}

/* Every 8 bytes of the area hold their own offset (a misplaced block shows). */
static void pattern(u64 off, u64 len)
{
	for (u64 i = 0; i < len; i += 8)
		*(u64 *)(buf + i) = off + i;
}

static void seq(int fd, u64 base, u64 span, int write)
{
	u64 t = tsc();

	for (u64 off = 0; off < span; off += MIB) {
		if (write)
			pattern(base + off, MIB);
		if (sys4(write ? SYS_WRITE_AT : SYS_READ_AT, fd, (long)buf, MIB, (long)(base + off)) !=
		    (long)MIB)
			die(write ? "sequential write failed" : "sequential read failed");
		if (!write)
			for (u64 i = 0; i < MIB; i += 8)
				if (*(u64 *)(buf + i) != base + off + i)
					die("sequential read: data differs from what was written");
	}
	if (write && sys3(SYS_FDATASYNC, fd, 0, 0))
		die("fdatasync failed");
	line(write ? "seq-write" : "seq-read", span, span / MIB, tsc() - t);
}

static void rnd(int fd, u64 base, u64 span, int write)
{
	u64 x = 0x9e3779b97f4a7c15ul, t = tsc();

	for (u64 n = 0; n < RAND_OPS; n++) {
		u64 off;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		off = base + (x % (span / SMALL)) * SMALL;
		if (write)
			pattern(off, SMALL);
		if (sys4(write ? SYS_WRITE_AT : SYS_READ_AT, fd, (long)buf, SMALL, (long)off) !=
		    (long)SMALL)
			die(write ? "random write failed" : "random read failed");
		if (!write && *(u64 *)buf != off)
			die("random read: data differs from what was written");
	}
	if (write && sys3(SYS_FDATASYNC, fd, 0, 0))
		die("fdatasync failed");
	line(write ? "rand-write" : "rand-read", RAND_OPS * SMALL, RAND_OPS, tsc() - t);
}

__attribute__((noreturn, used)) void iobench_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	u64 base, span;
	int ok1, ok2;
	long fd;

	if (sp[0] != 4)
		die("usage: iobench DEV OFFSET_MIB SPAN_MIB (e.g. iobench /dev/xvda 1 32)");
	base = parse(argv[2], &ok1) * MIB;
	span = parse(argv[3], &ok2) * MIB;
	if (!ok1 || !ok2 || !span || span > 4096 * MIB)
		die("OFFSET_MIB and SPAN_MIB must be numbers, SPAN_MIB 1 to 4096");
	fd = sys3(SYS_OPEN, (long)argv[1], O_RDWR | O_DIRECT, 0);
	if (fd < 0)
		die("cannot open DEV read-write with O_DIRECT");
	seq((int)fd, base, span, 1);
	seq((int)fd, base, span, 0);
	rnd((int)fd, base, span, 0);
	rnd((int)fd, base, span, 1);
	quit(0);
}

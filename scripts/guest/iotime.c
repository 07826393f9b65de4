/*
 * iotime PORT SIZE N: the price of a port read, as the guest sees it.
 * Does iopl(3), then N `in` instructions of SIZE (1, 2 or 4) bytes from
 * PORT between two RDTSCs, and prints
 *   BULKHEAD-PIO: port 0xb008 size 4 n 2000 ticks T per-read P
 * (T the TSC ticks for all N, P = T / N). Under Bulkhead a read of a port
 * the device model claims is a VM exit, the core's forwarding, the device
 * model's turn and the resume; on QEMU with -icount shift=0 a tick is one
 * emulated instruction, so P counts them (test/bench/bench_hvm.py).
 * Use a port whose reads have no side effects: the ACPI PM timer (PMBASE +
 * 8; SeaBIOS puts PMBASE at 0xb000 on QEMU's PIIX4 and Bulkhead's alike).
 *
 * Freestanding (x86-64 Linux, no libc: raw syscalls), built by
 * scripts/mkguest.sh into the test guests' initramfs as /bin/iotime:
 *   gcc -static -nostdlib -O2 -fno-pie -no-pie ... iotime.c
 * Exit status 0, or 1 after a line "iotime: <why>" on stderr.
 */
#define PROG "iotime"
#include "guestlib.h"

static u64 time_reads(unsigned short port, u64 size, u64 n)
{
	u64 t0 = tsc();
	unsigned int v;

	for (u64 i = 0; i < n; i++) {
		if (size == 1)
			__asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
		else if (size == 2)
			__asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
		else
			__asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	}
	return tsc() - t0;
}

static void report(u64 port, u64 size, u64 n, u64 ticks)
{
	char b[5][24];

	out(1, "BULKHEAD-PIO: port 0x");
	out(1, fmt(b[0] + 24, port, 16));
	out(1, " size ");
	out(1, fmt(b[1] + 24, size, 10));
	out(1, " n ");
	out(1, fmt(b[2] + 24, n, 10));
	out(1, " ticks ");
	out(1, fmt(b[3] + 24, ticks, 10));
	out(1, " per-read ");
	out(1, fmt(b[4] + 24, ticks / n, 10));
	out(1, "\n");
}

__attribute__((noreturn, used)) void iotime_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	u64 port, size, n;
	int ok1, ok2, ok3;

	if (sp[0] != 4)
		die("usage: iotime PORT SIZE N (e.g. iotime 0xb008 4 2000)");
	port = parse(argv[1], &ok1);
	size = parse(argv[2], &ok2);
	n = parse(argv[3], &ok3);
	if (!ok1 || port > 0xffff)
		die("PORT must be a number below 0x10000");
	if (!ok2 || (size != 1 && size != 2 && size != 4))
		die("SIZE must be 1, 2 or 4");
	if (!ok3 || n == 0 || n > 100000000)
		die("N must be 1 to 100000000");
	if (sys3(SYS_IOPL, 3, 0, 0) != 0)
		die("iopl(3) failed (not root?)");
	report(port, size, n, time_reads((unsigned short)port, size, n));
	quit(0);
}

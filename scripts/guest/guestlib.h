/*
 * What the test guests' freestanding tools share (x86-64 Linux, no libc:
 * raw syscalls; scripts/mkguest.sh builds each with -nostdlib). Define PROG
 * (the tool's name; its entry is PROG_main(long *sp)) before including.
 */
#ifndef GUESTLIB_H
#define GUESTLIB_H

#define SYS_WRITE 1
#define SYS_EXIT 60
#define SYS_IOPL 172

typedef unsigned long u64;

/* The process entry: argc at (%rsp), argv after it (SysV x86-64 ABI §3.4.1). */
__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call " PROG "_main\n"
	"	ud2\n");

static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static u64 slen(const char *s)
{
	u64 n = 0;

	while (s[n])
		n++;
	return n;
}

static void out(int fd, const char *s)
{
	sys3(SYS_WRITE, fd, (long)s, (long)slen(s));
}

static __attribute__((noreturn)) void quit(int code)
{
	for (;;)
		sys3(SYS_EXIT, code, 0, 0);
}

static __attribute__((noreturn)) void die(const char *why)
{
	out(2, PROG ": ");
	out(2, why);
	out(2, "\n");
	quit(1);
}

/* A number in decimal or 0x-hex; 0 with *ok cleared when it is not one. */
static u64 parse(const char *s, int *ok)
{
	u64 v = 0, base = 10;

	*ok = *s != 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		base = 16;
		s += 2;
	}
	for (; *s && *ok; s++) {
		u64 d = *s >= '0' && *s <= '9' ? (u64)(*s - '0') :
			*s >= 'a' && *s <= 'f' ? (u64)(*s - 'a' + 10) :
			*s >= 'A' && *s <= 'F' ? (u64)(*s - 'A' + 10) : 99;
		if (d >= base || v > (~0ul - d) / base)
			*ok = 0;
		else
			v = v * base + d;
	}
	return v;
}

/* v in base (10 or 16) at the end of buf; returns where it starts. */
static char *fmt(char *end, u64 v, u64 base)
{
	*--end = 0;
	do {
		*--end = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	return end;
}

/* lfence orders RDTSC after everything before it (Intel SDM Vol. 2B, RDTSC). */
static u64 tsc(void)
{
	unsigned int lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return (u64)hi << 32 | lo;
}

#endif

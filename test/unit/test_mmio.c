/*
 * MMIO emulator against the real CPU. Each 64-bit case is run natively (the
 * bytes copied into an executable page at a fixed low address, all 16 GPRs
 * and RFLAGS loaded by a trampoline, then saved back) and through
 * mmio_emulate() with ops over a copy of the same data; registers, the
 * defined flags, RIP and memory must agree. Cases come from a hand-written
 * table and from a generator over every handled opcode with random
 * prefixes, REX, ModRM/SIB, displacement, immediate, registers and flags.
 * Every first read of an address answers -EAGAIN, so the restart path runs
 * each time. 16- and 32-bit code cannot run natively here: those cases have
 * hand-checked results. Error paths are checked last.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "errno.h"
#include "mmio.h"

#define CODE 0x20000000ull	/* code page; below 2 GiB for disp32/moffs32 */
#define DATA (CODE + 0x1000)
#define DATA_SIZE 0x2000
#define D(off) (DATA + (off))
#define FL_STATUS 0x8d5ull
#define FL_DF 0x400ull
#define FL_AF 0x10ull
#define FL_BT_UNDEF 0x894ull	/* OF SF AF PF after BT* */
#define ZERO 0x5a5a5a5a5a5a5a5aull	/* in a table: this register is 0 */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13 };

/* ---- native execution ---- */

struct nregs {
	u64 gpr[16];
	u64 rflags;
};

void native_run(struct nregs *r, u64 code);
void native_back(void);

/* Loads every GPR (rsp too) and RFLAGS from *rdi, jumps to the code, which
 * jumps back to native_back; that saves them with rsp pointing at the
 * struct, then restores the C stack. */
__asm__(
	".text\n"
	".globl native_run\n"
	"native_run:\n"
	"push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"mov %rsp, n_host_rsp(%rip)\n"
	"mov %rdi, n_regs(%rip)\n"
	"mov %rsi, n_code(%rip)\n"
	"pushq 128(%rdi)\n popfq\n"
	"mov 0(%rdi), %rax\n mov 8(%rdi), %rcx\n mov 16(%rdi), %rdx\n"
	"mov 24(%rdi), %rbx\n mov 32(%rdi), %rsp\n mov 40(%rdi), %rbp\n"
	"mov 48(%rdi), %rsi\n mov 64(%rdi), %r8\n mov 72(%rdi), %r9\n"
	"mov 80(%rdi), %r10\n mov 88(%rdi), %r11\n mov 96(%rdi), %r12\n"
	"mov 104(%rdi), %r13\n mov 112(%rdi), %r14\n mov 120(%rdi), %r15\n"
	"mov 56(%rdi), %rdi\n"
	"jmp *n_code(%rip)\n"
	".globl native_back\n"
	"native_back:\n"
	"mov %rsp, n_tmp(%rip)\n"
	"mov n_regs(%rip), %rsp\n"
	"mov %rax, 0(%rsp)\n mov %rcx, 8(%rsp)\n mov %rdx, 16(%rsp)\n"
	"mov %rbx, 24(%rsp)\n mov %rbp, 40(%rsp)\n mov %rsi, 48(%rsp)\n"
	"mov %rdi, 56(%rsp)\n mov %r8, 64(%rsp)\n mov %r9, 72(%rsp)\n"
	"mov %r10, 80(%rsp)\n mov %r11, 88(%rsp)\n mov %r12, 96(%rsp)\n"
	"mov %r13, 104(%rsp)\n mov %r14, 112(%rsp)\n mov %r15, 120(%rsp)\n"
	"mov n_tmp(%rip), %rax\n mov %rax, 32(%rsp)\n"
	"mov %rsp, %rdi\n"
	"mov n_host_rsp(%rip), %rsp\n"
	"pushfq\n pop %rax\n mov %rax, 128(%rdi)\n cld\n"
	"pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n ret\n"
	".bss\n .balign 8\n"
	"n_host_rsp: .zero 8\n n_regs: .zero 8\n n_code: .zero 8\n n_tmp: .zero 8\n"
	".text\n");

/* The case being run, for the crash handler. */
static u8 cur_code[16];
static unsigned cur_len;

static void dump(const char *what, const u8 *code, unsigned len)
{
	fprintf(stderr, "%s:", what);
	for (unsigned i = 0; i < len; i++)
		fprintf(stderr, " %02x", code[i]);
	fprintf(stderr, "\n");
}

static void on_crash(int sig)
{
	fprintf(stderr, "signal %d natively running", sig);
	dump("", cur_code, cur_len);
	_exit(1);
}

static void native_setup(void)
{
	static u8 altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_crash, .sa_flags = SA_ONSTACK };
	void *p = mmap((void *)CODE, 0x1000 + DATA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	CHECK(p == (void *)CODE);
	CHECK(sigaltstack(&ss, NULL) == 0);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
}

/* ---- ops over a shadow copy of DATA (or, for 16/32-bit, of low memory) ---- */

struct emem {
	u8 *buf;
	u64 base, size;
	u64 seen[64][2];	/* reads answered -EAGAIN once already */
	unsigned nseen, reads, writes, eagain;
	int write_rc;		/* nonzero: the write fails with it */
};

static int emem_read(void *ctx, u64 gla, unsigned size, u64 *val)
{
	struct emem *m = ctx;
	unsigned i;

	CHECK(m->writes == 0);	/* reads come before the write */
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	if (gla < m->base || gla - m->base > m->size - size)
		return -EFAULT;
	for (i = 0; i < m->nseen; i++)
		if (m->seen[i][0] == gla && m->seen[i][1] == size)
			break;
	if (i == m->nseen) {
		CHECK(m->nseen < 64);
		m->seen[m->nseen][0] = gla;
		m->seen[m->nseen++][1] = size;
		m->eagain++;
		return -EAGAIN;
	}
	*val = 0;
	memcpy(val, m->buf + (gla - m->base), size);
	m->reads++;
	return 0;
}

static int emem_write(void *ctx, u64 gla, unsigned size, u64 val)
{
	struct emem *m = ctx;

	CHECK(m->writes == 0);
	CHECK(size == 8 || val >> (size * 8) == 0);
	if (gla < m->base || gla - m->base > m->size - size)
		return -EFAULT;
	if (m->write_rc)
		return m->write_rc;
	memcpy(m->buf + (gla - m->base), &val, size);
	m->writes++;
	return 0;
}

static const struct mmio_ops emem_ops = { emem_read, emem_write };

/* Runs the emulator to completion: again after each -EAGAIN (checking that
 * nothing changed), and per element of a REP. Returns the last rc. */
static int emulate(const u8 *code, unsigned len, struct mmio_cpu *c, struct emem *m)
{
	u64 rip = c->rip;
	int rc = 0;

	for (unsigned i = 0; i < 64; i++) {
		struct mmio_cpu before = *c;

		m->writes = 0;
		rc = mmio_emulate(code, len, c, &emem_ops, m);
		CHECK(rc == 0 || (memcmp(before.gpr, c->gpr, sizeof(c->gpr)) == 0 &&
				  before.rip == c->rip && before.rflags == c->rflags));
		if (rc == -EAGAIN) {
			CHECK(m->writes == 0);
			continue;
		}
		if (rc || c->rip != rip)
			return rc;
	}
	CHECK(!"REP did not finish");
	return rc;
}

/* ---- random numbers ---- */

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	return check_rnd(&rng_state);
}

static unsigned hex_parse(const char *s, u8 *out)
{
	unsigned n = 0;

	while (*s) {
		char *end;

		out[n++] = (u8)strtoul(s, &end, 16);
		s = end;
		while (*s == ' ')
			s++;
	}
	return n;
}

/* ---- differential run of one 64-bit case ---- */

static u64 fs_base, gs_base;
static unsigned diff_cases, diff_eagain;

/* Runs code (len bytes) natively and emulated from regs r; undef: flags
 * the SDM leaves undefined, not compared. */
static void diff_run(const u8 *code, unsigned len, const struct nregs *r, u64 undef)
{
	static u8 shadow[DATA_SIZE];
	struct emem m = { .buf = shadow, .base = DATA, .size = DATA_SIZE };
	struct mmio_cpu c = { .mode = INSN_MODE_64, .rip = CODE, .rflags = r->rflags };
	struct nregs n = *r;
	u8 *exact = malloc(len);	/* ASan catches a read past len */
	u64 *d = (u64 *)DATA, mask = (FL_STATUS | FL_DF) & ~undef;

	memcpy(cur_code, code, len);
	cur_len = len;
	for (unsigned i = 0; i < DATA_SIZE / 8; i++)
		d[i] = rnd();
	memcpy(shadow, (void *)DATA, DATA_SIZE);
	memcpy((void *)CODE, code, len);
	memcpy((u8 *)CODE + len, "\xff\x25\0\0\0\0", 6);	/* jmp *0(%rip) */
	u64 back = (u64)native_back;
	memcpy((u8 *)CODE + len + 6, &back, 8);
	native_run(&n, CODE);

	memcpy(c.gpr, r->gpr, sizeof(c.gpr));
	for (unsigned i = 0; i < 6; i++)
		c.seg_base[i] = rnd();	/* 64-bit mode must ignore ES CS SS DS */
	c.seg_base[MMIO_FS] = fs_base;
	c.seg_base[MMIO_GS] = gs_base;
	c.addr32_wrap = rnd() & 1;
	memcpy(exact, code, len);
	int rc = emulate(exact, len, &c, &m);
	free(exact);
	bool same = rc == 0 && c.rip == CODE + len &&
		    memcmp(c.gpr, n.gpr, sizeof(c.gpr)) == 0 &&
		    ((c.rflags ^ n.rflags) & mask) == 0 &&
		    memcmp(shadow, (void *)DATA, DATA_SIZE) == 0;
	if (!same) {
		dump("mismatch", code, len);
		fprintf(stderr, "rc %d rip +%llx flags in %llx cpu %llx emu %llx\n", rc,
			(unsigned long long)(c.rip - CODE), (unsigned long long)r->rflags,
			(unsigned long long)n.rflags, (unsigned long long)c.rflags);
		for (unsigned i = 0; i < 16; i++)
			fprintf(stderr, "r%u in %llx cpu %llx emu %llx\n", i,
				(unsigned long long)r->gpr[i], (unsigned long long)n.gpr[i],
				(unsigned long long)c.gpr[i]);
		for (unsigned i = 0; i < DATA_SIZE; i++)
			if (shadow[i] != ((u8 *)DATA)[i])
				fprintf(stderr, "mem +%x cpu %02x emu %02x\n", i,
					((u8 *)DATA)[i], shadow[i]);
	}
	CHECK(same);
	diff_cases++;
	diff_eagain += m.eagain;
}

/* ---- hand-written 64-bit cases: registers not named are random ---- */

struct hcase {
	const char *hex;
	u64 r[16];
	u64 fl;			/* status flags in, or 0: random */
	u64 undef;
	bool fsrel;		/* RBX is relative to the FS base */
};

/* H: registers not named are random; HF: with status flags in (0: random)
 * and flags not compared; HS: RBX is relative to the FS base. */
#define H(hex, ...) { hex, { __VA_ARGS__ }, 0, 0, false }
#define HF(hex, fl, undef, ...) { hex, { __VA_ARGS__ }, fl, undef, false }
#define HS(hex, ...) { hex, { __VA_ARGS__ }, 0, 0, true }

static const struct hcase hcases[] = {
	H("88 23", [RBX] = D(0x100)),			/* mov [rbx], ah */
	H("40 88 23", [RBX] = D(0x100)),			/* mov [rbx], spl */
	H("8a 3b", [RBX] = D(0x100)),			/* mov bh, [rbx] */
	H("44 8a 3b", [RBX] = D(0x100)),			/* mov r15b, [rbx] */
	H("48 89 1c 24", [RSP] = D(0x100)),		/* mov [rsp], rbx */
	H("66 89 45 f0", [RBP] = D(0x100)),
	H("8b 05 fa 11 00 00"),				/* mov eax, [rip+...]: D(0x200) */
	H("67 8b 05 f9 11 00 00"),			/* 32-bit rip-relative */
	H("67 8b 03", [RBX] = 0xdeadbeef00000000ull + D(0x100)),
	H("67 8b 44 8b 08", [RBX] = 0x1234567800000000ull + D(0x100),
			      [RCX] = 0xffffffff00000004ull),
	H("48 a1 00 11 00 20 00 00 00 00"),		/* mov rax, [moffs64] */
	H("67 a1 00 11 00 20"),				/* moffs32 */
	H("a2 08 11 00 20 00 00 00 00"),
	H("66 48 a3 10 11 00 20 00 00 00 00"),	/* REX.W beats 66 */
	H("8b 04 25 00 11 00 20"),			/* SIB, no base, no index */
	H("4a 8b 04 25 00 11 00 20", [R12] = 0x10),	/* REX.X: index r12 */
	H("42 8b 04 23", [RBX] = D(0x100), [R12] = 0x20),
	H("41 8b 04 24", [R12] = D(0x100)),		/* base r12: SIB */
	H("41 8b 45 00", [R13] = D(0x100)),		/* base r13: disp8 */
	H("8b 44 24 f8", [RSP] = D(0x100)),
	H("8b 84 4b 00 01 00 00", [RBX] = D(0x100), [RCX] = ZERO),
	H("48 63 03", [RBX] = D(0x100)),			/* movsxd */
	H("63 03", [RBX] = D(0x100)),
	H("66 63 03", [RBX] = D(0x100)),
	H("0f be 03", [RBX] = D(0x100)),
	H("66 0f be 03", [RBX] = D(0x100)),
	H("48 0f bf 03", [RBX] = D(0x100)),
	H("0f b6 23", [RBX] = D(0x100)),			/* movzx esp, byte */
	H("0f b7 3b", [RBX] = D(0x100)),
	HF("48 0f a3 0b", 0, FL_BT_UNDEF, [RBX] = D(0x100), [RCX] = -70ull),
	HF("0f a3 0b", 0, FL_BT_UNDEF, [RBX] = D(0x100), [RCX] = 0x12345678ffffffc0ull),
	HF("66 0f ab 0b", 0, FL_BT_UNDEF, [RBX] = D(0x100), [RCX] = 0x1234ffe0ull),
	HF("0f ba 2b 25", 0, FL_BT_UNDEF, [RBX] = D(0x100)),
	HF("f0 48 0f bb 0b", 0, FL_BT_UNDEF, [RBX] = D(0x100), [RCX] = 300),
	HF("f0 48 0f ba 33 7f", 0, FL_BT_UNDEF, [RBX] = D(0x100)),
	HF("f3 48 a5", 0x202, 0, [RSI] = D(0x100), [RDI] = D(0x400), [RCX] = 3),
	HF("f3 48 a5", 0x602, 0, [RSI] = D(0x100), [RDI] = D(0x400), [RCX] = 3),
	H("f3 48 a5", [RSI] = D(0x100), [RDI] = D(0x400), [RCX] = ZERO),
	H("67 f3 a5", [RSI] = D(0x100), [RDI] = D(0x400), [RCX] = 0x700000002ull),
	HF("f3 aa", 0x202, 0, [RDI] = D(0x400), [RCX] = 5),
	HF("f2 66 ab", 0x602, 0, [RDI] = D(0x400), [RCX] = 2),
	H("ac", [RSI] = D(0x400)),
	H("48 ad", [RSI] = D(0x400)),
	H("a4", [RSI] = D(0x100), [RDI] = D(0x101)),
	H("86 23", [RBX] = D(0x100)),			/* xchg [rbx], ah */
	H("f0 48 87 03", [RBX] = D(0x100)),
	H("f0 48 81 03 78 56 34 12", [RBX] = D(0x100)),
	H("48 81 03 00 00 00 80", [RBX] = D(0x100)),	/* sign-extended iz */
	H("48 83 3b ff", [RBX] = D(0x100)),
	HF("80 33 80", 0, FL_AF, [RBX] = D(0x100)),
	HF("66 83 13 01", 0x203, 0, [RBX] = D(0x100)),	/* adc with CF */
	HF("66 83 1b 01", 0x203, 0, [RBX] = D(0x100)),	/* sbb with CF */
	HF("10 03", 0x203, 0, [RBX] = D(0x100)),
	HF("48 19 03", 0x203, 0, [RBX] = D(0x100)),
	H("f6 1b", [RBX] = D(0x100)),			/* neg byte */
	H("48 f7 13", [RBX] = D(0x100)),			/* not qword */
	HF("f7 03 00 00 00 80", 0, FL_AF, [RBX] = D(0x100)),
	HF("ff 03", 0x203, 0, [RBX] = D(0x100)),		/* inc keeps CF */
	HF("66 ff 0b", 0x202, 0, [RBX] = D(0x100)),
	H("f0 fe 03", [RBX] = D(0x100)),
	H("48 0f c3 03", [RBX] = D(0x100)),		/* movnti */
	H("c6 03 80", [RBX] = D(0x100)),
	H("48 c7 03 80 00 00 80", [RBX] = D(0x100)),
	H("66 c7 03 34 12", [RBX] = D(0x100)),
	/* Two overrides: the last one counts, as on Intel (AMD keeps FS/GS
	 * over a later CS/DS/ES/SS in 64-bit mode), so only this order here. */
	HS("2e 64 8b 03", [RBX] = D(0x100)),
	HS("64 48 8b 03", [RBX] = D(0x100)),
	H("01 d8"),					/* register forms run too */
	H("86 e0"),
};

static void hcases_run(void)
{
	for (size_t i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		const struct hcase *h = &hcases[i];
		struct nregs r;
		u8 code[16];
		unsigned len = hex_parse(h->hex, code);

		for (unsigned k = 0; k < 16; k++)
			r.gpr[k] = h->r[k] == ZERO ? 0 : h->r[k] ? h->r[k] : rnd();
		if (h->fsrel)
			r.gpr[RBX] -= fs_base;
		r.rflags = h->fl ? h->fl : 0x202 | (rnd() & FL_STATUS);
		diff_run(code, len, &r, h->undef);
	}
}

/* ---- generator ---- */

enum { K_M, K_MOFFS, K_STR };
#define A_MEM 1			/* memory-only */
#define A_NO66 2
#define A_BT 4			/* reg is a bit offset */

struct gop {
	u8 esc, op, kind, attr;
	u8 regs;		/* ModRM.reg values allowed */
	u8 lockregs;		/* ... with which LOCK is allowed */
	u8 imm;			/* 0, 1 (ib) or 4 (iz) */
	u64 undef;		/* flags not compared */
};

static struct gop gops[128];
static unsigned ngops;

static void gop_add(u8 esc, u8 op, u8 kind, u8 attr, u8 regs, u8 lockregs, u8 imm, u64 undef)
{
	gops[ngops++] = (struct gop){ esc, op, kind, attr, regs, lockregs, imm, undef };
}

static void gops_init(void)
{
	for (unsigned a = 0; a < 8; a++)	/* ADD OR ADC SBB AND SUB XOR CMP */
		for (unsigned f = 0; f < 4; f++)
			gop_add(0, a * 8 + f, K_M, 0, 0xff, f < 2 && a != 7 ? 0xff : 0, 0,
				a == 1 || a == 4 || a == 6 ? FL_AF : 0);
	gop_add(0, 0x63, K_M, 0, 0xff, 0, 0, 0);
	gop_add(0, 0x80, K_M, 0, 0xff, 0x7f, 1, 0);
	gop_add(0, 0x81, K_M, 0, 0xff, 0x7f, 4, 0);
	gop_add(0, 0x83, K_M, 0, 0xff, 0x7f, 1, 0);
	for (u8 op = 0x84; op <= 0x8b; op++)
		gop_add(0, op, K_M, 0, 0xff, op == 0x86 || op == 0x87 ? 0xff : 0, 0,
			op < 0x86 ? FL_AF : 0);
	for (u8 op = 0xa0; op <= 0xa3; op++)
		gop_add(0, op, K_MOFFS, 0, 0, 0, 0, 0);
	for (u8 op = 0xa4; op <= 0xad; op++)
		if (op < 0xa6 || op > 0xa9)
			gop_add(0, op, K_STR, 0, 0, 0, 0, 0);
	gop_add(0, 0xc6, K_M, 0, 0x01, 0, 1, 0);
	gop_add(0, 0xc7, K_M, 0, 0x01, 0, 4, 0);
	gop_add(0, 0xf6, K_M, 0, 0x0f, 0x0c, 1, FL_AF);
	gop_add(0, 0xf7, K_M, 0, 0x0f, 0x0c, 4, FL_AF);
	gop_add(0, 0xfe, K_M, 0, 0x03, 0x03, 0, 0);
	gop_add(0, 0xff, K_M, 0, 0x03, 0x03, 0, 0);
	gop_add(1, 0xa3, K_M, A_BT, 0xff, 0, 0, FL_BT_UNDEF);
	gop_add(1, 0xab, K_M, A_BT, 0xff, 0xff, 0, FL_BT_UNDEF);
	gop_add(1, 0xb3, K_M, A_BT, 0xff, 0xff, 0, FL_BT_UNDEF);
	gop_add(1, 0xbb, K_M, A_BT, 0xff, 0xff, 0, FL_BT_UNDEF);
	gop_add(1, 0xba, K_M, 0, 0xf0, 0xe0, 1, FL_BT_UNDEF);
	for (u8 op = 0xb6; op <= 0xbf; op++)
		if (op < 0xb8 || op > 0xbd)
			gop_add(1, op, K_M, 0, 0xff, 0, 0, 0);
	gop_add(1, 0xc3, K_M, A_MEM | A_NO66, 0xff, 0, 0, 0);
}

/* One random case. Returns false for a combination it cannot place in the
 * buffer (e.g. an FS override with a 32-bit address); the caller draws
 * again. */
struct gen {
	const struct gop *g;
	u8 code[16];
	unsigned len;
	u8 seg, rex, modrm, sib, mod, reg, opsize;
	bool p66, p67, rep, has_sib;
	s64 disp;
	unsigned disp_len, disp_at;
	struct nregs r;
};

static void gen_prefixes(struct gen *s)
{
	u8 pf[4];
	unsigned n = 0;
	bool lockable = s->mod != 3 && (s->g->lockregs >> s->reg & 1);

	if (!(s->g->attr & A_NO66) && rnd() % 4 == 0)
		pf[n++] = 0x66, s->p66 = true;
	if (rnd() % 5 == 0)
		pf[n++] = 0x67, s->p67 = true;
	if (rnd() % 3 == 0)
		pf[n++] = s->seg = (const u8[]){ 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 }[rnd() % 6];
	if (lockable && rnd() % 3 == 0)
		pf[n++] = 0xf0;
	else if (s->g->kind == K_STR && rnd() % 2)
		pf[n++] = rnd() % 2 ? 0xf3 : 0xf2, s->rep = true;
	for (unsigned i = n; i > 1; i--) {
		unsigned j = rnd() % i;
		u8 t = pf[i - 1];

		pf[i - 1] = pf[j];
		pf[j] = t;
	}
	memcpy(s->code, pf, n);
	s->len = n;
	if (rnd() % 2)
		s->code[s->len++] = s->rex = 0x40 | (rnd() & 15);
	s->opsize = s->rex & 8 ? 8 : s->p66 ? 2 : 4;
}

static void gen_put(struct gen *s, u64 v, unsigned n)
{
	memcpy(s->code + s->len, &v, n);
	s->len += n;
}

static u64 seg_base_of(u8 seg)
{
	return seg == 0x64 ? fs_base : seg == 0x65 ? gs_base : 0;
}

/* The memory operand: registers so that it lands at a random spot in DATA. */
static bool gen_modrm_addr(struct gen *s, u64 target)
{
	unsigned rm = s->modrm & 7, base = rm, idx = 4, scale = 0;
	u64 sb = seg_base_of(s->seg), idxv = 0, hi = s->p67 ? rnd() << 32 : 0;

	if (s->has_sib) {
		idx = ((s->sib >> 3) & 7) | (s->rex & 2 ? 8 : 0);
		scale = s->sib >> 6;
		base = s->sib & 7;
	}
	bool nobase = s->mod == 0 && base == 5;
	bool riprel = nobase && !s->has_sib;

	base |= s->rex & 1 ? 8 : 0;
	if (nobase) {
		if (sb)
			return false;
		s->disp = riprel ? (s64)(target - (CODE + s->len)) : (s64)target;
		memcpy(s->code + s->disp_at, &s->disp, 4);
	}
	if (idx != 4) {
		idxv = (rnd() % 32 - 8) + hi;
		s->r.gpr[idx] = idxv;
	}
	if (!nobase) {
		if (idx == base)
			return false;
		s->r.gpr[base] = target - sb - (u64)s->disp - (idxv << scale) + hi;
	}
	if ((s->g->attr & A_BT) && ((s->reg | (s->rex & 4 ? 8 : 0)) == base ||
				    (s->reg | (s->rex & 4 ? 8 : 0)) == idx))
		return false;
	return !(s->p67 && sb);
}

static bool gen_modrm(struct gen *s, u64 target)
{
	const struct gop *g = s->g;
	unsigned rm = rnd() % 8;
	bool test = g->esc == 0 && (g->op == 0xf6 || g->op == 0xf7);

	s->modrm = (u8)(s->mod << 6 | s->reg << 3 | rm);
	s->code[s->len++] = s->modrm;
	if (s->mod != 3 && rm == 4) {
		s->has_sib = true;
		s->code[s->len++] = s->sib = (u8)rnd();
	}
	s->disp_at = s->len;
	if (s->mod == 1)
		s->disp = (s8)rnd(), s->disp_len = 1;
	else if (s->mod == 2)
		s->disp = (s64)(rnd() % 2001) - 1000, s->disp_len = 4;
	else if (s->mod == 0 && (rm == 5 || (s->has_sib && (s->sib & 7) == 5)))
		s->disp_len = 4;
	gen_put(s, (u64)s->disp, s->disp_len);
	if (g->imm && (!test || s->reg < 2))
		gen_put(s, rnd(), g->imm == 1 || !(g->op & 1) ? 1 : s->opsize == 2 ? 2 : 4);
	return s->mod == 3 || gen_modrm_addr(s, target);
}

static bool gen_one(struct gen *s)
{
	const struct gop *g = &gops[rnd() % ngops];
	u64 t1 = D(256 + rnd() % (DATA_SIZE - 512)), t2 = D(256 + rnd() % (DATA_SIZE - 512));

	*s = (struct gen){ .g = g };
	do
		s->reg = rnd() % 8;
	while (g->regs && !(g->regs >> s->reg & 1));
	s->mod = rnd() % 3;
	if (!(g->attr & A_MEM) && rnd() % 10 == 0)
		s->mod = 3;
	for (unsigned i = 0; i < 16; i++)
		s->r.gpr[i] = rnd();
	s->r.rflags = 0x202 | (rnd() & (FL_STATUS | FL_DF));
	gen_prefixes(s);
	if (g->esc)
		s->code[s->len++] = 0x0f;
	s->code[s->len++] = g->op;
	if (g->kind == K_M) {
		if (!gen_modrm(s, t1))
			return false;
	} else if (g->kind == K_MOFFS) {
		u64 sb = seg_base_of(s->seg);

		if (s->p67 && sb)
			return false;
		gen_put(s, t1 - sb, s->p67 ? 4 : 8);
	} else {
		u64 hi = s->p67 ? rnd() << 32 : 0;

		if (s->p67 && seg_base_of(s->seg))
			return false;
		s->r.gpr[RSI] = t1 - seg_base_of(s->seg) + hi;
		s->r.gpr[RDI] = t2 + (s->p67 ? rnd() << 32 : 0);
		if (s->rep)
			s->r.gpr[RCX] = rnd() % 5 + hi;
	}
	if (g->attr & A_BT) {
		unsigned r = s->reg | (s->rex & 4 ? 8 : 0);
		u64 m = s->opsize == 8 ? ~0ull : (1ull << (s->opsize * 8)) - 1;

		s->r.gpr[r] = (rnd() & ~m) | ((u64)(rnd() % 257 - 128) & m);
	}
	return true;
}

static void gen_run(unsigned n)
{
	struct gen s;

	for (unsigned i = 0; i < n; i++) {
		while (!gen_one(&s))
			;
		diff_run(s.code, s.len, &s.r, s.g->undef);
	}
}

/* ---- 16- and 32-bit code: hand-checked results ---- */

#define LOW_SIZE 0x20000	/* linear memory 0..128 KiB for these */

/* Registers not named in want must be unchanged (ZERO: expect 0). */
struct lcase {
	enum insn_mode mode;
	const char *hex;
	u64 r[8], want[8];	/* rax..rdi before, and what changed */
	u64 seg[4];		/* ES CS SS DS bases */
	u64 rip, fl;		/* before: 0x100 and 0x2 when 0 */
	u64 maddr, mval;	/* 8 bytes at maddr before (memory else 0) */
	u64 waddr, wval;	/* 8 bytes expected at waddr afterwards */
	u64 wrip, wfl;		/* rip (0: past the instruction), flags after */
	int rc;
	bool nowrap;		/* addr32_wrap off */
};

#define P INSN_MODE_32
#define R INSN_MODE_16
#define MV 0x1122334455667788ull

static const struct lcase lcases[] = {
	/* SeaBIOS-style 32-bit flat code */
	{ P, "8b 03", { [RBX] = 0x1000 }, { [RAX] = 0x55667788 }, .maddr = 0x1000, .mval = MV },
	{ P, "89 0b", { [RBX] = 0x1000, [RCX] = 0xaabbccdd }, { 0 }, .maddr = 0x1000,
	  .mval = MV, .waddr = 0x1000, .wval = 0x11223344aabbccddull },
	{ P, "66 8b 03", { [RAX] = 0xffffffff, [RBX] = 0x1000 }, { [RAX] = 0xffff7788 },
	  .maddr = 0x1000, .mval = MV },
	{ P, "0f b6 03", { [RAX] = 0xffffffff, [RBX] = 0x1000 }, { [RAX] = 0x88 },
	  .maddr = 0x1000, .mval = MV },
	{ P, "0f bf 03", { [RBX] = 0x1000 }, { [RAX] = 0xffff8001 }, .maddr = 0x1000, .mval = 0x8001 },
	{ P, "a1 00 10 00 00", { 0 }, { [RAX] = 0x55667788 }, .maddr = 0x1000, .mval = MV },
	{ P, "a2 04 10 00 00", { [RAX] = 0x99 }, { 0 }, .waddr = 0x1000, .wval = 0x9900000000ull },
	{ P, "c7 05 00 10 00 00 78 56 34 12", { 0 }, { 0 }, .waddr = 0x1000, .wval = 0x12345678 },
	{ P, "f3 ab", { [RAX] = 0x01020304, [RDI] = 0x1000, [RCX] = 2 },
	  { [RCX] = ZERO, [RDI] = 0x1008 }, .waddr = 0x1000, .wval = 0x0102030401020304ull },
	{ P, "f3 a5", { [RSI] = 0x1000, [RDI] = 0x1100, [RCX] = 2 },
	  { [RCX] = ZERO, [RSI] = 0x1008, [RDI] = 0x1108 }, .maddr = 0x1000, .mval = MV,
	  .waddr = 0x1100, .wval = MV },
	{ P, "a4", { [RSI] = 0x1000, [RDI] = 0x1100 }, { [RSI] = 0xfff, [RDI] = 0x10ff },
	  .fl = 0x402, .maddr = 0x1000, .mval = MV, .waddr = 0x1100, .wval = 0x88 },
	{ P, "ac", { [RAX] = 0x12345678, [RSI] = 0x1000 }, { [RAX] = 0x12345688, [RSI] = 0x1001 },
	  .maddr = 0x1000, .mval = MV },
	{ P, "67 8b 07", { [RBX] = 0xffff1000 }, { [RAX] = 0x55667788 }, .maddr = 0x1000, .mval = MV },
	{ P, "8b 03", { [RBX] = 0x20 }, { [RAX] = 0x55667788 }, .seg = { [MMIO_DS] = 0x10000 },
	  .maddr = 0x10020, .mval = MV },
	{ P, "8b 04 24", { [RSP] = 0x10 }, { [RAX] = 0x55667788 },
	  .seg = { [MMIO_SS] = 0x3000, [MMIO_DS] = 0x5000 }, .maddr = 0x3010, .mval = MV },
	{ P, "8b 45 04", { [RBP] = 0xc }, { [RAX] = 0x55667788 },
	  .seg = { [MMIO_SS] = 0x3000, [MMIO_DS] = 0x5000 }, .maddr = 0x3010, .mval = MV },
	{ P, "3e 8b 45 04", { [RBP] = 0xc }, { [RAX] = 0x55667788 },
	  .seg = { [MMIO_SS] = 0x3000, [MMIO_DS] = 0x5000 }, .maddr = 0x5010, .mval = MV },
	{ P, "01 03", { [RAX] = 1, [RBX] = 0x1000 }, { 0 }, .maddr = 0x1000, .mval = 0xffffffff,
	  .waddr = 0x1000, .wval = 0, .wfl = 0x57 },	/* CF PF AF ZF */
	{ P, "82 03 01", { [RBX] = 0x1000 }, { 0 }, .maddr = 0x1000, .mval = 0x7f,
	  .waddr = 0x1000, .wval = 0x80, .wfl = 0x892 },	/* OF SF AF */
	{ P, "8b 03", { [RBX] = 0x2000 }, { [RAX] = 0x55667788 },
	  .seg = { [MMIO_DS] = 0xfffff000 }, .maddr = 0x1000, .mval = MV },
	{ P, "8b 03", { [RBX] = 0x2000 }, { 0 }, .seg = { [MMIO_DS] = 0xfffff000 },
	  .rc = -EFAULT, .nowrap = true },		/* 0x100001000: not in the ops' range */
	{ P, "63 03", { [RBX] = 0x1000 }, { 0 }, .rc = -EOPNOTSUPP },	/* ARPL */
	{ P, "8b 03", { [RBX] = 0x1000 }, { [RAX] = 0x55667788 }, .rip = 0xfffffffe,
	  .wrip = ZERO, .maddr = 0x1000, .mval = MV },	/* EIP wraps */
	/* real mode */
	{ R, "8b 07", { [RAX] = 0xdead0000, [RBX] = 0x20 }, { [RAX] = 0xdead7788 },
	  .seg = { [MMIO_DS] = 0x1000 }, .maddr = 0x1020, .mval = MV },
	{ R, "8b 42 fe", { [RBP] = 0x10, [RSI] = 0x12 }, { [RAX] = 0x7788 },
	  .seg = { [MMIO_SS] = 0x2000, [MMIO_DS] = 0x7000 }, .maddr = 0x2020, .mval = MV },
	{ R, "3e 8b 42 fe", { [RBP] = 0x10, [RSI] = 0x12 }, { [RAX] = 0x7788 },
	  .seg = { [MMIO_SS] = 0x2000, [MMIO_DS] = 0x7000 }, .maddr = 0x7020, .mval = MV },
	{ R, "26 8b 07", { [RBX] = 0x20 }, { [RAX] = 0x7788 },
	  .seg = { [MMIO_ES] = 0x3000, [MMIO_DS] = 0x7000 }, .maddr = 0x3020, .mval = MV },
	{ R, "a1 34 12", { 0 }, { [RAX] = 0x7788 }, .seg = { [MMIO_DS] = 0x1000 },
	  .maddr = 0x2234, .mval = MV },
	{ R, "66 8b 07", { [RBX] = 0x20 }, { [RAX] = 0x55667788 }, .seg = { [MMIO_DS] = 0x1000 },
	  .maddr = 0x1020, .mval = MV },
	{ R, "8b 47 10", { [RBX] = 0xfff8 }, { [RAX] = 0x7788 }, .seg = { [MMIO_DS] = 0x1000 },
	  .maddr = 0x1008, .mval = MV },			/* [bx+16] wraps at 64 KiB */
	{ R, "67 8b 04 24", { [RSP] = 0x10 }, { [RAX] = 0x7788 },
	  .seg = { [MMIO_SS] = 0x3000, [MMIO_DS] = 0x7000 }, .maddr = 0x3010, .mval = MV },
	{ R, "0f b6 07", { [RAX] = 0xdead0000, [RBX] = 0x20 }, { [RAX] = 0xdead0088 },
	  .seg = { [MMIO_DS] = 0x1000 }, .maddr = 0x1020, .mval = MV },
	{ R, "c7 06 00 01 34 12", { 0 }, { 0 }, .seg = { [MMIO_DS] = 0x1000 },
	  .waddr = 0x1100, .wval = 0x1234 },
	{ R, "f3 a4", { [RSI] = 0x10, [RDI] = 0x20, [RCX] = 0xabcd0003 },
	  { [RSI] = 0x13, [RDI] = 0x23, [RCX] = 0xabcd0000 },
	  .seg = { [MMIO_ES] = 0x2000, [MMIO_DS] = 0x1000 }, .maddr = 0x1010, .mval = MV,
	  .waddr = 0x2020, .wval = 0x667788 },
	{ R, "f3 66 ab", { [RAX] = 0x01020304, [RDI] = 0x20, [RCX] = 2 },
	  { [RDI] = 0x28, [RCX] = ZERO }, .seg = { [MMIO_ES] = 0x2000 },
	  .waddr = 0x2020, .wval = 0x0102030401020304ull },
	{ R, "aa", { [RAX] = 0x55, [RDI] = 0x1234ffff }, { [RDI] = 0x12340000 },
	  .seg = { [MMIO_ES] = 0x2000 }, .waddr = 0x11fff, .wval = 0x55 },	/* DI wraps */
	{ R, "8b 07", { [RBX] = 0x20 }, { [RAX] = 0x7788 }, .rip = 0xfffe, .wrip = ZERO,
	  .seg = { [MMIO_DS] = 0x1000 }, .maddr = 0x1020, .mval = MV },	/* IP wraps */
};

static void lcase_run(const struct lcase *l)
{
	static u8 low[LOW_SIZE];
	struct emem m = { .buf = low, .base = 0, .size = LOW_SIZE };
	struct mmio_cpu c = { .mode = l->mode, .rip = l->rip ? l->rip : 0x100,
			      .rflags = l->fl ? l->fl : 0x2, .addr32_wrap = !l->nowrap };
	u8 code[16];
	unsigned len = hex_parse(l->hex, code);
	u64 got;

	memset(low, 0, sizeof(low));
	if (l->maddr)
		memcpy(low + l->maddr, &l->mval, 8);
	memcpy(c.gpr, l->r, sizeof(l->r));
	memcpy(c.seg_base, l->seg, sizeof(l->seg));
	int rc = emulate(code, len, &c, &m);
	if (rc != l->rc)
		dump("rc", code, len);
	CHECK(rc == l->rc);
	if (rc)
		return;
	for (unsigned i = 0; i < 8; i++) {
		u64 want = l->want[i] == ZERO ? 0 : l->want[i] ? l->want[i] : l->r[i];

		if (c.gpr[i] != want)
			fprintf(stderr, "%s: r%u %llx want %llx\n", l->hex, i,
				(unsigned long long)c.gpr[i], (unsigned long long)want);
		CHECK(c.gpr[i] == want);
	}
	CHECK(c.rip == (l->wrip == ZERO ? 0 : l->wrip ? l->wrip : (l->rip ? l->rip : 0x100) + len));
	CHECK(!l->wfl || (c.rflags & (FL_STATUS | 2)) == l->wfl);
	memcpy(&got, low + l->waddr, 8);
	CHECK(!l->waddr || got == l->wval);
}

/* ---- errors: nothing may change ---- */

struct ecase {
	const char *hex;
	int rc;
	int write_rc;		/* the write fails with it */
};

static const struct ecase ecases[] = {
	{ "f0 89 03", -EINVAL, 0 },		/* LOCK on a store */
	{ "f0 01 c3", -EINVAL, 0 },		/* ... on a register destination */
	{ "f0 39 03", -EINVAL, 0 },		/* ... on CMP */
	{ "f0 0f a3 03", -EINVAL, 0 },		/* ... on BT */
	{ "f0 a5", -EINVAL, 0 },
	{ "66 0f c3 03", -EINVAL, 0 },		/* MOVNTI has no 16-bit form */
	{ "0f c3 c0", -EINVAL, 0 },		/* ... nor a register one */
	{ "82 03 01", -EINVAL, 0 },		/* not in 64-bit mode */
	{ "0f 10 03", -EOPNOTSUPP, 0 },		/* MOVUPS */
	{ "c5 f8 10 03", -EOPNOTSUPP, 0 },		/* VMOVUPS */
	{ "f7 23", -EOPNOTSUPP, 0 },		/* MUL */
	{ "ff 13", -EOPNOTSUPP, 0 },		/* CALL [rbx] */
	{ "05 01 00 00 00", -EOPNOTSUPP, 0 },	/* no memory operand */
	{ "c7 f8 00 00 00 00", -EOPNOTSUPP, 0 },	/* XBEGIN */
	{ "0f 0b", -EOPNOTSUPP, 0 },
	{ "48 8b", -EFAULT, 0 },			/* truncated */
	{ "8b 04", -EFAULT, 0 },
	{ "66 66 66 66 66 66 66 66 66 66 66 66 66 66 8b 03", -EINVAL, 0 },	/* 16 bytes */
	{ "89 03", -EIO, -EIO },
	{ "87 03", -EIO, -EIO },		/* XCHG: register not updated */
	{ "f3 a5", -EIO, -EIO },
	{ "8b 04 25 00 00 00 90", -EFAULT, 0 },	/* read outside the ops' range */
};

static void ecase_run(const struct ecase *e)
{
	static u8 low[LOW_SIZE];
	struct emem m = { .buf = low, .base = 0, .size = LOW_SIZE, .write_rc = e->write_rc };
	struct mmio_cpu c = { .mode = INSN_MODE_64, .rip = 0x100, .rflags = 0x2 }, before;
	u8 code[16];
	unsigned len = hex_parse(e->hex, code);
	int rc;

	for (unsigned i = 0; i < 16; i++)
		c.gpr[i] = 0x1000 + i * 0x10;
	before = c;
	do
		rc = mmio_emulate(code, len, &c, &emem_ops, &m);
	while (rc == -EAGAIN);
	if (rc != e->rc)
		dump("rc", code, len);
	CHECK(rc == e->rc);
	CHECK(memcmp(c.gpr, before.gpr, sizeof(c.gpr)) == 0);
	CHECK(c.rip == before.rip && c.rflags == before.rflags);
}

int main(void)
{
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base) == 0);
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs_base) == 0);
	native_setup();
	gops_init();
	hcases_run();
	gen_run(100000);
	for (size_t i = 0; i < sizeof(lcases) / sizeof(lcases[0]); i++)
		lcase_run(&lcases[i]);
	for (size_t i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++)
		ecase_run(&ecases[i]);
	printf("mmio: %u differential cases (%u reads restarted), %zu 16/32-bit, %zu error\n",
	       diff_cases, diff_eagain, sizeof(lcases) / sizeof(lcases[0]),
	       sizeof(ecases) / sizeof(ecases[0]));
	CHECK_DONE("mmio");
	return 0;
}

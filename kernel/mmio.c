/*
 * MMIO instruction emulator (see mmio.h). insn_decode() finds the shape;
 * mmio_forms[] names a handler per opcode. "rm" is the ModRM r/m operand
 * (memory at ea in segment seg, or a register for mod 11), "reg" the ModRM
 * reg register. Everything runs on a copy of the cpu that is stored back
 * only on success, and every handler reads before it writes, once.
 */
#include "mmio.h"
#include "errno.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

/* RFLAGS status bits, SDM Vol 1 3.4.3. */
#define FL_CF 0x001
#define FL_PF 0x004
#define FL_AF 0x010
#define FL_ZF 0x040
#define FL_SF 0x080
#define FL_DF 0x400
#define FL_OF 0x800
#define FL_STATUS (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

#define REX_B 1
#define REX_X 2
#define REX_R 4

/* 0-7 in the order of opcode bits 5:3 and of group 1's ModRM.reg (SDM Vol
 * 2D Table A-6), then the ones other opcodes need. */
enum mmio_alu_op {
	ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
	ALU_TEST, ALU_INC, ALU_DEC,
};

/* Form flags. */
#define F_LOAD 1		/* MOV: reg <- rm */
#define F_MOFFS 2		/* the address is in the instruction (A0-A3) */
#define F_SX 4			/* MOVSX, MOVSXD: sign-extend */
#define F_MEM 8			/* mod 11 is #UD */

/* One emulation in progress. */
struct mmio_x {
	struct insn in;
	struct mmio_cpu c;	/* working copy, stored back on success */
	const struct mmio_ops *ops;
	void *ctx;
	const u8 *code;
	u64 nrip;		/* rip afterwards */
	u64 ea;			/* effective address of a memory rm */
	u64 imm;		/* immediate, sign-extended */
	u8 flags;		/* F_* of the form */
	u8 seg;			/* segment of ea, or of a string source */
	u8 size;		/* operand size in bytes */
	u8 reg, rm;		/* ModRM reg, and rm for mod 11, REX included */
	bool mem;		/* rm is memory */
};

typedef int (*mmio_fn)(struct mmio_x *x);

struct mmio_form {
	u8 map, lo, hi, flags;	/* opcodes lo..hi of map */
	mmio_fn fn;
};

static u64 mmio_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static u64 mmio_sext(u64 v, unsigned size)
{
	unsigned s = 64 - size * 8;

	return size && size < 8 ? (u64)((s64)(v << s) >> s) : v;
}

/* n little-endian bytes. */
static u64 mmio_le(const u8 *p, unsigned n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static unsigned mmio_modrm_reg(const struct mmio_x *x)
{
	return (x->in.modrm >> 3) & 7;
}

/* Without REX, byte registers 4-7 are AH CH DH BH (SDM Vol 2A 3.1.1.1). */
static u64 *mmio_gpr(struct mmio_x *x, unsigned r, unsigned size, unsigned *sh)
{
	*sh = 0;
	if (size == 1 && !x->in.rex && r >= 4 && r < 8) {
		*sh = 8;
		r -= 4;
	}
	return &x->c.gpr[r];
}

static u64 mmio_reg_get(struct mmio_x *x, unsigned r, unsigned size)
{
	unsigned sh;
	u64 *g = mmio_gpr(x, r, size, &sh);

	return (*g >> sh) & mmio_mask(size);
}

/* 8- and 16-bit writes keep the rest of the register, 32-bit ones clear
 * bits 63:32 (SDM Vol 1 3.4.1.1). */
static void mmio_reg_put(struct mmio_x *x, unsigned r, unsigned size, u64 v)
{
	unsigned sh;
	u64 *g = mmio_gpr(x, r, size, &sh);
	u64 m = mmio_mask(size) << sh;

	if (size >= 4)
		*g = v & mmio_mask(size);
	else
		*g = (*g & ~m) | ((v << sh) & m);
}

/* The effective address wraps at the address size (SDM Vol 1 3.3.7); in
 * 64-bit mode only FS and GS have a base (Vol 3A 3.2.4). */
static u64 mmio_linear(const struct mmio_x *x, unsigned seg, u64 ea)
{
	u64 la = ea & mmio_mask(x->in.addr_size);

	if (x->c.mode == INSN_MODE_64)
		return seg >= MMIO_FS ? la + x->c.seg_base[seg] : la;
	la += x->c.seg_base[seg];
	return x->c.addr32_wrap ? la & 0xffffffffu : la;
}

static int mmio_read(struct mmio_x *x, unsigned seg, u64 ea, unsigned size,
		     u64 *v)
{
	int rc = x->ops->read(x->ctx, mmio_linear(x, seg, ea), size, v);

	if (!rc)
		*v &= mmio_mask(size);
	return rc;
}

static int mmio_write(struct mmio_x *x, unsigned seg, u64 ea, unsigned size,
		      u64 v)
{
	return x->ops->write(x->ctx, mmio_linear(x, seg, ea), size,
			     v & mmio_mask(size));
}

static int mmio_rm_get(struct mmio_x *x, unsigned size, u64 *v)
{
	if (x->mem)
		return mmio_read(x, x->seg, x->ea, size, v);
	*v = mmio_reg_get(x, x->rm, size);
	return 0;
}

static int mmio_rm_put(struct mmio_x *x, u64 v)
{
	if (x->mem)
		return mmio_write(x, x->seg, x->ea, x->size, v);
	mmio_reg_put(x, x->rm, x->size, v);
	return 0;
}

/* PF: the low byte has an even number of set bits. */
static u64 mmio_parity(u64 v)
{
	v &= 0xff;
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return v & 1 ? 0 : FL_PF;
}

/* a op b at x->size, setting the status flags as each instruction's page in
 * SDM Vol 2 says. AF, undefined after AND/OR/XOR/TEST, is cleared as
 * hardware does; INC and DEC keep CF. */
static u64 mmio_alu(struct mmio_x *x, unsigned op, u64 a, u64 b)
{
	u64 m = mmio_mask(x->size), sign = (m >> 1) + 1, *fl = &x->c.rflags;
	u64 cin = op == ALU_ADC || op == ALU_SBB ? *fl & FL_CF : 0;
	u64 r, f = 0;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD: case ALU_ADC: case ALU_INC:
		r = (a + b + cin) & m;
		f = r < a || (cin && r == a) ? FL_CF : 0;
		f |= (a ^ r) & (b ^ r) & sign ? FL_OF : 0;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case ALU_SUB: case ALU_SBB: case ALU_CMP: case ALU_DEC:
		r = (a - b - cin) & m;
		f = a < b || (cin && a == b) ? FL_CF : 0;
		f |= (a ^ b) & (a ^ r) & sign ? FL_OF : 0;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case ALU_OR:
		r = a | b;
		break;
	case ALU_XOR:
		r = a ^ b;
		break;
	default:		/* AND, TEST */
		r = a & b;
		break;
	}
	f |= (r ? 0 : FL_ZF) | (r & sign ? FL_SF : 0) | mmio_parity(r);
	if (op == ALU_INC || op == ALU_DEC)
		f = (f & ~FL_CF) | (*fl & FL_CF);
	*fl = (*fl & ~FL_STATUS) | f;
	return r;
}

/* rm = a op b, unless op only sets flags. */
static int mmio_alu_store(struct mmio_x *x, unsigned op, u64 a, u64 b)
{
	u64 r = mmio_alu(x, op, a, b);

	return op == ALU_CMP || op == ALU_TEST ? 0 : mmio_rm_put(x, r);
}

/* 00-3B: ADD..CMP Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev; bit 1: reg is the
 * destination. The accumulator-immediate forms have no memory operand. */
static int mmio_alu_rm(struct mmio_x *x)
{
	unsigned op = (x->in.opcode >> 3) & 7;
	u64 m, r;
	int rc;

	if ((x->in.opcode & 7) > 3)
		return -EOPNOTSUPP;
	rc = mmio_rm_get(x, x->size, &m);
	if (rc)
		return rc;
	r = mmio_reg_get(x, x->reg, x->size);
	if (!(x->in.opcode & 2))
		return mmio_alu_store(x, op, m, r);
	r = mmio_alu(x, op, r, m);
	if (op != ALU_CMP)
		mmio_reg_put(x, x->reg, x->size, r);
	return 0;
}

/* 80-83: group 1, ALU op in ModRM.reg, immediate source (ib sign-extended
 * for 83). */
static int mmio_grp1(struct mmio_x *x)
{
	u64 m;
	int rc = mmio_rm_get(x, x->size, &m);

	return rc ? rc : mmio_alu_store(x, mmio_modrm_reg(x), m, x->imm);
}

/* 84/85 TEST Eb,Gb / Ev,Gv. */
static int mmio_test(struct mmio_x *x)
{
	u64 m;
	int rc = mmio_rm_get(x, x->size, &m);

	return rc ? rc : mmio_alu_store(x, ALU_TEST, m,
					mmio_reg_get(x, x->reg, x->size));
}

/* F6/F7 group 3: /0 /1 TEST imm, /2 NOT (no flags), /3 NEG (flags of
 * 0 - src). MUL, IMUL, DIV, IDIV are not done. */
static int mmio_grp3(struct mmio_x *x)
{
	unsigned op = mmio_modrm_reg(x);
	u64 m;
	int rc;

	if (op >= 4)
		return -EOPNOTSUPP;
	rc = mmio_rm_get(x, x->size, &m);
	if (rc)
		return rc;
	if (op < 2)
		return mmio_alu_store(x, ALU_TEST, m, x->imm);
	if (op == 2)
		return mmio_rm_put(x, ~m);
	return mmio_alu_store(x, ALU_SUB, 0, m);
}

/* FE/FF group 4/5: /0 INC, /1 DEC. The branches and PUSH are not done. */
static int mmio_grp5(struct mmio_x *x)
{
	unsigned op = mmio_modrm_reg(x);
	u64 m;
	int rc;

	if (op > 1)
		return -EOPNOTSUPP;
	rc = mmio_rm_get(x, x->size, &m);
	return rc ? rc : mmio_alu_store(x, op ? ALU_DEC : ALU_INC, m, 1);
}

/* 86/87 XCHG: the rm write comes before the register update so a failing
 * write leaves nothing done. */
static int mmio_xchg(struct mmio_x *x)
{
	u64 m;
	int rc = mmio_rm_get(x, x->size, &m);

	if (!rc)
		rc = mmio_rm_put(x, mmio_reg_get(x, x->reg, x->size));
	if (!rc)
		mmio_reg_put(x, x->reg, x->size, m);
	return rc;
}

/* 88-8B MOV, A0-A3 MOV with moffs (reg is the accumulator). */
static int mmio_mov(struct mmio_x *x)
{
	u64 m;
	int rc;

	if (!(x->flags & F_LOAD))
		return mmio_rm_put(x, mmio_reg_get(x, x->reg, x->size));
	rc = mmio_rm_get(x, x->size, &m);
	if (!rc)
		mmio_reg_put(x, x->reg, x->size, m);
	return rc;
}

/* 0F C3 MOVNTI My,Gy: a store without a 16-bit form (SDM Vol 2B). */
static int mmio_movnti(struct mmio_x *x)
{
	return x->in.prefix_66 ? -EINVAL : mmio_mov(x);
}

/* C6/C7 /0 MOV Eb,Ib / Ev,Iz. C6 F8 / C7 F8 are XABORT / XBEGIN. */
static int mmio_movi(struct mmio_x *x)
{
	return mmio_modrm_reg(x) ? -EOPNOTSUPP : mmio_rm_put(x, x->imm);
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX, 63 MOVSXD (64-bit mode; elsewhere 63 is
 * ARPL). The source is 8 or 16 bits, for MOVSXD 32 or the operand size. */
static int mmio_movx(struct mmio_x *x)
{
	unsigned from = x->in.opcode & 1 ? 2 : 1;
	u64 m;
	int rc;

	if (x->in.opcode_map == INSN_MAP_ONE) {
		if (x->c.mode != INSN_MODE_64)
			return -EOPNOTSUPP;
		from = x->size < 4 ? x->size : 4;
	}
	rc = mmio_rm_get(x, from, &m);
	if (rc)
		return rc;
	mmio_reg_put(x, x->reg, x->size, x->flags & F_SX ? mmio_sext(m, from) : m);
	return 0;
}

/* 0F A3/AB/B3/BB BT/BTS/BTR/BTC Ev,Gv and 0F BA /4-7 Ev,Ib (SDM Vol 2A
 * BT). A register bit offset is signed and, on memory, selects the operand
 * at ea + size * (offset DIV bits); an immediate one is taken modulo the
 * operand width. CF gets the bit; OF SF AF PF (undefined) and ZF are kept. */
static int mmio_bt(struct mmio_x *x)
{
	unsigned bits = x->size * 8, op;
	unsigned shift = x->size == 2 ? 4 : x->size == 4 ? 5 : 6;	/* log2(bits) */
	u64 off = x->imm, m, bit;
	int rc;

	if (x->in.opcode == 0xba) {
		op = mmio_modrm_reg(x) & 3;
	} else {
		op = (x->in.opcode >> 3) & 3;
		off = mmio_sext(mmio_reg_get(x, x->reg, x->size), x->size);
		if (x->mem)
			x->ea += (u64)((s64)off >> shift) * x->size;
	}
	bit = off & (bits - 1);
	rc = mmio_rm_get(x, x->size, &m);
	if (rc)
		return rc;
	x->c.rflags = (x->c.rflags & ~FL_CF) | ((m >> bit) & 1);
	if (op == 1)
		m |= 1ull << bit;
	else if (op == 2)
		m &= ~(1ull << bit);
	else if (op == 3)
		m ^= 1ull << bit;
	return op ? mmio_rm_put(x, m) : 0;
}

/* A4/A5 MOVS, AA/AB STOS, AC/AD LODS (SDM Vol 2B): source seg:rSI (DS
 * unless overridden), destination ES:rDI, both stepping by the size, down
 * when DF is set. REP (F2 or F3) repeats rCX times, one element per call. */
static int mmio_string(struct mmio_x *x)
{
	unsigned as = x->in.addr_size, op = x->in.opcode & ~1u;
	u64 *g = x->c.gpr, n = g[RCX] & mmio_mask(as), v = g[RAX];
	u64 step = x->c.rflags & FL_DF ? -(u64)x->size : x->size;
	int rc = 0;

	if (x->in.rep && !n)
		return 0;
	if (op != 0xaa)
		rc = mmio_read(x, x->seg, g[RSI], x->size, &v);
	if (!rc && op != 0xac)
		rc = mmio_write(x, MMIO_ES, g[RDI], x->size, v);
	if (rc)
		return rc;
	if (op == 0xac)
		mmio_reg_put(x, RAX, x->size, v);
	if (op != 0xaa)
		mmio_reg_put(x, RSI, as, g[RSI] + step);
	if (op != 0xac)
		mmio_reg_put(x, RDI, as, g[RDI] + step);
	if (x->in.rep) {
		mmio_reg_put(x, RCX, as, n - 1);
		if (n > 1)
			x->nrip = x->c.rip;
	}
	return 0;
}

static const struct mmio_form mmio_forms[] = {
	{ INSN_MAP_ONE, 0x00, 0x3f, 0, mmio_alu_rm },
	{ INSN_MAP_ONE, 0x63, 0x63, F_SX, mmio_movx },
	{ INSN_MAP_ONE, 0x80, 0x83, 0, mmio_grp1 },
	{ INSN_MAP_ONE, 0x84, 0x85, 0, mmio_test },
	{ INSN_MAP_ONE, 0x86, 0x87, 0, mmio_xchg },
	{ INSN_MAP_ONE, 0x88, 0x89, 0, mmio_mov },
	{ INSN_MAP_ONE, 0x8a, 0x8b, F_LOAD, mmio_mov },
	{ INSN_MAP_ONE, 0xa0, 0xa1, F_MOFFS | F_LOAD, mmio_mov },
	{ INSN_MAP_ONE, 0xa2, 0xa3, F_MOFFS, mmio_mov },
	{ INSN_MAP_ONE, 0xa4, 0xa5, 0, mmio_string },
	{ INSN_MAP_ONE, 0xaa, 0xad, 0, mmio_string },
	{ INSN_MAP_ONE, 0xc6, 0xc7, 0, mmio_movi },
	{ INSN_MAP_ONE, 0xf6, 0xf7, 0, mmio_grp3 },
	{ INSN_MAP_ONE, 0xfe, 0xff, 0, mmio_grp5 },
	{ INSN_MAP_0F, 0xa3, 0xa3, 0, mmio_bt },
	{ INSN_MAP_0F, 0xab, 0xab, 0, mmio_bt },
	{ INSN_MAP_0F, 0xb3, 0xb3, 0, mmio_bt },
	{ INSN_MAP_0F, 0xba, 0xbb, 0, mmio_bt },
	{ INSN_MAP_0F, 0xb6, 0xb7, 0, mmio_movx },
	{ INSN_MAP_0F, 0xbe, 0xbf, F_SX, mmio_movx },
	{ INSN_MAP_0F, 0xc3, 0xc3, F_MEM, mmio_movnti },
};

static const struct mmio_form *mmio_find(const struct insn *in)
{
	size_t i;

	if (in->vex)
		return NULL;
	for (i = 0; i < sizeof(mmio_forms) / sizeof(mmio_forms[0]); i++) {
		const struct mmio_form *f = &mmio_forms[i];

		if (f->map == in->opcode_map && in->opcode >= f->lo &&
		    in->opcode <= f->hi)
			return f;
	}
	return NULL;
}

/* ModRM memory operand, SDM Vol 2A 2.1.5 Tables 2-1 to 2-3: base + index *
 * scale + disp; mod 00 rm 101 is [disp32], RIP-relative in 64-bit mode
 * (2.2.1.6); SIB index 100 without REX.X is none, base 101 with mod 00 is
 * disp32 alone. rBP/rSP bases default to SS (Vol 1 3.7.5). */
static void mmio_modrm_ea(struct mmio_x *x, u64 disp)
{
	static const u8 base16[8] = { RBX, RBX, RBP, RBP, RSI, RDI, RBP, RBX };
	static const u8 index16[4] = { RSI, RDI, RSI, RDI };
	const struct insn *in = &x->in;
	unsigned mod = in->modrm >> 6, rm = in->modrm & 7, base, idx;
	const u64 *g = x->c.gpr;

	x->ea = disp;
	if (in->addr_size == 2) {
		if (mod == 0 && rm == 6)
			return;
		x->ea += g[base16[rm]] + (rm < 4 ? g[index16[rm]] : 0);
		x->seg = rm == 2 || rm == 3 || rm == 6 ? MMIO_SS : MMIO_DS;
		return;
	}
	base = rm;
	if (!in->has_sib && mod == 0 && rm == 5) {
		if (x->c.mode == INSN_MODE_64)
			x->ea += x->nrip;
		return;
	}
	if (in->has_sib) {
		idx = ((in->sib >> 3) & 7) | (in->rex & REX_X ? 8 : 0);
		if (idx != RSP)
			x->ea += g[idx] << (in->sib >> 6);
		base = in->sib & 7;
		if (base == 5 && mod == 0)
			return;
	}
	base |= in->rex & REX_B ? 8 : 0;
	x->ea += g[base];
	if (base == RSP || base == RBP)
		x->seg = MMIO_SS;
}

/* LOCK is valid only on a read-modify-write of memory (SDM Vol 2A LOCK);
 * anything else is #UD. */
static bool mmio_lock_ok(const struct mmio_x *x)
{
	unsigned op = x->in.opcode, r = mmio_modrm_reg(x);

	if (!x->mem)
		return false;
	if (x->in.opcode_map == INSN_MAP_0F)
		return op == 0xab || op == 0xb3 || op == 0xbb || (op == 0xba && r >= 5);
	if (op < 0x40)
		return (op & 7) <= 1 && op < 0x38;
	switch (op) {
	case 0x80: case 0x81: case 0x82: case 0x83:
		return r != 7;
	case 0x86: case 0x87:
		return true;
	case 0xf6: case 0xf7:
		return r == 2 || r == 3;
	case 0xfe: case 0xff:
		return r <= 1;
	default:
		return false;
	}
}

/* Operand size (bit 0 clear in the one-byte map: byte form), registers,
 * immediate and memory address. Checks what is #UD before anything runs. */
static int mmio_operands(struct mmio_x *x)
{
	const struct insn *in = &x->in;
	unsigned imm_off = in->len - in->imm_size;
	unsigned disp_off = imm_off - in->disp_size;
	u64 disp = mmio_le(x->code + disp_off, in->disp_size);

	x->size = in->opcode_map == INSN_MAP_ONE && !(in->opcode & 1) ? 1 : in->op_size;
	x->imm = mmio_sext(mmio_le(x->code + imm_off, in->imm_size), in->imm_size);
	x->mem = !in->has_modrm || in->modrm < 0xc0;
	x->seg = MMIO_DS;
	if (in->has_modrm) {
		x->reg = mmio_modrm_reg(x) | (in->rex & REX_R ? 8 : 0);
		x->rm = (in->modrm & 7) | (in->rex & REX_B ? 8 : 0);
		if (x->mem)
			mmio_modrm_ea(x, mmio_sext(disp, in->disp_size));
	} else {
		x->reg = RAX;
		x->ea = disp;	/* moffs: zero-extended */
	}
	if (in->seg)		/* 26 2E 36 3E: ES CS SS DS; 64 65: FS GS */
		x->seg = in->seg >= 0x64 ? in->seg - 0x60 : (in->seg >> 3) & 3;
	if ((x->flags & F_MEM) && !x->mem)
		return -EINVAL;
	if (in->lock && !mmio_lock_ok(x))
		return -EINVAL;
	return 0;
}

int mmio_emulate(const u8 *code, size_t avail, struct mmio_cpu *cpu,
		 const struct mmio_ops *ops, void *ctx)
{
	struct mmio_x x = { .c = *cpu, .ops = ops, .ctx = ctx, .code = code };
	const struct mmio_form *f;
	int rc = insn_decode(code, avail, cpu->mode, &x.in);

	if (rc < 0)
		return rc == -EAGAIN ? -EFAULT : rc;
	f = mmio_find(&x.in);
	if (!f)
		return -EOPNOTSUPP;
	x.flags = f->flags;
	/* IP wraps at 16 bits in 16-bit code, EIP at 32 (SDM Vol 1 3.5). */
	x.nrip = (cpu->rip + x.in.len) &
		 mmio_mask(cpu->mode == INSN_MODE_16 ? 2 : cpu->mode == INSN_MODE_32 ? 4 : 8);
	rc = mmio_operands(&x);
	if (!rc)
		rc = f->fn(&x);
	if (rc)
		return rc;
	x.c.rip = x.nrip;
	*cpu = x.c;
	return 0;
}

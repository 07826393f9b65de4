/*
 * x86 instruction length decoder, table driven. An instruction is: legacy
 * prefixes, REX (64-bit mode), the opcode (one byte, 0F xx, 0F 38 xx, 0F 3A
 * xx, or VEX/EVEX/XOP then one byte), ModRM, SIB, displacement, immediate.
 * See Intel SDM Vol 2A ch. 2 and the opcode maps in Vol 2D App. A; AMD APM
 * Vol 3 ch. 1 and App. A for 3DNow!, SSE4a and XOP.
 */
#include "insn.h"
#include "errno.h"

#define INSN_MAX_LEN 15		/* SDM Vol 2A 2.3.11; longer is #GP */

/* Per-opcode flags: bits 0-3 are the immediate kind, the rest below. */
enum insn_imm_kind {
	IMM_NONE,
	IMM_B,			/* ib */
	IMM_W,			/* iw */
	IMM_Z,			/* iz: 16 or 32 bits by operand size */
	IMM_V,			/* iv: 16, 32 or 64 bits (MOV r, imm; B8-BF) */
	IMM_MOFFS,		/* address-size offset (A0-A3) */
	IMM_PTR,		/* ptr16:16 / ptr16:32 (9A, EA) */
	IMM_ENTER,		/* iw, ib */
	IMM_REL,		/* rel16/32; always rel32 in 64-bit mode */
	IMM_TEST_B,		/* F6: ib only for /0 and /1 (TEST) */
	IMM_TEST_Z,		/* F7: iz only for /0 and /1 (TEST) */
	IMM_SSE4A,		/* 0F 78: ib, ib with 66/F2 (EXTRQ/INSERTQ) */
};

#define F_IMM		0x0f
#define F_MODRM		0x10
#define F_INV64		0x20	/* undefined in 64-bit mode */
#define F_BAD		0x40	/* undefined in every mode */
#define F_REGONLY	0x80	/* ModRM.mod ignored, always registers */

/* Two-letter names so the maps below read as a 16x16 grid. */
#define NO 0				/* no ModRM, no immediate */
#define PF 0				/* prefix or escape: never looked up */
#define MR F_MODRM
#define MB (F_MODRM | IMM_B)
#define MZ (F_MODRM | IMM_Z)
#define IB IMM_B
#define IW IMM_W
#define IZ IMM_Z
#define IV IMM_V
#define MO IMM_MOFFS
#define FP (IMM_PTR | F_INV64)
#define EN IMM_ENTER
#define RL IMM_REL
#define TB (F_MODRM | IMM_TEST_B)
#define TZ (F_MODRM | IMM_TEST_Z)
#define X6 F_INV64
#define XB (F_INV64 | IMM_B)
#define XM (F_INV64 | F_MODRM)
#define XI (F_INV64 | F_MODRM | IMM_B)
#define BD F_BAD
#define CR (F_MODRM | F_REGONLY)
#define S4 (F_MODRM | IMM_SSE4A)

/* One-byte map, SDM Vol 2D Table A-2. 40-4F are REX in 64-bit mode; C4,
 * C5, 62 and 8F may start VEX/EVEX/XOP (insn_is_ext). */
static const u8 insn_map1[256] = {
/*	 0   1   2   3   4   5   6   7   8   9   a   b   c   d   e   f */
/* 0 */	MR, MR, MR, MR, IB, IZ, X6, X6, MR, MR, MR, MR, IB, IZ, X6, PF,
/* 1 */	MR, MR, MR, MR, IB, IZ, X6, X6, MR, MR, MR, MR, IB, IZ, X6, X6,
/* 2 */	MR, MR, MR, MR, IB, IZ, PF, X6, MR, MR, MR, MR, IB, IZ, PF, X6,
/* 3 */	MR, MR, MR, MR, IB, IZ, PF, X6, MR, MR, MR, MR, IB, IZ, PF, X6,
/* 4 */	NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
/* 5 */	NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
/* 6 */	X6, X6, XM, MR, PF, PF, PF, PF, IZ, MZ, IB, MB, NO, NO, NO, NO,
/* 7 */	IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
/* 8 */	MB, MZ, XI, MB, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
/* 9 */	NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, FP, NO, NO, NO, NO, NO,
/* a */	MO, MO, MO, MO, NO, NO, NO, NO, IB, IZ, NO, NO, NO, NO, NO, NO,
/* b */	IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
/* c */	MB, MB, IW, NO, XM, XM, MB, MZ, EN, NO, IW, NO, NO, IB, X6, NO,
/* d */	MR, MR, MR, MR, XB, XB, X6, NO, MR, MR, MR, MR, MR, MR, MR, MR,
/* e */	IB, IB, IB, IB, IB, IB, IB, IB, RL, RL, FP, IB, NO, NO, NO, NO,
/* f */	PF, NO, PF, PF, NO, NO, TB, TZ, NO, NO, NO, NO, NO, NO, MR, MR,
};

/* Two-byte map 0F xx, SDM Vol 2D Table A-3 (AMD APM Vol 3 Table A-4 for
 * 0F 0D, 0F 0E, 0F 0F 3DNow! and 0F 78 SSE4a). 38 and 3A escape further. */
static const u8 insn_map0f[256] = {
/*	 0   1   2   3   4   5   6   7   8   9   a   b   c   d   e   f */
/* 0 */	MR, MR, MR, MR, BD, NO, NO, NO, NO, NO, BD, NO, BD, MR, NO, MB,
/* 1 */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
/* 2 */	CR, CR, CR, CR, BD, BD, BD, BD, MR, MR, MR, MR, MR, MR, MR, MR,
/* 3 */	NO, NO, NO, NO, NO, NO, BD, NO, PF, BD, PF, BD, BD, BD, BD, BD,
/* 4 */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
/* 5 */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
/* 6 */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
/* 7 */	MB, MB, MB, MB, MR, MR, MR, NO, S4, MR, BD, BD, MR, MR, MR, MR,
/* 8 */	RL, RL, RL, RL, RL, RL, RL, RL, RL, RL, RL, RL, RL, RL, RL, RL,
/* 9 */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
/* a */	NO, NO, NO, MR, MB, MR, BD, BD, NO, NO, NO, MR, MB, MR, MR, MR,
/* b */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MB, MR, MR, MR, MR, MR,
/* c */	MR, MR, MB, MR, MB, MB, MB, MR, NO, NO, NO, NO, NO, NO, NO, NO,
/* d */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
/* e */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
/* f */	MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR, MR,
};

#undef NO
#undef PF
#undef MR
#undef MB
#undef MZ
#undef IB
#undef IW
#undef IZ
#undef IV
#undef MO
#undef FP
#undef EN
#undef RL
#undef TB
#undef TZ
#undef X6
#undef XB
#undef XM
#undef XI
#undef BD
#undef CR
#undef S4

/* Decoder state: the code, how much of it there is, and the next offset. */
struct insn_dec {
	const u8 *code;
	size_t avail;
	enum insn_mode mode;
	unsigned int pos;
	struct insn *in;
};

/* The byte at off, -EINVAL past the architectural limit, or -EAGAIN when
 * the caller has not supplied it. */
static int insn_peek(const struct insn_dec *d, unsigned int off, u8 *b)
{
	if (off >= INSN_MAX_LEN)
		return -EINVAL;
	if (off >= d->avail)
		return -EAGAIN;
	*b = d->code[off];
	return 0;
}

/* Legacy prefixes in any order and number, and REX. Leaves d->pos at the
 * first byte that is neither. */
static int insn_prefixes(struct insn_dec *d)
{
	struct insn *in = d->in;
	u8 b;
	int rc;

	for (;; d->pos++) {
		rc = insn_peek(d, d->pos, &b);
		if (rc)
			return rc;
		if (d->mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
			in->rex = b;
			continue;
		}
		switch (b) {
		case 0x66:
			in->prefix_66 = 1;
			break;
		case 0x67:
			in->prefix_67 = 1;
			break;
		case 0xf0:
			in->lock = 1;
			break;
		case 0xf2:
		case 0xf3:
			in->rep = b;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			in->seg = b;
			break;
		default:
			return 0;
		}
		/* REX not immediately before the opcode is ignored (SDM Vol 2A
		 * 2.2.1). */
		in->rex = 0;
	}
}

/* Effective operand and address sizes (SDM Vol 1 3.6, Vol 2A 2.2.1):
 * REX.W beats 66; 67 toggles 16/32, or 64 to 32. */
static void insn_sizes(struct insn_dec *d)
{
	struct insn *in = d->in;

	switch (d->mode) {
	case INSN_MODE_16:
		in->op_size = in->prefix_66 ? 4 : 2;
		in->addr_size = in->prefix_67 ? 4 : 2;
		break;
	case INSN_MODE_32:
		in->op_size = in->prefix_66 ? 2 : 4;
		in->addr_size = in->prefix_67 ? 2 : 4;
		break;
	default:
		in->op_size = (in->rex & 0x08) ? 8 : in->prefix_66 ? 2 : 4;
		in->addr_size = in->prefix_67 ? 4 : 8;
		break;
	}
}

/*
 * Does op (at d->pos) start VEX (C4, C5), EVEX (62) or XOP (8F)? Outside
 * 64-bit mode C4/C5/62 are LES/LDS/BOUND unless the next byte would be a
 * register ModRM (mod == 11), which those forbid (SDM Vol 2A 2.3.5, 2.7.1).
 * 8F is XOP when the would-be ModRM.reg is non-zero, that is when the XOP
 * map field (bits 4:0) is 8 or more; POP r/m is 8F /0 (AMD APM Vol 3, "VEX
 * and XOP prefixes").
 */
static int insn_is_ext(const struct insn_dec *d, u8 op, bool *ext)
{
	u8 next;
	int rc;

	*ext = false;
	if (op != 0xc4 && op != 0xc5 && op != 0x62 && op != 0x8f)
		return 0;
	if (op != 0x8f && d->mode == INSN_MODE_64) {
		*ext = true;
		return 0;
	}
	rc = insn_peek(d, d->pos + 1, &next);
	if (rc)
		return rc;
	if (op == 0x8f)
		*ext = (next & 0x1f) >= 8;
	else
		*ext = (next >> 6) == 3;
	return 0;
}

/* VEX/EVEX map 1 opcodes with an ib: the same ones as in legacy 0F. */
static bool insn_vex_map1_imm8(u8 op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xc2 ||
	       (op >= 0xc4 && op <= 0xc6);
}

/* Immediate bytes after a VEX/EVEX/XOP opcode in encoded map 'map'. */
static u8 insn_ext_imm(unsigned int map, u8 op)
{
	switch (map) {
	case 1:
		return insn_vex_map1_imm8(op) ? 1 : 0;
	case 3:			/* 0F3A */
	case 8:			/* XOP: all ib */
		return 1;
	case 10:		/* XOP: BEXTR, LWPINS, LWPVAL take id */
		return 4;
	default:
		return 0;
	}
}

/* Defined maps: VEX 1-3; EVEX 1-3, 5, 6 (AVX512-FP16); XOP 8-10. APX's
 * EVEX map 4 and VEX/EVEX map 7 are not decoded. */
static bool insn_ext_map_ok(u8 vex, unsigned int map)
{
	switch (vex) {
	case INSN_VEX3:
		return map >= 1 && map <= 3;
	case INSN_EVEX:
		return map != 0 && map != 4 && map != 7;
	case INSN_XOP:
		return map >= 8 && map <= 10;
	default:
		return true;
	}
}

/*
 * VEX (C5 2-byte, C4 3-byte), EVEX (62, 4-byte) and XOP (8F, 3-byte), then
 * the opcode. A 66, F2, F3, F0 or REX prefix before any of them is #UD (SDM
 * Vol 2A 2.3.2-2.3.4; the same for XOP in the AMD APM).
 */
static int insn_ext(struct insn_dec *d, u8 op)
{
	struct insn *in = d->in;
	unsigned int map, plen;
	u8 b1;
	int rc;

	if (in->prefix_66 || in->rep || in->lock || in->rex)
		return -EINVAL;
	rc = insn_peek(d, d->pos + 1, &b1);
	if (rc)
		return rc;
	switch (op) {
	case 0xc5:		/* C5 [R vvvv L pp]: map 1 implied */
		in->vex = INSN_VEX2;
		map = 1;
		plen = 2;
		break;
	case 0xc4:		/* C4 [R X B m-mmmm] [W vvvv L pp] */
		in->vex = INSN_VEX3;
		map = b1 & 0x1f;
		plen = 3;
		break;
	case 0x62:		/* 62 [R X B R' 0 mmm] [W vvvv 1 pp] [...] */
		in->vex = INSN_EVEX;
		map = b1 & 0x07;
		plen = 4;
		break;
	default:		/* 8F [R X B m-mmmm] [W vvvv L pp] */
		in->vex = INSN_XOP;
		map = b1 & 0x1f;
		plen = 3;
		break;
	}
	if (!insn_ext_map_ok(in->vex, map))
		return -EINVAL;
	d->pos += plen;
	rc = insn_peek(d, d->pos, &in->opcode);
	if (rc)
		return rc;
	in->opcode_off = d->pos++;
	in->opcode_map = map + 1;
	/* VZEROUPPER/VZEROALL (VEX 0F 77) is the one without ModRM. */
	in->has_modrm = map != 1 || in->opcode != 0x77 || in->vex == INSN_EVEX;
	in->imm_size = insn_ext_imm(map, in->opcode);
	return 0;
}

/* Legacy opcode: one byte, 0F xx, 0F 38 xx or 0F 3A xx. Returns the flags
 * from the maps above. Every 0F 38 opcode has a ModRM and every 0F 3A one
 * also an ib (SDM Vol 2D Tables ); unassigned ones there are taken
 * to follow the same shape. */
static int insn_legacy(struct insn_dec *d, u8 op, u8 *flags)
{
	struct insn *in = d->in;
	u8 b;
	int rc;

	in->opcode_map = INSN_MAP_ONE;
	*flags = insn_map1[op];
	if (op == 0x0f) {
		rc = insn_peek(d, ++d->pos, &op);
		if (rc)
			return rc;
		in->opcode_map = INSN_MAP_0F;
		*flags = insn_map0f[op];
		if (op == 0x38 || op == 0x3a) {
			rc = insn_peek(d, ++d->pos, &b);
			if (rc)
				return rc;
			in->opcode_map = op == 0x38 ? INSN_MAP_0F38 : INSN_MAP_0F3A;
			*flags = op == 0x38 ? F_MODRM : F_MODRM | IMM_B;
			op = b;
		}
	}
	in->opcode = op;
	in->opcode_off = d->pos++;
	if (*flags & F_BAD)
		return -EINVAL;
	if ((*flags & F_INV64) && d->mode == INSN_MODE_64)
		return -EINVAL;
	in->has_modrm = *flags & F_MODRM;
	return 0;
}

/* ModRM, SIB and displacement size (SDM Vol 2A 2.1.5, Tables 2-1 to 2-3;
 * RIP-relative 2.2.1.6). REX.B does not change which forms take a SIB or a
 * displacement. */
static int insn_modrm(struct insn_dec *d, bool reg_only)
{
	struct insn *in = d->in;
	u8 mod, rm;
	int rc;

	rc = insn_peek(d, d->pos++, &in->modrm);
	if (rc)
		return rc;
	mod = in->modrm >> 6;
	rm = in->modrm & 7;
	if (mod == 3 || reg_only)
		return 0;
	if (in->addr_size == 2) {
		/* 16-bit forms: no SIB; mod 00 rm 110 is [disp16]. */
		if (mod == 0)
			in->disp_size = rm == 6 ? 2 : 0;
		else
			in->disp_size = mod == 1 ? 1 : 2;
		return 0;
	}
	if (rm == 4) {
		rc = insn_peek(d, d->pos++, &in->sib);
		if (rc)
			return rc;
		in->has_sib = true;
		rm = in->sib & 7;	/* base 101 with mod 00: disp32 */
	}
	if (mod == 0)
		in->disp_size = rm == 5 ? 4 : 0;
	else
		in->disp_size = mod == 1 ? 1 : 4;
	return 0;
}

/* Group opcodes whose ModRM.reg selects an undefined form (SDM Vol 2D
 * Table A-6). 8F /1-/7 that is not XOP lands here too. */
static int insn_check_group(const struct insn *in)
{
	u8 reg = (in->modrm >> 3) & 7;

	if (in->opcode_map == INSN_MAP_0F)
		return in->opcode == 0xba && reg < 4 ? -EINVAL : 0;
	if (in->opcode_map != INSN_MAP_ONE)
		return 0;
	switch (in->opcode) {
	case 0x8f:
		return reg == 0 ? 0 : -EINVAL;
	case 0xc6:		/* C6 F8 XABORT ib, C7 F8 XBEGIN rel */
	case 0xc7:
		return reg == 0 || in->modrm == 0xf8 ? 0 : -EINVAL;
	case 0xfe:
		return reg <= 1 ? 0 : -EINVAL;
	case 0xff:
		return reg != 7 ? 0 : -EINVAL;
	default:
		return 0;
	}
}

/* Immediate bytes of a legacy opcode; the moffs offset counts as a
 * displacement. */
static void insn_imm(struct insn_dec *d, enum insn_imm_kind kind)
{
	struct insn *in = d->in;
	u8 z = in->op_size == 2 ? 2 : 4;
	bool test = ((in->modrm >> 3) & 7) <= 1;

	switch (kind) {
	case IMM_NONE:
		break;
	case IMM_B:
		in->imm_size = 1;
		break;
	case IMM_W:
		in->imm_size = 2;
		break;
	case IMM_Z:
		in->imm_size = z;
		break;
	case IMM_V:
		in->imm_size = in->op_size;
		break;
	case IMM_MOFFS:
		in->disp_size = in->addr_size;
		break;
	case IMM_PTR:
		in->imm_size = 2 + z;
		break;
	case IMM_ENTER:
		in->imm_size = 3;
		break;
	case IMM_REL:
		/* In 64-bit mode Intel ignores 66 on near branches: always
		 * rel32 (SDM Vol 2A JMP/CALL/Jcc). AMD honours it (rel16);
		 * no intercepted instruction is a branch. */
		in->imm_size = d->mode == INSN_MODE_64 ? 4 : z;
		break;
	case IMM_TEST_B:
		in->imm_size = test ? 1 : 0;
		break;
	case IMM_TEST_Z:
		in->imm_size = test ? z : 0;
		break;
	case IMM_SSE4A:
		in->imm_size = in->prefix_66 || in->rep == 0xf2 ? 2 : 0;
		break;
	}
}

int insn_decode(const u8 *code, size_t avail, enum insn_mode mode,
		struct insn *out)
{
	struct insn_dec d = { .code = code, .avail = avail, .mode = mode,
			      .pos = 0, .in = out };
	unsigned int len;
	bool ext;
	u8 op, flags = 0;
	int rc;

	*out = (struct insn){ 0 };
	rc = insn_prefixes(&d);
	if (rc)
		return rc;
	insn_sizes(&d);
	op = code[d.pos];		/* insn_prefixes() peeked it */
	rc = insn_is_ext(&d, op, &ext);
	if (rc)
		return rc;
	rc = ext ? insn_ext(&d, op) : insn_legacy(&d, op, &flags);
	if (rc)
		return rc;
	if (out->has_modrm) {
		rc = insn_modrm(&d, flags & F_REGONLY);
		if (rc)
			return rc;
	}
	if (!ext) {
		rc = out->has_modrm ? insn_check_group(out) : 0;
		if (rc)
			return rc;
		insn_imm(&d, flags & F_IMM);
	}
	len = d.pos + out->disp_size + out->imm_size;
	if (len > INSN_MAX_LEN)
		return -EINVAL;
	if (len > avail)
		return -EAGAIN;
	out->len = len;
	return len;
}

int insn_length(const u8 *code, size_t avail, enum insn_mode mode)
{
	struct insn in;

	return insn_decode(code, avail, mode, &in);
}

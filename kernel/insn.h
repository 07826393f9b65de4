/*
 * x86 instruction length decoder. The core uses it to step over an
 * intercepted guest instruction when the hardware reports no next RIP (SVM
 * without NRIP save, which includes QEMU's SVM emulation), so it knows the
 * shape of every instruction a guest can execute, not only the intercepted
 * ones. It has no side effects and reads at most 15 bytes of code[].
 *
 * Validity is checked per opcode and per group (ModRM.reg); an undefined
 * combination below that (a mandatory prefix an SSE opcode lacks, mod 11 on
 * a memory-only form, an unassigned 0F 38/0F 3A/VEX/EVEX/XOP opcode) decodes
 * with the shape its opcode implies. Such encodings #UD, so the core never
 * has to step over them. In 64-bit mode a 66 prefix on a near branch is
 * ignored as on Intel; AMD would take a rel16 there.
 */
#ifndef BULKHEAD_INSN_H
#define BULKHEAD_INSN_H

#include "types.h"

/* Default operand and address size of the code segment: real mode and 16-bit
 * protected mode = 16; 32-bit protected and compatibility mode = 32; 64-bit
 * mode = 64. */
enum insn_mode { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };

/* Which opcode map the opcode byte came from. VEX, EVEX and XOP name the map
 * in a field; opcode_map is that field + 1, so VEX map 1 (0F) is
 * INSN_MAP_0F, EVEX map 5 is 6 and XOP map 8 is 9. */
enum insn_map {
	INSN_MAP_ONE = 1,	/* one-byte map */
	INSN_MAP_0F = 2,
	INSN_MAP_0F38 = 3,
	INSN_MAP_0F3A = 4,
};

/* Which extended prefix, if any, introduced the opcode. */
enum insn_vex { INSN_VEX_NONE, INSN_VEX2, INSN_VEX3, INSN_EVEX, INSN_XOP };

/* The decoded shape of one instruction. The fields are the bytes as found;
 * nothing here is interpreted beyond what the length needs. */
struct insn {
	u8 len;			/* total length, 1..15 */
	u8 opcode_map;		/* enum insn_map */
	u8 opcode;		/* the opcode byte within that map */
	u8 opcode_off;		/* offset of the opcode byte in the code */
	u8 vex;			/* enum insn_vex */
	bool has_modrm;
	u8 modrm;		/* valid when has_modrm */
	bool has_sib;
	u8 sib;			/* valid when has_sib */
	u8 prefix_66;		/* 0x66 seen (operand size) */
	u8 prefix_67;		/* 0x67 seen (address size) */
	u8 rep;			/* last of 0xf2/0xf3 seen, or 0 */
	u8 lock;		/* 0xf0 seen */
	u8 seg;			/* last segment override byte seen, or 0 */
	u8 rex;			/* REX byte in effect (64-bit mode), or 0 */
	u8 op_size;		/* effective operand size in bytes: 2, 4 or 8 */
	u8 addr_size;		/* effective address size in bytes: 2, 4 or 8 */
	u8 disp_size;		/* displacement bytes (ModRM or moffs) */
	u8 imm_size;		/* immediate bytes, all immediates together */
};

/*
 * Decode the instruction at code[0..avail). Returns its length (1..15) and
 * fills *out, or -EINVAL for an encoding that is undefined in this mode or
 * longer than 15 bytes, or -EAGAIN when avail bytes do not decide it (fetch
 * more and call again). *out is undefined on error.
 */
int insn_decode(const u8 *code, size_t avail, enum insn_mode mode,
		struct insn *out);

/* insn_decode() without the decoded view. */
int insn_length(const u8 *code, size_t avail, enum insn_mode mode);

#endif

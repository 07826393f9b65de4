/*
 * Instruction length decoder against lengths worked out from the SDM/APM
 * opcode maps (and cross-checked with binutils' objdump). Every good case is
 * also decoded with more bytes after it (same answer) and truncated at each
 * shorter length (-EAGAIN), from a buffer of exactly that size so ASan sees
 * any read past it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "errno.h"
#include "insn.h"

#define R INSN_MODE_16
#define P INSN_MODE_32
#define L INSN_MODE_64
#define BAD (-EINVAL)
#define MORE (-EAGAIN)
#define INSN_FUZZ_LEN 15	/* what exit_skip fetches */

struct tcase {
	enum insn_mode mode;
	int want;		/* length, -EINVAL or -EAGAIN */
	const char *hex;	/* the bytes given, space separated */
};

static const struct tcase cases[] = {
	/* --- 16-bit: operand size 16, 16-bit ModRM forms --- */
	{ R, 1, "90" },
	{ R, 3, "b8 34 12" },
	{ R, 6, "66 b8 78 56 34 12" },
	{ R, 2, "04 12" },
	{ R, 3, "05 34 12" },
	{ R, 6, "66 05 78 56 34 12" },
	{ R, 2, "8b 07" },			/* [bx] */
	{ R, 2, "8b 04" },			/* [si]: no SIB in 16-bit */
	{ R, 4, "8b 06 34 12" },		/* mod 00 rm 110: [disp16] */
	{ R, 3, "8b 46 12" },			/* [bp+disp8] */
	{ R, 4, "8b 86 34 12" },		/* [bp+disp16] */
	{ R, 4, "8b 80 34 12" },		/* [bx+si+disp16] */
	{ R, 2, "8b c3" },
	{ R, 4, "67 8b 04 24" },		/* 67: 32-bit forms, SIB */
	{ R, 7, "67 8b 05 78 56 34 12" },
	{ R, 5, "67 8b 44 24 08" },
	{ R, 8, "67 8b 04 25 78 56 34 12" },	/* SIB base 101, mod 00 */
	{ R, 8, "67 8b 84 24 78 56 34 12" },
	{ R, 6, "c7 06 34 12 78 56" },
	{ R, 9, "66 c7 06 34 12 78 56 34 12" },
	{ R, 6, "81 3e 34 12 78 56" },
	{ R, 5, "83 3e 34 12 01" },
	{ R, 5, "80 3e 34 12 01" },
	{ R, 3, "a1 34 12" },			/* moffs16 */
	{ R, 3, "a0 34 12" },
	{ R, 3, "a2 34 12" },
	{ R, 4, "66 a3 34 12" },		/* 66 does not widen moffs */
	{ R, 6, "67 a1 78 56 34 12" },		/* 67 does */
	{ R, 5, "ea 00 00 00 f0" },		/* jmp ptr16:16 */
	{ R, 8, "66 ea 78 56 34 12 08 00" },	/* jmp ptr16:32 */
	{ R, 5, "9a 34 12 00 f0" },
	{ R, 3, "e8 34 12" },
	{ R, 6, "66 e8 78 56 34 12" },
	{ R, 3, "e9 34 12" },
	{ R, 2, "eb fe" },
	{ R, 4, "0f 84 34 12" },		/* Jcc rel16 */
	{ R, 7, "66 0f 84 78 56 34 12" },
	{ R, 4, "c8 10 00 01" },		/* enter iw, ib */
	{ R, 3, "c2 08 00" },
	{ R, 3, "ca 08 00" },
	{ R, 2, "cd 10" },
	{ R, 1, "cf" },
	{ R, 4, "c4 1e 34 12" },		/* les bx, [disp16] */
	{ R, 4, "c5 36 34 12" },		/* lds si, [disp16] */
	{ R, 4, "62 06 34 12" },		/* bound ax, [disp16] */
	{ R, 3, "c5 f8 77" },			/* mod 11: VEX vzeroupper */
	{ R, 5, "f6 06 34 12 01" },		/* test byte [disp16], ib */
	{ R, 4, "f6 16 34 12" },		/* not: no immediate */
	{ R, 4, "f7 c0 34 12" },
	{ R, 7, "66 f7 c0 78 56 34 12" },
	{ R, 2, "f7 d8" },
	{ R, 3, "0f 01 d9" },			/* vmmcall */
	{ R, 5, "0f 01 16 34 12" },		/* lgdt [disp16] */
	{ R, 3, "0f 20 c0" },
	{ R, 3, "0f 22 06" },			/* mov cr: mod ignored, no disp */
	{ R, 3, "26 8b 07" },
	{ R, 2, "f3 a4" },
	{ R, 3, "f3 66 a5" },
	{ R, 4, "d8 06 34 12" },
	{ R, 2, "d9 e8" },
	{ R, 3, "0f 00 d8" },
	{ R, 2, "63 c0" },			/* arpl */
	{ R, 2, "d4 0a" },
	{ R, 2, "d5 0a" },
	{ R, 2, "6a 12" },
	{ R, 3, "68 34 12" },
	{ R, 6, "66 68 78 56 34 12" },
	{ R, 4, "69 c0 34 12" },
	{ R, 3, "6b c0 12" },
	{ R, 2, "e4 60" },
	{ R, 1, "ec" },
	{ R, 1, "48" },				/* dec ax, not REX */
	{ R, 1, "06" },
	{ R, 7, "c4 e2 79 18 06 34 12" },	/* VEX, 16-bit addressing */
	{ R, 4, "0f ba e0 03" },
	{ R, 6, "66 0f 3a 0f c1 08" },
	{ R, 5, "66 0f 38 00 c1" },
	{ R, 4, "8f 06 34 12" },		/* pop [disp16] */
	{ R, 3, "c6 f8 01" },			/* xabort */
	{ R, 4, "c7 f8 34 12" },		/* xbegin rel16 */

	/* --- 32-bit: SIB forms, 66/67 toggles --- */
	{ P, 5, "b8 78 56 34 12" },
	{ P, 4, "66 b8 34 12" },
	{ P, 3, "8b 04 24" },			/* [esp] */
	{ P, 3, "8b 45 08" },
	{ P, 6, "8b 05 78 56 34 12" },		/* [disp32], not RIP-relative */
	{ P, 7, "8b 04 25 78 56 34 12" },	/* SIB, no base */
	{ P, 4, "8b 44 24 08" },
	{ P, 7, "8b 84 24 78 56 34 12" },
	{ P, 7, "8b 84 88 78 56 34 12" },
	{ P, 4, "8b 4c 8d 00" },		/* [ebp+ecx*4+0] */
	{ P, 7, "8b 0c 8d 78 56 34 12" },	/* [ecx*4+disp32] */
	{ P, 3, "67 8b 07" },			/* [bx] */
	{ P, 5, "67 8b 06 34 12" },		/* [disp16] */
	{ P, 4, "67 8b 47 12" },
	{ P, 10, "c7 05 78 56 34 12 01 00 00 00" },
	{ P, 11, "c7 84 24 78 56 34 12 01 00 00 00" },
	{ P, 10, "66 c7 84 24 78 56 34 12 01 00" },
	{ P, 5, "a1 78 56 34 12" },
	{ P, 4, "67 a1 34 12" },
	{ P, 6, "66 a3 78 56 34 12" },
	{ P, 7, "ea 78 56 34 12 08 00" },
	{ P, 6, "66 ea 34 12 08 00" },
	{ P, 7, "9a 78 56 34 12 08 00" },
	{ P, 5, "e8 78 56 34 12" },
	{ P, 4, "66 e8 34 12" },
	{ P, 6, "0f 85 78 56 34 12" },
	{ P, 5, "66 0f 85 34 12" },
	{ P, 2, "c4 06" },			/* les eax, [esi] */
	{ P, 2, "c5 00" },			/* lds eax, [eax] */
	{ P, 2, "62 00" },			/* bound eax, [eax] */
	{ P, 5, "c4 e2 79 18 00" },		/* vbroadcastss */
	{ P, 4, "c5 f9 6f 00" },
	{ P, 3, "c5 f8 77" },
	{ P, 6, "c4 e3 79 0f c1 08" },		/* VEX map 3: ib */
	{ P, 5, "c5 f9 70 c1 1b" },		/* VEX 0F 70: ib */
	{ P, 6, "62 f1 7c 48 58 00" },		/* EVEX vaddps */
	{ P, 7, "62 f3 7d 48 03 00 05" },	/* EVEX map 3: ib */
	{ P, 2, "8f 00" },			/* pop [eax] */
	{ P, 3, "8f 40 08" },
	{ P, 6, "8f e8 78 c0 c1 03" },		/* XOP 8: vprotb ib */
	{ P, 5, "8f e9 78 80 c1" },		/* XOP 9: vfrczps */
	{ P, 9, "8f ea 78 10 c0 78 56 34 12" },	/* XOP A: bextr id */
	{ P, 4, "0f 0f c1 b4" },		/* 3DNow! pfmul */
	{ P, 6, "0f 0f 44 24 08 9e" },
	{ P, 3, "0f 01 c1" },			/* vmcall */
	{ P, 3, "0f 01 d1" },			/* xsetbv */
	{ P, 3, "0f 01 f9" },			/* rdtscp */
	{ P, 3, "0f 01 d8" },			/* vmrun */
	{ P, 7, "0f 01 15 78 56 34 12" },	/* lgdt [disp32] */
	{ P, 3, "0f 01 38" },			/* invlpg [eax] */
	{ P, 4, "0f ba e0 03" },
	{ P, 4, "0f ba 20 03" },
	{ P, 5, "0f ba 60 08 03" },
	{ P, 4, "0f 70 c1 1b" },
	{ P, 5, "66 0f 70 c1 1b" },
	{ P, 4, "0f 71 d0 03" },
	{ P, 5, "66 0f 73 d8 03" },
	{ P, 4, "0f c2 c1 01" },
	{ P, 4, "0f c4 c0 01" },
	{ P, 4, "0f c5 c1 01" },
	{ P, 4, "0f c6 c1 01" },
	{ P, 4, "0f a4 c1 03" },
	{ P, 4, "0f ac c1 03" },
	{ P, 3, "0f a5 c1" },
	{ P, 3, "0f ad c1" },
	{ P, 5, "66 0f 38 00 c1" },
	{ P, 6, "66 0f 3a 0f c1 08" },
	{ P, 4, "0f 38 f0 00" },
	{ P, 5, "f2 0f 38 f1 c1" },
	{ P, 6, "66 0f 78 c0 04 08" },		/* SSE4a extrq ib, ib */
	{ P, 6, "f2 0f 78 c1 04 08" },		/* insertq ib, ib */
	{ P, 3, "0f 78 c8" },			/* vmread */
	{ P, 2, "0f a2" },
	{ P, 2, "0f 32" },
	{ P, 2, "0f 30" },
	{ P, 2, "0f 31" },
	{ P, 2, "0f 0b" },
	{ P, 1, "f4" },
	{ P, 2, "e6 80" },
	{ P, 1, "ee" },
	{ P, 3, "f6 c1 01" },
	{ P, 3, "f6 c9 01" },			/* F6 /1 aliases TEST */
	{ P, 2, "f6 d1" },
	{ P, 6, "f7 c1 78 56 34 12" },
	{ P, 6, "f7 c9 78 56 34 12" },
	{ P, 2, "f7 e1" },
	{ P, 5, "66 f7 c1 34 12" },
	{ P, 1, "d6" },				/* salc */
	{ P, 3, "d9 04 24" },
	{ P, 6, "dd 05 78 56 34 12" },
	{ P, 2, "df e0" },
	{ P, 2, "de c1" },
	{ P, 3, "0f 22 00" },
	{ P, 3, "0f 23 05" },
	{ P, 3, "0f c7 0f" },
	{ P, 3, "0f c7 f0" },
	{ P, 3, "0f ae f0" },
	{ P, 3, "0f ae 00" },
	{ P, 4, "f0 0f b1 0a" },
	{ P, 3, "c6 f8 05" },			/* xabort */
	{ P, 6, "c7 f8 78 56 34 12" },		/* xbegin rel32 */
	{ P, 5, "66 c7 f8 34 12" },		/* xbegin rel16 */
	{ P, 3, "82 c0 01" },
	{ P, 1, "06" },
	{ P, 2, "0f a0" },
	{ P, 1, "27" },
	{ P, 1, "60" },
	{ P, 1, "ce" },
	{ P, 1, "6c" },
	{ P, 2, "f3 6d" },
	{ P, 3, "f3 66 6f" },
	{ P, 1, "40" },				/* inc eax, not REX */
	{ P, 1, "f1" },
	{ P, 12, "f0 f2 f3 2e 3e 26 64 65 36 67 66 90" },

	/* --- 64-bit: REX, RIP-relative, imm64, invalid one-byte ops --- */
	{ L, 10, "48 b8 88 77 66 55 44 33 22 11" },
	{ L, 10, "49 bf 88 77 66 55 44 33 22 11" },
	{ L, 5, "b8 78 56 34 12" },
	{ L, 4, "66 b8 34 12" },
	{ L, 11, "66 48 b8 88 77 66 55 44 33 22 11" },	/* REX.W beats 66 */
	{ L, 5, "48 66 b8 34 12" },		/* REX before 66 is ignored */
	{ L, 4, "41 66 8b 00" },
	{ L, 3, "48 48 90" },
	{ L, 7, "48 c7 c0 78 56 34 12" },	/* REX.W: still imm32 */
	{ L, 6, "48 05 78 56 34 12" },
	{ L, 7, "48 81 c1 78 56 34 12" },
	{ L, 7, "48 69 c0 78 56 34 12" },
	{ L, 6, "48 68 78 56 34 12" },
	{ L, 5, "68 78 56 34 12" },
	{ L, 4, "66 68 34 12" },
	{ L, 6, "8b 05 78 56 34 12" },		/* [rip+disp32] */
	{ L, 7, "48 8b 05 78 56 34 12" },
	{ L, 7, "67 8b 05 78 56 34 12" },	/* [eip+disp32] */
	{ L, 3, "8b 04 24" },
	{ L, 4, "41 8b 04 24" },		/* [r12]: SIB as for rsp */
	{ L, 4, "41 8b 45 00" },		/* [r13+0]: disp as for rbp */
	{ L, 8, "41 8b 04 25 78 56 34 12" },
	{ L, 8, "4a 8b 04 e5 78 56 34 12" },
	{ L, 9, "64 48 8b 04 25 28 00 00 00" },
	{ L, 9, "a1 88 77 66 55 44 33 22 11" },	/* moffs64 */
	{ L, 9, "a0 88 77 66 55 44 33 22 11" },
	{ L, 10, "48 a3 88 77 66 55 44 33 22 11" },
	{ L, 10, "66 a1 88 77 66 55 44 33 22 11" },
	{ L, 6, "67 a1 78 56 34 12" },
	{ L, 5, "e8 78 56 34 12" },
	{ L, 5, "e9 78 56 34 12" },
	{ L, 6, "0f 84 78 56 34 12" },
	{ L, 6, "66 e8 78 56 34 12" },		/* 66 ignored (Intel) */
	{ L, 7, "66 0f 84 78 56 34 12" },
	{ L, 6, "48 e8 78 56 34 12" },
	{ L, 2, "eb fe" },
	{ L, 4, "c8 10 00 01" },
	{ L, 3, "c2 08 00" },
	{ L, 4, "48 ca 08 00" },
	{ L, 5, "c4 e2 7d 18 00" },
	{ L, 4, "c5 fd 6f 00" },
	{ L, 3, "c5 f8 77" },
	{ L, 3, "c5 fc 77" },
	{ L, 4, "c5 00 58 c0" },		/* C5 is always VEX here */
	{ L, 6, "c4 e3 7d 18 c1 01" },
	{ L, 6, "c4 e3 79 4a c1 30" },		/* is4 operand */
	{ L, 9, "c4 e1 fb 2a 05 78 56 34 12" },
	{ L, 5, "c5 f9 70 c1 1b" },
	{ L, 5, "c5 f9 c6 c1 01" },
	{ L, 5, "c4 e2 78 f2 c1" },		/* andn */
	{ L, 6, "c4 e3 fb f0 c1 07" },		/* rorx */
	{ L, 5, "c4 e2 7b 49 c0" },		/* tilezero */
	{ L, 6, "62 f1 7c 48 58 c1" },
	{ L, 7, "62 f1 7c 48 58 40 01" },	/* disp8*N: still 1 byte */
	{ L, 10, "62 f1 7c 48 58 80 00 01 00 00" },
	{ L, 7, "62 f3 7d 48 1e c1 01" },
	{ L, 7, "62 f1 75 48 72 c9 03" },	/* EVEX 0F 72: ib */
	{ L, 6, "62 f5 7c 48 58 c1" },		/* map 5: vaddph */
	{ L, 6, "62 f6 7d 48 98 c1" },		/* map 6 */
	{ L, 6, "62 f2 7d 48 18 00" },
	{ L, 7, "62 62 7d 48 18 04 24" },
	{ L, 6, "8f e8 78 c0 c1 03" },
	{ L, 5, "8f e9 78 80 c1" },
	{ L, 9, "8f ea 78 10 c0 78 56 34 12" },
	{ L, 2, "8f c0" },			/* pop rax (r/m form) */
	{ L, 3, "8f 04 24" },
	{ L, 2, "0f 05" },
	{ L, 2, "0f 07" },
	{ L, 3, "48 0f 07" },
	{ L, 3, "0f 01 f8" },			/* swapgs */
	{ L, 3, "0f 01 c1" },
	{ L, 3, "0f 01 d9" },
	{ L, 3, "0f 01 d1" },
	{ L, 3, "0f 01 f9" },
	{ L, 4, "f3 0f 1e fa" },		/* endbr64 */
	{ L, 3, "f3 48 a5" },
	{ L, 3, "48 63 c1" },			/* movsxd */
	{ L, 3, "40 88 f0" },
	{ L, 3, "41 b0 12" },
	{ L, 7, "48 f7 c0 78 56 34 12" },
	{ L, 3, "48 f7 d0" },
	{ L, 4, "0f 0f c1 b4" },
	{ L, 5, "49 0f ba e0 03" },
	{ L, 7, "66 48 0f 3a 16 c0 01" },	/* pextrq */
	{ L, 9, "2e 0f 1f 84 00 00 00 00 00" },
	{ L, 10, "66 2e 0f 1f 84 00 00 00 00 00" },
	{ L, 3, "0f 20 d8" },
	{ L, 4, "44 0f 22 c0" },		/* mov cr8, rax */
	{ L, 3, "0f 21 f8" },
	{ L, 2, "cd 80" },
	{ L, 2, "48 cf" },
	{ L, 4, "48 0f c7 0e" },		/* cmpxchg16b */
	{ L, 15, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90" },
	{ L, 15, "26 2e 36 3e 64 65 f0 f2 f3 66 67 48 8b 04 24" },

	/* --- undefined encodings --- */
	{ L, BAD, "06" },
	{ L, BAD, "07" },
	{ L, BAD, "0e" },
	{ L, BAD, "16" },
	{ L, BAD, "1f" },
	{ L, BAD, "27" },
	{ L, BAD, "2f" },
	{ L, BAD, "37" },
	{ L, BAD, "3f" },
	{ L, BAD, "60" },
	{ L, BAD, "61" },
	{ L, BAD, "82 c0 01" },
	{ L, BAD, "9a 78 56 34 12 08 00" },
	{ L, BAD, "ea 78 56 34 12 08 00" },
	{ L, BAD, "ce" },
	{ L, BAD, "d4 0a" },
	{ L, BAD, "d5 0a" },
	{ L, BAD, "d6" },
	{ P, BAD, "fe d0" },			/* FE /2 */
	{ P, BAD, "ff f8" },			/* FF /7 */
	{ P, BAD, "c6 c8 01" },			/* C6 /1 */
	{ P, BAD, "c7 c8 78 56 34 12" },
	{ P, BAD, "c6 f9 01" },			/* C6 /7 other than F8 */
	{ P, BAD, "0f ba c0 01" },		/* 0F BA /0 */
	{ P, BAD, "0f 04" },
	{ P, BAD, "0f 0a" },
	{ P, BAD, "0f 36" },
	{ P, BAD, "0f 39" },
	{ P, BAD, "0f 3b" },
	{ P, BAD, "0f a6" },
	{ P, BAD, "0f 7a" },
	{ P, BAD, "0f 24 c0" },
	{ P, BAD, "8f e0" },			/* 8F /4 and not XOP */
	{ P, BAD, "8f eb 78 00 c0" },		/* XOP map 0B */
	{ P, BAD, "66 c5 f9 6f c1" },		/* 66 before VEX */
	{ P, BAD, "f3 c5 fa 6f c1" },
	{ L, BAD, "f0 c4 e2 79 18 00" },
	{ L, BAD, "48 c5 f8 77" },		/* REX before VEX */
	{ L, BAD, "66 62 f1 7c 48 58 c1" },
	{ L, BAD, "c4 e0 78 00 c0" },		/* VEX map 0 */
	{ L, BAD, "c4 e4 78 00 c0" },		/* VEX map 4 */
	{ L, BAD, "62 f4 7c 48 00 c0" },	/* EVEX map 4 */
	{ L, BAD, "62 f0 7c 48 00 c0" },
	{ R, BAD, "c4 c5" },			/* VEX (mod 11) with map 5 */
	/* 16 bytes: 15 prefixes and a one-byte opcode */
	{ L, BAD, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90" },
	{ P, BAD, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66" },
	{ R, BAD, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e" },
	{ L, BAD, "f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 48 b8 88 77 66 55 44 33 22 11" },
	{ P, BAD, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 c7 05" },

	/* --- not enough bytes to decide --- */
	{ L, MORE, "" },
	{ L, MORE, "66" },
	{ L, MORE, "48" },
	{ L, MORE, "0f" },
	{ L, MORE, "0f 38" },
	{ L, MORE, "0f 3a 0f c1" },
	{ L, MORE, "c4" },
	{ P, MORE, "c4" },			/* LES or VEX: needs the next byte */
	{ P, MORE, "62" },
	{ R, MORE, "8f" },
	{ P, MORE, "8b" },
	{ P, MORE, "8b 04" },
	{ P, MORE, "8b 05 78 56" },
	{ R, MORE, "b8 34" },
	{ L, MORE, "48 b8 88 77 66 55 44 33 22" },
	{ L, MORE, "62 f1 7c" },
};

static const char *const mode_name[] = { "16", "32", "64" };

/* Parses "8b 04 24" into buf; returns the byte count. */
static size_t test_parse(const char *hex, u8 *buf, size_t max)
{
	size_t n = 0;
	char *end;

	while (*hex) {
		unsigned long v = strtoul(hex, &end, 16);

		if (end == hex || n == max) {
			fprintf(stderr, "bad test vector '%s'\n", hex);
			exit(1);
		}
		buf[n++] = (u8)v;
		hex = end;
	}
	return n;
}

/* insn_length() on an exact-size heap copy, so ASan catches over-reads. */
static int test_len(const u8 *bytes, size_t n, enum insn_mode mode)
{
	u8 *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, bytes, n);
	rc = insn_length(copy, n, mode);
	free(copy);
	return rc;
}

/* One table case: the stated answer; and for a length, the same answer
 * with trailing bytes and -EAGAIN for every truncation. */
static bool test_case(const struct tcase *c)
{
	u8 buf[32];
	size_t n = test_parse(c->hex, buf, sizeof(buf));
	int got = test_len(buf, n, c->mode);

	if (got == c->want && c->want > 0) {
		if ((size_t)c->want != n) {
			fprintf(stderr, "vector holds %zu bytes\n", n);
			got = -1;
		}
		memset(buf + n, 0x90, sizeof(buf) - n);
		if (got > 0 && test_len(buf, sizeof(buf), c->mode) != c->want)
			got = -2;
		for (size_t k = 0; got > 0 && k < n; k++)
			if (test_len(buf, k, c->mode) != -EAGAIN)
				got = -3;
	}
	if (got != c->want)
		fprintf(stderr, "test_insn: mode %s [%s]: got %d, want %d\n",
			mode_name[c->mode], c->hex, got, c->want);
	return got == c->want;
}

static struct insn test_decode(const char *hex, enum insn_mode mode)
{
	struct insn in;
	u8 buf[16];
	size_t n = test_parse(hex, buf, sizeof(buf));

	CHECK(insn_decode(buf, n, mode, &in) == (int)n);
	return in;
}

/* The decoded view the core reads. */
static void test_view(void)
{
	struct insn in;

	in = test_decode("66 0f 38 00 44 24 08", P);
	CHECK(in.opcode_map == INSN_MAP_0F38 && in.opcode == 0x00);
	CHECK(in.has_modrm && in.modrm == 0x44 && in.has_sib && in.sib == 0x24);
	CHECK(in.prefix_66 && in.disp_size == 1 && in.imm_size == 0);
	in = test_decode("f3 48 0f b8 05 78 56 34 12", L);
	CHECK(in.rep == 0xf3 && in.rex == 0x48 && in.op_size == 8);
	CHECK(in.opcode_map == INSN_MAP_0F && in.opcode == 0xb8);
	CHECK(in.opcode_off == 3 && in.disp_size == 4 && !in.has_sib);
	in = test_decode("48 66 b8 34 12", L);
	CHECK(in.rex == 0 && in.op_size == 2 && in.imm_size == 2);
	in = test_decode("67 a1 78 56 34 12", L);
	CHECK(in.addr_size == 4 && in.disp_size == 4 && !in.has_modrm);
	in = test_decode("c8 10 00 01", R);
	CHECK(in.imm_size == 3 && in.opcode_map == INSN_MAP_ONE);
	in = test_decode("c4 e3 79 0f c1 08", P);
	CHECK(in.vex == INSN_VEX3 && in.opcode_map == INSN_MAP_0F3A);
	CHECK(in.opcode == 0x0f && in.opcode_off == 3 && in.imm_size == 1);
	in = test_decode("62 f5 7c 48 58 c1", L);
	CHECK(in.vex == INSN_EVEX && in.opcode_map == 6 && in.modrm == 0xc1);
	in = test_decode("8f ea 78 10 c0 78 56 34 12", L);
	CHECK(in.vex == INSN_XOP && in.opcode_map == 11 && in.imm_size == 4);
	in = test_decode("c5 f8 77", L);
	CHECK(in.vex == INSN_VEX2 && !in.has_modrm && in.opcode == 0x77);
	in = test_decode("64 f0 0f b1 0a", P);
	CHECK(in.seg == 0x64 && in.lock && in.modrm == 0x0a);
}

/*
 * The bytes come from the guest (exit_skip fetches them at its RIP): any 15
 * of them must decode to 1..15 or -EINVAL, reading nothing past what was
 * given (each try from a heap buffer of exactly that size, for ASan), and a
 * truncated copy must ask for more (-EAGAIN) or refuse, never decode shorter.
 * Prefix and escape bytes are drawn often, so long and extended forms occur.
 */
static u64 fuzz_rng = 0x243f6a8885a308d3ull;

static u8 fuzz_byte(void)
{
	static const u8 hot[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64,
				  0x65, 0x40, 0x48, 0x4f, 0x0f, 0x38, 0x3a, 0xc4, 0xc5, 0x62,
				  0x8f, 0xf6, 0xf7, 0xff, 0x04, 0x05, 0x44, 0x84, 0xc0 };

	fuzz_rng ^= fuzz_rng << 13;
	fuzz_rng ^= fuzz_rng >> 7;
	fuzz_rng ^= fuzz_rng << 17;
	return fuzz_rng & 1 ? hot[(fuzz_rng >> 8) % sizeof(hot)] : (u8)(fuzz_rng >> 16);
}

static void test_guest_bytes(void)
{
	for (int iter = 0; iter < 20000; iter++) {
		u8 code[INSN_FUZZ_LEN];
		enum insn_mode mode = (enum insn_mode)(iter % 3);
		struct insn in;
		int full;

		for (size_t i = 0; i < sizeof(code); i++)
			code[i] = fuzz_byte();
		for (size_t n = 0; n <= sizeof(code); n++) {
			u8 *b = malloc(n ? n : 1);
			int rc;

			memcpy(b, code, n);
			rc = insn_decode(b, n, mode, &in);
			free(b);
			if (n == sizeof(code)) {
				full = rc;
				CHECK(rc == -EINVAL || (rc >= 1 && rc <= 15 && in.len == rc &&
							in.opcode_off < in.len));
			} else {
				CHECK(rc == -EAGAIN || rc == -EINVAL || (rc >= 1 && (size_t)rc <= n));
			}
		}
		/* Fewer bytes give the same length, or ask for more; what the
		 * whole refuses, no prefix of it decodes. */
		for (size_t n = 1; n < sizeof(code); n++) {
			int rc = insn_decode(code, n, mode, &in);

			if (full > 0)
				CHECK((size_t)full <= n ? rc == full : rc == -EAGAIN);
			else
				CHECK(rc < 0);
		}
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(test_case(&cases[i]));
	test_view();
	test_guest_bytes();
	CHECK_DONE("test_insn");
	return 0;
}

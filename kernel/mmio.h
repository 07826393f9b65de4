/*
 * MMIO instruction emulator. When an HVM guest touches a guest-physical
 * address that is not RAM, the core gets a nested page fault / EPT violation
 * without decode assist or next RIP (QEMU's SVM). It fetches up to 15 bytes
 * at RIP and calls mmio_emulate(), which decodes the instruction (insn.c),
 * executes it against a register file and does its memory accesses through
 * an ops table that knows which linear addresses are RAM and which a device.
 *
 * Restartable: a device read may be forwarded to the device model and answer
 * -EAGAIN; the emulator then returns -EAGAIN with the cpu untouched and no
 * write done, and the core calls it again with the same state once the value
 * is there (the ops then answer that read at once). Every instruction does
 * all its reads before its single write, so a restart repeats only reads.
 *
 * Handled (SDM Vol 2): MOV 88-8B, C6/C7, A0-A3 (moffs); MOVZX/MOVSX 0F B6-BF;
 * MOVSXD 63 (64-bit mode); ADD/OR/ADC/SBB/AND/SUB/XOR/CMP 00-3B and 80-83;
 * TEST 84/85, F6/F7 /0 /1; NOT/NEG F6/F7 /2 /3; INC/DEC FE/FF /0 /1; XCHG
 * 86/87; BT/BTS/BTR/BTC 0F A3/AB/B3/BB and 0F BA /4-7; MOVS/STOS/LODS A4/A5,
 * AA-AD with REP; MOVNTI 0F C3. Register (mod 11) forms of these run too.
 * All operand and address sizes, 66/67/REX, segment overrides, LOCK on
 * read-modify-write forms (the vCPU is stopped, so it is atomic to the guest).
 *
 * Not done: segment limits and access rights, alignment checks, paging (the
 * ops get linear addresses), MUL/DIV, CMPXCHG/XADD, SSE/AVX moves
 * (-EOPNOTSUPP). A 32-bit register write zero-extends in every mode (only
 * 64-bit mode defines the upper half).
 */
#ifndef BULKHEAD_MMIO_H
#define BULKHEAD_MMIO_H

#include "types.h"
#include "insn.h"

#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95		/* Xen's value */
#endif

/* Segment registers in encoding order (SDM Vol 2A 3.1.1.3, Sreg). */
enum mmio_seg { MMIO_ES, MMIO_CS, MMIO_SS, MMIO_DS, MMIO_FS, MMIO_GS };

/* The guest state the emulator reads and updates. */
struct mmio_cpu {
	enum insn_mode mode;	/* CS.D/L, CR0.PE, EFER.LMA */
	u64 gpr[16];		/* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	u64 rip, rflags;
	u64 seg_base[6];	/* enum mmio_seg; 64-bit mode uses only FS, GS */
	bool addr32_wrap;	/* outside 64-bit mode, linear addresses wrap at 4 GiB */
};

struct mmio_ops {
	/* gla: linear address; size 1, 2, 4 or 8. 0: *val holds the value.
	 * -EAGAIN: sent to the device model; the emulation is retried later
	 * with the same state and this read then answers 0. Other negative
	 * errno: the emulation fails with it. */
	int (*read)(void *ctx, u64 gla, unsigned size, u64 *val);
	/* 0: done. Called at most once per emulation, after every read. */
	int (*write)(void *ctx, u64 gla, unsigned size, u64 val);
};

/*
 * Decode code[0..avail) in cpu->mode and execute it. Returns 0 with
 * cpu->gpr, rip and rflags updated: rip past the instruction, except that a
 * REP string instruction does one element per call and leaves rip on itself
 * until its count runs out. On any error cpu is untouched:
 *   -EAGAIN      a read is with the device model; call again later.
 *   -EOPNOTSUPP  a valid instruction this emulator does not handle.
 *   -EINVAL      undefined here (the CPU would #UD), e.g. LOCK on a load.
 *   -EFAULT      the instruction runs past code[avail).
 *   other        an error from ops, passed through (a write that fails
 *                leaves the cpu untouched too).
 */
int mmio_emulate(const u8 *code, size_t avail, struct mmio_cpu *cpu,
		 const struct mmio_ops *ops, void *ctx);

#endif

/*
 * bench-ipc-stamp: a domain that says when it started. Its second
 * instruction reads the TSC (under QEMU -icount shift=0 the virtual clock in
 * ns since reset: one tick per emulated instruction, plus the clock's jumps
 * while every CPU is halted; the core leaves the guest TSC unoffset).
 * test/bench/bench.py creates it with `xl create` from a scripted Dom0
 * session and compares the stamps of consecutive domains.
 *
 * Prints "bench-stamp: dN entry=TSC", then:
 *   arg=0 (xl create; the builder leaves RDX 0): waits in SCHEDOP_block for
 *     ever, costing nothing until it is destroyed;
 *   arg=1 (boot module): prints "bench-stamp: dN after-line=TSC" (what its
 *     own start and first line cost) and powers off.
 *
 * xl starts a domain at its ELF entry, which guest.ld makes _start; the
 * bench gives xl a copy of this image whose entry is the first byte (this
 * stub), as boot modules are entered. The domain id comes from CPUID
 * 0x40000004 (ABI.md): under xl, RDI and RSI are not the runtime's.
 */
#include "guest.h"

const char guest_name[] = "bench-stamp";

extern uint64_t stamp_entry_tsc, stamp_arg;
uint64_t stamp_entry_tsc, stamp_arg;

__asm__(".pushsection .text.entry, \"ax\"\n"
	"stamp_entry:\n\t"
	"movq %rdx, %r8\n\t"	/* arg=: rdtsc overwrites RDX */
	"rdtsc\n\t"		/* the second instruction the domain runs */
	"movl %eax, stamp_entry_tsc(%rip)\n\t"
	"movl %edx, stamp_entry_tsc+4(%rip)\n\t"
	"movq %r8, stamp_arg(%rip)\n\t"
	"jmp _start\n"
	".popsection");

static unsigned int domain_id(void)
{
	uint32_t r[4];

	cpu_cpuid(0x40000004, 0, r);
	return r[2];
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	unsigned int self = domain_id();	/* not domid: RSI is 0 under xl */

	(void)vcpu;
	(void)domid;
	print("bench-stamp: d%u entry=%lu\n", self, stamp_entry_tsc);
	if (stamp_arg == 1) {
		print("bench-stamp: d%u after-line=%lu\n", self, cpu_rdtsc());
		return SHUTDOWN_poweroff;
	}
	for (;;)	/* interrupts are off: only an event wakes us, and we sleep again */
		hypercall_sched_op(SCHEDOP_block, 0);
}

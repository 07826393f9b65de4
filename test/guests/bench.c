/*
 * bench: how many instructions the core's hot paths take (test/bench/bench.py).
 * Under QEMU -icount shift=0 the TSC advances by one per emulated instruction,
 * so each figure is an rdtsc difference across a loop of N iterations; the
 * script subtracts the baseline loop. Every loop is the same four
 * instructions (two register loads, dec, jnz) plus the one being measured.
 *
 * arg=0 (solo): TSC checks, baseline, CPUID leaf 0, xen_version, SCHEDOP_yield.
 * arg=1 (switch): N back-to-back yields; two such domains share one pCPU.
 * arg=2 (profile): the exit loops again, 100 iterations each, for a QEMU
 * instruction trace (bench.py --profile) that names where the time goes.
 * Each result is one line "bench: NAME total=TICKS iterations=N".
 */
#include "guest.h"

const char guest_name[] = "bench";

#define ITERATIONS 10000ul
#define SWITCH_MARGIN 100ul /* yields before and after the timed ones */
#define TSC_SHORT 1000ul
#define TSC_LONG 101000ul
#define TSC_REPEATS 3 /* the script takes the least: a host tick may land in one */
#define ANY_RESULT (~0ul) /* time_loop(): RAX is not checked */

#define PROFILE_ITERATIONS 100ul

enum bench_role { ROLE_SOLO, ROLE_SWITCH, ROLE_PROFILE };

/*
 * The runtime does not hand RDX (ABI.md: the module's arg=) to guest_main.
 * This stub is the image's first byte: .text.entry comes first (guest.ld)
 * and bench.c precedes entry.S on the link line (meson.build). It keeps RDX
 * and goes on to _start; guest_main checks that it ran.
 */
extern uint64_t bench_arg;
extern uint8_t bench_arg_seen;
uint64_t bench_arg;
uint8_t bench_arg_seen;

__asm__(".pushsection .text.entry, \"ax\"\n"
	"bench_entry:\n\t"
	"movq %rdx, bench_arg(%rip)\n\t"
	"movb $1, bench_arg_seen(%rip)\n\t"
	"jmp _start\n"
	".popsection");

/*
 * One timed loop: rdtsc, N x (BODY; dec; jnz), rdtsc. RAX after the last
 * BODY goes to *result so the caller can check the exit really happened.
 * Never inlined: bench.py --profile tells the loops apart by symbol.
 * The clobbers cover CPUID and every hypercall argument register, so the
 * counter and the first TSC value stay in registers the guest owns.
 */
#define BENCH_LOOP(fn, body)                                                                    \
	static __attribute__((noinline)) uint64_t fn(uint64_t count, uint64_t *result)          \
	{                                                                                       \
		uint32_t lo, hi, lo0, hi0;                                                      \
		uint64_t res;                                                                   \
                                                                                                \
		__asm__ __volatile__("rdtsc\n\t"                                                \
				     "mov %%eax, %[lo0]\n\t"                                    \
				     "mov %%edx, %[hi0]\n"                                      \
				     "1:\n\t" body "\n\t"                                       \
				     "dec %[count]\n\t"                                         \
				     "jnz 1b\n\t"                                               \
				     "mov %%rax, %[res]\n\t"                                    \
				     "rdtsc"                                                    \
				     : "=a"(lo), "=d"(hi), [lo0] "=&r"(lo0), [hi0] "=&r"(hi0),  \
				       [res] "=&r"(res), [count] "+r"(count)                    \
				     : [version] "i"(__HYPERVISOR_xen_version),                 \
				       [sched] "i"(__HYPERVISOR_sched_op)                       \
				     : "rbx", "rcx", "rsi", "rdi", "r8", "r9", "r10", "r11",    \
				       "memory");                                               \
		*result = res;                                                                  \
		return ((uint64_t)hi << 32 | lo) - ((uint64_t)hi0 << 32 | lo0);                 \
	}

/* TSC checks: 2 and 6 instructions per iteration, nothing else. */
BENCH_LOOP(loop_tsc2, "")
BENCH_LOOP(loop_tsc6, "nop\n\tnop\n\tnop\n\tnop")
/* The baseline: the loop and its two register loads. */
BENCH_LOOP(loop_baseline, "mov $0, %%eax\n\txor %%edi, %%edi")
BENCH_LOOP(loop_cpuid, "mov $0, %%eax\n\txor %%ecx, %%ecx\n\tcpuid")
/* XENVER_version = 0 in RDI; SCHEDOP_yield = 0 in RDI. */
BENCH_LOOP(loop_version_vmmcall, "mov %[version], %%eax\n\txor %%edi, %%edi\n\tvmmcall")
BENCH_LOOP(loop_version_vmcall, "mov %[version], %%eax\n\txor %%edi, %%edi\n\tvmcall")
BENCH_LOOP(loop_yield_vmmcall, "mov %[sched], %%eax\n\txor %%edi, %%edi\n\tvmmcall")
BENCH_LOOP(loop_yield_vmcall, "mov %[sched], %%eax\n\txor %%edi, %%edi\n\tvmcall")

typedef uint64_t (*bench_loop_t)(uint64_t count, uint64_t *result);

static int bench_amd; /* vmmcall (AMD SVM) rather than vmcall (Intel VMX) */

static int is_amd(void)
{
	uint32_t r[4];

	cpu_cpuid(0, 0, r);
	/* "AuthenticAMD" in EBX, EDX, ECX (AMD APM Vol. 3, CPUID Fn0000_0000) */
	return r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163;
}

struct bench_result {
	const char *name;
	uint64_t ticks, count;
	int ok;
};

/* Runs one loop; not ok if RAX is not what the exit returns. Prints nothing. */
static struct bench_result time_loop(const char *name, bench_loop_t loop, uint64_t count,
				     uint64_t expect)
{
	uint64_t result, ticks = loop(count, &result);

	if (expect != ANY_RESULT && result != expect) {
		print("bench: %s returned 0x%lx, expected 0x%lx FAILED\n", name, result, expect);
		return (struct bench_result){ name, ticks, count, 0 };
	}
	return (struct bench_result){ name, ticks, count, 1 };
}

static int report(struct bench_result r)
{
	if (r.ok)
		print("bench: %s total=%lu iterations=%lu\n", r.name, r.ticks, r.count);
	return r.ok;
}

static int measure(const char *name, bench_loop_t loop, uint64_t count, uint64_t expect)
{
	return report(time_loop(name, loop, count, expect));
}

static const uint64_t expected_version = BULKHEAD_XEN_MAJOR << 16 | BULKHEAD_XEN_MINOR;

/* The exit loops: CPUID leaf 0, xen_version(XENVER_version), SCHEDOP_yield. */
static int run_exits(uint64_t count)
{
	uint32_t leaf0[4];
	int ok = 1;

	cpu_cpuid(0, 0, leaf0);
	ok &= measure("cpuid", loop_cpuid, count, leaf0[0]);
	ok &= measure("xen_version", bench_amd ? loop_version_vmmcall : loop_version_vmcall, count,
		      expected_version);
	ok &= measure("yield", bench_amd ? loop_yield_vmmcall : loop_yield_vmcall, count, 0);
	return ok;
}

static int run_solo(void)
{
	int ok = 1;

	for (int i = 0; i < TSC_REPEATS; i++) {
		ok &= measure("tsc2-short", loop_tsc2, TSC_SHORT, ANY_RESULT);
		ok &= measure("tsc2-long", loop_tsc2, TSC_LONG, ANY_RESULT);
		ok &= measure("tsc6-short", loop_tsc6, TSC_SHORT, ANY_RESULT);
		ok &= measure("tsc6-long", loop_tsc6, TSC_LONG, ANY_RESULT);
	}
	ok &= measure("baseline", loop_baseline, ITERATIONS, 0);
	return ok & run_exits(ITERATIONS);
}

/*
 * The other domain yields in step with this one; the margins keep it doing
 * so, and the line is printed only after the trailing margin so that the
 * console hypercall does not land in the other domain's timed loop.
 */
static int run_switch(void)
{
	bench_loop_t yield = bench_amd ? loop_yield_vmmcall : loop_yield_vmcall;
	struct bench_result r;
	uint64_t result;

	yield(SWITCH_MARGIN, &result);
	r = time_loop("switch-yield", yield, ITERATIONS, 0);
	yield(SWITCH_MARGIN, &result);
	return report(r);
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	int ok;

	(void)vcpu;
	if (!bench_arg_seen) {
		print("bench: d%u: entry stub did not run, arg= unknown FAILED\n", domid);
		return SHUTDOWN_crash;
	}
	bench_amd = is_amd();
	switch (bench_arg) {
	case ROLE_SOLO:
		ok = run_solo();
		break;
	case ROLE_SWITCH:
		ok = run_switch();
		break;
	case ROLE_PROFILE:
		ok = run_exits(PROFILE_ITERATIONS);
		break;
	default:
		print("bench: unknown role arg=%lu FAILED\n", bench_arg);
		return SHUTDOWN_crash;
	}
	print("bench: d%u role %lu done\n", domid, bench_arg);
	return ok ? SHUTDOWN_poweroff : SHUTDOWN_crash;
}

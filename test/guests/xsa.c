/*
 * xsa: XTF-style checks of the attacks issue 6's audit found, each printing
 * "xsa: NAME ok" or "xsa: NAME FAILED ...". vCPU 0 runs the single-CPU
 * checks; every vCPU (three of them, so two share a pCPU) runs the ones
 * about state switched between vCPUs. The domain powers off when all
 * passed, crashes otherwise; a host crash loses every marker.
 */
#include "ipc.h"
#include "errno.h"

const char guest_name[] = "xsa";

#define NR_VCPUS 3
#define MAP_GPA 0x4000000ul		/* 64 MiB: above our RAM, unpopulated */
#define HOLE_GPA 0x10000000ul		/* 256 MiB: nothing there */
#define HYPERCALL_MSR 0x40000000u
#define SELF_GREF GNTTAB_NR_RESERVED_ENTRIES
#define SWITCH_ROUNDS 200
#define CR4_OSXSAVE (1ul << 18)
#define RFLAGS_TF (1ul << 8)
#define DR6_BS (1ul << 14)

static uint8_t gnttab_page[4096] __attribute__((aligned(4096)));
static uint8_t target_page[4096] __attribute__((aligned(4096)));
static uint8_t fresh_page[4096] __attribute__((aligned(4096)));
static volatile uint32_t watched;
static uint32_t failures, vcpus_done;

/* The last trap vCPU 0 took: vector, DR6 in the handler, RIP it hit at. */
static volatile uint64_t trap_vector, trap_dr6, trap_rip, trap_count;
static volatile uint64_t skip_len;	/* bytes to step over a faulting instruction */

static int fail(const char *what, uint64_t got)
{
	print("xsa: %s FAILED (got 0x%lx)\n", what, got);
	__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
	return 1;
}

static void pass(const char *what)
{
	print("xsa: %s ok\n", what);
}

static uint64_t read_dr6(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%db6, %0" : "=r"(v));
	return v;
}

static void user_return(struct trap_frame *f);

/* Faults (#GP, #UD): note it and step over the instruction; one taken at
 * CPL 3 ends the excursion to user mode instead. */
static void on_fault(struct trap_frame *f)
{
	if (f->cs & 3) {
		user_return(f);
		return;
	}
	trap_vector = f->vector;
	trap_rip = f->rip;
	trap_count++;
	f->rip += skip_len;
}

/* #DB: note DR6 and where it hit; no more single-stepping. */
static void on_debug(struct trap_frame *f)
{
	trap_vector = f->vector;
	trap_dr6 = read_dr6();
	trap_rip = f->rip;
	trap_count++;
	f->rflags &= ~RFLAGS_TF;
	__asm__ __volatile__("mov %0, %%db6" ::"r"(0xffff0ff0ul));
}

static void trap_arm(uint64_t len)
{
	trap_vector = ~0ul;
	trap_count = 0;
	skip_len = len;
}

static int faulted_with(uint64_t vector)
{
	return trap_count == 1 && trap_vector == vector;
}

/* --- 3: the hypercall page only goes into the domain's own writable RAM --- */

static long self_grant_map(uint16_t domid, uint64_t *handle)
{
	struct gnttab_map_grant_ref m = { .host_addr = MAP_GPA, .ref = SELF_GREF, .dom = domid,
					  .flags = GNTMAP_host_map | GNTMAP_readonly };
	long rc;

	if ((rc = self_grant_readonly(gnttab_page, domid, SELF_GREF, target_page)))
		return rc;
	if ((rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1)) || (rc = m.status))
		return rc;
	*handle = m.handle;
	return 0;
}

static int wrmsr_faults(uint64_t gpa)
{
	trap_arm(2);	/* wrmsr: 0f 30 */
	cpu_wrmsr(HYPERCALL_MSR, gpa);
	return faulted_with(13);
}

static int check_hypercall_page(uint16_t domid)
{
	uint64_t handle = 0;
	long rc;

	for (int i = 0; i < 4096; i++)
		target_page[i] = 0x5a;
	if ((rc = self_grant_map(domid, &handle)))
		return fail("hypercall page: read-only self-grant could not be set up", (uint64_t)rc);
	if (((volatile uint8_t *)MAP_GPA)[100] != 0x5a)
		return fail("hypercall page: the mapping shows the granted page", 0);
	if (!wrmsr_faults(MAP_GPA))
		return fail("hypercall page onto a read-only grant mapping: no #GP", trap_vector);
	for (int i = 0; i < 4096; i++)
		if (((volatile uint8_t *)target_page)[i] != 0x5a)
			return fail("hypercall page onto a read-only grant: the granted page changed",
				    (uint64_t)i);
	if (!wrmsr_faults((uint64_t)(uintptr_t)gnttab_page))
		return fail("hypercall page onto the grant-table frame: no #GP", trap_vector);
	if (!wrmsr_faults(HOLE_GPA))
		return fail("hypercall page outside RAM: no #GP", trap_vector);
	struct gnttab_unmap_grant_ref u = { .host_addr = MAP_GPA, .handle = (uint32_t)handle };
	if ((rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1)) || u.status)
		return fail("hypercall page: unmapping the self-grant", (uint64_t)rc);
	trap_arm(2);
	cpu_wrmsr(HYPERCALL_MSR, (uint64_t)(uintptr_t)fresh_page);
	if (trap_count || fresh_page[0] != 0xb8)
		return fail("hypercall page into plain RAM", fresh_page[0]);
	pass("hypercall page refused on read-only grant, grant frame and hole; taken in RAM");
	return 0;
}

/* --- 7: XENVER_commandline is Dom0's --- */

static int check_commandline(void)
{
	static const char denied[] = "<denied>";
	static char buf[1024];
	long rc = hypercall_xen_version(XENVER_commandline, buf);
	int differs = 0;

	for (unsigned i = 0; i < sizeof(denied); i++)
		differs |= buf[i] != denied[i];
	if (rc || differs)
		return fail("XENVER_commandline shown to an unprivileged domain", (uint64_t)rc);
	pass("XENVER_commandline denied");
	return 0;
}

/* The single-shot timer (VCPUOP_*_singleshot_timer): a vCPU's own only,
 * a bad argument pointer fails cleanly, a past timeout with
 * VCPU_SSHOTTMR_future is -ETIME, and one without fires at once into an
 * unbound VIRQ_TIMER (dropped) without harming anything. */
static int check_vtimer(void)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future };
	long rc;

	if ((rc = vcpu_op(VCPUOP_set_singleshot_timer, 1, &t)) != -EINVAL)
		return fail("singleshot timer set on another vCPU", (uint64_t)rc);
	if ((rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)HOLE_GPA)) != -EFAULT)
		return fail("singleshot timer from an unmapped argument", (uint64_t)rc);
	if ((rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &t)) != -ETIME)
		return fail("singleshot timer in the past with VCPU_SSHOTTMR_future", (uint64_t)rc);
	t.flags = 0;
	if ((rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &t)))
		return fail("singleshot timer in the past", (uint64_t)rc);
	for (int i = 0; i < 20; i++)
		hypercall_sched_op(SCHEDOP_yield, 0);	/* let it fire */
	if ((rc = vcpu_op(VCPUOP_stop_singleshot_timer, 0, (void *)0)) ||
	    (rc = vcpu_op(VCPUOP_stop_periodic_timer, 0, (void *)0)))
		return fail("stopping the timers", (uint64_t)rc);
	if ((rc = vcpu_op(VCPUOP_stop_singleshot_timer, 2, (void *)0)) != -EINVAL)
		return fail("singleshot timer stopped on another vCPU", (uint64_t)rc);
	pass("singleshot timer checks");
	return 0;
}

/* --- NMIs: VCPUOP_send_nmi and an x2APIC IPI with delivery mode NMI each
 * deliver one through vector 2, never into a handler that has not returned
 * (the second is sent from inside the first's handler, which then makes
 * exits that would let an unblocked NMI in) --- */

#define MSR_X2APIC_ICR 0x830
#define ICR_NMI (4u << 8)

static volatile uint32_t nmi_count, nmi_nested, in_nmi;
static volatile int nmi_send_ipi;

static void on_nmi(struct trap_frame *f)
{
	(void)f;
	if (in_nmi)
		nmi_nested++;
	in_nmi = 1;
	if (++nmi_count == 1) {
		uint32_t r[4];

		if (nmi_send_ipi)
			cpu_wrmsr(MSR_X2APIC_ICR, ICR_NMI);	/* physical, to APIC ID 0: us */
		else
			vcpu_op(VCPUOP_send_nmi, 0, (void *)0);
		for (int i = 0; i < 50; i++) {
			cpu_cpuid(0, 0, r);
			hypercall_sched_op(SCHEDOP_yield, 0);
		}
	}
	in_nmi = 0;
}

static int nmi_round(int ipi)
{
	long rc;

	nmi_count = nmi_nested = 0;
	nmi_send_ipi = ipi;
	if (ipi)
		cpu_wrmsr(MSR_X2APIC_ICR, ICR_NMI);
	else if ((rc = vcpu_op(VCPUOP_send_nmi, 0, (void *)0)))
		return fail("VCPUOP_send_nmi to ourselves", (uint64_t)rc);
	for (int i = 0; i < 1000 && nmi_count < 2; i++)
		hypercall_sched_op(SCHEDOP_yield, 0);
	if (nmi_nested)
		return fail(ipi ? "an NMI IPI entered the running NMI handler" :
				  "a sent NMI entered the running NMI handler", nmi_nested);
	if (nmi_count != 2)
		return fail(ipi ? "NMI IPIs delivered (2 sent)" : "sent NMIs delivered (2 sent)",
			    nmi_count);
	return 0;
}

static int check_nmi(void)
{
	long rc;

	if ((rc = vcpu_op(VCPUOP_send_nmi, 7, (void *)0)) != -ENOENT)
		return fail("VCPUOP_send_nmi to a vCPU that does not exist", (uint64_t)rc);
	if ((rc = vcpu_op(VCPUOP_send_nmi, 0, target_page)) != -EINVAL)
		return fail("VCPUOP_send_nmi with an argument", (uint64_t)rc);
	if (nmi_round(0) || nmi_round(1))
		return 1;
	pass("NMIs delivered one at a time, sent and by IPI");
	return 0;
}

/* --- 1: XSETBV refuses every XCR0 the CPU would fault on --- */

static void cpu_xsetbv(uint32_t idx, uint64_t val)
{
	__asm__ __volatile__("xsetbv" ::"c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			     : "memory");
}

static uint64_t cpu_xgetbv(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t xsave_supported(void)
{
	uint32_t r[4];

	cpu_cpuid(1, 0, r);
	if (!(r[2] & (1u << 26)))
		return 0;
	cpu_cpuid(0xd, 0, r);
	return (uint64_t)r[3] << 32 | r[0];
}

static int xsetbv_faults(uint32_t idx, uint64_t val)
{
	trap_arm(3);	/* xsetbv: 0f 01 d1 */
	cpu_xsetbv(idx, val);
	return faulted_with(13);
}

static int check_xsetbv(uint64_t supported)
{
	static const struct { uint32_t idx; uint64_t val; const char *what; } bad[] = {
		{ 1, 3, "XCR1" },
		{ 0, 2, "x87 clear" },
		{ 0, 5, "AVX without SSE" },
		{ 0, 0x0b, "MPX BNDREGS without BNDCSR" },
		{ 0, 0x13, "MPX BNDCSR without BNDREGS" },
		{ 0, 0x27, "AVX-512 opmask alone" },
		{ 0, 0xe3, "AVX-512 without AVX" },
		{ 0, 3ull | 1ull << 62, "an undefined bit" },
		{ 0, 3ull | 1ull << 17, "AMX TILECFG alone" },
	};
	uint64_t cr4;
	uint32_t r[4];

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	cpu_cpuid(1, 0, r);
	if (r[2] & (1u << 27))
		return fail("CPUID OSXSAVE set before the guest set CR4.OSXSAVE", r[2]);
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4 | CR4_OSXSAVE));
	cpu_cpuid(1, 0, r);
	if (!(r[2] & (1u << 27)))
		return fail("CPUID OSXSAVE clear after the guest set CR4.OSXSAVE", r[2]);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!xsetbv_faults(bad[i].idx, bad[i].val))
			return fail(bad[i].what, trap_vector);
	/* What CPUID offers, XSETBV takes. */
	if (xsetbv_faults(0, supported) || cpu_xgetbv() != supported)
		return fail("XSETBV of the components CPUID offers", supported);
	if (xsetbv_faults(0, 3) || cpu_xgetbv() != 3)
		return fail("XSETBV back to x87|SSE", cpu_xgetbv());
	pass("XSETBV refuses bad XCR0 values, takes what CPUID offers, OSXSAVE follows CR4");
	return 0;
}

/* XCR0 lowered with AVX state saved under the higher mask, on every vCPU,
 * switching in between: the core must never XRSTOR what XCR0 forbids. */
static int check_xcr0_lowering(unsigned int vcpu, uint64_t supported)
{
	static const float one = 1.0f;

	if (!(supported & 4)) {
		if (vcpu == 0)
			print("xsa: XCR0 lowering not tried: the CPU offers no AVX\n");
		return 0;
	}
	for (int i = 0; i < SWITCH_ROUNDS; i++) {
		cpu_xsetbv(0, 7);
		__asm__ __volatile__("vbroadcastss %0, %%ymm0" ::"m"(one));
		hypercall_sched_op(SCHEDOP_yield, 0);
		cpu_xsetbv(0, 3);
		hypercall_sched_op(SCHEDOP_yield, 0);
	}
	if (vcpu == 0)
		pass("XCR0 lowered under saved AVX state, across vCPU switches");
	return 0;
}

/* --- the host's topology stays the host's --- */

static int check_topology(unsigned int vcpu)
{
	uint32_t r[4];

	cpu_cpuid(0x80000000, 0, r);
	if (r[0] < 0x8000001e) {
		if (vcpu == 0)
			print("xsa: CPUID 0x8000001e not offered by this CPU\n");
		return 0;
	}
	cpu_cpuid(0x8000001e, 0, r);
	if (r[0] != vcpu || (r[2] & 0xff))
		return fail("CPUID 0x8000001e shows the host's APIC or node id", r[0]);
	if (vcpu == 0)
		pass("CPUID 0x8000001e gives the vCPU's own ids");
	return 0;
}

/* --- 2: debug registers are each vCPU's own --- */

static void dr_write(const uint64_t dr[4])
{
	__asm__ __volatile__("mov %0, %%db0" ::"r"(dr[0]));
	__asm__ __volatile__("mov %0, %%db1" ::"r"(dr[1]));
	__asm__ __volatile__("mov %0, %%db2" ::"r"(dr[2]));
	__asm__ __volatile__("mov %0, %%db3" ::"r"(dr[3]));
}

static void dr_read(uint64_t dr[4])
{
	__asm__ __volatile__("mov %%db0, %0" : "=r"(dr[0]));
	__asm__ __volatile__("mov %%db1, %0" : "=r"(dr[1]));
	__asm__ __volatile__("mov %%db2, %0" : "=r"(dr[2]));
	__asm__ __volatile__("mov %%db3, %0" : "=r"(dr[3]));
}

static int check_dr_switch(unsigned int vcpu)
{
	uint64_t mine[4], seen[4];

	dr_read(seen);
	for (int k = 0; k < 4; k++)
		if (seen[k])
			return fail("a fresh vCPU's DR0-3 are not zero (leaked)", seen[k]);
	for (int k = 0; k < 4; k++)
		mine[k] = 0x7000000000ul | (uint64_t)vcpu << 12 | (uint64_t)k << 4;
	dr_write(mine);
	for (int i = 0; i < SWITCH_ROUNDS; i++) {
		hypercall_sched_op(SCHEDOP_yield, 0);
		dr_read(seen);
		for (int k = 0; k < 4; k++)
			if (seen[k] != mine[k])
				return fail("DR0-3 changed across a vCPU switch", seen[k]);
	}
	if (vcpu == 0)
		pass("DR0-3 kept per vCPU across switches");
	return 0;
}

/* --- 2: #DB is reflected with DR6 as the CPU reports it --- */

static int check_debug(void)
{
	trap_arm(0);
	__asm__ __volatile__("pushfq; orq %0, (%%rsp); popfq; nop" ::"i"(RFLAGS_TF) : "memory", "cc");
	if (!faulted_with(1) || !(trap_dr6 & DR6_BS))
		return fail("single-step #DB with DR6.BS", trap_dr6);
	trap_arm(0);
	__asm__ __volatile__("mov %0, %%db0" ::"r"((uint64_t)(uintptr_t)&watched));
	__asm__ __volatile__("mov %0, %%db7" ::"r"(0x000d0001ul));	/* L0, write, 4 bytes */
	watched = 1;
	__asm__ __volatile__("mov %0, %%db7" ::"r"(0x400ul));
	__asm__ __volatile__("mov %0, %%db0" ::"r"(0ul));
	if (!faulted_with(1) || !(trap_dr6 & 1))
		return fail("data breakpoint #DB with DR6.B0", trap_dr6);
	pass("#DB reflected: single step, data breakpoint");
	return 0;
}

/* --- 2: #AC is reflected (CPL 3, CR0.AM, RFLAGS.AC, a misaligned load) --- */

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x28
#define CR0_AM (1ul << 18)
#define PTE_USER 4ul

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1, ist[7], reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));

static struct tss64 tss __attribute__((aligned(16)));
static uint64_t gdt[7] __attribute__((aligned(16)));
static uint8_t ring0_stack[4096] __attribute__((aligned(16)));
uint8_t ac_user_stack[4096] __attribute__((aligned(16)));
uint64_t ac_saved[7];		/* rbx rbp r12-r15 rsp of ac_enter_user's caller */
static uint64_t ac_words[2] __attribute__((aligned(16)));
static volatile uint64_t user_vector, user_error;

/* Runs "load 4 bytes at target; ud2" at CPL 3 with RFLAGS.AC set, and
 * returns when that code faulted (user_return). */
void ac_enter_user(uint64_t target);
void ac_back(void);
__asm__(".pushsection .text\n"
	".globl ac_enter_user, ac_back\n"
	"ac_enter_user:\n\t"
	"movq %rbx, ac_saved+0(%rip)\n\tmovq %rbp, ac_saved+8(%rip)\n\t"
	"movq %r12, ac_saved+16(%rip)\n\tmovq %r13, ac_saved+24(%rip)\n\t"
	"movq %r14, ac_saved+32(%rip)\n\tmovq %r15, ac_saved+40(%rip)\n\t"
	"movq %rsp, ac_saved+48(%rip)\n\t"
	"pushq $0x1b\n\t"				/* SS: user data, RPL 3 */
	"leaq ac_user_stack+4096(%rip), %rax\n\tpushq %rax\n\t"
	"pushq $0x40002\n\t"				/* RFLAGS: AC */
	"pushq $0x23\n\t"				/* CS: user code, RPL 3 */
	"leaq 1f(%rip), %rax\n\tpushq %rax\n\t"
	"iretq\n"
	"1:\tmovl (%rdi), %eax\n\t"
	"ud2\n"
	"ac_back:\n\t"
	"movq ac_saved+0(%rip), %rbx\n\tmovq ac_saved+8(%rip), %rbp\n\t"
	"movq ac_saved+16(%rip), %r12\n\tmovq ac_saved+24(%rip), %r13\n\t"
	"movq ac_saved+32(%rip), %r14\n\tmovq ac_saved+40(%rip), %r15\n\t"
	"movq ac_saved+48(%rip), %rsp\n\t"
	"ret\n"
	".popsection");

/* A fault at CPL 3: note it and go back to ac_enter_user's caller at CPL 0. */
static void user_return(struct trap_frame *f)
{
	user_vector = f->vector;
	user_error = f->error;
	f->rip = (uint64_t)(uintptr_t)ac_back;
	f->cs = SEL_KCODE;
	f->ss = SEL_KDATA;
	f->rsp = ac_saved[6];
	f->rflags = 2;
}

static void on_alignment(struct trap_frame *f)
{
	user_return(f);
}

/* Our own GDT with user segments and a TSS (for the way back to CPL 0),
 * and the user bit on the tables that map our 8 MiB (ABI.md's layout). */
static void user_mode_setup(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	volatile uint64_t *pml4 = (volatile uint64_t *)0x1000ul, *pdpt = (volatile uint64_t *)0x2000ul;
	volatile uint64_t *pd = (volatile uint64_t *)0x3000ul;
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
		sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	uint64_t cr3;

	tss.rsp[0] = (uint64_t)(uintptr_t)(ring0_stack + sizeof(ring0_stack));
	tss.iomap = sizeof(tss);
	gdt[1] = 0x00af9a000000ffffull;		/* code64, DPL 0 (as the builder's) */
	gdt[2] = 0x00cf92000000ffffull;		/* data, DPL 0 */
	gdt[3] = 0x00cff2000000ffffull;		/* data, DPL 3 */
	gdt[4] = 0x00affa000000ffffull;		/* code64, DPL 3 */
	gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;
	__asm__ __volatile__("lgdt %0" ::"m"(gdtr));
	__asm__ __volatile__("ltr %w0" ::"r"(SEL_TSS));
	pml4[0] |= PTE_USER;
	for (int i = 0; i < 4; i++) {
		pdpt[i] |= PTE_USER;
		pd[i] |= PTE_USER;
	}
	__asm__ __volatile__("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) :: "memory");
}

static int check_alignment(void)
{
	uint64_t cr0;

	user_mode_setup();
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	__asm__ __volatile__("mov %0, %%cr0" ::"r"(cr0 | CR0_AM));
	user_vector = ~0ul;
	ac_enter_user((uint64_t)(uintptr_t)ac_words + 1);
	__asm__ __volatile__("mov %0, %%cr0" ::"r"(cr0));
	if (user_vector == 6) {
		print("xsa: #AC not raised by this CPU (the CPL 3 load ran; emulator without "
		      "alignment checks)\n");
		return 0;
	}
	if (user_vector != 17 || user_error != 0)
		return fail("#AC at CPL 3 not reflected with error code 0", user_vector);
	pass("#AC reflected with its error code");
	return 0;
}

/* --- 7: SVM-only and cache instructions never run for real --- */

static int check_instructions(void)
{
	__asm__ __volatile__("wbinvd; invd" ::: "memory");
	trap_arm(3);	/* invlpga: 0f 01 df */
	__asm__ __volatile__("invlpga" ::"a"(0ul), "c"(0u) : "memory");
	if (!faulted_with(6))
		return fail("INVLPGA: no #UD", trap_vector);
	trap_arm(3);	/* monitor: 0f 01 c8 */
	__asm__ __volatile__("monitor" ::"a"(&watched), "c"(0u), "d"(0u) : "memory");
	if (!faulted_with(6))
		return fail("MONITOR: no #UD", trap_vector);
	pass("WBINVD and INVD complete; INVLPGA and MONITOR raise #UD");
	return 0;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	uint64_t supported = xsave_supported();

	if (vcpu == 0) {
		trap_set_handler(1, on_debug);
		trap_set_handler(6, on_fault);
		trap_set_handler(13, on_fault);
		trap_set_handler(17, on_alignment);
		trap_set_handler(2, on_nmi);
		check_hypercall_page((uint16_t)domid);
		check_commandline();
		check_vtimer();
		check_nmi();
		check_instructions();
		check_debug();
		check_alignment();
		if (supported)
			check_xsetbv(supported);
		else
			print("xsa: XSETBV not tried: the CPU offers no XSAVE\n");
	} else if (supported) {
		uint64_t cr4;

		__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
		__asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4 | CR4_OSXSAVE));
	}
	check_topology(vcpu);
	check_dr_switch(vcpu);
	if (supported)
		check_xcr0_lowering(vcpu, supported);
	__atomic_add_fetch(&vcpus_done, 1, __ATOMIC_SEQ_CST);
	if (vcpu != 0)
		for (;;)
			hypercall_sched_op(SCHEDOP_block, 0);
	while (__atomic_load_n(&vcpus_done, __ATOMIC_SEQ_CST) != NR_VCPUS)
		hypercall_sched_op(SCHEDOP_yield, 0);
	if (failures)
		return SHUTDOWN_crash;
	print("xsa: all checks passed on %u vCPUs\n", NR_VCPUS);
	return SHUTDOWN_poweroff;
}

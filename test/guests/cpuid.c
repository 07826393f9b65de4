/*
 * cpuid: the hypervisor's identity and basic ABI (ABI.md): Xen CPUID leaves,
 * hidden virtualisation features, the hypercall page, xen_version, #GP on an
 * unknown MSR, -ENOSYS for an unknown hypercall. Last, port I/O must stop it.
 */
#include "guest.h"

const char guest_name[] = "cpuid";

#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_80000001_ECX_SVM (1u << 2)
#define UNKNOWN_MSR 0x12345678u
#define UNKNOWN_HYPERCALL 63
#define VECTOR_GP 13

static unsigned int failures;

static void check(const char *what, int ok, uint64_t got)
{
	if (ok) {
		print("cpuid: %s ok\n", what);
	} else {
		print("cpuid: %s FAILED (got 0x%lx)\n", what, got);
		failures++;
	}
}

static void check_xen_leaves(unsigned int vcpu, unsigned int domid)
{
	uint32_t r[4];

	cpu_cpuid(XEN_CPUID_BASE, 0, r);
	/* "XenVMMXenVMM" in EBX, ECX, EDX */
	check("signature", r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e,
	      (uint64_t)r[1] << 32 | r[2]);
	check("max leaf", r[0] == XEN_CPUID_LAST, r[0]);

	cpu_cpuid(XEN_CPUID_BASE + 1, 0, r);
	check("version leaf", r[0] == (BULKHEAD_XEN_MAJOR << 16 | BULKHEAD_XEN_MINOR), r[0]);

	cpu_cpuid(XEN_CPUID_BASE + 2, 0, r);
	check("hypercall msr leaf", r[0] == 1 && r[1] == XEN_HYPERCALL_PAGE_MSR,
	      (uint64_t)r[0] << 32 | r[1]);

	cpu_cpuid(XEN_CPUID_BASE + 4, 0, r);
	check("vcpu id", (r[0] & XEN_HVM_CPUID_VCPU_ID_PRESENT) && r[1] == vcpu,
	      (uint64_t)r[0] << 32 | r[1]);
	check("domain id", (r[0] & XEN_HVM_CPUID_DOMID_PRESENT) && r[2] == domid,
	      (uint64_t)r[0] << 32 | r[2]);
}

static void check_feature_bits(void)
{
	uint32_t r[4];

	cpu_cpuid(1, 0, r);
	check("hypervisor bit", (r[2] & CPUID_1_ECX_HYPERVISOR) != 0, r[2]);
	check("vmx hidden", (r[2] & CPUID_1_ECX_VMX) == 0, r[2]);

	cpu_cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000001) {
		check("svm hidden", 1, 0); /* no extended leaf, so no SVM bit */
		return;
	}
	cpu_cpuid(0x80000001, 0, r);
	check("svm hidden", (r[2] & CPUID_80000001_ECX_SVM) == 0, r[2]);
}

static void check_hypercall_page(void)
{
	const uint8_t *stub;
	long ret;

	hypercall_use_page(); /* every hypercall from here on goes through it */
	stub = hypercall_page_address() + 32 * __HYPERVISOR_xen_version;
	/* ABI.md: each stub starts with mov eax, N (b8 imm32) */
	check("hypercall page",
	      stub[0] == 0xb8 && stub[1] == __HYPERVISOR_xen_version && !stub[2] && !stub[3] &&
		      !stub[4],
	      stub[0] | (uint64_t)stub[1] << 8 | (uint64_t)stub[2] << 16);

	ret = hypercall_xen_version(XENVER_version, 0);
	check("xen_version", ret == (BULKHEAD_XEN_MAJOR << 16 | BULKHEAD_XEN_MINOR), (uint64_t)ret);

	ret = hypercall3(UNKNOWN_HYPERCALL, 0, 0, 0);
	check("unknown hypercall", ret == -GUEST_ENOSYS, (uint64_t)ret);
}

static struct {
	unsigned int count;
	uint64_t rip, error;
} gp_seen;

/* Records the #GP and skips the faulting rdmsr/wrmsr (both 2 bytes: 0f 32, 0f 30). */
static void gp_handler(struct trap_frame *frame)
{
	gp_seen.count++;
	gp_seen.rip = frame->rip;
	gp_seen.error = frame->error;
	frame->rip += 2;
}

static void check_unknown_msr(void)
{
	uint64_t insn;
	uint32_t lo = 0x11111111, hi = 0x22222222;

	trap_set_handler(VECTOR_GP, gp_handler);

	gp_seen.count = 0;
	__asm__ __volatile__("lea 1f(%%rip), %[insn]\n1: rdmsr"
			     : [insn] "=&r"(insn), "+a"(lo), "+d"(hi)
			     : "c"(UNKNOWN_MSR)
			     : "memory");
	check("unknown msr read #GP",
	      gp_seen.count == 1 && gp_seen.rip == insn && gp_seen.error == 0 &&
		      lo == 0x11111111 && hi == 0x22222222,
	      gp_seen.count == 1 ? gp_seen.rip : gp_seen.count);

	gp_seen.count = 0;
	__asm__ __volatile__("lea 1f(%%rip), %[insn]\n1: wrmsr"
			     : [insn] "=&r"(insn)
			     : "c"(UNKNOWN_MSR), "a"(0), "d"(0)
			     : "memory");
	check("unknown msr write #GP", gp_seen.count == 1 && gp_seen.rip == insn && gp_seen.error == 0,
	      gp_seen.count == 1 ? gp_seen.rip : gp_seen.count);

	trap_set_handler(VECTOR_GP, 0);
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	check_xen_leaves(vcpu, domid);
	check_feature_bits();
	check_hypercall_page();
	check_unknown_msr();

	if (failures) {
		print("cpuid: %u checks FAILED\n", failures);
		return SHUTDOWN_crash;
	}
	print("cpuid: all checks passed\n");

	/* ABI.md "Port I/O": the core must stop the domain here. */
	__asm__ __volatile__("outb %%al, $0x80" : : "a"(0));
	print("cpuid: port I/O was not intercepted\n");
	return SHUTDOWN_crash;
}

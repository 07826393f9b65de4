/*
 * The guest's CPUID. Policy, leaf by leaf:
 * - 0x1: hypervisor bit set (ECX 31); VMX (ECX 5), MONITOR (ECX 3), TSC
 *   deadline (ECX 24, the vLAPIC has no deadline mode) and PDCM (ECX 15)
 *   cleared; x2APIC (ECX 21) set: the vLAPIC is x2APIC; EBX[31:24] is the
 *   vCPU's APIC id, EBX[23:16] the domain's vCPU count.
 * - 0x6 (power), 0xa (PMU): zero — neither is virtualized.
 * - 0xb / 0x1f topology: one thread per core, APIC id = vCPU id.
 * - 0x1 ECX OSXSAVE (27), 0x7 ECX OSPKE (4): the guest's own CR4 bits.
 * - 0x7 ECX LA57 (16) cleared: guests page with 4 levels, as the core walks.
 * - 0xd (XSAVE): only the components the core switches (xsave_mask), so
 *   what CPUID offers is exactly what XSETBV accepts.
 * - 0x80000001: SVM (ECX 2) and RDTSCP (EDX 27) cleared; 0x7 RDPID (ECX 22)
 *   too: IA32_TSC_AUX is not switched per vCPU. 0x8000000a (SVM features): zero.
 * - 0x8000001e (AMD topology): APIC id and core id = vCPU id, one node.
 * - 0x40000000-0x40000005: Xen's leaves (public/xen.h, REFERENCE §4), for
 *   every domain, HVM guests included.
 * - 0x40000100 and up (Xen's alternative bases): zero.
 * Everything else passes through from the host.
 */
#include "cpuid.h"
#include "vcpu.h"
#include "domain.h"
#include "smp.h"
#include "cpu.h"
#include "public/xen.h"
#include "lib.h"

static void cpuid_xen(struct vcpu *v, u32 leaf, struct cpuid_regs *r)
{
	switch (leaf - XEN_CPUID_BASE) {
	case 0:
		r->eax = XEN_CPUID_LAST;
		r->ebx = 0x566e6558;	/* "XenV" */
		r->ecx = 0x65584d4d;	/* "MMXe" */
		r->edx = 0x4d4d566e;	/* "nVMM" */
		break;
	case 1:
		r->eax = (BULKHEAD_XEN_MAJOR << 16) | BULKHEAD_XEN_MINOR;
		break;
	case 2:
		r->eax = 1;	/* hypercall pages */
		r->ebx = XEN_HYPERCALL_PAGE_MSR;
		break;
	case 4:
		r->eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT;
		r->ebx = v->id;
		r->ecx = v->domain->id;
		break;
	default:	/* 3 (TSC) and 5 (PV features): nothing offered */
		break;
	}
}

/* OSXSAVE and OSPKE mirror the guest's CR4, not the host's (SDM Vol 2
 * CPUID: "OS has set CR4.OSXSAVE" / "CR4.PKE"). */
#define CPUID1_OSXSAVE (1u << 27)
#define CPUID7_OSPKE (1u << 4)
#define CR4_PKE (1ul << 22)

static u64 cpuid_guest_cr4(struct vcpu *v)
{
	struct guest_mode m;

	virt->get_mode(v, &m);
	return m.cr4;
}

void cpuid_guest(struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	memset(r, 0, sizeof(*r));
	if (leaf >= XEN_CPUID_BASE && leaf < XEN_CPUID_BASE + 0x10000) {
		if (leaf <= XEN_CPUID_LAST)
			cpuid_xen(v, leaf, r);
		return;
	}
	if (leaf == 0x6 || leaf == 0xa || leaf == 0x8000000a)
		return;
	cpuid_count(leaf, subleaf, r);
	switch (leaf) {
	case 0x1:
		r->ecx &= ~((1u << 3) | (1u << 5) | (1u << 15) | (1u << 24) | CPUID1_OSXSAVE);
		r->ecx |= (1u << 31) | (1u << 21);
		if (cpuid_guest_cr4(v) & CR4_OSXSAVE)
			r->ecx |= CPUID1_OSXSAVE;
		r->ebx = (r->ebx & 0xffff) | (v->id << 24) | ((v->domain->nr_vcpus & 0xff) << 16);
		break;
	case 0xb:
	case 0x1f:
		r->edx = v->id;
		r->ebx = subleaf == 0 ? 1 : (subleaf == 1 ? v->domain->nr_vcpus : 0);
		r->eax = subleaf == 0 ? 0 : (subleaf == 1 ? 8 : 0);
		r->ecx = subleaf | (subleaf < 2 ? (subleaf + 1) << 8 : 0);
		break;
	case 0x7:
		/* No LA57: the core's guest page walker is 4-level (guestmem.c). */
		r->ecx &= ~(CPUID7_OSPKE | (1u << 16) | (1u << 22));	/* and RDPID */
		if (subleaf == 0 && cpuid_guest_cr4(v) & CR4_PKE)
			r->ecx |= CPUID7_OSPKE;
		break;
	case 0xd:
		if (subleaf == 0) {
			r->eax &= (u32)xsave_mask;
			r->edx &= (u32)(xsave_mask >> 32);
		} else if (subleaf >= 2 && (subleaf >= 64 || !(xsave_mask & (1ull << subleaf)))) {
			memset(r, 0, sizeof(*r));
		}
		break;
	case 0x80000001:
		r->ecx &= ~(1u << 2);
		r->edx &= ~(1u << 27);	/* RDTSCP: TSC_AUX is not switched per vCPU */
		break;
	case 0x8000001e:
		/* AMD extended APIC id and core/node ids (APM Vol 3 E.4.25): the
		 * host's name the physical core the vCPU happens to run on. */
		r->eax = v->id;
		r->ebx = v->id & 0xff;
		r->ecx = 0;
		break;
	default:
		break;
	}
}

/*
 * SVM on a physical CPU (AMD APM Vol 2 ch. 15): what the processor offers,
 * turning SVM on (EFER.SVME, the host save area), and the I/O and MSR
 * permission maps every guest shares.
 */
#include "svm.h"
#include "percpu.h"
#include "frame.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"

#define CPUID_SVM_FEATURES 0x8000000a
#define SVM_FEATURE_NPT (1u << 0)
#define SVM_FEATURE_NRIPS (1u << 3)
#define VM_CR_SVMDIS (1u << 4)

/* One I/O and one MSR permission map for every guest (12 KiB and 8 KiB, contiguous). */
static u8 iopm[3 * PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 msrpm[2 * PAGE_SIZE] __aligned(PAGE_SIZE);
bool svm_have_nrips;
u32 svm_nr_asids;

bool svm_supported(const char **why)
{
	struct cpuid_regs r;

	cpuid_count(0x80000001, 0, &r);
	if (!(r.ecx & (1u << 2))) {
		*why = "no AMD-V (SVM)";
		return false;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "SVM is disabled by the firmware";
		return false;
	}
	cpuid_count(CPUID_SVM_FEATURES, 0, &r);
	if (!(r.edx & SVM_FEATURE_NPT)) {
		*why = "no nested paging (NPT)";
		return false;
	}
	svm_have_nrips = r.edx & SVM_FEATURE_NRIPS;
	svm_nr_asids = r.ebx;
	return true;
}

paddr_t svm_iopm_pa(void)
{
	return virt_to_phys(iopm);
}

paddr_t svm_msrpm_pa(void)
{
	return virt_to_phys(msrpm);
}

/* MSRPM: two bits per MSR in three ranges of 8192 MSRs (APM 15.11). */
static void msrpm_allow(u32 msr)
{
	u32 base;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000 && msr < 0xc0002000)
		base = 0x2000, msr -= 0xc0000000;
	else
		return;
	msr += base;
	msrpm[msr / 4] &= (u8)~(3u << ((msr % 4) * 2));
}

static void svm_maps_init(void)
{
	memset(iopm, 0xff, sizeof(iopm));
	memset(msrpm, 0xff, sizeof(msrpm));
	for (unsigned i = 0; i < msr_passthrough_count; i++)
		msrpm_allow(msr_passthrough[i]);
}

int svm_cpu_enable(void)
{
	struct pcpu *c = this_cpu();
	struct svm_cpu *s = page_alloc();

	if (!s)
		return -ENOMEM;
	s->hsave = page_alloc();
	if (!s->hsave)
		goto free_cpu;
	s->host_vmcb = page_alloc();
	if (!s->host_vmcb)
		goto free_hsave;
	if (c->index == 0)
		svm_maps_init();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(s->hsave));
	/* The host's FS/GS/TR/LDTR and syscall MSRs, restored after every exit. */
	__asm__ __volatile__("vmsave %%rax" ::"a"(virt_to_phys(s->host_vmcb)) : "memory");
	c->vendor = s;
	return 0;

free_hsave:
	page_free(s->hsave);
free_cpu:
	page_free(s);
	return -ENOMEM;
}

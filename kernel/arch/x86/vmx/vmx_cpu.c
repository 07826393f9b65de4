/*
 * VMX on a physical CPU: what the processor offers (the capability MSRs,
 * SDM Vol 3D appendix A), turning VMX operation on (3C 23.7), the controls
 * every VMCS gets, the MSR bitmap every vCPU shares, and TLB flushes.
 */
#include "vmx.h"
#include "cpu.h"
#include "percpu.h"
#include "frame.h"
#include "console.h"
#include "errno.h"
#include "lib.h"
#include "spinlock.h"
#include "apic.h"

struct vmx_caps vmx_caps;
u32 vmx_swap_msrs[VMX_SWAP_MSRS_MAX];
unsigned vmx_swap_msr_count;

static struct vmx_pcpu vmx_pcpus[MAX_CPUS];

/* SDM 24.6.9: read bitmap for MSRs 0-0x1fff, read bitmap for
 * 0xc0000000-0xc0001fff, then the two write bitmaps, 1 KiB each. A set bit
 * makes the access exit; one bitmap serves every vCPU. */
static u8 vmx_msr_bitmap[PAGE_SIZE] __aligned(PAGE_SIZE);
static spinlock_t vmx_init_lock = SPINLOCK_INIT;
static bool vmx_init_done;

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID_EXT_EDX_RDTSCP (1u << 27)

/* What the backend cannot work without. */
#define PIN_NEED (PIN_EXT_INTR | PIN_NMI)
#define PROC_NEED (PROC_HLT | PROC_UNCOND_IO | PROC_MSR_BITMAP | PROC_SECONDARY)
#define PROC2_NEED (PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED)
#define EXIT_NEED (EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT)
#define ENTRY_NEED (ENTRY_IA32E | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT)
/* What it uses when offered: MWAIT/MONITOR must not halt the real CPU, the
 * guest's CR8 is its virtual TPR, not the host's, debug registers are
 * switched lazily (vcpu.c), and WBINVD must not stall the host's caches. */
#define PROC_WANT (PROC_NEED | PROC_MWAIT | PROC_MONITOR | PROC_CR8_LOAD | PROC_CR8_STORE | \
		   PROC_MOV_DR)
#define PROC2_WANT (PROC2_NEED | PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES | PROC2_WBINVD)
/* The guest's DR7 and IA32_DEBUGCTL travel through the VMCS (a VM exit
 * would otherwise reset DR7 to 0x400 under the guest, 27.5.1). */
#define EXIT_WANT (EXIT_NEED | EXIT_SAVE_DEBUG)
#define ENTRY_WANT (ENTRY_NEED | ENTRY_LOAD_DEBUG)

/* A control value: the wanted bits the CPU allows (allowed-1, high half of
 * the capability MSR) plus the ones it forces (allowed-0, low half). */
static u32 vmx_ctl(u64 cap, u32 want)
{
	return (want | (u32)cap) & (u32)(cap >> 32);
}

static bool vmx_allows(u64 cap, u32 bits)
{
	return ((cap >> 32) & bits) == bits;
}

/* IA32_FEATURE_CONTROL: lock it with VMX outside SMX enabled when firmware
 * left it unlocked; refuse when it is locked without. */
static int vmx_feature_control(void)
{
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		wrmsr(MSR_FEATURE_CONTROL, fc);
	}
	return fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX ? 0 : -ENODEV;
}

static void vmx_read_caps(struct vmx_caps *c)
{
	bool true_ctls;

	c->basic = rdmsr(MSR_VMX_BASIC);
	true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	c->misc = rdmsr(MSR_VMX_MISC);
	c->pin = rdmsr(true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED);
	c->proc = rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	c->exit = rdmsr(true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
	c->entry = rdmsr(true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
	c->proc2 = vmx_allows(c->proc, PROC_SECONDARY) ? rdmsr(MSR_VMX_PROCBASED2) : 0;
	c->ept_vpid = vmx_allows(c->proc2, PROC2_EPT) || vmx_allows(c->proc2, PROC2_VPID)
			      ? rdmsr(MSR_VMX_EPT_VPID_CAP) : 0;
	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
}

static void vmx_note(char *buf, size_t size, bool ok, const char *what)
{
	size_t n = strlen(buf);

	if (!ok)
		fmt_snprintf(buf + n, size - n, "%s%s", n ? ", " : "", what);
}

/* Each missing feature, comma-separated, into buf (empty when all is there). */
static void vmx_check_caps(const struct vmx_caps *c, char *buf, size_t size)
{
	u64 ev = c->ept_vpid;

	buf[0] = 0;
	vmx_note(buf, size, vmx_allows(c->proc, PROC_SECONDARY), "no secondary controls");
	vmx_note(buf, size, vmx_allows(c->proc2, PROC2_EPT), "no EPT");
	vmx_note(buf, size, ev & EPT_CAP_WALK4, "no EPT 4-level walk");
	vmx_note(buf, size, ev & EPT_CAP_WB, "no EPT WB memory type");
	vmx_note(buf, size, ev & EPT_CAP_INVEPT && ev & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL),
		 "no INVEPT");
	vmx_note(buf, size, vmx_allows(c->proc2, PROC2_VPID), "no VPID");
	vmx_note(buf, size, ev & VPID_CAP_INVVPID && ev & (VPID_CAP_SINGLE | VPID_CAP_ALL),
		 "no INVVPID");
	vmx_note(buf, size, vmx_allows(c->proc2, PROC2_UNRESTRICTED), "no unrestricted guest");
	vmx_note(buf, size, vmx_allows(c->pin, PIN_NEED), "no interrupt/NMI exiting");
	vmx_note(buf, size, vmx_allows(c->proc, PROC_NEED & ~PROC_SECONDARY),
		 "no HLT/I/O exiting or MSR bitmaps");
	vmx_note(buf, size, vmx_allows(c->exit, EXIT_NEED), "no EFER/PAT switch on exit");
	vmx_note(buf, size, vmx_allows(c->entry, ENTRY_NEED), "no EFER/PAT load on entry");
	vmx_note(buf, size, ((c->basic >> 32) & 0x1fff) <= PAGE_SIZE, "VMCS larger than a page");
	vmx_note(buf, size, ((c->basic >> 50) & 0xf) == 6, "VMCS not write-back");
}

bool vmx_supported(const char **why)
{
	static char buf[256];
	struct cpuid_regs r;

	cpuid_count(1, 0, &r);
	if (!(r.ecx & CPUID1_ECX_VMX)) {
		*why = "no VMX";
		return false;
	}
	if (vmx_feature_control() < 0) {
		*why = "VMX disabled in IA32_FEATURE_CONTROL";
		return false;
	}
	vmx_read_caps(&vmx_caps);
	vmx_check_caps(&vmx_caps, buf, sizeof(buf));
	*why = buf;
	return !buf[0];
}

/* Exit on every MSR except msr_passthrough[] (SDM 24.6.9). */
static void vmx_msr_bitmap_init(void)
{
	memset(vmx_msr_bitmap, 0xff, sizeof(vmx_msr_bitmap));
	for (unsigned i = 0; i < msr_passthrough_count; i++) {
		u32 msr = msr_passthrough[i];
		unsigned base;

		if (msr <= 0x1fff)
			base = 0;
		else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
			base = 1024;
		else
			continue;	/* outside the bitmap: always exits */
		msr &= 0x1fff;
		vmx_msr_bitmap[base + msr / 8] &= ~(1u << (msr % 8));
		vmx_msr_bitmap[base + 2048 + msr / 8] &= ~(1u << (msr % 8));
	}
}

/* Passthrough MSRs the VMCS does not switch; they follow the vCPU. */
static void vmx_swap_list_init(void)
{
	static const u32 switchable[] = {
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
	};
	static const u32 in_vmcs[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
		MSR_PAT, MSR_EFER,
	};
	struct cpuid_regs r;

	cpuid_count(0x80000001, 0, &r);
	for (unsigned i = 0; i < msr_passthrough_count; i++) {
		u32 msr = msr_passthrough[i];
		bool swap = false, vmcs = false;

		for (unsigned j = 0; j < ARRAY_SIZE(switchable); j++)
			swap |= msr == switchable[j];
		for (unsigned j = 0; j < ARRAY_SIZE(in_vmcs); j++)
			vmcs |= msr == in_vmcs[j];
		if (msr == MSR_TSC_AUX && !(r.edx & CPUID_EXT_EDX_RDTSCP))
			swap = false;
		if (swap && vmx_swap_msr_count < VMX_SWAP_MSRS_MAX)
			vmx_swap_msrs[vmx_swap_msr_count++] = msr;
		else if (!vmcs)
			pr_warn("vmx: passthrough MSR 0x%x is not switched between vCPUs\n", msr);
	}
}

/* The control values every VMCS starts from. */
static void vmx_ctls_init(struct vmx_caps *c)
{
	c->pin_ctls = vmx_ctl(c->pin, PIN_NEED);
	/* SDM 24.6.1, 25.3: the CPU then tracks the guest's NMI blocking (an
	 * injected NMI sets it, the guest's IRET ends it). */
	c->virt_nmi = vmx_allows(c->pin, PIN_VIRT_NMI) && vmx_allows(c->proc, PROC_NMI_WINDOW);
	if (c->virt_nmi)
		c->pin_ctls |= PIN_VIRT_NMI;
	c->proc_ctls = vmx_ctl(c->proc, PROC_WANT);
	c->proc2_ctls = vmx_ctl(c->proc2, PROC2_WANT);
	c->exit_ctls = vmx_ctl(c->exit, EXIT_WANT) & ~EXIT_ACK_INTR;
	c->entry_ctls = vmx_ctl(c->entry, ENTRY_WANT & ~ENTRY_IA32E);
	if (vmx_allows(c->pin, PIN_PREEMPT_TIMER)) {
		u64 t = tsc_per_ms * 1000 / TIMER_HZ >> VMX_MISC_TIMER_SHIFT(c->misc);

		c->preempt_ticks = t > 0xffffffff ? 0xffffffff : t ? t : 1;
	}
}

/* Once, by the first CPU to get here: state shared by all CPUs. */
static void vmx_global_init(void)
{
	spin_lock(&vmx_init_lock);
	if (!vmx_init_done) {
		if (!vmx_caps.basic)
			vmx_read_caps(&vmx_caps);
		vmx_ctls_init(&vmx_caps);
		vmx_msr_bitmap_init();
		vmx_swap_list_init();
		pr_info("vmx: pin %x proc %x proc2 %x exit %x entry %x ept/vpid %lx timer %u\n",
			vmx_caps.pin_ctls, vmx_caps.proc_ctls, vmx_caps.proc2_ctls,
			vmx_caps.exit_ctls, vmx_caps.entry_ctls, vmx_caps.ept_vpid,
			vmx_caps.preempt_ticks);
		vmx_init_done = true;
	}
	spin_unlock(&vmx_init_lock);
}

paddr_t vmx_msr_bitmap_pa(void)
{
	return virt_to_phys(vmx_msr_bitmap);
}

/* The CR0/CR4 bits VMX fixes (A.7, A.8). Unrestricted guest frees PE and PG
 * (SDM 26.3.1.1); everything the host fixes is in the guest/host mask, so
 * the guest sees its own value through the read shadow. */
u64 vmx_cr0_forced(void)
{
	return vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);
}

u64 vmx_cr0_owned(void)
{
	return vmx_cr0_forced() | (~vmx_caps.cr0_fixed1 & 0xffffffffull);
}

u64 vmx_cr4_forced(void)
{
	return vmx_caps.cr4_fixed0 | CR4_VMXE;
}

u64 vmx_cr4_owned(void)
{
	return vmx_cr4_forced() | (~vmx_caps.cr4_fixed1 & 0xffffffffull);
}

int vmx_cpu_enable(void)
{
	struct pcpu *pc = this_cpu();
	struct vmx_pcpu *vp = &vmx_pcpus[pc->index];

	if (vmx_feature_control() < 0)
		return -ENODEV;
	vmx_global_init();
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4((read_cr4() | vmx_caps.cr4_fixed0 | CR4_VMXE) & vmx_caps.cr4_fixed1);
	if (!vp->vmxon && !(vp->vmxon = page_alloc()))
		return -ENOMEM;
	*(u32 *)vp->vmxon = vmx_caps.basic & 0x7fffffff;	/* revision id */
	if (!vmx_vmxon(virt_to_phys(vp->vmxon))) {
		pr_err("vmx: VMXON failed on CPU %u\n", pc->index);
		return -EIO;
	}
	vp->current = NULL;
	pc->vendor = vp;
	return 0;
}

/* Guest-linear and combined mappings tagged with vpid (SDM 28.3.3.3). */
void vmx_flush_vpid(u16 vpid)
{
	if (vmx_caps.ept_vpid & VPID_CAP_SINGLE)
		vmx_invvpid_raw(INVVPID_SINGLE, vpid);
	else
		vmx_invvpid_raw(INVVPID_ALL, 0);
}

/* Guest-physical and combined mappings derived from eptp (SDM 28.3.3.1). */
void vmx_flush_ept(paddr_t eptp)
{
	if (vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE)
		vmx_invept_raw(INVEPT_SINGLE, eptp);
	else
		vmx_invept_raw(INVEPT_ALL, 0);
}

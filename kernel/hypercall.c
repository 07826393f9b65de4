/*
 * The hypercall table. Arguments come from RDI RSI RDX R10 R8 (64-bit code)
 * or EBX ECX EDX ESI EDI (32-bit code); the result goes to RAX. Real mode,
 * virtual-8086 mode and CPL > 0 may not make hypercalls (as in Xen).
 */
#include "hypercall.h"
#include "dmop.h"
#include "public/dmop.h"
#include "vcpu.h"
#include "domain.h"
#include "sched.h"
#include "guestmem.h"
#include "cpuid.h"
#include "console.h"
#include "cmdline.h"
#include "errno.h"
#include "frame.h"
#include "public/xen.h"
#include "public/bulkhead.h"
#include "domctl.h"
#include "evtchn.h"
#include "gnttab.h"
#include "memop.h"
#include "hvmop.h"
#include "pci_op.h"
#include "public/pci.h"
#include "lib.h"

#define HYPERCALL_ARGS 5

typedef long (*hypercall_fn)(struct vcpu *v, const u64 *a);

extern struct cmdline_opts boot_opts;

static long do_sched_op(struct vcpu *v, const u64 *a)
{
	struct sched_shutdown sd;

	switch (a[0]) {
	case SCHEDOP_yield:
		sched_yield(v);
		return 0;
	case SCHEDOP_block:
		/* Xen re-enables event delivery here; our interrupts are the vLAPIC's. */
		if (vlapic_pending(v) < 0)
			sched_block(v);
		return 0;
	case SCHEDOP_shutdown:
		if (copy_from_guest(v, &sd, a[1], sizeof(sd)))
			return -EFAULT;
		if (sd.reason > SHUTDOWN_soft_reset)
			return -EINVAL;
		domain_shutdown(v->domain, (int)sd.reason);
		return 0;
	case SCHEDOP_poll:
		return evtchn_op_poll(v, a[1]);
	default:
		return -ENOSYS;
	}
}

static long copy_string(struct vcpu *v, u64 gva, const char *s, size_t size)
{
	char buf[1024] = { 0 };

	fmt_snprintf(buf, MIN(size, sizeof(buf)), "%s", s);
	return copy_to_guest(v, gva, buf, MIN(size, sizeof(buf))) ? -EFAULT : 0;
}

static long do_xen_version(struct vcpu *v, const u64 *a)
{
	struct xen_feature_info fi;
	struct xen_platform_parameters pp = { 0 };
	u64 page = PAGE_SIZE;

	switch (a[0]) {
	case XENVER_version:
		return (BULKHEAD_XEN_MAJOR << 16) | BULKHEAD_XEN_MINOR;
	case XENVER_extraversion:
		return copy_string(v, a[1], ".0-bulkhead", sizeof(xen_extraversion_t));
	case XENVER_capabilities:
		return copy_string(v, a[1], "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64",
				   sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return copy_string(v, a[1], "bulkhead", 64);
	case XENVER_commandline:	/* the host's secrets: Dom0's alone, as Xen's XSM */
		return copy_string(v, a[1], v->domain->privileged ? boot_opts.raw : "<denied>",
				   sizeof(xen_commandline_t));
	case XENVER_platform_parameters:
		return copy_to_guest(v, a[1], &pp, sizeof(pp)) ? -EFAULT : 0;
	case XENVER_pagesize:
		return (long)page;
	case XENVER_get_features:
		if (copy_from_guest(v, &fi, a[1], sizeof(fi)))
			return -EFAULT;
		fi.submap = fi.submap_idx == 0 ?
			    (1u << XENFEAT_auto_translated_physmap) | (1u << XENFEAT_hvm_callback_vector) |
			    (1u << XENFEAT_hvm_safe_pvclock) : 0;
		return copy_to_guest(v, a[1], &fi, sizeof(fi)) ? -EFAULT : 0;
	default:
		return -ENOSYS;
	}
}

static const hypercall_fn hypercalls[NR_HYPERCALLS] = {
	[__HYPERVISOR_console_io] = console_op_hypercall,
	[__HYPERVISOR_sched_op] = do_sched_op,
	[__HYPERVISOR_xen_version] = do_xen_version,
	[__HYPERVISOR_bulkhead_domctl] = domctl_hypercall,
	[__HYPERVISOR_memory_op] = memop_hypercall,
	[__HYPERVISOR_grant_table_op] = gnttab_op_hypercall,
	[__HYPERVISOR_vcpu_op] = evtchn_op_vcpu_op,
	[__HYPERVISOR_event_channel_op] = evtchn_op_hypercall,
	[__HYPERVISOR_hvm_op] = hvmop_hypercall,
	[__HYPERVISOR_bulkhead_dmop] = dmop_hypercall,
	[__HYPERVISOR_bulkhead_pci] = pci_op_hypercall,
};

void hypercall_dispatch(struct vcpu *v)
{
	static const u8 args64[HYPERCALL_ARGS] = { GPR_RDI, GPR_RSI, GPR_RDX, GPR_R10, GPR_R8 };
	static const u8 args32[HYPERCALL_ARGS] = { GPR_RBX, GPR_RCX, GPR_RDX, GPR_RSI, GPR_RDI };
	u64 nr = v->regs.gpr[GPR_RAX], a[HYPERCALL_ARGS];
	struct guest_mode m;
	bool is64;
	long rc;

	virt->get_mode(v, &m);
	is64 = guest_mode_is64(&m);
	if (!(m.cr0 & CR0_PE) || (v->regs.rflags & RFLAGS_VM)) {
		rc = -ENOSYS;
	} else if (m.cpl != 0) {
		rc = -EPERM;
	} else if (nr >= NR_HYPERCALLS || !hypercalls[nr]) {
		rc = -ENOSYS;
	} else {
		for (int i = 0; i < HYPERCALL_ARGS; i++) {
			u64 r = v->regs.gpr[is64 ? args64[i] : args32[i]];

			a[i] = is64 ? r : (u32)r;
		}
		rc = hypercalls[nr](v, a);
	}
	v->regs.gpr[GPR_RAX] = is64 ? (u64)rc : (u32)rc;
}

/*
 * 128 stubs of 32 bytes: mov $nr, %eax; vmcall or vmmcall; ret (Xen's
 * layout). Only into a page of the domain's own writable RAM, checked and
 * written while its memory cannot change: never a read-only grant or
 * foreign mapping (the frame is another domain's), shared_info, a grant
 * frame or a hole.
 */
int hypercall_page_install(struct vcpu *v, u64 val)
{
	struct domain *d = v->domain;
	gpaddr_t gpa = val & PAGE_MASK;
	paddr_t hpa;
	unsigned perm;
	u8 *page;

	/* Only page index 0 (one hypercall page). */
	if (val & ~PAGE_MASK)
		return -EINVAL;
	memop_lock(d);
	if (memop_classify(d, gpa, &hpa) != MEMOP_RAM || !p2m_lookup(&d->p2m, gpa, &hpa, &perm) ||
	    !(perm & P2M_W)) {
		memop_unlock(d);
		return -EINVAL;
	}
	page = phys_to_virt(hpa & PAGE_MASK);
	memset(page, 0xcc, PAGE_SIZE);	/* int3 between stubs */
	for (u32 i = 0; i < 128; i++) {
		u8 *s = &page[i * 32];

		s[0] = 0xb8;	/* mov $i, %eax */
		memcpy(&s[1], &i, 4);
		memcpy(&s[5], virt->hypercall_insn, 3);
		s[8] = 0xc3;	/* ret */
	}
	d->hypercall_page_gpa = gpa;
	memop_unlock(d);
	return 0;
}

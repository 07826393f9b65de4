/*
 * The generic exit dispatcher: vendor code has reduced every exit to an
 * exit_record; each kind has one handler here. A kind without a handler is
 * an explicit failure that stops the domain, never a silent resume.
 */
#include "exit.h"
#include "vcpu.h"
#include "domain.h"
#include "sched.h"
#include "hypercall.h"
#include "cpuid.h"
#include "msr.h"
#include "exitfwd.h"
#include "hvm.h"
#include "ioreq.h"
#include "guestmem.h"
#include "insn.h"
#include "xstate.h"
#include "smp.h"
#include "cpu.h"
#include "console.h"
#include "lib.h"

typedef void (*exit_handler_t)(struct vcpu *v, const struct exit_record *e);

void exit_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct guest_event ev = { EVENT_EXCEPTION, vector, has_error, error };

	virt->inject(v, &ev);
}

/* The length of the instruction that made exit e when it is the one such
 * exits come from without prefixes (HLT, VMCALL, VMMCALL: the exits every
 * guest makes most), else 0: the decoder's to say. */
static int exit_plain_len(const struct exit_record *e, const u8 *code, int got)
{
	if (e->kind == EXIT_HLT && got >= 1 && code[0] == 0xf4)
		return 1;
	if (e->kind == EXIT_HYPERCALL && got >= 3 && code[0] == 0x0f && code[1] == 0x01 &&
	    (code[2] == 0xc1 || code[2] == 0xd9))
		return 3;
	return 0;
}

bool exit_skip(struct vcpu *v, const struct exit_record *e)
{
	struct guest_mode m;
	u8 code[15];
	int len = (int)e->insn_len, got;

	if (!len) {
		virt->get_mode(v, &m);
		got = guest_fetch(v, &m, v->regs.rip, code, sizeof(code));
		len = exit_plain_len(e, code, got);
		if (!len)
			len = got > 0 ? insn_length(code, (size_t)got, guest_insn_mode(&m)) : got;
		if (len <= 0) {
			domain_crash(v, "cannot decode the instruction at RIP 0x%lx (error %d, exit %u, "
				     "cr0 %lx cr3 %lx cr4 %lx efer %lx cs %lx)", v->regs.rip, len, e->kind,
				     m.cr0, m.cr3, m.cr4, m.efer, m.cs_base);
			return false;
		}
	}
	v->regs.rip += (u64)len;
	return true;
}

/* An NMI (an IPI with delivery mode NMI, VCPUOP_send_nmi) goes in as soon
 * as the guest is out of its last one's handler; an interrupt waiting too
 * then finds the event slot taken and asks for its window. */
static void nmi_prepare_entry(struct vcpu *v)
{
	struct guest_event ev = { EVENT_NMI, 2, false, 0 };

	if (!virt->nmi_allowed(v)) {
		virt->set_nmi_window(v);
		return;
	}
	__atomic_store_n(&v->lapic.nmi_pending, false, __ATOMIC_RELEASE);
	virt->inject(v, &ev);
}

/* The event-channel callback vector first (Xen's order: it is not an APIC
 * interrupt), then the local APIC's highest deliverable vector, then, for an
 * HVM guest's BSP, an ExtINT from the 8259 through LINT0. */
void exit_prepare_entry(struct vcpu *v)
{
	bool cb = __atomic_load_n(&v->upcall_vector, __ATOMIC_ACQUIRE) != 0;
	int vector = -1, ext = -1;

	if (unlikely(__atomic_load_n(&v->lapic.nmi_pending, __ATOMIC_ACQUIRE)))
		nmi_prepare_entry(v);

	if (!cb) {
		vector = vlapic_pending(v);
		if (vector < 0 && v->domain->hvm)
			ext = hvm_extint_peek(v);
		if (vector < 0 && ext < 0)
			return;
	}
	if (!virt->intr_allowed(v)) {
		virt->set_intr_window(v, true);
		return;
	}
	if (cb) {
		vector = __atomic_exchange_n(&v->upcall_vector, 0, __ATOMIC_ACQ_REL);
	} else if (vector >= 0) {
		vlapic_ack(v, (u8)vector);
	} else {
		hvm_extint_take(v);
		vector = ext;
	}
	struct guest_event ev = { EVENT_EXTINT, (u8)vector, false, 0 };

	virt->inject(v, &ev);
}

static void on_nothing(struct vcpu *v, const struct exit_record *e)
{
	(void)v, (void)e;	/* the host took its interrupt after the exit */
}

static void on_intr_window(struct vcpu *v, const struct exit_record *e)
{
	(void)e;
	virt->set_intr_window(v, false);
}

static void on_cpuid(struct vcpu *v, const struct exit_record *e)
{
	struct cpuid_regs r;

	cpuid_guest(v, (u32)v->regs.gpr[GPR_RAX], (u32)v->regs.gpr[GPR_RCX], &r);
	if (!exit_skip(v, e))
		return;
	v->regs.gpr[GPR_RAX] = r.eax;
	v->regs.gpr[GPR_RBX] = r.ebx;
	v->regs.gpr[GPR_RCX] = r.ecx;
	v->regs.gpr[GPR_RDX] = r.edx;
}

static void on_hlt(struct vcpu *v, const struct exit_record *e)
{
	if (!exit_skip(v, e))
		return;
	/* Sleep unless an interrupt could be taken right away (an NMI can,
	 * whatever RFLAGS.IF says). */
	if (!__atomic_load_n(&v->lapic.nmi_pending, __ATOMIC_ACQUIRE) &&
	    (!vcpu_has_event(v) || !(v->regs.rflags & RFLAGS_IF)))
		sched_block(v);
}

static void on_hypercall(struct vcpu *v, const struct exit_record *e)
{
	if (exit_skip(v, e))
		hypercall_dispatch(v);
}

static void on_msr(struct vcpu *v, const struct exit_record *e)
{
	u32 idx = (u32)v->regs.gpr[GPR_RCX];
	u64 val;
	int rc;

	if (e->kind == EXIT_MSR_READ) {
		rc = msr_read(v, idx, &val);
	} else {
		val = (v->regs.gpr[GPR_RDX] << 32) | (u32)v->regs.gpr[GPR_RAX];
		rc = msr_write(v, idx, val);
	}
	if (rc) {
		exit_inject_exception(v, X86_GP, true, 0);
		return;
	}
	if (!exit_skip(v, e))
		return;
	if (e->kind == EXIT_MSR_READ) {
		v->regs.gpr[GPR_RAX] = (u32)val;
		v->regs.gpr[GPR_RDX] = val >> 32;
	}
}

static void on_io(struct vcpu *v, const struct exit_record *e)
{
	if (v->domain->hvm)
		ioreq_pio(v, e);
	else
		exitfwd_io(v, e);
}

static void on_npf(struct vcpu *v, const struct exit_record *e)
{
	if (v->domain->hvm)
		ioreq_mmio(v, e);
	else
		exitfwd_mmio(v, e);
}

/* The state a triple fault left (Xen prints the registers of a crashed
 * vCPU too): what the guest's third exception found broken, and the top of
 * its stack when that still translates. */
static void on_triple_fault(struct vcpu *v, const struct exit_record *e)
{
	const u64 *r = v->regs.gpr;
	struct guest_mode m;
	gpaddr_t gpa;
	u64 top[4] = { 0 };
	bool stack;

	virt->get_mode(v, &m);
	stack = !guest_translate(v, &m, r[GPR_RSP], false, &gpa) &&
		!gpa_read(v->domain, gpa, top, sizeof(top));
	pr_err("d%uv%u: triple fault: rsp %lx rflags %lx cr0 %lx cr3 %lx cr4 %lx efer %lx cpl %u\n",
	       v->domain->id, v->id, r[GPR_RSP], v->regs.rflags, m.cr0, m.cr3, m.cr4, m.efer, m.cpl);
	pr_err("d%uv%u: rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx rbp %lx\n", v->domain->id,
	       v->id, r[GPR_RAX], r[GPR_RBX], r[GPR_RCX], r[GPR_RDX], r[GPR_RSI], r[GPR_RDI], r[GPR_RBP]);
	pr_err("d%uv%u: exit %lx, event being delivered %lx, cr2 %lx\n", v->domain->id, v->id,
	       e->raw, e->shutdown.event, e->shutdown.cr2);
	if (stack)
		pr_err("d%uv%u: stack at gpa %lx: %lx %lx %lx %lx\n", v->domain->id, v->id, gpa, top[0],
		       top[1], top[2], top[3]);
	else
		pr_err("d%uv%u: stack at %lx does not translate\n", v->domain->id, v->id, r[GPR_RSP]);
	domain_crash(v, "triple fault at RIP 0x%lx", v->regs.rip);
}

static void on_virt_insn(struct vcpu *v, const struct exit_record *e)
{
	(void)e;
	exit_inject_exception(v, X86_UD, false, 0);
}

/* XSETBV (SDM Vol 2): refused with #GP wherever the CPU would refuse it,
 * so a bad value never reaches the real XCR0 while the core runs. */
static void on_xsetbv(struct vcpu *v, const struct exit_record *e)
{
	u64 val = (v->regs.gpr[GPR_RDX] << 32) | (u32)v->regs.gpr[GPR_RAX];
	struct guest_mode m;

	virt->get_mode(v, &m);
	if (!(m.cr4 & CR4_OSXSAVE)) {
		exit_inject_exception(v, X86_UD, false, 0);
		return;
	}
	if (m.cpl != 0 || (u32)v->regs.gpr[GPR_RCX] != 0 || !xstate_xcr0_valid(val, xsave_mask)) {
		exit_inject_exception(v, X86_GP, true, 0);
		return;
	}
	if (!exit_skip(v, e))
		return;
	v->xcr0 = val;
	v->xcr0_accum |= val;
	xsetbv(0, val);
}

/* DR6 as the CPU would have left it for a #DB whose bits arrived in the
 * exit (VMX, SDM 27.1: the exit comes before DR6 is written): B0-B3 are
 * the new hits, BD and BS accumulate, RTM (bit 16) is active-low. */
static void debug_report(struct vcpu *v, u32 bits)
{
	u64 dr6 = v->debug_live ? read_dr6() : v->dr6;

	dr6 = (dr6 & ~0xfull) | (bits & 0x600f) | (1ull << 16);
	if (bits & (1u << 16))
		dr6 &= ~(1ull << 16);
	if (v->debug_live)
		write_dr6(dr6);
	else
		v->dr6 = dr6;
}

/*
 * #DB and #AC are intercepted so that a guest whose delivery of one raises
 * the same exception again (CVE-2015-8104, CVE-2015-5307) loops through
 * exits, where host interrupts and the scheduler still run, instead of in
 * the CPU's microcode. Each is reflected into the guest as it arrived; an
 * event it cut short is dropped, as the CPU drops a benign exception's.
 */
static void on_exception(struct vcpu *v, const struct exit_record *e)
{
	switch (e->exc.vector) {
	case X86_DB:
		if (e->exc.dr6)
			debug_report(v, e->exc.dr6);
		exit_inject_exception(v, X86_DB, false, 0);
		return;
	case X86_AC:
		exit_inject_exception(v, X86_AC, true, e->exc.error);
		return;
	default:
		domain_crash(v, "exception %u intercepted at RIP 0x%lx", e->exc.vector,
			     v->regs.rip);
	}
}

/* The first debug-register access: from now on the vCPU's DR0-3/DR6 are
 * switched with it (vcpu.c) and the instruction is run again, natively. */
static void on_dr_access(struct vcpu *v, const struct exit_record *e)
{
	(void)e;
	if (!v->debug_live) {
		v->debug_live = true;
		vcpu_debug_load(v);
	}
	virt->set_dr_intercept(v, false);
}

/* INVD and WBINVD: the guest owns no cache it could need written back or
 * thrown away (no device is passed through), so both complete as no-ops;
 * INVD must never run for real (it discards other domains' dirty lines). */
static void on_cache(struct vcpu *v, const struct exit_record *e)
{
	exit_skip(v, e);
}

static void on_invalid(struct vcpu *v, const struct exit_record *e)
{
	domain_crash(v, "entry failed: invalid guest state (reason 0x%lx, 0x%lx) at RIP 0x%lx",
		     e->raw, e->qual, v->regs.rip);
}

static void on_unhandled(struct vcpu *v, const struct exit_record *e)
{
	domain_crash(v, "unhandled exit 0x%lx (qualification 0x%lx) at RIP 0x%lx",
		     e->raw, e->qual, v->regs.rip);
}

static const exit_handler_t exit_handlers[EXIT_KIND_COUNT] = {
	[EXIT_EXTINT] = on_nothing,
	[EXIT_INTR_WINDOW] = on_intr_window,
	[EXIT_CPUID] = on_cpuid,
	[EXIT_HLT] = on_hlt,
	[EXIT_HYPERCALL] = on_hypercall,
	[EXIT_MSR_READ] = on_msr,
	[EXIT_MSR_WRITE] = on_msr,
	[EXIT_IO] = on_io,
	[EXIT_NPF] = on_npf,
	[EXIT_TRIPLE_FAULT] = on_triple_fault,
	[EXIT_VIRT_INSN] = on_virt_insn,
	[EXIT_XSETBV] = on_xsetbv,
	[EXIT_EXCEPTION] = on_exception,
	[EXIT_DR_ACCESS] = on_dr_access,
	[EXIT_CACHE] = on_cache,
	[EXIT_INVALID] = on_invalid,
	[EXIT_UNHANDLED] = on_unhandled,
};

void exit_handle(struct vcpu *v, const struct exit_record *e)
{
	exit_handler_t h = e->kind < EXIT_KIND_COUNT ? exit_handlers[e->kind] : NULL;

	if (!h) {
		on_unhandled(v, e);
		return;
	}
	h(v, e);
}

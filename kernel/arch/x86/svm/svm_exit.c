/*
 * #VMEXITs: each exit code (AMD APM Vol 2 appendix C) maps through one
 * table onto the vendor-neutral exit_record, as vmx_exit.c does for VMX.
 * SVM resolves nothing itself: every exit goes to the core.
 */
#include "svm.h"
#include "lib.h"
#include "vmcb.h"

/* Table slots: the exit codes below 0x90 as they are, then NPF. */
#define SLOT_NPF 0x90
#define SLOT_COUNT 0x91

typedef void (*svm_exit_fn)(void *vmcb, u64 info1, u64 info2, struct exit_record *e);

struct svm_exit_map {
	bool known;
	u8 kind;		/* enum exit_kind */
	svm_exit_fn fn;		/* fills the kind's fields */
};

static void svm_exit_msr(void *vmcb, u64 info1, u64 info2, struct exit_record *e)
{
	(void)vmcb, (void)info2;
	e->kind = info1 ? EXIT_MSR_WRITE : EXIT_MSR_READ;
}

static void svm_exit_io(void *vmcb, u64 info1, u64 info2, struct exit_record *e)
{
	u64 rip = *vmcb64(vmcb, VMCB_RIP);

	e->io.in = info1 & 1;
	e->io.string = info1 & (1u << 2);
	e->io.rep = info1 & (1u << 3);
	e->io.size = info1 & (1u << 4) ? 1 : info1 & (1u << 5) ? 2 : 4;
	e->io.port = (u16)(info1 >> 16);
	e->insn_len = (u32)(info2 - rip);	/* EXITINFO2 is the next RIP */
}

static void svm_exit_npf(void *vmcb, u64 info1, u64 info2, struct exit_record *e)
{
	(void)vmcb;
	e->npf.gpa = info2;
	e->npf.write = info1 & 2;
	e->npf.exec = info1 & 16;
	e->npf.read = !e->npf.write && !e->npf.exec;
}

/* DR6 is in the VMCB and already updated for a #DB (exc.dr6 stays 0);
 * exceptions with an error code carry it in EXITINFO1 (APM 15.12). */
static void svm_exit_exception(void *vmcb, u64 info1, u64 info2, struct exit_record *e)
{
	u64 code = *vmcb64(vmcb, VMCB_EXITCODE);

	(void)info2;
	e->exc.vector = (u8)(code - SVM_EXIT_EXCP_BASE);
	e->exc.dr6 = 0;
	e->exc.has_error = e->exc.vector == 17;
	e->exc.error = e->exc.has_error ? (u32)info1 : 0;
}

/* A shutdown's own EXITINFO1 says nothing: the log gets the event whose
 * delivery ended in it (EXITINTINFO: vector, type, error code) instead. */
static void svm_exit_shutdown(void *vmcb, u64 info1, u64 info2, struct exit_record *e)
{
	(void)info1, (void)info2;
	e->shutdown.event = *vmcb64(vmcb, VMCB_EXITINTINFO);
	e->shutdown.cr2 = *vmcb64(vmcb, VMCB_CR2);
}

#define MAP(k, f) { true, k, f }
#define KIND(k) MAP(k, NULL)
#define DR(n) [SVM_EXIT_DR_READ + (n)] = KIND(EXIT_DR_ACCESS), \
	      [SVM_EXIT_DR_WRITE + (n)] = KIND(EXIT_DR_ACCESS)

/* Every code not listed is EXIT_UNHANDLED for the core to report. The SVM
 * instructions, MONITOR and MWAIT are instructions the guest does not have:
 * the core answers #UD. */
static const struct svm_exit_map svm_exits[SLOT_COUNT] = {
	DR(0), DR(1), DR(2), DR(3), DR(4), DR(5), DR(6), DR(7),
	[SVM_EXIT_EXCP_BASE + 1] = MAP(EXIT_EXCEPTION, svm_exit_exception),
	[SVM_EXIT_EXCP_BASE + 17] = MAP(EXIT_EXCEPTION, svm_exit_exception),
	[SVM_EXIT_EXCP_BASE + 18] = MAP(EXIT_EXCEPTION, svm_exit_exception),
	[SVM_EXIT_INTR] = KIND(EXIT_EXTINT),
	[SVM_EXIT_NMI] = KIND(EXIT_EXTINT),
	[SVM_EXIT_SMI] = KIND(EXIT_EXTINT),
	[SVM_EXIT_VINTR] = KIND(EXIT_INTR_WINDOW),
	[SVM_EXIT_CPUID] = KIND(EXIT_CPUID),
	[SVM_EXIT_IRET] = KIND(EXIT_INTR_WINDOW),	/* svm.c: the end of an NMI's handler */
	[SVM_EXIT_INVD] = KIND(EXIT_CACHE),
	[SVM_EXIT_HLT] = KIND(EXIT_HLT),
	[SVM_EXIT_INVLPGA] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_IOIO] = MAP(EXIT_IO, svm_exit_io),
	[SVM_EXIT_MSR] = MAP(EXIT_MSR_READ, svm_exit_msr),
	[SVM_EXIT_SHUTDOWN] = MAP(EXIT_TRIPLE_FAULT, svm_exit_shutdown),
	[SVM_EXIT_VMRUN] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_VMMCALL] = KIND(EXIT_HYPERCALL),
	[SVM_EXIT_VMLOAD] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_VMSAVE] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_STGI] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_CLGI] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_SKINIT] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_WBINVD] = KIND(EXIT_CACHE),
	[SVM_EXIT_MONITOR] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_MWAIT] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_MWAIT_ARMED] = KIND(EXIT_VIRT_INSN),
	[SVM_EXIT_XSETBV] = KIND(EXIT_XSETBV),
	[SLOT_NPF] = MAP(EXIT_NPF, svm_exit_npf),
};

static const struct svm_exit_map svm_exit_unknown = { false, EXIT_UNHANDLED, NULL };

void svm_exit_decode(void *vmcb, u64 rip, struct exit_record *e)
{
	u64 code = *vmcb64(vmcb, VMCB_EXITCODE), info1 = *vmcb64(vmcb, VMCB_EXITINFO1);
	const struct svm_exit_map *m = code < SLOT_NPF ? &svm_exits[code] :
				       code == SVM_EXIT_NPF ? &svm_exits[SLOT_NPF] : &svm_exit_unknown;

	/* The kind's own fields are filled by its fn; the rest stay unread. */
	e->raw = code;
	e->qual = info1;
	e->insn_len = 0;
	if (svm_have_nrips && *vmcb64(vmcb, VMCB_NRIP) > rip)
		e->insn_len = (u32)(*vmcb64(vmcb, VMCB_NRIP) - rip);
	if (unlikely(!m->known)) {
		e->kind = code == SVM_EXIT_INVALID ? EXIT_INVALID : EXIT_UNHANDLED;
		return;
	}
	e->kind = m->kind;
	if (m->fn)
		m->fn(vmcb, info1, *vmcb64(vmcb, VMCB_EXITINFO2), e);
}

/*
 * The ioreq slot state machine (kernel/ioreq.c) on the host: what the core
 * writes into a vCPU's slot for each kind of access (port, REP INS/OUTS by
 * pointer, MMIO through the emulator), the signal and the block, and how an
 * answer completes the instruction -- including answers a hostile or broken
 * device model gives (no answer, a state it must not set, stray data bits).
 * Guest memory is a flat array (guest-virtual = guest-physical); addresses
 * past it are "devices". The real mmio.c and insn.c decode the instructions.
 */
#include "check.h"
#include "ioreq.h"
#include "hvm.h"
#include "vcpu.h"
#include "domain.h"
#include "exit.h"
#include "evtchn.h"
#include "sched.h"
#include "vlapic.h"
#include "guestmem.h"
#include "public/hvm/ioreq.h"
#include "cpu.h"
#include "errno.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RAM_SIZE 0x10000u
#define DEV 0xfeb00000ull	/* an MMIO address past RAM */
#define CODE 0x8000u		/* where the instruction under test sits */

static u8 ram[RAM_SIZE];
static unsigned raised, blocked, crashed, skipped;
static u32 raised_port;
static char crash_msg[256];

/* --- the core's services ioreq.c uses, faked --- */
void domain_crash(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	(void)v;
	va_start(ap, fmt);
	vsnprintf(crash_msg, sizeof(crash_msg), fmt, ap);
	va_end(ap);
	crashed++;
}

void evtchn_raise(struct domain *d, u32 port)
{
	(void)d;
	raised++;
	raised_port = port;
}

void sched_block(struct vcpu *v)
{
	(void)v;
	blocked++;
}

bool exit_skip(struct vcpu *v, const struct exit_record *e)
{
	v->regs.rip += e->insn_len;
	skipped++;
	return true;
}

enum insn_mode guest_insn_mode(const struct guest_mode *m)
{
	(void)m;
	return INSN_MODE_64;
}

int guest_translate(struct vcpu *v, const struct guest_mode *m, u64 gva, bool write, gpaddr_t *gpa)
{
	(void)v, (void)m, (void)write;
	if (gva >= RAM_SIZE && gva < DEV)
		return -EFAULT;
	*gpa = gva;
	return 0;
}

int guest_fetch(struct vcpu *v, const struct guest_mode *m, u64 rip, u8 *buf, size_t len)
{
	(void)v, (void)m;
	if (rip >= RAM_SIZE)
		return -EFAULT;
	len = len < RAM_SIZE - rip ? len : RAM_SIZE - rip;
	memcpy(buf, ram + rip, len);
	return (int)len;
}

int gpa_read(struct domain *d, gpaddr_t gpa, void *buf, size_t len)
{
	(void)d;
	if (gpa + len > RAM_SIZE)
		return -EFAULT;
	memcpy(buf, ram + gpa, len);
	return 0;
}

int gpa_write(struct domain *d, gpaddr_t gpa, const void *buf, size_t len)
{
	(void)d;
	if (gpa + len > RAM_SIZE)
		return -EFAULT;
	memcpy(ram + gpa, buf, len);
	return 0;
}

bool vlapic_mmio_hit(const struct vcpu *v, u64 gpa)
{
	(void)v;
	return (gpa & ~0xfffull) == 0xfee00000ull;
}

static u32 apic_reg;

u32 vlapic_mmio_read(struct vcpu *v, u32 off, unsigned size)
{
	(void)v, (void)size;
	return off == 0x80 ? apic_reg : 0;
}

void vlapic_mmio_write(struct vcpu *v, u32 off, unsigned size, u32 val)
{
	(void)v, (void)size;
	if (off == 0x80)
		apic_reg = val;
}

static void get_mode(struct vcpu *v, struct guest_mode *m)
{
	(void)v;
	memset(m, 0, sizeof(*m));
}

static void seg_bases(struct vcpu *v, u64 base[6])
{
	(void)v;
	memset(base, 0, 6 * sizeof(u64));
}

static const struct virt_ops fake_virt = { .name = "fake", .get_mode = get_mode,
					   .seg_bases = seg_bases };
const struct virt_ops *virt = &fake_virt;

/* --- the guest under test --- */
static struct bh_ioreq_page page;
static struct hvm_domain hvm;
static struct domain guest, dm;
static struct vcpu vcpu;

static struct ioreq *slot0(void)
{
	return &page.vcpu_ioreq[0];
}

static void reset(void)
{
	memset(&page, 0, sizeof(page));
	memset(&hvm, 0, sizeof(hvm));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(ram, 0, sizeof(ram));
	hvm.iopage = &page;
	hvm.dm = &dm;
	hvm.ioreq_ready = true;
	hvm.dm_port[0] = 7;
	guest.hvm = &hvm;
	vcpu.domain = &guest;
	vcpu.regs.rip = CODE;
	vcpu.regs.rflags = 2;
	raised = blocked = crashed = skipped = 0;
	raised_port = 0;
}

static void code(const u8 *bytes, size_t n)
{
	memcpy(ram + CODE, bytes, n);
}

static struct exit_record io_exit(u16 port, u8 size, bool in, bool string, bool rep, u32 len)
{
	struct exit_record e = { .kind = EXIT_IO, .insn_len = len };

	e.io.port = port;
	e.io.size = size;
	e.io.in = in;
	e.io.string = string;
	e.io.rep = rep;
	return e;
}

/* The device model's side: its answer, as public/hvm/ioreq.h orders it. */
static void answer(u64 data)
{
	slot0()->data = data;
	__atomic_store_n((u8 *)slot0() + 30, (u8)((*((u8 *)slot0() + 30) & ~0xf) |
						  STATE_IORESP_READY), __ATOMIC_RELEASE);
}

static void test_port_out(void)
{
	struct exit_record e = io_exit(0x3f8, 1, false, false, false, 1);

	reset();
	vcpu.regs.gpr[GPR_RAX] = 0xdead41;
	ioreq_pio(&vcpu, &e);
	CHECK(slot0()->state == STATE_IOREQ_READY);
	CHECK(slot0()->addr == 0x3f8 && slot0()->data == 0x41 && slot0()->size == 1);
	CHECK(slot0()->count == 1 && slot0()->type == IOREQ_TYPE_PIO);
	CHECK(slot0()->dir == IOREQ_WRITE && !slot0()->data_is_ptr && !slot0()->df);
	CHECK(slot0()->vp_eport == 7 && raised == 1 && raised_port == 7 && blocked == 1);
	CHECK(vcpu.io_wait == IOREQ_WAIT_PIO);
	/* No answer yet; a device model writing INPROCESS is still no answer. */
	CHECK(!ioreq_answered(&vcpu) && !ioreq_complete(&vcpu));
	slot0()->state = STATE_IOREQ_INPROCESS;
	CHECK(!ioreq_complete(&vcpu) && vcpu.regs.rip == CODE);
	answer(0);
	CHECK(ioreq_answered(&vcpu) && ioreq_complete(&vcpu));
	CHECK(vcpu.regs.rip == CODE + 1 && vcpu.io_wait == IOREQ_WAIT_NONE);
	CHECK(slot0()->state == STATE_IOREQ_NONE && vcpu.regs.gpr[GPR_RAX] == 0xdead41);
}

static void test_port_in_sizes(void)
{
	static const struct { u8 size; u64 rax, data, want; } cases[] = {
		{ 1, 0x1111222233334444ull, 0xffffffffffffffabull, 0x11112222333344abull },
		{ 2, 0x1111222233334444ull, 0xffffffffffffabcdull, 0x111122223333abcdull },
		{ 4, 0x1111222233334444ull, 0xffffffff89abcdefull, 0x0000000089abcdefull },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct exit_record e = io_exit(0xb008, cases[i].size, true, false, false, 2);

		reset();
		vcpu.regs.gpr[GPR_RAX] = cases[i].rax;
		ioreq_pio(&vcpu, &e);
		CHECK(slot0()->dir == IOREQ_READ && slot0()->data == 0 && slot0()->size == cases[i].size);
		answer(cases[i].data);	/* stray high bits: only size bytes count */
		CHECK(ioreq_complete(&vcpu));
		CHECK(vcpu.regs.gpr[GPR_RAX] == cases[i].want);
		CHECK(vcpu.regs.rip == CODE + 2);
	}
}

static void test_rep_ins(void)
{
	static const u8 rep_insb[] = { 0xf3, 0x6c };
	static const u8 rep_outsw[] = { 0xf3, 0x66, 0x6f };
	struct exit_record e = io_exit(0x1f0, 1, true, true, true, 2);

	/* Ten bytes into one page: one request by pointer, then done. */
	reset();
	code(rep_insb, sizeof(rep_insb));
	vcpu.regs.gpr[GPR_RDI] = 0x1000;
	vcpu.regs.gpr[GPR_RCX] = 10;
	ioreq_pio(&vcpu, &e);
	CHECK(slot0()->data_is_ptr && slot0()->data == 0x1000 && slot0()->count == 10);
	CHECK(slot0()->dir == IOREQ_READ && slot0()->size == 1);
	answer(0x1000);
	CHECK(ioreq_complete(&vcpu));
	CHECK(vcpu.regs.gpr[GPR_RDI] == 0x100a && vcpu.regs.gpr[GPR_RCX] == 0);
	CHECK(vcpu.regs.rip == CODE + 2);

	/* Across a page boundary: the first request stops at it and the
	 * instruction runs again for the rest. */
	reset();
	code(rep_insb, sizeof(rep_insb));
	vcpu.regs.gpr[GPR_RDI] = 0xff8;
	vcpu.regs.gpr[GPR_RCX] = 100;
	ioreq_pio(&vcpu, &e);
	CHECK(slot0()->count == 8);
	answer(0xff8);
	CHECK(ioreq_complete(&vcpu));
	CHECK(vcpu.regs.gpr[GPR_RDI] == 0x1000 && vcpu.regs.gpr[GPR_RCX] == 92);
	CHECK(vcpu.regs.rip == CODE && skipped == 0);

	/* DF set: elements go down, bounded by the start of the page. */
	reset();
	code(rep_insb, sizeof(rep_insb));
	vcpu.regs.rflags |= RFLAGS_DF;
	vcpu.regs.gpr[GPR_RDI] = 0x1008;
	vcpu.regs.gpr[GPR_RCX] = 50;
	ioreq_pio(&vcpu, &e);
	CHECK(slot0()->df && slot0()->count == 9);
	answer(0);
	CHECK(ioreq_complete(&vcpu));
	CHECK(vcpu.regs.gpr[GPR_RDI] == 0x0fff && vcpu.regs.gpr[GPR_RCX] == 41);

	/* REP OUTSW with RCX = 0: nothing sent, the instruction is skipped. */
	reset();
	code(rep_outsw, sizeof(rep_outsw));
	e = io_exit(0x1f0, 2, false, true, true, 3);
	vcpu.regs.gpr[GPR_RSI] = 0x2000;
	ioreq_pio(&vcpu, &e);
	CHECK(raised == 0 && blocked == 0 && skipped == 1 && vcpu.regs.rip == CODE + 3);

	/* A buffer that is not guest memory kills the guest, not the core. */
	reset();
	code(rep_insb, sizeof(rep_insb));
	e = io_exit(0x1f0, 1, true, true, true, 2);
	vcpu.regs.gpr[GPR_RDI] = 0x20000;
	vcpu.regs.gpr[GPR_RCX] = 4;
	ioreq_pio(&vcpu, &e);
	CHECK(crashed == 1 && raised == 0 && strstr(crash_msg, "not mapped"));
}

static void test_mmio(void)
{
	static const u8 load[] = { 0x8b, 0x03 };		/* mov eax, [rbx] */
	static const u8 store[] = { 0x89, 0x03 };		/* mov [rbx], eax */
	static const u8 or_imm[] = { 0x83, 0x0b, 0x01 };	/* or dword [rbx], 1 */
	static const u8 apic[] = { 0x8b, 0x03 };
	struct exit_record e = { .kind = EXIT_NPF };

	/* A load from a device: one read request, then RAX and RIP. */
	reset();
	code(load, sizeof(load));
	vcpu.regs.gpr[GPR_RBX] = DEV + 4;
	vcpu.regs.gpr[GPR_RAX] = ~0ull;
	e.npf.gpa = DEV + 4;
	ioreq_mmio(&vcpu, &e);
	CHECK(slot0()->type == IOREQ_TYPE_COPY && slot0()->addr == DEV + 4);
	CHECK(slot0()->dir == IOREQ_READ && slot0()->size == 4 && vcpu.io_wait == IOREQ_WAIT_MMIO);
	CHECK(vcpu.regs.rip == CODE);
	answer(0xffffffff12345678ull);
	CHECK(ioreq_complete(&vcpu));
	CHECK(vcpu.regs.gpr[GPR_RAX] == 0x12345678 && vcpu.regs.rip == CODE + 2);

	/* A store: the write goes out; the instruction is complete already. */
	reset();
	code(store, sizeof(store));
	vcpu.regs.gpr[GPR_RBX] = DEV;
	vcpu.regs.gpr[GPR_RAX] = 0xaabbccdd;
	ioreq_mmio(&vcpu, &e);
	CHECK(slot0()->dir == IOREQ_WRITE && slot0()->data == 0xaabbccdd && slot0()->size == 4);
	CHECK(vcpu.regs.rip == CODE + 2);
	answer(0x5555);		/* data in a write's answer means nothing */
	CHECK(ioreq_complete(&vcpu) && vcpu.regs.gpr[GPR_RAX] == 0xaabbccdd);

	/* Read-modify-write: a read, then the re-run sends the write. */
	reset();
	code(or_imm, sizeof(or_imm));
	vcpu.regs.gpr[GPR_RBX] = DEV;
	ioreq_mmio(&vcpu, &e);
	CHECK(slot0()->dir == IOREQ_READ && raised == 1);
	answer(0x10);
	CHECK(!ioreq_complete(&vcpu));		/* it owes the write now */
	CHECK(slot0()->dir == IOREQ_WRITE && slot0()->data == 0x11 && raised == 2);
	CHECK(vcpu.io_wait == IOREQ_WAIT_MMIO && vcpu.regs.rip == CODE + 3);
	answer(0);
	CHECK(ioreq_complete(&vcpu) && vcpu.io_wait == IOREQ_WAIT_NONE);

	/* The local APIC page never reaches the device model. */
	reset();
	code(apic, sizeof(apic));
	apic_reg = 0x20;
	vcpu.regs.gpr[GPR_RBX] = 0xfee00080ull;
	ioreq_mmio(&vcpu, &e);
	CHECK(raised == 0 && vcpu.regs.gpr[GPR_RAX] == 0x20 && vcpu.regs.rip == CODE + 2);

	/* An instruction the emulator does not know: the guest dies, clearly. */
	reset();
	ram[CODE] = 0x0f;
	ram[CODE + 1] = 0x0b;	/* UD2 */
	vcpu.regs.gpr[GPR_RBX] = DEV;
	ioreq_mmio(&vcpu, &e);
	CHECK(crashed == 1 && raised == 0 && strstr(crash_msg, "cannot emulate"));
}

static void test_dm_not_ready(void)
{
	struct exit_record e = io_exit(0x80, 1, false, false, false, 1);

	reset();
	hvm.ioreq_ready = false;
	ioreq_pio(&vcpu, &e);
	CHECK(crashed == 1 && raised == 0 && blocked == 0 && strstr(crash_msg, "not ready"));
	CHECK(slot0()->state == STATE_IOREQ_NONE);
}

/* A device model that answers garbage: states other than IORESP_READY are
 * no answer (the vCPU stays blocked, the guest's registers untouched). */
static void test_hostile_states(void)
{
	struct exit_record e = io_exit(0x60, 1, true, false, false, 1);

	for (unsigned st = 0; st < 16; st++) {
		if (st == STATE_IORESP_READY)
			continue;
		reset();
		vcpu.regs.gpr[GPR_RAX] = 0x99;
		ioreq_pio(&vcpu, &e);
		slot0()->data = 0x42;
		slot0()->state = st & 0xf;
		CHECK(!ioreq_complete(&vcpu));
		CHECK(vcpu.regs.gpr[GPR_RAX] == 0x99 && vcpu.regs.rip == CODE);
		CHECK(vcpu.io_wait == IOREQ_WAIT_PIO);
	}
}

int main(void)
{
	test_port_out();
	test_port_in_sizes();
	test_rep_ins();
	test_mmio();
	test_dm_not_ready();
	test_hostile_states();
	CHECK_DONE("test_ioreq");
	return 0;
}

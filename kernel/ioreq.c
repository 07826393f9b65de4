/* Exit forwarding to the device model (ioreq.h). */
#include "ioreq.h"
#include "hvm.h"
#include "mmio.h"
#include "insn.h"
#include "vcpu.h"
#include "domain.h"
#include "sched.h"
#include "exit.h"
#include "evtchn.h"
#include "vlapic.h"
#include "guestmem.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "public/hvm/ioreq.h"

#define STATE_BYTE 30		/* state:4, data_is_ptr:1, dir:1, df:1 of struct ioreq */

static struct ioreq *slot(struct vcpu *v)
{
	return &v->domain->hvm->iopage->vcpu_ioreq[v->id];
}

static u8 *state_byte(struct vcpu *v)
{
	return (u8 *)slot(v) + STATE_BYTE;
}

bool ioreq_answered(struct vcpu *v)
{
	return (__atomic_load_n(state_byte(v), __ATOMIC_ACQUIRE) & 0xf) == STATE_IORESP_READY;
}

/* Fills v's slot, signals the device model, and blocks v until it answers. */
static void post(struct vcpu *v, u8 type, u64 addr, u64 data, u32 size, u32 count, bool read,
		 bool ptr, enum ioreq_wait kind)
{
	struct hvm_domain *h = v->domain->hvm;
	struct ioreq *r = slot(v);
	u8 st = STATE_IOREQ_READY | ptr << 4 | read << 5 | !!(v->regs.rflags & RFLAGS_DF) << 6;

	if (!READ_ONCE(h->ioreq_ready)) {
		domain_crash(v, "%s 0x%lx: the device model is not ready", type ? "MMIO" : "port",
			     addr);
		return;
	}
	r->addr = addr;
	r->data = data;
	r->size = size;
	r->count = count;
	r->type = type;
	r->vp_eport = h->dm_port[v->id];
	__atomic_store_n(state_byte(v), st, __ATOMIC_RELEASE);
	v->io_wait = (u8)kind;
	evtchn_raise(h->dm, h->dm_port[v->id]);
	sched_block(v);
}

static u64 mask_of(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (bytes * 8)) - 1;
}

/* A register written with a 1-8 byte value: 8- and 16-bit writes merge,
 * 32-bit ones zero-extend (SDM Vol 1 3.4.1.1). */
static void set_sized(u64 *reg, u64 val, unsigned asize)
{
	*reg = asize <= 2 ? (*reg & ~mask_of(asize)) | (val & mask_of(asize)) : val & mask_of(asize);
}

/* REP INS/OUTS: one request for the elements within the first page. */
static void pio_string(struct vcpu *v, const struct exit_record *e)
{
	struct guest_mode m;
	u64 bases[6], gla, count;
	static const u8 overrides[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };	/* ES..GS */
	u8 code[15];
	unsigned seg = MMIO_DS, asize, room, off;
	bool df = v->regs.rflags & RFLAGS_DF;
	enum insn_mode im;
	struct insn insn;
	gpaddr_t gpa;
	int got;

	virt->get_mode(v, &m);
	im = guest_insn_mode(&m);
	got = guest_fetch(v, &m, v->regs.rip, code, sizeof(code));
	if (got <= 0 || insn_decode(code, (size_t)got, im, &insn) < 0) {
		domain_crash(v, "cannot decode the string I/O at RIP 0x%lx", v->regs.rip);
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(overrides); i++)
		if (insn.seg == overrides[i])
			seg = i;
	if (e->io.in)
		seg = MMIO_ES;	/* INS always stores through ES (SDM INS) */
	asize = insn.addr_size;
	count = e->io.rep ? v->regs.gpr[GPR_RCX] & mask_of(asize) : 1;
	if (!count) {
		exit_skip(v, e);
		return;
	}
	virt->seg_bases(v, bases);
	gla = (im == INSN_MODE_64 && seg < MMIO_FS ? 0 : bases[seg]) +
	      (v->regs.gpr[e->io.in ? GPR_RDI : GPR_RSI] & mask_of(asize));
	if (im != INSN_MODE_64)
		gla &= 0xffffffffull;
	if (guest_translate(v, &m, gla, e->io.in, &gpa)) {
		domain_crash(v, "REP %s at RIP 0x%lx: buffer 0x%lx not mapped",
			     e->io.in ? "INS" : "OUTS", v->regs.rip, gla);
		return;
	}
	off = gpa & (PAGE_SIZE - 1);
	room = df ? off + e->io.size : PAGE_SIZE - off;
	count = MIN(count, MAX(room / e->io.size, 1u));
	v->io_exit = *e;
	v->io_count = (u32)count;
	v->io_asize = (u8)asize;
	post(v, IOREQ_TYPE_PIO, e->io.port, gpa, e->io.size, (u32)count, e->io.in, true,
	     IOREQ_WAIT_PIO);
}

void ioreq_pio(struct vcpu *v, const struct exit_record *e)
{
	if (e->io.string) {
		pio_string(v, e);
		return;
	}
	v->io_exit = *e;
	v->io_count = 1;
	post(v, IOREQ_TYPE_PIO, e->io.port,
	     e->io.in ? 0 : v->regs.gpr[GPR_RAX] & mask_of(e->io.size), e->io.size, 1,
	     e->io.in, false, IOREQ_WAIT_PIO);
}

static void pio_done(struct vcpu *v, u64 data)
{
	const struct exit_record *e = &v->io_exit;
	unsigned asize = v->io_asize, reg = e->io.in ? GPR_RDI : GPR_RSI;
	u64 delta = (u64)v->io_count * e->io.size, *rcx = &v->regs.gpr[GPR_RCX];

	if (!e->io.string) {
		if (e->io.in)
			set_sized(&v->regs.gpr[GPR_RAX], data, e->io.size);
		exit_skip(v, e);
		return;
	}
	set_sized(&v->regs.gpr[reg], v->regs.rflags & RFLAGS_DF ? v->regs.gpr[reg] - delta :
		  v->regs.gpr[reg] + delta, asize);
	if (e->io.rep)
		set_sized(rcx, *rcx - v->io_count, asize);
	if (!e->io.rep || !(*rcx & mask_of(asize)))
		exit_skip(v, e);
}

/* The MMIO emulator's view of memory: the local APIC, guest RAM, or the
 * device model (one answered read kept in v->mmio_*, for the re-run). */
struct mmio_ctx {
	struct vcpu *v;
	struct guest_mode m;
};

static int mmio_read(void *p, u64 gla, unsigned size, u64 *val)
{
	struct mmio_ctx *c = p;
	struct vcpu *v = c->v;
	gpaddr_t gpa;

	*val = 0;
	if (guest_translate(v, &c->m, gla, false, &gpa))
		return -EFAULT;
	if (vlapic_mmio_hit(v, gpa)) {
		*val = vlapic_mmio_read(v, gpa & 0xfff, size);
		return 0;
	}
	if (!gpa_read(v->domain, gpa, val, size))
		return 0;
	if (v->mmio_size == size && v->mmio_gpa == gpa) {
		*val = v->mmio_val & mask_of(size);
		v->mmio_size = 0;
		return 0;
	}
	v->mmio_gpa = gpa;
	v->mmio_pending = (u8)size;
	post(v, IOREQ_TYPE_COPY, gpa, 0, size, 1, true, false, IOREQ_WAIT_MMIO);
	return -EAGAIN;
}

static int mmio_write(void *p, u64 gla, unsigned size, u64 val)
{
	struct mmio_ctx *c = p;
	struct vcpu *v = c->v;
	gpaddr_t gpa;

	if (guest_translate(v, &c->m, gla, true, &gpa))
		return -EFAULT;
	if (vlapic_mmio_hit(v, gpa)) {
		vlapic_mmio_write(v, gpa & 0xfff, size, (u32)val);
		return 0;
	}
	if (!gpa_write(v->domain, gpa, &val, size))
		return 0;
	/* A device, or RAM the device model made read-only (BIOS shadow). */
	v->mmio_pending = 0;
	post(v, IOREQ_TYPE_COPY, gpa, val & mask_of(size), size, 1, false, false,
	     IOREQ_WAIT_MMIO);
	return 0;
}

static const struct mmio_ops ops = { mmio_read, mmio_write };

/* Runs the instruction at RIP once against the emulator. */
static void mmio_run(struct vcpu *v)
{
	struct mmio_ctx c = { .v = v };
	struct mmio_cpu cpu;
	u8 code[15];
	int got, rc;

	virt->get_mode(v, &c.m);
	got = guest_fetch(v, &c.m, v->regs.rip, code, sizeof(code));
	if (got <= 0) {
		domain_crash(v, "MMIO: cannot fetch the instruction at RIP 0x%lx", v->regs.rip);
		return;
	}
	cpu.mode = guest_insn_mode(&c.m);
	memcpy(cpu.gpr, v->regs.gpr, sizeof(cpu.gpr));
	cpu.rip = v->regs.rip;
	cpu.rflags = v->regs.rflags;
	virt->seg_bases(v, cpu.seg_base);
	cpu.addr32_wrap = cpu.mode != INSN_MODE_64;
	rc = mmio_emulate(code, (size_t)got, &cpu, &ops, &c);
	if (rc == -EAGAIN)
		return;
	if (rc) {
		domain_crash(v, "MMIO 0x%lx at RIP 0x%lx: cannot emulate %02x %02x %02x %02x %02x %02x (error %d)",
			     v->mmio_fault, v->regs.rip, code[0], code[1], code[2], code[3], code[4],
			     code[5], rc);
		return;
	}
	memcpy(v->regs.gpr, cpu.gpr, sizeof(cpu.gpr));
	v->regs.rip = cpu.rip;
	v->regs.rflags = cpu.rflags;
}

void ioreq_mmio(struct vcpu *v, const struct exit_record *e)
{
	v->mmio_fault = e->npf.gpa;
	v->mmio_size = 0;
	mmio_run(v);
}

bool ioreq_complete(struct vcpu *v)
{
	u8 kind = v->io_wait;
	u64 data;

	if (!ioreq_answered(v))
		return false;
	data = READ_ONCE(slot(v)->data);
	__atomic_store_n(state_byte(v), STATE_IOREQ_NONE, __ATOMIC_RELEASE);
	v->io_wait = IOREQ_WAIT_NONE;
	if (kind == IOREQ_WAIT_PIO) {
		pio_done(v, data);
		return true;
	}
	if (!v->mmio_pending)
		return true;	/* a write: the instruction completed when it was sent */
	v->mmio_size = v->mmio_pending;
	v->mmio_val = data;
	v->mmio_pending = 0;
	mmio_run(v);		/* again, with the value: it may send the write */
	return v->io_wait == IOREQ_WAIT_NONE;
}

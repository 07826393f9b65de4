/*
 * The console_io hypercall (Xen's __HYPERVISOR_console_io): CONSOLEIO_write
 * from any domain, CONSOLEIO_read from Dom0. Hypercalls run with interrupts
 * off, so nothing here waits on the UART: console.c queues the bytes, and a
 * Dom0 write that finds the transmit ring full is continued later, as Xen
 * continues a long console write.
 */
#include "console.h"
#include "conbuf.h"
#include "domain.h"
#include "errno.h"
#include "guestmem.h"
#include "lib.h"
#include "sched.h"
#include "spinlock.h"
#include "vcpu.h"
#include "virt.h"
#include "public/xen.h"

#define CONSOLE_OP_MAX (16 * 1024)	/* bytes per call */
#define CHUNK 128			/* copied from the guest at a time */
#define BATCH 2048			/* then the call is continued: ticks get in */

/* One reader at a time takes input: peek, copy out, then consume, so that
 * a copy that faults loses nothing. Only hypercalls take it. */
static spinlock_t read_lock = SPINLOCK_INIT;

/* Lines completed by one chunk, printed once the domain's lock is dropped. */
struct console_op_lines {
	char text[CONSOLE_LINE + CHUNK];
	u16 len[CHUNK + 1];
	u32 n, used;
};

static void console_op_collect(void *arg, const char *line, u32 len)
{
	struct console_op_lines *l = arg;

	memcpy(&l->text[l->used], line, len);
	l->len[l->n++] = (u16)len;
	l->used += len;
}

/* A guest's text: cut into lines in its line buffer (under d->lock, which
 * the toolstack also takes for this domain), printed without the lock. */
static void console_op_guest_text(struct domain *d, const char *s, size_t n)
{
	struct console_op_lines l;
	u32 at = 0;

	l.n = l.used = 0;
	spin_lock(&d->lock);
	conbuf_line_feed(d->con_line, &d->con_len, CONSOLE_LINE, s, n, console_op_collect, &l);
	spin_unlock(&d->lock);
	for (u32 i = 0; i < l.n; i++) {
		console_guest_line(d->id, &l.text[at], l.len[i]);
		at += l.len[i];
	}
}

/*
 * Xen's hypercall continuation: the vCPU re-executes the call for what is
 * left, after leaving the core, where the interrupts held off meanwhile
 * (the tick: scheduling, the UART) are taken. RIP goes back over the call:
 * vmcall and vmmcall end in their three opcode bytes, whatever prefixes
 * precede them. The return value puts the hypercall number back in RAX.
 */
static long console_op_continue(struct vcpu *v, u64 count, u64 gva, bool yield)
{
	struct guest_mode m;

	virt->get_mode(v, &m);
	if (guest_mode_is64(&m)) {
		v->regs.gpr[GPR_RSI] = count;
		v->regs.gpr[GPR_RDX] = gva;
	} else {
		v->regs.gpr[GPR_RCX] = (u32)count;
		v->regs.gpr[GPR_RDX] = (u32)gva;
	}
	v->regs.rip -= 3;
	if (yield)
		sched_yield(v);
	return __HYPERVISOR_console_io;
}

/* Dom0's text goes out raw, as on Xen; other domains' line by line,
 * prefixed "(dN) ", within guest_loglvl and the transmit ring's room. At
 * most BATCH bytes per entry; Dom0 finding the ring full waits its turn. */
static long console_op_write(struct vcpu *v, u64 count, u64 gva)
{
	struct domain *d = v->domain;
	char chunk[CHUNK];

	for (u32 done = 0; count; done += CHUNK) {
		size_t n = MIN(count, sizeof(chunk));

		if (done == BATCH)
			return console_op_continue(v, count, gva, false);
		if (copy_from_guest(v, chunk, gva, n))
			return -EFAULT;
		if (!d->privileged)
			console_op_guest_text(d, chunk, n);
		else if (!console_dom0_write(chunk, n))
			return console_op_continue(v, count, gva, true);
		gva += n;
		count -= n;
	}
	return 0;
}

static long console_op_read(struct vcpu *v, u64 count, u64 gva)
{
	char chunk[CHUNK];
	size_t n;

	if (!v->domain->privileged)
		return -EPERM;
	spin_lock(&read_lock);
	n = console_input_peek(chunk, MIN(count, sizeof(chunk)));
	if (n && copy_to_guest(v, gva, chunk, n)) {
		spin_unlock(&read_lock);
		return -EFAULT;
	}
	console_input_consume(n);
	spin_unlock(&read_lock);
	return (long)n;
}

long console_op_hypercall(struct vcpu *v, const u64 *a)
{
	u64 count = a[1], gva = a[2];

	if (count > CONSOLE_OP_MAX)
		return -EINVAL;
	switch (a[0]) {
	case CONSOLEIO_write:
		return console_op_write(v, count, gva);
	case CONSOLEIO_read:
		return console_op_read(v, count, gva);
	default:
		return -ENOSYS;
	}
}

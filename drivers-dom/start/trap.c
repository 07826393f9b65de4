/* The IDT: exceptions crash the domain with a register dump; interrupts dispatch. */
#include "dom.h"
#include "dom/trap.h"
#include "dom/console.h"
#include "dom/hypercall.h"
#include "dom/cpu.h"
#include "dom/start.h"
#include "errno.h"

struct gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;		/* P=1, DPL=0, 64-bit interrupt gate: SDM Vol. 3A 6.14.1 */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

#define VECTORS 256
#define STUB_SIZE 16
#define CODE_SELECTOR 0x08	/* the start GDT's 64-bit code segment */
#define GATE_INTERRUPT 0x8e
#define X2APIC_EOI 0x80b
#define BACKTRACE_DEPTH 8

extern const char dom_trap_stubs[];	/* trap_entry.S */

static struct gate idt[VECTORS] __attribute__((aligned(16)));
static struct {
	dom_irq_fn fn;
	void *arg;
} handlers[VECTORS];
static bool crashing;

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection",
};

void dom_trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	for (unsigned v = 0; v < VECTORS; v++) {
		uint64_t a = (uintptr_t)(dom_trap_stubs + v * STUB_SIZE);

		idt[v] = (struct gate){
			.offset_low = (uint16_t)a,
			.selector = CODE_SELECTOR,
			.type = GATE_INTERRUPT,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_high = (uint32_t)(a >> 32),
		};
	}
	__asm__ __volatile__("lidt %0" : : "m"(idtr) : "memory");
}

void dom_trap_set_ist(uint8_t vector, uint8_t ist)
{
	idt[vector].ist = ist & 7;
}

int dom_irq_set_handler(uint8_t vector, dom_irq_fn fn, void *arg)
{
	if (vector < 32 || vector == DOM_VECTOR_SPURIOUS)
		return -EINVAL;
	handlers[vector].arg = arg;
	handlers[vector].fn = fn;
	return 0;
}

int dom_irq_alloc(dom_irq_fn fn, void *arg)
{
	for (unsigned v = DOM_VECTOR_DYN_FIRST; v <= DOM_VECTOR_DYN_LAST; v++) {
		if (!handlers[v].fn) {
			dom_irq_set_handler((uint8_t)v, fn, arg);
			return (int)v;
		}
	}
	return -ENOSPC;
}

void dom_irq_free(uint8_t vector)
{
	if (vector >= DOM_VECTOR_DYN_FIRST && vector <= DOM_VECTOR_DYN_LAST)
		handlers[vector].fn = NULL;
}

/* Follows saved RBP links (the runtime keeps frame pointers) while they stay in RAM. */
static void backtrace(uint64_t rbp)
{
	const struct dom_start_info *si = dom_start_info();
	uint64_t top = si ? si->mem_bytes : 0;

	for (int i = 0; i < BACKTRACE_DEPTH && rbp >= 0x8000 && rbp + 16 <= top && !(rbp & 7);
	     i++) {
		const uint64_t *f = (const uint64_t *)rbp;

		dom_console_printk("  called from 0x%lx\n", f[1]);
		if (f[0] <= rbp)
			break;
		rbp = f[0];
	}
}

void dom_trap_dump(const struct dom_trap_frame *f)
{
	dom_console_printk("RIP %04lx:%016lx  RFLAGS %08lx  RSP %04lx:%016lx\n", f->cs, f->rip,
			   f->rflags, f->ss, f->rsp);
	dom_console_printk("RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", f->rax, f->rbx,
			   f->rcx, f->rdx);
	dom_console_printk("RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", f->rsi, f->rdi,
			   f->rbp, f->r8);
	dom_console_printk("R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", f->r9, f->r10,
			   f->r11, f->r12);
	dom_console_printk("R13 %016lx R14 %016lx R15 %016lx\n", f->r13, f->r14, f->r15);
	dom_console_printk("CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx\n", dom_read_cr(0),
			   dom_read_cr(2), dom_read_cr(3), dom_read_cr(4));
	backtrace(f->rbp);
}

static __attribute__((noreturn)) void exception(struct dom_trap_frame *f)
{
	const char *name = exception_names[f->vector] ? exception_names[f->vector] : "reserved";

	if (crashing)	/* a fault while reporting one: give up quietly */
		dom_shutdown(SHUTDOWN_crash);
	crashing = true;
	dom_console_printk("\n*** domain crashed: exception %lu (%s), error code 0x%lx\n",
			   f->vector, name, f->error);
	if ((f->vector == 14 && dom_stack_guard_hit(dom_read_cr(2))) ||
	    dom_stack_guard_hit(f->rsp) || f->vector == 8)
		dom_console_printk("*** a stack overflow, most likely: vCPU 0's stack is %u KiB\n",
				   DOM_STACK_SIZE / 1024);
	dom_trap_dump(f);
	dom_shutdown(SHUTDOWN_crash);
}

/* Called by trap_entry.S with interrupts disabled. */
void dom_trap_dispatch(struct dom_trap_frame *f);
void dom_trap_dispatch(struct dom_trap_frame *f)
{
	unsigned v = f->vector & 0xff;

	if (v < 32)
		exception(f);
	if (v == DOM_VECTOR_SPURIOUS)
		return;	/* no EOI for the spurious vector (SDM Vol. 3A 10.9) */
	if (handlers[v].fn)
		handlers[v].fn(f, handlers[v].arg);
	else
		dom_console_printk("dom: interrupt on unused vector 0x%x ignored\n", v);
	if (v != DOM_VECTOR_EVENT)
		dom_wrmsr(X2APIC_EOI, 0);	/* the event callback is no APIC interrupt */
}

/* IDT, per-CPU GDT and TSS, and the exception report. */
#include "traps.h"
#include "percpu.h"
#include "cpu.h"
#include "apic.h"
#include "console.h"
#include "frame.h"
#include "lib.h"

#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3
#define IST_STACK_SIZE 4096

struct idt_entry {
	u16 offset_lo, selector;
	u8 ist, type;
	u16 offset_mid;
	u32 offset_hi, reserved;
} __packed;

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

extern const u64 trap_vectors[256];
static struct idt_entry idt[256] __aligned(16);
static irq_handler_t handlers[256];
static u32 vector_counts[256];
static u8 ist_stacks[MAX_CPUS][3][IST_STACK_SIZE] __aligned(16);

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound", "#UD invalid opcode", "#NM no FPU", "#DF double fault",
	"coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD",
	"#VE virtualization", "#CP control protection",
};

static void idt_build(void)
{
	for (int v = 0; v < 256; v++) {
		u64 a = trap_vectors[v];
		struct idt_entry *e = &idt[v];

		e->offset_lo = (u16)a;
		e->offset_mid = (u16)(a >> 16);
		e->offset_hi = (u32)(a >> 32);
		e->selector = GDT_CODE64;
		e->type = 0x8e;	/* present, DPL 0, 64-bit interrupt gate */
		e->ist = v == 2 ? IST_NMI : v == 8 ? IST_DF : v == 18 ? IST_MC : 0;
	}
}

static void gdt_build(struct pcpu *c)
{
	u64 tss = (u64)(uintptr_t)&c->tss;
	u64 limit = sizeof(c->tss) - 1;

	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffffull;	/* GDT_CODE64 */
	c->gdt[2] = 0x00cf92000000ffffull;	/* GDT_DATA */
	c->gdt[3] = 0x00cf9a000000ffffull;	/* GDT_CODE32 */
	/* GDT_TSS: 16-byte available 64-bit TSS descriptor (SDM 8.2.3). */
	c->gdt[4] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((tss >> 24) & 0xff) << 56);
	c->gdt[5] = tss >> 32;
	for (int i = 0; i < 3; i++)
		c->tss.ist[i] = (u64)(uintptr_t)&ist_stacks[c->index][i][IST_STACK_SIZE];
	c->tss.iomap_base = sizeof(c->tss);
}

void traps_cpu_init(void)
{
	struct pcpu *c = this_cpu();
	struct desc_ptr gdtr = { sizeof(c->gdt) - 1, (u64)(uintptr_t)c->gdt };
	struct desc_ptr idtr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	if (c->index == 0)
		idt_build();
	gdt_build(c);
	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq %1\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "mov %2, %%ds\n\t"
			     "mov %2, %%es\n\t"
			     "mov %2, %%ss\n\t"
			     "ltr %w3\n\t"
			     "lidt %4"
			     :
			     : "m"(gdtr), "i"(GDT_CODE64), "r"(GDT_DATA), "r"(GDT_TSS), "m"(idtr)
			     : "rax", "memory");
}

void traps_set_handler(u8 vector, irq_handler_t h)
{
	handlers[vector] = h;
}

void traps_backtrace(u64 rbp)
{
	for (int depth = 0; depth < 16 && rbp && !(rbp & 7); depth++) {
		u64 *fp = (u64 *)(uintptr_t)rbp;

		if (rbp < 0x100000 || !fp[1])
			break;
		pr_err("  [%d] 0x%lx\n", depth, fp[1]);
		rbp = fp[0];
	}
}

static __noreturn void trap_report(struct trap_frame *f)
{
	const char *name = f->vector < 32 && exception_names[f->vector] ?
			   exception_names[f->vector] : "unexpected vector";

	pr_err("*** CPU%u exception %lu (%s), error 0x%lx at RIP 0x%lx\n",
	       this_cpu()->index, f->vector, name, f->error, f->rip);
	pr_err("RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	pr_err("RSI %016lx RDI %016lx RBP %016lx RSP %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
	pr_err("R8  %016lx R9  %016lx R10 %016lx R11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
	pr_err("R12 %016lx R13 %016lx R14 %016lx R15 %016lx\n", f->r12, f->r13, f->r14, f->r15);
	pr_err("CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx RFLAGS %lx\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4(), f->rflags);
	pr_err("backtrace:\n  [-] 0x%lx\n", f->rip);
	traps_backtrace(f->rbp);
	panic("fatal exception on CPU%u", this_cpu()->index);
}

u32 traps_vector_count(u8 vector)
{
	return READ_ONCE(vector_counts[vector]);
}

void trap_dispatch(struct trap_frame *f)
{
	irq_handler_t h = handlers[f->vector];

	vector_counts[f->vector & 0xff]++;

	if (h) {
		h(f);
		if (f->vector >= 32)
			apic_eoi();
		return;
	}
	if (f->vector == VECTOR_SPURIOUS)
		return;
	trap_report(f);
}

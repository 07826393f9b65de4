/* IDT set-up and dispatch for the C test guests. */
#include "guest.h"

struct trap_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* P=1, DPL=0, 64-bit interrupt gate (Intel SDM Vol. 3A 6.14.1) */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

#define TRAP_VECTORS 256
#define TRAP_STUB_SIZE 16      /* entry.S aligns every stub to 16 bytes */
#define TRAP_CODE_SELECTOR 0x08 /* ABI.md: 64-bit code in the start GDT */
#define TRAP_GATE_INTERRUPT 0x8e

extern const char trap_stubs[]; /* entry.S */

static struct trap_gate trap_idt[TRAP_VECTORS] __attribute__((aligned(16)));
static trap_handler_t trap_handlers[TRAP_VECTORS];

void trap_init(void)
{
	for (unsigned v = 0; v < TRAP_VECTORS; v++) {
		uint64_t addr = (uint64_t)(uintptr_t)(trap_stubs + v * TRAP_STUB_SIZE);

		trap_idt[v] = (struct trap_gate){
			.offset_low = (uint16_t)addr,
			.selector = TRAP_CODE_SELECTOR,
			.type = TRAP_GATE_INTERRUPT,
			.offset_mid = (uint16_t)(addr >> 16),
			.offset_high = (uint32_t)(addr >> 32),
		};
	}
}

void trap_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(trap_idt) - 1, (uint64_t)(uintptr_t)trap_idt };

	__asm__ __volatile__("lidt %0" : : "m"(idtr) : "memory");
}

void trap_set_handler(uint8_t vector, trap_handler_t handler)
{
	__atomic_store_n(&trap_handlers[vector], handler, __ATOMIC_RELEASE);
}

/* Called by entry.S with interrupts off. */
void trap_dispatch(struct trap_frame *frame);
void trap_dispatch(struct trap_frame *frame)
{
	trap_handler_t handler =
		__atomic_load_n(&trap_handlers[frame->vector & 0xff], __ATOMIC_ACQUIRE);

	if (handler) {
		handler(frame);
		return;
	}
	print("%s: unexpected vector %lu error 0x%lx at rip 0x%lx FAILED\n", guest_name,
	      frame->vector, frame->error, frame->rip);
	hypercall_shutdown(SHUTDOWN_crash);
}

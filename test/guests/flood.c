/*
 * flood: every vCPU writes its console as hard as it can, 16 KiB of lines
 * per console_io call, for FLOOD_MS (issue 6). The core must queue what the
 * UART can carry, drop the rest with a count ("N guest console lines
 * dropped"), and keep the other domains running and their lines printed.
 * Then vCPU 0 waits DRAIN_MS, so that its last line finds room, and ends
 * the domain. vCPU 0's x2APIC timer (ABI.md: 100 MHz before the divider)
 * measures both: the TSC's rate is unknown and the vCPUs share the CPUs.
 */
#include "guest.h"

const char guest_name[] = "flood";

#define MAX_VCPUS 4
#define CALL_BYTES 16384
#define FLOOD_MS 4000
#define DRAIN_MS 1000
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SVR 0x80f
#define MSR_X2APIC_LVT_TIMER 0x832
#define MSR_X2APIC_INIT_COUNT 0x838
#define MSR_X2APIC_DIVIDE 0x83e
#define DIVIDE_BY_1 0xb
#define TIMER_VECTOR 0x40
#define COUNTS_PER_MS 100000

static char text[MAX_VCPUS][CALL_BYTES];
static uint32_t flooding, flood_over;	/* set by vCPU 0 */
static uint64_t calls[MAX_VCPUS];
static uint32_t vcpus_done;

static void timer_handler(struct trap_frame *frame)
{
	(void)frame;
	__atomic_store_n(&flood_over, 1, __ATOMIC_RELEASE);
	cpu_wrmsr(MSR_X2APIC_EOI, 0);
}

static void timer_start(uint32_t ms)
{
	cpu_wrmsr(MSR_X2APIC_INIT_COUNT, (uint64_t)ms * COUNTS_PER_MS);
}

/* Fills this vCPU's buffer with whole lines of 64 bytes. */
static void fill(unsigned int vcpu, unsigned int domid)
{
	static const char digits[] = "0123456789";
	char *t = text[vcpu];

	for (unsigned int i = 0; i < CALL_BYTES / 64; i++) {
		char *l = &t[i * 64];

		for (unsigned int k = 0; k < 63; k++)
			l[k] = (char)('a' + (i + k) % 26);
		__builtin_memcpy(l, "flood: dom ", 11);
		l[11] = digits[domid % 10];
		l[12] = ' ';
		l[13] = digits[vcpu % 10];
		l[14] = ' ';
		l[63] = '\n';
	}
}

/* Until vCPU 0's timer runs out (its handler runs between calls: IF=1). */
static int flood(unsigned int vcpu, unsigned int domid)
{
	fill(vcpu, domid);
	while (!__atomic_load_n(&flooding, __ATOMIC_ACQUIRE))
		hypercall_sched_op(SCHEDOP_yield, 0);
	if (vcpu == 0)
		__asm__ __volatile__("sti" ::: "memory");
	while (!__atomic_load_n(&flood_over, __ATOMIC_ACQUIRE)) {
		if (hypercall_console_write(text[vcpu], CALL_BYTES) != 0)
			return -1;
		calls[vcpu]++;
	}
	__asm__ __volatile__("cli" ::: "memory");
	__atomic_fetch_add(&vcpus_done, 1, __ATOMIC_RELEASE);
	return 0;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	unsigned int nr;
	uint64_t total = 0;

	if (vcpu >= MAX_VCPUS)
		return SHUTDOWN_crash;
	trap_set_handler(TIMER_VECTOR, timer_handler);
	cpu_wrmsr(MSR_X2APIC_SVR, (1u << 8) | 0xff);
	cpu_wrmsr(MSR_X2APIC_DIVIDE, DIVIDE_BY_1);
	cpu_wrmsr(MSR_X2APIC_LVT_TIMER, TIMER_VECTOR);
	if (vcpu == 0) {
		print("flood: dom %u: %u ms of 16 KiB console writes on every vCPU\n", domid,
		      FLOOD_MS);
		timer_start(FLOOD_MS);
		__atomic_store_n(&flooding, 1, __ATOMIC_RELEASE);
	}
	if (flood(vcpu, domid))
		print("flood: dom %u vcpu %u: console_io write FAILED\n", domid, vcpu);
	if (vcpu != 0)
		for (;;)	/* until vCPU 0 ends the domain */
			hypercall_sched_op(SCHEDOP_block, 0);
	timer_start(DRAIN_MS);	/* the others stop within it; the ring drains */
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	nr = __atomic_load_n(&vcpus_done, __ATOMIC_ACQUIRE);
	for (unsigned int i = 0; i < MAX_VCPUS; i++)
		total += calls[i];
	print("flood: dom %u done: %lu calls of %u bytes from %u vCPUs\n", domid, total,
	      CALL_BYTES, nr);
	return SHUTDOWN_poweroff;
}

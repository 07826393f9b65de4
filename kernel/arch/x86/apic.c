/* Local APIC (SDM Vol 3A ch. 10): x2APIC when the CPU has it, else xAPIC MMIO. */
#include "apic.h"
#include "cpu.h"
#include "traps.h"
#include "console.h"
#include "lib.h"
#include "compiler.h"

#define XAPIC_BASE 0xfee00000ul
#define APIC_BASE_ENABLE (1ul << 11)
#define APIC_BASE_X2APIC (1ul << 10)

/* Register offsets (xAPIC MMIO); the x2APIC MSR is 0x800 + offset / 16. */
#define REG_ID 0x20
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0

#define LVT_PERIODIC (1u << 17)
#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_NMI 0x400
#define ICR_ASSERT (1u << 14)
#define ICR_PENDING (1u << 12)
#define ICR_ALL_BUT_SELF (3u << 18)

static bool x2apic;
static u32 timer_count;	/* APIC timer counts per tick, divide-by-16 */
u64 tsc_per_ms;
u64 boot_tsc;

bool apic_x2apic(void)
{
	return x2apic;
}

static u32 apic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(0x800 + reg / 16);
	return *(volatile u32 *)(XAPIC_BASE + reg);
}

static void apic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(0x800 + reg / 16, v);
	else
		*(volatile u32 *)(XAPIC_BASE + reg) = v;
}

u32 apic_id(void)
{
	return x2apic ? apic_read(REG_ID) : apic_read(REG_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(REG_EOI, 0);
}

static void apic_icr(u32 dest, u32 low)
{
	if (x2apic) {
		wrmsr(0x830, ((u64)dest << 32) | low);
		return;
	}
	apic_write(REG_ICR_HI, dest << 24);
	apic_write(REG_ICR_LO, low);
	while (apic_read(REG_ICR_LO) & ICR_PENDING)
		cpu_relax();
}

void apic_send_ipi(u32 dest, u8 vector)
{
	apic_icr(dest, vector | ICR_ASSERT);
}

void apic_send_nmi_all_but_self(void)
{
	apic_icr(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

/* INIT, then two STARTUPs (SDM 8.4.4.1 MP initialization example). */
void apic_start_ap(u32 dest, u32 start_page)
{
	apic_icr(dest, ICR_INIT | ICR_ASSERT);
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		apic_icr(dest, ICR_STARTUP | ICR_ASSERT | (start_page >> 12));
		delay_us(200);
	}
}

/*
 * One 5 ms reference from PIT channel 2, gated through port 0x61 (8254,
 * 1.193182 MHz; mode 0: OUT rises when the count has run down), timed by
 * the TSC and the APIC timer. The count starts when its high byte is
 * written, so the TSC is read just before that write. Under an emulator
 * any port access may stall for a long time (another thread holds the
 * device lock); a stall only ever makes the measured interval longer.
 */
#define PIT_5MS 5966
#define CALIBRATE_MS 5

static void calibrate_once(u64 *tsc, u32 *apic)
{
	u64 t0;

	apic_write(REG_TIMER_INIT, 0xffffffff);
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);	/* channel 2, lo/hi, mode 0 */
	outb(0x42, PIT_5MS & 0xff);
	t0 = rdtsc();
	outb(0x42, PIT_5MS >> 8);
	while (!(inb(0x61) & 0x20))
		cpu_relax();
	*tsc = rdtsc() - t0;
	*apic = 0xffffffff - apic_read(REG_TIMER_CUR);
}

/* Two references, a third when they disagree by more than 1 %; the
 * shortest wins, since a stall only lengthens one. */
void apic_calibrate(void)
{
	u64 tsc, best_tsc = ~0ull;
	u32 apic, best_apic = 0;

	apic_write(REG_TIMER_DIV, 0x3);	/* divide by 16 */
	apic_write(REG_LVT_TIMER, 1u << 16);	/* masked */
	boot_tsc = rdtsc();
	for (int i = 0; i < 3; i++) {
		calibrate_once(&tsc, &apic);
		if (i == 1 && (tsc > best_tsc ? tsc - best_tsc : best_tsc - tsc) <= best_tsc / 100)
			break;
		if (tsc < best_tsc) {
			best_tsc = tsc;
			best_apic = apic;
		}
	}
	apic_write(REG_TIMER_INIT, 0);
	tsc_per_ms = best_tsc / CALIBRATE_MS;
	timer_count = best_apic / CALIBRATE_MS * 1000 / TIMER_HZ;
	if (!tsc_per_ms)
		tsc_per_ms = 1000000;
	if (!timer_count)
		timer_count = 1000;
	pr_info("timer: TSC %lu kHz, APIC timer %u counts per %u Hz tick\n",
		tsc_per_ms, timer_count, TIMER_HZ);
}

void delay_us(u64 us)
{
	u64 end = rdtsc() + (tsc_per_ms ? tsc_per_ms : 1000000) * us / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

/* The 8259 PICs: move them off the exception vectors (0x20-0x2f), mask every line. */
static void pic_disable(void)
{
	static const u8 init[][2] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 },	/* ICW1: edge, cascade, ICW4 follows */
		{ 0x21, 0x20 }, { 0xa1, 0x28 },	/* ICW2: vector bases */
		{ 0x21, 0x04 }, { 0xa1, 0x02 },	/* ICW3: slave on IRQ2 */
		{ 0x21, 0x01 }, { 0xa1, 0x01 },	/* ICW4: 8086 mode */
		{ 0x21, 0xff }, { 0xa1, 0xff },	/* OCW1: mask all */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(init); i++)
		outb(init[i][0], init[i][1]);
}

void apic_cpu_init(void)
{
	static bool pic_done;

	struct cpuid_regs r;
	u64 base = rdmsr(MSR_APIC_BASE);

	if (!pic_done) {
		pic_done = true;
		pic_disable();
	}
	cpuid_count(1, 0, &r);
	x2apic = r.ecx & (1u << 21);
	base |= APIC_BASE_ENABLE;
	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	apic_write(REG_SVR, 0x100 | VECTOR_SPURIOUS);
	apic_write(REG_TIMER_DIV, 0x3);
	if (timer_count) {
		apic_write(REG_LVT_TIMER, LVT_PERIODIC | VECTOR_TIMER);
		apic_write(REG_TIMER_INIT, timer_count);
	}
}

#include "fakes.h"
#include <stdarg.h>

struct fake fake;

static uint64_t f_now(void *ctx) { (void)ctx; return fake.now; }

static void f_cancel(void *ctx, struct dm_timer *t)
{
	(void)ctx;
	for (unsigned i = 0; i < fake.ntimers; i++)
		if (fake.timers[i] == t) {
			fake.timers[i] = fake.timers[--fake.ntimers];
			break;
		}
	t->armed = false;
}

static void f_arm(void *ctx, struct dm_timer *t, uint64_t deadline)
{
	f_cancel(ctx, t);
	if (fake.ntimers == 64)
		abort();
	t->deadline_ns = deadline;
	t->armed = true;
	fake.timers[fake.ntimers++] = t;
}

static int f_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa > FAKE_RAM_SIZE || len > FAKE_RAM_SIZE - gpa)
		return -14;
	memcpy(buf, fake.ram + gpa, len);
	return 0;
}

static int f_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	if (gpa > FAKE_RAM_SIZE || len > FAKE_RAM_SIZE - gpa)
		return -14;
	memcpy(fake.ram + gpa, buf, len);
	return 0;
}

static void f_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	if (fake.nmsis < FAKE_LOG_MAX) {
		fake.msis[fake.nmsis].addr = addr;
		fake.msis[fake.nmsis].data = data;
	}
	fake.nmsis++;
}

static void f_extint(void *ctx, uint8_t v)
{
	(void)ctx;
	if (fake.nextints < FAKE_LOG_MAX)
		fake.extints[fake.nextints] = v;
	fake.nextints++;
}

static void f_shutdown(void *ctx, unsigned reason) { (void)ctx; fake.shutdown_reason = (int)reason; }

static void f_mem_type(void *ctx, uint64_t gpa, uint64_t len, bool ro)
{
	(void)ctx;
	fake.mem_type_calls++;
	fake.last_mem_gpa = gpa;
	fake.last_mem_len = len;
	fake.last_mem_ro = ro;
}

static void f_log(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	fake.log_lines++;
	va_start(ap, fmt);
	vsnprintf(fake.last_log, sizeof(fake.last_log), fmt, ap);
	va_end(ap);
	if (!fake.quiet)
		printf("  [dm] %s\n", fake.last_log);
}

struct dm_env fake_env = {
	.now_ns = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel,
	.mem_read = f_read, .mem_write = f_write, .msi = f_msi, .extint = f_extint,
	.shutdown = f_shutdown, .mem_type = f_mem_type, .log = f_log,
};

struct dm_env *fake_reset(void)
{
	static uint8_t *ram;

	if (!ram)
		ram = calloc(1, FAKE_RAM_SIZE);
	memset(ram, 0, FAKE_RAM_SIZE);
	memset(&fake, 0, sizeof(fake));
	fake.ram = ram;
	fake.shutdown_reason = -1;
	return &fake_env;
}

void fake_advance(uint64_t ns)
{
	uint64_t end = fake.now + ns;

	for (;;) {
		struct dm_timer *due = NULL;

		for (unsigned i = 0; i < fake.ntimers; i++)
			if (fake.timers[i]->deadline_ns <= end &&
			    (!due || fake.timers[i]->deadline_ns < due->deadline_ns))
				due = fake.timers[i];
		if (!due)
			break;
		if (due->deadline_ns > fake.now)
			fake.now = due->deadline_ns;
		f_cancel(NULL, due);
		due->fn(due, due->arg);
	}
	fake.now = end;
}

uint64_t fake_rnd(uint64_t *state)
{
	uint64_t x = *state ? *state : 1;	/* 0 is xorshift's fixed point */

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* Weak interrupt lines: tests of modules other than irq.c see them here. */
__attribute__((weak)) void dm_irq_set_isa(unsigned irq, int level)
{
	if (irq < 16) {
		if (level && !fake.isa_level[irq])
			fake.isa_edges[irq]++;
		fake.isa_level[irq] = level;
	}
	if (fake.nirqs < FAKE_LOG_MAX)
		fake.irqs[fake.nirqs] = (struct fake_irq_event){ 0, irq, 0, level };
	fake.nirqs++;
}

__attribute__((weak)) void dm_irq_set_pci(unsigned devfn, unsigned pin, int level)
{
	if (fake.nirqs < FAKE_LOG_MAX)
		fake.irqs[fake.nirqs] = (struct fake_irq_event){ 1, devfn, pin, level };
	fake.nirqs++;
}

__attribute__((weak)) int dm_piix_pirq_route(unsigned pirq)
{
	static const int dflt[4] = { 10, 10, 11, 11 };	/* what SeaBIOS programs */

	return pirq < 4 ? dflt[pirq] : -1;
}

__attribute__((weak)) void dm_irq_reroute(void)
{
}

__attribute__((weak)) void dm_ioapic_eoi(uint8_t vector)
{
	(void)vector;
}

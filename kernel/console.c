/* The core's log: level filter, UART output, and a ring kept for `xl dmesg`. */
#include "console.h"
#include "lib.h"
#include "spinlock.h"
#include "uart.h"
#include "cpu.h"
#include "apic.h"

static spinlock_t console_lock = SPINLOCK_INIT;
static char ring[CONSOLE_RING_SIZE];
static u64 ring_head;		/* total bytes ever written; under console_lock */
static int log_level = LOG_INFO, guest_level = LOG_ALL;
static bool to_uart = true;
static volatile bool panicking;

#define INPUT_RING 1024
static char input[INPUT_RING];
static u32 input_prod, input_cons;	/* under console_lock */
static bool input_to_xen;
static unsigned ctrl_a_run;
void (*console_input_notify)(void);
void (*console_key_handler)(char key);

void console_init(const struct cmdline_opts *o)
{
	const struct com_opts *c = &o->com1;

	to_uart = o->console_com1 && !o->console_none;
	if (to_uart)
		uart_init(c->io_base, c->baud, c->clock_hz, c->data_bits, c->parity, c->stop_bits);
	console_set_levels(o->loglvl, o->guest_loglvl);
}

void console_set_levels(int loglvl, int guest_loglvl)
{
	log_level = loglvl;
	guest_level = guest_loglvl;
}

bool console_guest_level_ok(int level)
{
	return level <= guest_level;
}

/* Caller holds console_lock. */
static void put_locked_to(const char *s, size_t len, bool keep)
{
	for (size_t i = 0; i < len; i++) {
		if (keep)
			ring[ring_head++ % CONSOLE_RING_SIZE] = s[i];
		if (!to_uart)
			continue;
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

static void put_locked(const char *s, size_t len)
{
	put_locked_to(s, len, true);
}

void console_puts(const char *s, size_t len)
{
	u64 f = irq_save();

	spin_lock(&console_lock);
	put_locked_to(s, len, false);	/* Dom0's own terminal: not the hypervisor's log */
	spin_unlock(&console_lock);
	irq_restore(f);
}

/* Prints prefix then text, each line of text prefixed, as one unit. */
static void emit(const char *prefix, const char *text, size_t len)
{
	u64 f = irq_save();
	bool bol = true;

	spin_lock(&console_lock);
	for (size_t i = 0; i < len; i++) {
		if (bol)
			put_locked(prefix, strlen(prefix));
		put_locked(&text[i], 1);
		bol = text[i] == '\n';
	}
	if (!bol)
		put_locked("\n", 1);
	spin_unlock(&console_lock);
	irq_restore(f);
}

void log_printf(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (level > log_level && !panicking)
		return;
	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit("(XEN) ", buf, MIN((size_t)n, sizeof(buf) - 1));
}

void console_guest_write(unsigned domid, const char *s, size_t len)
{
	char prefix[16];

	fmt_snprintf(prefix, sizeof(prefix), "(d%u) ", domid);
	emit(prefix, s, len);
}

size_t console_ring_read(char *buf, size_t size)
{
	u64 f = irq_save();
	u64 start, n;

	spin_lock(&console_lock);
	start = ring_head > CONSOLE_RING_SIZE ? ring_head - CONSOLE_RING_SIZE : 0;
	n = MIN(ring_head - start, (u64)size);
	for (u64 i = 0; i < n; i++)
		buf[i] = ring[(start + i) % CONSOLE_RING_SIZE];
	spin_unlock(&console_lock);
	irq_restore(f);
	return n;
}

/* Keys typed while input goes to the hypervisor. */
static void key_to_xen(char c)
{
	if (c == 'h')
		pr_info("'h' help, 'q' list domains; CTRL-a three times returns to DOM0\n");
	else if (console_key_handler)
		console_key_handler(c);
}

void console_poll_input(void)
{
	bool notify = false;
	int c;

	while ((c = uart_getc()) >= 0) {
		if (c == 0x01 && ++ctrl_a_run == 3) {
			ctrl_a_run = 0;
			input_to_xen = !input_to_xen;
			pr_info("*** Serial input to %s (type 'CTRL-a' three times to switch input)\n",
				input_to_xen ? "Xen" : "DOM0");
			continue;
		}
		if (c != 0x01)
			ctrl_a_run = 0;
		if (input_to_xen) {
			key_to_xen((char)c);
			continue;
		}
		spin_lock(&console_lock);
		if (input_prod - input_cons < INPUT_RING)
			input[input_prod++ % INPUT_RING] = (char)c;
		spin_unlock(&console_lock);
		notify = true;
	}
	if (notify && console_input_notify)
		console_input_notify();
}

size_t console_input_read(char *buf, size_t size)
{
	u64 f = irq_save();
	size_t n = 0;

	spin_lock(&console_lock);
	while (n < size && input_cons != input_prod)
		buf[n++] = input[input_cons++ % INPUT_RING];
	spin_unlock(&console_lock);
	irq_restore(f);
	return n;
}

void console_ring_clear(void)
{
	u64 f = irq_save();

	spin_lock(&console_lock);
	ring_head = 0;
	spin_unlock(&console_lock);
	irq_restore(f);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	irq_disable();
	if (__atomic_exchange_n(&panicking, true, __ATOMIC_SEQ_CST))
		for (;;)
			__asm__ __volatile__("hlt");
	/* Another CPU may hold the lock forever now: take it over. */
	console_lock = (spinlock_t)SPINLOCK_INIT;
	apic_send_nmi_all_but_self();
	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_printf(LOG_ERROR, "PANIC: %s\n", buf);
	log_printf(LOG_ERROR, "system halted\n");
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

bool console_panicking(void)
{
	return panicking;
}

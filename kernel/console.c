/*
 * The core's console (console.h). Output: the history ring (`xl dmesg`) and
 * the transmit ring, both under console_lock, held only to copy bytes in or
 * out, never while the UART is written. One CPU at a time feeds the UART
 * (tx_busy), at most tx_credit bytes and only what it takes without waiting:
 * the core's lines and Dom0's bytes grant credit for everything queued (they
 * go out at once where the UART keeps up), a guest's line and each tick only
 * one FIFO's worth, so guests' lines reach the wire at about line rate and
 * the excess is dropped and counted rather than queued without end.
 * Input: CPU0's tick polls the UART into a ring that Dom0 reads.
 */
#include "console.h"
#include "conbuf.h"
#include "lib.h"
#include "spinlock.h"
#include "uart.h"
#include "cpu.h"
#include "apic.h"

#define TX_SEGS 2048			/* runs of one owner's bytes: >= 8 bytes per line */
#define CORE_RESERVE 1024		/* of the transmit ring, for the core's own lines */
#define TX_SHORT_CREDIT 16		/* a 16550A's FIFO: per guest line, per tick */
#define TX_FEED_MAX 512			/* bytes per kick: bounds the time interrupts are off */
#define DROP_REPORT_MS 1000		/* drops are reported at most once a second */
#define RX_PER_POLL 256
#define LINE_MAX 600			/* prefix, one line of a log_printf, "\r\n" */

static spinlock_t console_lock = SPINLOCK_INIT;
static char hist[CONSOLE_RING_SIZE];
static u64 hist_head;			/* total bytes ever written; under console_lock */
static char tx_buf[CONSOLE_TX_SIZE];
static struct conbuf_seg tx_segs[TX_SEGS];
static struct conbuf_tx tx = {		/* under console_lock */
	.bytes = { tx_buf, CONSOLE_TX_SIZE, 0, 0 },
	.segs = tx_segs,
	.nsegs = TX_SEGS,
	.lim = { CONSOLE_TX_SIZE - CORE_RESERVE, CONSOLE_TX_SIZE / 2, CONSOLE_TX_SIZE / 8 },
};
static u32 tx_credit;			/* under console_lock */
static bool tx_busy;			/* (A) a CPU is feeding the UART */
static struct conbuf_rate rates[CONBUF_OWNERS];	/* under console_lock */
static u32 lines_dropped, lines_limited, log_dropped;	/* under console_lock */
static u64 drops_reported_ms;		/* CPU0's tick only */
static int log_level = LOG_INFO, guest_level = LOG_ALL, guest_rate = LOG_ALL;
static bool to_uart = true, sync_console;
static volatile bool panicking;

static spinlock_t input_lock = SPINLOCK_INIT;
static char input_buf[CONSOLE_INPUT_SIZE];
static struct conbuf_ring input = { input_buf, CONSOLE_INPUT_SIZE, 0, 0 };	/* input_lock */
static struct conbuf_input input_switch;	/* CPU0's tick only, as below */
static u32 input_dropped, overruns_seen;
static bool input_full;
void (*console_input_notify)(void);
void (*console_key_handler)(char key);

static void report_drops(bool force);

void console_init(const struct cmdline_opts *o)
{
	const struct com_opts *c = &o->com1;

	to_uart = o->console_com1 && !o->console_none;
	sync_console = o->sync_console;
	if (to_uart)
		uart_init(c->io_base, c->baud, c->clock_hz, c->data_bits, c->parity, c->stop_bits);
	console_set_levels(o->loglvl, o->guest_loglvl, o->guest_loglvl_rate);
	if (to_uart && uart_tx_fifo() == 1)
		pr_info("console: serial FIFOs left off: input was waiting, and enabling them "
			"would have discarded it\n");
}

void console_set_levels(int loglvl, int guest_loglvl, int guest_loglvl_rate)
{
	log_level = loglvl;
	guest_level = guest_loglvl;
	guest_rate = MAX(guest_loglvl, guest_loglvl_rate);
}

/* Credit: bytes the UART may be fed now. Caller holds console_lock. */
static void credit_add(u32 n)
{
	tx_credit = MIN(tx_credit + n, (u32)CONSOLE_TX_SIZE);
}

static u64 now_ms(void)
{
	return tsc_per_ms ? rdtsc() / tsc_per_ms : 0;
}

/* Caller owns the UART (tx_busy), interrupts off. Feeds it at most
 * TX_FEED_MAX bytes; true if it stopped for want of credit or bytes (not
 * for the UART's room or its budget). */
static bool tx_feed(void)
{
	char chunk[TX_SHORT_CREDIT];

	for (u32 fed = 0; fed < TX_FEED_MAX;) {
		u32 room = uart_tx_room(), n;

		if (!room)
			return false;
		spin_lock(&console_lock);
		n = conbuf_ring_peek(&tx.bytes, chunk, MIN(MIN(room, tx_credit), sizeof(chunk)));
		if (!conbuf_ring_used(&tx.bytes))
			tx_credit = 0;	/* credit is for bytes queued, not for later ones */
		spin_unlock(&console_lock);
		if (!n)
			return true;
		for (u32 i = 0; i < n; i++)	/* still queued: only the owner of tx_busy takes */
			uart_tx(chunk[i]);
		spin_lock(&console_lock);
		conbuf_tx_consume(&tx, n);
		tx_credit -= n;
		spin_unlock(&console_lock);
		fed += n;
	}
	return false;
}

static bool tx_pending(void)
{
	bool more;

	spin_lock(&console_lock);
	more = tx_credit && conbuf_ring_used(&tx.bytes);
	spin_unlock(&console_lock);
	return more;
}

/* A CPU that finds another feeding the UART leaves its credit to it: the
 * feeder looks for credit again after letting go. Interrupts stay off while
 * tx_busy is held, so that none finds it held by the code it interrupted. */
static void tx_kick(void)
{
	bool starved = true;
	u64 f;

	if (!to_uart)
		return;
	f = irq_save();
	while (starved && !__atomic_exchange_n(&tx_busy, true, __ATOMIC_ACQUIRE)) {
		starved = tx_feed();
		__atomic_store_n(&tx_busy, false, __ATOMIC_RELEASE);
		if (!tx_pending())
			break;
	}
	irq_restore(f);
	if (sync_console)
		console_flush();
}

/* Waits on the UART, interrupts off: for panic, power-off, sync_console. */
void console_flush(void)
{
	char chunk[TX_SHORT_CREDIT];
	u32 n;
	u64 f;

	if (!to_uart)
		return;
	if (!panicking)
		report_drops(true);
	f = irq_save();
	while (__atomic_exchange_n(&tx_busy, true, __ATOMIC_ACQUIRE))
		cpu_relax();	/* a feeder never waits on the UART: it lets go soon */
	do {
		spin_lock(&console_lock);
		n = conbuf_ring_peek(&tx.bytes, chunk, sizeof(chunk));
		spin_unlock(&console_lock);
		for (u32 i = 0; i < n; i++)
			uart_tx_sync(chunk[i]);
		spin_lock(&console_lock);
		conbuf_tx_consume(&tx, n);
		tx_credit = n <= tx_credit ? tx_credit - n : 0;
		spin_unlock(&console_lock);
	} while (n);
	__atomic_store_n(&tx_busy, false, __ATOMIC_RELEASE);
	irq_restore(f);
}

/* Caller holds console_lock. */
static void hist_put(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		hist[hist_head++ % CONSOLE_RING_SIZE] = s[i];
}

/* prefix, text, "\r\n" into out (LINE_MAX bytes); returns the length. */
static u32 serial_line(char *out, const char *prefix, const char *text, size_t len)
{
	size_t p = strlen(prefix);

	len = MIN(len, LINE_MAX - 2 - p);
	memcpy(out, prefix, p);
	memcpy(&out[p], text, len);
	memcpy(&out[p + len], "\r\n", 2);
	return (u32)(p + len + 2);
}

/* Queues one line of the core's log, in the history and for the UART.
 * Caller holds console_lock. */
static void core_line(const char *text, size_t len)
{
	char out[LINE_MAX];
	u32 n = serial_line(out, "(XEN) ", text, len);

	hist_put("(XEN) ", 6);
	hist_put(text, len);
	hist_put("\n", 1);
	if (!to_uart)
		return;
	if (conbuf_tx_put(&tx, CONBUF_CORE, out, n))
		credit_add(CONSOLE_TX_SIZE);	/* everything queued, this line last */
	else
		log_dropped++;
}

void log_printf(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	size_t n, start = 0;
	u64 f;

	if (level > log_level && !panicking)
		return;
	va_start(ap, fmt);
	n = MIN((size_t)fmt_vsnprintf(buf, sizeof(buf), fmt, ap), sizeof(buf) - 1);
	va_end(ap);
	f = irq_save();
	spin_lock(&console_lock);
	for (size_t i = 0; i <= n; i++) {	/* every line prefixed, the last one ended */
		if (i < n && buf[i] != '\n')
			continue;
		if (i > start || i < n)
			core_line(&buf[start], i - start);
		start = i + 1;
	}
	spin_unlock(&console_lock);
	irq_restore(f);
	tx_kick();
}

void console_guest_line(unsigned domid, const char *s, size_t len)
{
	unsigned owner = conbuf_tx_guest_owner(domid);
	char prefix[16], out[LINE_MAX];
	enum conbuf_verdict v = conbuf_verdict(CONSOLE_GUEST_LEVEL, guest_level, guest_rate);
	bool queued = false;
	u32 n;
	u64 f;

	if (v == CONBUF_DROP)
		return;
	fmt_snprintf(prefix, sizeof(prefix), "(d%u) ", domid);
	n = serial_line(out, prefix, s, len);
	f = irq_save();
	spin_lock(&console_lock);
	if (v == CONBUF_LIMIT && !conbuf_rate_allow(&rates[owner], now_ms())) {
		lines_limited++;
	} else {
		hist_put(out, n - 2);
		hist_put("\n", 1);
		queued = to_uart && conbuf_tx_put(&tx, owner, out, n);
		if (queued)
			credit_add(TX_SHORT_CREDIT);
		else if (to_uart)
			lines_dropped++;
	}
	spin_unlock(&console_lock);
	irq_restore(f);
	if (queued)	/* a dropped line leaves the UART to the tick: floods stay cheap */
		tx_kick();
}

bool console_dom0_write(const char *s, size_t n)
{
	char out[2 * 128];
	u32 k = 0;
	bool ok;
	u64 f;

	for (size_t i = 0; i < n && i < 128; i++) {	/* a terminal wants CR LF */
		if (s[i] == '\n')
			out[k++] = '\r';
		out[k++] = s[i];
	}
	f = irq_save();
	spin_lock(&console_lock);
	ok = !to_uart || conbuf_tx_put(&tx, CONBUF_DOM0, out, k);
	if (ok && to_uart)
		credit_add(CONSOLE_TX_SIZE);
	spin_unlock(&console_lock);
	irq_restore(f);
	tx_kick();
	return ok;
}

size_t console_ring_read(char *buf, size_t size)
{
	u64 f = irq_save();
	u64 start, n;

	spin_lock(&console_lock);
	start = hist_head > CONSOLE_RING_SIZE ? hist_head - CONSOLE_RING_SIZE : 0;
	n = MIN(hist_head - start, (u64)size);
	for (u64 i = 0; i < n; i++)
		buf[i] = hist[(start + i) % CONSOLE_RING_SIZE];
	spin_unlock(&console_lock);
	irq_restore(f);
	return n;
}

void console_ring_clear(void)
{
	u64 f = irq_save();

	spin_lock(&console_lock);
	hist_head = 0;
	spin_unlock(&console_lock);
	irq_restore(f);
}

/* Drop counts, at most once a second unless forced (flush, power-off). */
static void report_drops(bool force)
{
	u64 now = now_ms(), f;
	u32 dropped, limited, logd;

	if (!force && now - drops_reported_ms < DROP_REPORT_MS)
		return;
	f = irq_save();
	spin_lock(&console_lock);
	dropped = lines_dropped;
	limited = lines_limited;
	logd = log_dropped;
	lines_dropped = lines_limited = log_dropped = 0;
	spin_unlock(&console_lock);
	irq_restore(f);
	if (!dropped && !limited && !logd)
		return;
	drops_reported_ms = now;
	if (dropped)
		pr_warn("%u guest console lines dropped (serial transmit buffer full)\n", dropped);
	if (limited)
		pr_warn("%u guest console lines suppressed (guest_loglvl rate limit)\n", limited);
	if (logd)
		pr_warn("%u hypervisor log lines dropped (serial transmit buffer full)\n", logd);
}

/* Keys typed while input goes to the hypervisor. */
static void key_to_xen(char c)
{
	if (c == 'h')
		pr_info("'h' help, 'q' list domains; CTRL-a three times returns to DOM0\n");
	else if (console_key_handler)
		console_key_handler(c);
}

/* Queues bytes for Dom0; a full ring drops them, counted, never waits. */
static bool input_push(const char *s, u32 n)
{
	u64 f = irq_save();
	u32 put;

	spin_lock(&input_lock);
	put = conbuf_ring_put(&input, s, n);
	spin_unlock(&input_lock);
	irq_restore(f);
	if (put && input_full) {
		pr_warn("console: %u bytes of serial input were dropped: Dom0 did not read them\n",
			input_dropped);
		input_full = false;
		input_dropped = 0;
	}
	if (put < n && !input_full) {
		pr_warn("console: serial input buffer full (%u bytes): input dropped until Dom0 "
			"reads it\n", CONSOLE_INPUT_SIZE);
		input_full = true;
	}
	input_dropped += n - put;
	return put > 0;
}

static bool input_byte(char c)
{
	char out[3];
	int key;
	bool switched;
	u32 n = conbuf_input_feed(&input_switch, c, out, &key, &switched);

	if (switched)
		pr_info("*** Serial input to %s (type 'CTRL-a' three times to switch input)\n",
			input_switch.to_xen ? "Xen" : "DOM0");
	if (key >= 0)
		key_to_xen((char)key);
	return n && input_push(out, n);
}

void console_poll_input(void)
{
	bool notify = false;
	u32 overruns;
	char c;
	u64 f;

	if (!to_uart)
		return;
	for (u32 i = 0; i < RX_PER_POLL && uart_rx(&c); i++)
		notify |= input_byte(c);
	overruns = uart_rx_overruns();
	if (overruns != overruns_seen && !overruns_seen)	/* logged once */
		pr_warn("console: serial receiver overrun: input was lost before the core read "
			"it\n");
	overruns_seen = overruns;
	if (notify && console_input_notify)
		console_input_notify();
	f = irq_save();
	spin_lock(&console_lock);
	credit_add(TX_SHORT_CREDIT);
	spin_unlock(&console_lock);
	irq_restore(f);
	tx_kick();
	report_drops(false);
}

size_t console_input_peek(char *buf, size_t size)
{
	u64 f = irq_save();
	u32 n;

	spin_lock(&input_lock);
	n = conbuf_ring_peek(&input, buf, (u32)MIN(size, (size_t)CONSOLE_INPUT_SIZE));
	spin_unlock(&input_lock);
	irq_restore(f);
	return n;
}

void console_input_consume(size_t n)
{
	u64 f = irq_save();

	spin_lock(&input_lock);
	conbuf_ring_consume(&input, (u32)MIN(n, (size_t)CONSOLE_INPUT_SIZE));
	spin_unlock(&input_lock);
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
	/* Another CPU may hold the locks forever now: take them over. */
	console_lock = (spinlock_t)SPINLOCK_INIT;
	__atomic_store_n(&tx_busy, false, __ATOMIC_RELEASE);
	apic_send_nmi_all_but_self();
	console_flush();	/* what was queued first, then room for these */
	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_printf(LOG_ERROR, "PANIC: %s\n", buf);
	log_printf(LOG_ERROR, "system halted\n");
	console_flush();
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

bool console_panicking(void)
{
	return panicking;
}

/* Console output and input: console_io for Dom0, the console ring for the others. */
#include "dom.h"
#include "dom/bytering.h"
#include "dom/console.h"
#include "dom/evtchn.h"
#include "dom/hypercall.h"
#include "dom/start.h"
#include "dom/time.h"
#include "public/io/console.h"

#define PRINT_BUF 512
#define RING_FULL_YIELDS 1000	/* then output is dropped: nobody drains the ring */
#define POLL_MS_WITH_VIRQ 200	/* input polling while waiting, in case an event is lost */
#define POLL_MS_WITHOUT_VIRQ 10

static struct {
	struct xencons_interface *ring;	/* NULL: console_io */
	struct dom_bytering out, in;	/* its two directions */
	unsigned int ring_port;
	bool input_event;		/* an event wakes us when input arrives */
	dom_console_sink_fn capture;
	void *capture_arg;
	char pending[64];		/* read but not yet returned by getc */
	size_t pending_len, pending_pos;
} con;

void dom_console_init(const struct dom_start_info *si)
{
	struct xencons_interface *r;

	if (si->privileged || !si->has_console || !si->console_pfn)
		return;
	r = (struct xencons_interface *)(uintptr_t)(si->console_pfn << 12);
	con.out = (struct dom_bytering){ r->out, sizeof(r->out), &r->out_cons, &r->out_prod };
	con.in = (struct dom_bytering){ r->in, sizeof(r->in), &r->in_cons, &r->in_prod };
	con.ring_port = si->console_evtchn;
	con.ring = r;
}

static void console_event(unsigned int port, void *arg)
{
	(void)port;
	(void)arg;	/* waking dom_wait_event is all it takes */
}

void dom_console_init_events(void)
{
	if (con.ring)
		con.input_event = dom_evtchn_set_handler(con.ring_port, console_event, NULL) == 0;
	else if (dom_start_info()->privileged)
		con.input_event = dom_evtchn_bind_virq(VIRQ_CONSOLE, console_event, NULL) >= 0;
}

static void ring_write(const char *s, size_t len)
{
	unsigned int tries = 0;

	while (len) {
		size_t n = dom_bytering_put(&con.out, s, len);

		s += n;
		len -= n;
		dom_evtchn_notify(con.ring_port);
		if (n)
			continue;
		if (++tries > RING_FULL_YIELDS)
			return;
		dom_hypercall_sched_op(SCHEDOP_yield, NULL);
	}
}

static void raw_write(const char *s, size_t len)
{
	if (con.ring) {
		ring_write(s, len);
		return;
	}
	while (len) {
		size_t n = len < 4096 ? len : 4096;

		dom_hypercall_console_io(CONSOLEIO_write, n, (void *)s);
		s += n;
		len -= n;
	}
}

void dom_console_write(const char *s, size_t len)
{
	if (con.capture)
		con.capture(con.capture_arg, s, len);
	else
		raw_write(s, len);
}

void dom_console_set_capture(dom_console_sink_fn fn, void *arg, dom_console_sink_fn *old_fn,
			     void **old_arg)
{
	if (old_fn)
		*old_fn = con.capture;
	if (old_arg)
		*old_arg = con.capture_arg;
	con.capture = fn;
	con.capture_arg = arg;
}

int dom_vprintf(const char *fmt, va_list ap)
{
	char buf[PRINT_BUF], *big;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < (int)sizeof(buf)) {
		dom_console_write(buf, (size_t)n);
	} else if ((big = malloc((size_t)n + 1))) {
		vsnprintf(big, (size_t)n + 1, fmt, ap2);
		dom_console_write(big, (size_t)n);
		free(big);
	} else {
		dom_console_write(buf, sizeof(buf) - 1);
	}
	va_end(ap2);
	return n;
}

int dom_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = dom_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void dom_console_printk(const char *fmt, ...)
{
	char buf[PRINT_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	raw_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Bytes dom_console_getc read ahead come first: typed-ahead input stays in
 * order when a command (xl console) reads the terminal itself. */
static size_t pending_take(char *buf, size_t len)
{
	size_t n = con.pending_len - con.pending_pos;

	n = n < len ? n : len;
	memcpy(buf, &con.pending[con.pending_pos], n);
	con.pending_pos += n;
	return n;
}

size_t dom_console_read(char *buf, size_t len)
{
	size_t n;
	long rc;

	if (con.pending_pos < con.pending_len)
		return pending_take(buf, len);
	if (!con.ring) {
		rc = dom_hypercall_console_io(CONSOLEIO_read, len, buf);
		return rc > 0 ? (size_t)rc : 0;
	}
	n = dom_bytering_get(&con.in, buf, len);
	if (n)
		dom_evtchn_notify(con.ring_port);
	return n;
}

int dom_console_getc(void)
{
	while (con.pending_pos == con.pending_len) {
		con.pending_pos = con.pending_len = 0;	/* nothing read ahead now */
		con.pending_len = dom_console_read(con.pending, sizeof(con.pending));
		if (!con.pending_len)
			dom_wait_event_timeout(con.input_event ? POLL_MS_WITH_VIRQ
							       : POLL_MS_WITHOUT_VIRQ);
	}
	return (unsigned char)con.pending[con.pending_pos++];
}

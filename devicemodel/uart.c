/*
 * 16550A UART (TI/National PC16550D datasheet). Transmission is instant:
 * THR and the transmitter are always empty again by the time the guest
 * looks, so THRE and TEMT always read 1 and a THRE interrupt re-arms after
 * every write. Reception is paced by the guest: bytes wait in a backlog and
 * enter the RX FIFO (1 byte deep with FIFOs off) as it drains.
 *
 * IRQ: on PCs the UART's INTR reaches the ISA line only through a buffer
 * enabled by MCR OUT2 (Linux's 8250 driver sets OUT2 for that reason), and
 * loopback mode forces OUT2 inactive (datasheet, MCR bit 4).
 */
#include "uart.h"

#define UART_FIFO 16
#define UART_TXBUF 256
#define UART_TX_DELAY_NS 1000000ull
#define UART_CLOCK_HZ 115200u		/* 1.8432 MHz / 16 */

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08
#define IIR_NONE 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

struct dm_uart {
	struct dm_env *env;
	const struct dm_uart_ops *ops;
	void *ctx;
	unsigned irq;
	int irq_level;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_on;
	uint8_t trigger;		/* RX FIFO trigger level: 1, 4, 8, 14 */
	bool oe;			/* LSR overrun, until LSR is read */
	uint8_t msr;			/* line state (bits 7:4) and deltas (3:0) */
	bool thr_ipending;
	bool timeout;			/* RX character timeout reached */
	uint8_t rx[UART_FIFO];
	unsigned rx_head, rx_count;
	uint8_t backlog[DM_UART_BACKLOG];
	unsigned bl_head, bl_count;
	uint64_t dropped;
	uint8_t txbuf[UART_TXBUF];
	unsigned txlen;
	struct dm_timer rx_timer, tx_timer;
	struct dm_region region;
};

/* ---- interrupts -------------------------------------------------------- */

static bool uart_rx_ready(const struct dm_uart *u)
{
	return u->rx_count >= (u->fifo_on ? u->trigger : 1u);
}

/* The pending source by priority (datasheet table 4): line status, RX data
 * or timeout, THR empty, modem status. */
static uint8_t uart_iir_code(const struct dm_uart *u)
{
	if ((u->ier & IER_RLSI) && u->oe)
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && uart_rx_ready(u))
		return IIR_RDI;
	if ((u->ier & IER_RDI) && u->timeout && u->rx_count)
		return IIR_CTI;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & 0x0f))
		return IIR_MSI;
	return IIR_NONE;
}

static void uart_update_irq(struct dm_uart *u)
{
	int level = uart_iir_code(u) != IIR_NONE && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		dm_irq_set_isa(u->irq, level);
	}
}

/* ---- receive ----------------------------------------------------------- */

static uint64_t uart_char_ns(const struct dm_uart *u)
{
	unsigned div = u->dll | u->dlm << 8;
	unsigned bits = 1 + 5 + (u->lcr & 3) + ((u->lcr >> 3) & 1) + ((u->lcr >> 2) & 1) + 1;

	return (uint64_t)bits * 1000000000ull * (div ? div : 0x10000) / UART_CLOCK_HZ;
}

/* The character timeout (4 character times without FIFO activity) restarts
 * whenever a byte enters or leaves the FIFO. */
static void uart_rx_activity(struct dm_uart *u)
{
	u->timeout = false;
	if (u->fifo_on && u->rx_count)
		u->env->timer_arm(u->env->ctx, &u->rx_timer,
				  u->env->now_ns(u->env->ctx) + 4 * uart_char_ns(u));
	else if (u->rx_timer.armed)
		u->env->timer_cancel(u->env->ctx, &u->rx_timer);
}

static void uart_rx_timeout(struct dm_timer *t, void *arg)
{
	struct dm_uart *u = arg;

	(void)t;
	u->timeout = true;
	uart_update_irq(u);
}

static bool uart_fifo_push(struct dm_uart *u, uint8_t b)
{
	if (u->rx_count == (u->fifo_on ? UART_FIFO : 1u))
		return false;
	u->rx[(u->rx_head + u->rx_count++) % UART_FIFO] = b;
	return true;
}

/* Moves backlog into the FIFO; the line is disconnected in loopback. */
static void uart_refill(struct dm_uart *u)
{
	bool moved = false;

	while (u->bl_count && !(u->mcr & MCR_LOOP) &&
	       uart_fifo_push(u, u->backlog[u->bl_head])) {
		u->bl_head = (u->bl_head + 1) % DM_UART_BACKLOG;
		u->bl_count--;
		moved = true;
	}
	if (moved)
		uart_rx_activity(u);
}

static uint8_t uart_read_rbr(struct dm_uart *u)
{
	uint8_t b;

	if (!u->rx_count)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO;
	u->rx_count--;
	uart_rx_activity(u);
	uart_refill(u);
	return b;
}

static void uart_clear_rx(struct dm_uart *u)
{
	u->rx_count = 0;
	u->rx_head = 0;
	uart_rx_activity(u);
}

size_t dm_uart_rx(struct dm_uart *u, const uint8_t *buf, size_t n)
{
	size_t room = DM_UART_BACKLOG - u->bl_count, take = n < room ? n : room;

	for (size_t i = 0; i < take; i++)
		u->backlog[(u->bl_head + u->bl_count++) % DM_UART_BACKLOG] = buf[i];
	if (take < n) {
		u->dropped += n - take;
		u->oe = true;
	}
	uart_refill(u);
	uart_update_irq(u);
	return take;
}

uint64_t dm_uart_dropped(const struct dm_uart *u)
{
	return u->dropped;
}

/* ---- transmit ---------------------------------------------------------- */

void dm_uart_flush(struct dm_uart *u)
{
	if (u->tx_timer.armed)
		u->env->timer_cancel(u->env->ctx, &u->tx_timer);
	if (u->txlen && u->ops && u->ops->tx)
		u->ops->tx(u->ctx, u->txbuf, u->txlen);
	u->txlen = 0;
}

static void uart_tx_timer(struct dm_timer *t, void *arg)
{
	(void)t;
	dm_uart_flush(arg);
}

static void uart_write_thr(struct dm_uart *u, uint8_t b)
{
	if (u->mcr & MCR_LOOP) {
		if (uart_fifo_push(u, b))
			uart_rx_activity(u);
		else
			u->oe = true;
	} else {
		u->txbuf[u->txlen++] = b;
		if (b == '\n' || u->txlen == UART_TXBUF)
			dm_uart_flush(u);
		else if (u->txlen == 1)
			u->env->timer_arm(u->env->ctx, &u->tx_timer,
					  u->env->now_ns(u->env->ctx) + UART_TX_DELAY_NS);
	}
	u->thr_ipending = true;	/* sent at once: THR is empty again */
}

/* ---- modem lines ------------------------------------------------------- */

/* MSR bits 7:4: in loopback DCD = OUT2, RI = OUT1, DSR = DTR, CTS = RTS;
 * else the lines of a connected terminal (DCD, DSR, CTS up, no ring). */
static void uart_update_msr(struct dm_uart *u)
{
	uint8_t old = u->msr & 0xf0, now = MSR_DCD | MSR_DSR | MSR_CTS, d = 0;

	if (u->mcr & MCR_LOOP)
		now = (u->mcr & MCR_OUT2 ? MSR_DCD : 0) | (u->mcr & MCR_OUT1 ? MSR_RI : 0) |
		      (u->mcr & MCR_DTR ? MSR_DSR : 0) | (u->mcr & MCR_RTS ? MSR_CTS : 0);
	if ((old ^ now) & MSR_CTS)
		d |= 0x01;
	if ((old ^ now) & MSR_DSR)
		d |= 0x02;
	if ((old & MSR_RI) && !(now & MSR_RI))
		d |= 0x04;	/* trailing edge of ring */
	if ((old ^ now) & MSR_DCD)
		d |= 0x08;
	u->msr = (uint8_t)(now | (u->msr & 0x0f) | d);
}

/* ---- registers --------------------------------------------------------- */

static void uart_write_fcr(struct dm_uart *u, uint8_t v)
{
	static const uint8_t trig[4] = { 1, 4, 8, 14 };
	bool on = v & FCR_ENABLE;

	if (on != u->fifo_on) {
		u->fifo_on = on;	/* switching mode empties the FIFOs */
		uart_clear_rx(u);
	}
	if (!on)
		return;		/* other bits are only taken with bit 0 set */
	u->trigger = trig[v >> 6];
	if (v & FCR_CLEAR_RX)
		uart_clear_rx(u);
	uart_refill(u);
}

static void uart_write_ier(struct dm_uart *u, uint8_t v)
{
	uint8_t old = u->ier;

	u->ier = v & 0x0f;
	/* Enabling ETBEI with THR empty raises THRE at once (what Linux's
	 * UART_BUG_THRE probe checks); disabling it drops the request. */
	if ((u->ier ^ old) & IER_THRI)
		u->thr_ipending = u->ier & IER_THRI;
}

static void uart_write(struct dm_uart *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case 0: if (dlab) u->dll = v; else uart_write_thr(u, v); break;
	case 1: if (dlab) u->dlm = v; else uart_write_ier(u, v); break;
	case 2: uart_write_fcr(u, v); break;
	case 3: u->lcr = v; break;
	case 4:
		u->mcr = v & 0x1f;
		uart_update_msr(u);
		uart_refill(u);		/* leaving loopback reconnects the line */
		break;
	case 7: u->scr = v; break;
	default: break;			/* LSR, MSR: factory test only */
	}
}

static uint8_t uart_read(struct dm_uart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v, code;

	switch (reg) {
	case 0: return dlab ? u->dll : uart_read_rbr(u);
	case 1: return dlab ? u->dlm : u->ier;
	case 2:
		code = uart_iir_code(u);
		if (code == IIR_THRI)
			u->thr_ipending = false;	/* reading IIR acknowledges THRE */
		return (uint8_t)(code | (u->fifo_on ? IIR_FIFO : 0));
	case 3: return u->lcr;
	case 4: return u->mcr;
	case 5:
		v = (u->rx_count ? LSR_DR : 0) | (u->oe ? LSR_OE : 0) | LSR_THRE | LSR_TEMT;
		u->oe = false;
		return v;
	case 6:
		v = u->msr;
		u->msr &= 0xf0;
		return v;
	default: return u->scr;
	}
}

static uint64_t uart_io_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_uart *u = dev;
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)	/* a byte-wide chip: wider = bytes */
		v |= (uint64_t)(off + i < 8 ? uart_read(u, (unsigned)off + i) : 0xff) << (8 * i);
	uart_update_irq(u);
	return v;
}

static void uart_io_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_uart *u = dev;

	for (unsigned i = 0; i < size && off + i < 8; i++)
		uart_write(u, (unsigned)off + i, (uint8_t)(val >> (8 * i)));
	uart_update_irq(u);
}

static const struct dm_io_ops uart_ops = { uart_io_read, uart_io_write };

struct dm_uart *dm_uart_init(struct dm_env *env, struct dm_bus *bus, uint16_t base,
			     unsigned irq, const struct dm_uart_ops *ops, void *ctx)
{
	struct dm_uart *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->env = env;
	u->ops = ops;
	u->ctx = ctx;
	u->irq = irq;
	u->dll = 0x0c;			/* 9600 baud, as QEMU resets it */
	u->trigger = 1;
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->rx_timer = (struct dm_timer){ .fn = uart_rx_timeout, .arg = u };
	u->tx_timer = (struct dm_timer){ .fn = uart_tx_timer, .arg = u };
	u->region = (struct dm_region){ .space = DM_PIO, .base = base, .len = 8,
		.ops = &uart_ops, .dev = u, .name = "uart" };
	if (dm_bus_add(bus, &u->region) < 0) {
		free(u);
		return NULL;
	}
	return u;
}

void dm_uart_free(struct dm_uart *u, struct dm_bus *bus)
{
	if (!u)
		return;
	dm_uart_flush(u);
	if (u->rx_timer.armed)
		u->env->timer_cancel(u->env->ctx, &u->rx_timer);
	dm_bus_remove(bus, &u->region);
	free(u);
}

/*
 * Port 0x92, the 8042 and its keyboard, the debug console, POST port and
 * the ISA DMA controllers' ports (misc.h). References: PIIX3 datasheet
 * §4.7.1 (Port 92); IBM PC/AT Technical Reference, keyboard controller
 * commands; the 8042 command set as Linux's i8042 and atkbd drivers use it.
 */
#include "dm.h"
#include "misc.h"

#define KBC_STAT_OBF 0x01
#define KBC_STAT_SYS 0x04
#define KBC_STAT_A2 0x08
#define KBC_STAT_UNLOCKED 0x10
#define KBC_STAT_AUX 0x20

#define KBC_CB_KBD_INT 0x01
#define KBC_CB_AUX_INT 0x02
#define KBC_CB_KBD_OFF 0x10
#define KBC_CB_AUX_OFF 0x20

#define KBD_ACK 0xfa
#define KBD_NAK 0xfe
#define KBC_AUX 0x100

static void misc_reset_machine(struct dm_misc *m)
{
	m->env->shutdown(m->env->ctx, 1);
}

/* ---- 8042 ---------------------------------------------------------------- */

static void kbc_update_irq(struct dm_misc *m)
{
	uint16_t head = m->kbc_q[m->kbc_head];
	bool want1 = m->kbc_len && !(head & KBC_AUX) && (m->kbc_ram[0] & KBC_CB_KBD_INT);
	bool want12 = m->kbc_len && (head & KBC_AUX) && (m->kbc_ram[0] & KBC_CB_AUX_INT);

	if (want1 != m->irq1) {
		m->irq1 = want1;
		dm_irq_set_isa(1, want1);
	}
	if (want12 != m->irq12) {
		m->irq12 = want12;
		dm_irq_set_isa(12, want12);
	}
}

static void kbc_push(struct dm_misc *m, uint16_t byte)
{
	if (m->kbc_len == DM_KBC_QUEUE) {
		if (!m->logged_full)
			m->env->log(m->env->ctx, "kbc: output queue full, byte 0x%x dropped", byte & 0xff);
		m->logged_full = true;
		return;
	}
	m->kbc_q[(m->kbc_head + m->kbc_len) % DM_KBC_QUEUE] = byte;
	m->kbc_len++;
	kbc_update_irq(m);
}

static uint8_t kbc_read_data(struct dm_misc *m)
{
	if (!m->kbc_len)
		return m->kbc_last;	/* the output buffer keeps its last byte */
	m->kbc_last = (uint8_t)m->kbc_q[m->kbc_head];
	m->kbc_head = (m->kbc_head + 1) % DM_KBC_QUEUE;
	m->kbc_len--;
	/* Drop the lines so the next byte is a fresh edge. */
	if (m->irq1)
		dm_irq_set_isa(1, 0);
	if (m->irq12)
		dm_irq_set_isa(12, 0);
	m->irq1 = m->irq12 = false;
	kbc_update_irq(m);
	return m->kbc_last;
}

static uint8_t kbc_status(struct dm_misc *m)
{
	uint8_t s = KBC_STAT_UNLOCKED;

	if (m->kbc_len) {
		s |= KBC_STAT_OBF;
		if (m->kbc_q[m->kbc_head] & KBC_AUX)
			s |= KBC_STAT_AUX;
	}
	if (m->kbc_ram[0] & KBC_STAT_SYS)
		s |= KBC_STAT_SYS;	/* command byte bit 2 is the system flag */
	if (m->kbc_a2)
		s |= KBC_STAT_A2;
	return s;
}

/* A keyboard command byte, or the argument of the one before. */
static void kbd_write(struct dm_misc *m, uint8_t val)
{
	if (m->kbd_pending) {
		if (m->kbd_pending == 0xf0 && val == 0) {
			kbc_push(m, KBD_ACK);
			kbc_push(m, m->kbd_scanset);	/* query the scan code set */
		} else {
			if (m->kbd_pending == 0xf0 && val <= 3)
				m->kbd_scanset = val;
			kbc_push(m, KBD_ACK);
		}
		m->kbd_pending = 0;
		return;
	}
	switch (val) {
	case 0xff:			/* reset, then the basic assurance test passed */
		kbc_push(m, KBD_ACK);
		kbc_push(m, 0xaa);
		return;
	case 0xf2:			/* identify: an MF2 keyboard */
		kbc_push(m, KBD_ACK);
		kbc_push(m, 0xab);
		kbc_push(m, 0x83);
		return;
	case 0xee:
		kbc_push(m, 0xee);	/* echo */
		return;
	case 0xed: case 0xf3: case 0xf0:	/* LEDs, typematic, scan set: one argument */
		m->kbd_pending = val;
		kbc_push(m, KBD_ACK);
		return;
	default:
		if (val >= 0xf4) {	/* enable, disable, defaults, set-all modes, resend */
			kbc_push(m, KBD_ACK);
			return;
		}
		if (!m->logged_kbd)
			m->env->log(m->env->ctx, "kbd: unknown command 0x%x answered 0xfe", val);
		m->logged_kbd = true;
		kbc_push(m, KBD_NAK);
		return;
	}
}

/* The data byte of a controller command that takes one. */
static void kbc_command_data(struct dm_misc *m, uint8_t cmd, uint8_t val)
{
	if (cmd >= 0x60 && cmd <= 0x7f) {
		m->kbc_ram[cmd & 0x1f] = val;
		kbc_update_irq(m);
		return;
	}
	switch (cmd) {
	case 0xd1:			/* write output port */
		m->kbc_outport = val;
		if (!(val & 1))
			misc_reset_machine(m);
		return;
	case 0xd2:
		kbc_push(m, val);	/* as if the keyboard sent it */
		return;
	case 0xd3:
		kbc_push(m, KBC_AUX | val);	/* as if the mouse sent it */
		return;
	default:			/* 0xd4: to the mouse that isn't there */
		kbc_push(m, KBC_AUX | KBD_NAK);
		return;
	}
}

static void kbc_data_write(struct dm_misc *m, uint8_t val)
{
	uint8_t cmd = m->kbc_pending;

	m->kbc_a2 = false;
	if (cmd) {
		m->kbc_pending = 0;
		kbc_command_data(m, cmd, val);
	} else {
		kbd_write(m, val);
	}
}

static void kbc_command(struct dm_misc *m, uint8_t cmd)
{
	m->kbc_a2 = true;
	if (cmd >= 0x20 && cmd <= 0x3f) {
		kbc_push(m, m->kbc_ram[cmd & 0x1f]);
		return;
	}
	if ((cmd >= 0x60 && cmd <= 0x7f) || (cmd >= 0xd1 && cmd <= 0xd4)) {
		m->kbc_pending = cmd;
		return;
	}
	if (cmd >= 0xf0) {		/* pulse output lines; bit 0 clear = reset */
		if (!(cmd & 1))
			misc_reset_machine(m);
		return;
	}
	switch (cmd) {
	case 0xa7: m->kbc_ram[0] |= KBC_CB_AUX_OFF; break;
	case 0xa8: m->kbc_ram[0] &= (uint8_t)~KBC_CB_AUX_OFF; break;
	case 0xa9: kbc_push(m, 0x00); break;	/* aux interface test: OK */
	case 0xaa: kbc_push(m, 0x55); break;	/* self test passed */
	case 0xab: kbc_push(m, 0x00); break;	/* keyboard interface test: OK */
	case 0xad: m->kbc_ram[0] |= KBC_CB_KBD_OFF; break;
	case 0xae: m->kbc_ram[0] &= (uint8_t)~KBC_CB_KBD_OFF; break;
	case 0xc0: kbc_push(m, 0x00); break;	/* input port */
	case 0xd0: kbc_push(m, m->kbc_outport); break;
	case 0xdd: m->kbc_outport &= (uint8_t)~2; break;	/* A20 off */
	case 0xdf: m->kbc_outport |= 2; break;			/* A20 on */
	case 0xe0: kbc_push(m, 0x00); break;	/* test inputs */
	default:
		if (!m->logged_cmd)
			m->env->log(m->env->ctx, "kbc: unknown command 0x%x ignored", cmd);
		m->logged_cmd = true;
		break;
	}
	kbc_update_irq(m);		/* the command byte may have changed */
}

static uint64_t kbc_read(void *dev, uint64_t off, unsigned size)
{
	(void)off;
	(void)size;
	return kbc_read_data(dev);
}

static void kbc_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)off;
	(void)size;
	kbc_data_write(dev, (uint8_t)val);
}

static uint64_t kbc_cmd_read(void *dev, uint64_t off, unsigned size)
{
	(void)off;
	(void)size;
	return kbc_status(dev);
}

static void kbc_cmd_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)off;
	(void)size;
	kbc_command(dev, (uint8_t)val);
}

/* ---- port 0x92 ----------------------------------------------------------- */

static uint64_t p92_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_misc *m = dev;

	(void)off;
	(void)size;
	return m->port92;
}

static void p92_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_misc *m = dev;

	(void)off;
	(void)size;
	m->port92 = (uint8_t)(val & 0xfe);
	if (val & 1)
		misc_reset_machine(m);	/* fast reset (INIT) */
}

/* ---- debug console --------------------------------------------------------- */

static void dbg_flush(struct dm_misc *m, struct dm_misc_dbg *d)
{
	if (!d->len)
		return;
	d->buf[d->len] = 0;
	m->env->log(m->env->ctx, "guest debug: %s", d->buf);
	d->len = 0;
}

static void dbg_byte(struct dm_misc *m, struct dm_misc_dbg *d, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\n') {
		dbg_flush(m, d);
		return;
	}
	if (c == '\r')
		return;
	if (d->len + 4 > DM_MISC_LINE)
		dbg_flush(m, d);
	if (c >= 0x20 && c < 0x7f && c != '\\') {
		d->buf[d->len++] = (char)c;
		return;
	}
	d->buf[d->len++] = '\\';
	d->buf[d->len++] = 'x';
	d->buf[d->len++] = hex[c >> 4];
	d->buf[d->len++] = hex[c & 15];
}

static uint64_t dbg_read(void *dev, uint64_t off, unsigned size)
{
	(void)dev;
	(void)off;
	(void)size;
	return 0xe9;			/* the Bochs/QEMU debugcon read-back */
}

static void dbg_write(struct dm_misc *m, unsigned which, unsigned size, uint64_t val)
{
	for (unsigned i = 0; i < size && i < 4; i++)
		dbg_byte(m, &m->dbg[which], (uint8_t)(val >> (8 * i)));
}

static void dbg402_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)off;
	dbg_write(dev, 0, size, val);
}

static void dbge9_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)off;
	dbg_write(dev, 1, size, val);
}

/* ---- POST and ISA DMA -------------------------------------------------------- */

static uint64_t quiet_read(void *dev, uint64_t off, unsigned size)
{
	(void)dev;
	(void)off;
	(void)size;
	return 0;			/* DMA status/count: idle, nothing pending */
}

static void quiet_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)dev;
	(void)off;
	(void)size;
	(void)val;
}

static uint64_t post_read(void *dev, uint64_t off, unsigned size)
{
	(void)dev;
	(void)off;
	return DM_ALL_ONES(size);
}

/* Page registers: plain byte latches, clipped to their bank. */
static uint64_t page_read(uint8_t *bank, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && i < 4 && off + i < 16; i++)
		v |= (uint64_t)bank[off + i] << (8 * i);
	return v;
}

static void page_write(uint8_t *bank, uint64_t off, unsigned size, uint64_t val)
{
	for (unsigned i = 0; i < size && i < 4 && off + i < 16; i++)
		bank[off + i] = (uint8_t)(val >> (8 * i));
}

static uint64_t page_lo_read(void *dev, uint64_t off, unsigned size)
{
	return page_read(((struct dm_misc *)dev)->dma_page[0], off + 1, size);	/* base 0x81 */
}

static void page_lo_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	page_write(((struct dm_misc *)dev)->dma_page[0], off + 1, size, val);
}

static uint64_t page_hi_read(void *dev, uint64_t off, unsigned size)
{
	return page_read(((struct dm_misc *)dev)->dma_page[1], off, size);
}

static void page_hi_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	page_write(((struct dm_misc *)dev)->dma_page[1], off, size, val);
}

static const struct dm_io_ops kbc_ops = { kbc_read, kbc_write };
static const struct dm_io_ops kbc_cmd_ops = { kbc_cmd_read, kbc_cmd_write };
static const struct dm_io_ops p92_ops = { p92_read, p92_write };
static const struct dm_io_ops dbg402_ops = { dbg_read, dbg402_write };
static const struct dm_io_ops dbge9_ops = { dbg_read, dbge9_write };
static const struct dm_io_ops post_ops = { post_read, quiet_write };
static const struct dm_io_ops dma_ops = { quiet_read, quiet_write };
static const struct dm_io_ops page_lo_ops = { page_lo_read, page_lo_write };
static const struct dm_io_ops page_hi_ops = { page_hi_read, page_hi_write };

int dm_misc_init(struct dm_misc *m, struct dm_env *env, struct dm_bus *bus)
{
	static const struct { uint16_t base, len; const struct dm_io_ops *ops; const char *name; } map[10] = {
		{ 0x60, 1, &kbc_ops, "kbc-data" },
		{ 0x64, 1, &kbc_cmd_ops, "kbc-cmd" },
		{ 0x92, 1, &p92_ops, "port92" },
		{ 0x402, 1, &dbg402_ops, "debugcon-402" },
		{ 0xe9, 1, &dbge9_ops, "debugcon-e9" },
		{ 0x80, 1, &post_ops, "post" },
		{ 0x00, 16, &dma_ops, "dma1" },
		{ 0xc0, 32, &dma_ops, "dma2" },
		{ 0x81, 15, &page_lo_ops, "dma-page" },
		{ 0x480, 16, &page_hi_ops, "dma-page-hi" },
	};
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->env = env;
	m->kbc_ram[0] = 0x45;		/* translate, system flag, keyboard IRQ */
	m->kbc_outport = 0x03;		/* running, A20 on */
	m->kbd_scanset = 2;
	for (unsigned i = 0; i < 10 && !rc; i++) {
		m->r[i] = (struct dm_region){ DM_PIO, map[i].base, map[i].len, map[i].ops, m, map[i].name, NULL };
		rc = dm_bus_add(bus, &m->r[i]);
	}
	return rc;
}

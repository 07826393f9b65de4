/*
 * PIIX3 function 0, the PCI-to-ISA bridge (82371SB datasheet §2.2): PIRQ
 * route control (PIRQRC[A:D], 0x60-0x63) and the reset control register
 * (RC, port 0xcf9, §4.1.5). Everything else in its config space just stores.
 */
#include "piix.h"

#define PIIX_DEVFN 0x08			/* 00:01.0 */
#define PIIX_PIRQRC 0x60
#define PIIX_PIRQ_DISABLED 0x80
#define PIIX_RC_SRST 0x02		/* system (hard) reset when RCPU fires */
#define PIIX_RC_RCPU 0x04

struct piix {
	struct dm_pci_dev pci;
	struct dm_env *env;
	uint8_t rc;
	struct dm_region rc_region;
	bool up;
};

static struct piix piix;

/* Routing values 0-2, 8 and 13 are reserved (§2.2.11): no ISA IRQ. */
int dm_piix_pirq_route(unsigned pirq)
{
	uint8_t v;

	if (!piix.up || pirq > 3)
		return -1;
	v = piix.pci.cfg[PIIX_PIRQRC + pirq];
	if (v & PIIX_PIRQ_DISABLED)
		return -1;
	v &= 0x0f;
	if (v < 3 || v == 8 || v == 13)
		return -1;
	return v;
}

static void piix_cfg_write(struct dm_pci_dev *p, unsigned off, unsigned size, uint32_t val)
{
	bool reroute = false;

	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (o >= PIIX_PIRQRC && o < PIIX_PIRQRC + 4) {
			b &= 0x8f;	/* bits 6:4 reserved */
			reroute |= p->cfg[o] != b;
		}
		p->cfg[o] = b;
	}
	if (reroute)
		dm_irq_reroute();
}

static uint64_t piix_rc_read(void *dev, uint64_t off, unsigned size)
{
	(void)dev;
	(void)off;
	(void)size;
	return piix.rc;
}

/* RCPU set resets the machine; SeaBIOS writes 0x02 then 0x06. A reset is
 * a reboot here: the toolstack builds the domain afresh. */
static void piix_rc_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)dev;
	(void)off;
	(void)size;
	if (val & PIIX_RC_RCPU) {
		if (piix.env && piix.env->log)
			piix.env->log(piix.env->ctx, "piix: reset via 0xcf9 (%#x)", (unsigned)val & 0xff);
		if (piix.env && piix.env->shutdown)
			piix.env->shutdown(piix.env->ctx, 1);
		return;
	}
	piix.rc = val & PIIX_RC_SRST;
}

static const struct dm_io_ops piix_rc_ops = { piix_rc_read, piix_rc_write };

/* Reset values from the datasheet's register table (§2.2). */
static void piix_reset_cfg(uint8_t *c)
{
	static const struct { uint8_t off, val; } dflt[] = {
		{ 0x04, 0x07 }, { 0x07, 0x02 },		/* command, status DEVSEL medium */
		{ 0x4c, 0x4d }, { 0x4e, 0x03 },		/* IORT, XBCS */
		{ 0x60, 0x80 }, { 0x61, 0x80 }, { 0x62, 0x80 }, { 0x63, 0x80 },
		{ 0x69, 0x02 }, { 0x70, 0x80 }, { 0x71, 0x80 },	/* TOM, MBIRQ0/1 */
		{ 0x76, 0x0c }, { 0x77, 0x0c }, { 0x78, 0x02 },	/* MBDMA, PCSC */
		{ 0xa0, 0x08 },					/* SMICNTL */
	};

	for (unsigned i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
		c[dflt[i].off] = dflt[i].val;
}

int dm_piix_init(struct dm_env *env, struct dm_bus *bus)
{
	int rc;

	memset(&piix, 0, sizeof(piix));
	piix.env = env;
	dm_pci_init_header(&piix.pci, 0x8086, 0x7000, 0x060100, 0x00);
	piix.pci.devfn = PIIX_DEVFN;
	piix.pci.cfg[0x0e] = 0x80;	/* multi-function: IDE and PM follow */
	piix_reset_cfg(piix.pci.cfg);
	piix.pci.cfg_write = piix_cfg_write;
	piix.rc_region = (struct dm_region){ .space = DM_PIO, .base = 0xcf9, .len = 1,
		.ops = &piix_rc_ops, .dev = &piix, .name = "piix-rc" };
	rc = dm_pci_add(bus, &piix.pci);
	if (rc < 0)
		return rc;
	dm_pci_set_cf9(&piix.rc_region);
	piix.up = true;
	return 0;
}

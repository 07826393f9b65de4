/*
 * PIIX4 power management (82371AB datasheet §3.6 config, §7 PM I/O) as far
 * as ACPI uses it (ACPI 6.x §4.8): PM1a_STS/EN/CNT, the 24-bit PM timer, a
 * GPE0 block, the SCI, and APMC (0xb2) for the ACPI enable/disable handshake
 * SeaBIOS's FADT names (SMI_CMD 0xb2, ACPI_ENABLE 0xf1, ACPI_DISABLE 0xf0).
 *
 * Sleep types come from the tables SeaBIOS 1.16.2 builds (src/fw/ssdt-misc.dsl):
 * _S5 is SLP_TYP 0, _S3 is 1, _S4 is "etc/system-states" byte 4 (0 without
 * that file). QEMU's hw/acpi/core.c decodes 0 as power-off, and so do we;
 * the others cannot be done and wake at once (WAK_STS) so the OS does not
 * spin waiting for a wake.
 */
#include "pm.h"

#define PM_DEVFN 0x0b			/* 00:01.3 */
#define PM_IO_LEN 64
#define PM_GPE0_PORT 0xafe0		/* SeaBIOS dev-piix.h PIIX_GPE0_BLK */
#define PM_APM_PORT 0xb2
#define PM_SCI_IRQ 9

#define PM1_TMR 0x0001			/* TMR_STS / TMR_EN */
#define PM1_GBL 0x0020
#define PM1_PWRBTN 0x0100
#define PM1_RTC 0x0400
#define PM1_WAK 0x8000
#define PM1_EN_MASK (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC)
#define PM1_SCI_EVENTS (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC)
#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_MASK 0x1c03		/* SCI_EN, BM_RLD, GBL_RLS, SLP_TYP */
#define PM1_CNT_SLP_EN 0x2000
#define PM_SLP_TYP_S5 0

#define PM_TMR_HZ 3579545u
#define PM_NS 1000000000u

struct dm_pm {
	struct dm_pci_dev pci;
	struct dm_env *env;
	struct dm_bus *bus;
	uint16_t sts;			/* PM1a_STS but TMR_STS */
	uint16_t en, cnt;
	bool tmr_sts;			/* latched TMR_STS */
	uint64_t tmr_ref;		/* timer ticks when TMR_STS was last cleared */
	struct dm_timer tmr;		/* armed while TMR_EN waits for a toggle */
	uint16_t gpe_sts, gpe_en;
	uint8_t apmc, apms;
	int sci;			/* the level IRQ 9 was last given */
	bool sleep_logged;
	struct dm_region io, gpe, apm;
};

/* ---- the PM timer (ACPI §4.8.3.3): 3.579545 MHz, read as 24 bits -------- */

static uint64_t pm_ticks(uint64_t ns)
{
	return ns / PM_NS * PM_TMR_HZ + ns % PM_NS * PM_TMR_HZ / PM_NS;
}

/* The first nanosecond at which the counter has reached t. */
static uint64_t pm_ticks_to_ns(uint64_t t)
{
	return t / PM_TMR_HZ * PM_NS + (t % PM_TMR_HZ * PM_NS + PM_TMR_HZ - 1) / PM_TMR_HZ;
}

static uint64_t pm_now(struct dm_pm *pm)
{
	return pm_ticks(pm->env->now_ns(pm->env->ctx));
}

/* TMR_STS is set when bit 23 of the counter toggles; computed lazily. */
static bool pm_tmr_sts(struct dm_pm *pm)
{
	if (!pm->tmr_sts && (pm_now(pm) >> 23) != (pm->tmr_ref >> 23))
		pm->tmr_sts = true;
	return pm->tmr_sts;
}

static uint16_t pm1_sts(struct dm_pm *pm)
{
	return pm->sts | (pm_tmr_sts(pm) ? PM1_TMR : 0);
}

static void pm_update_sci(struct dm_pm *pm)
{
	int level = (pm1_sts(pm) & pm->en & PM1_SCI_EVENTS) || (pm->gpe_sts & pm->gpe_en);

	if (level != pm->sci) {
		pm->sci = level;
		dm_irq_set_isa(PM_SCI_IRQ, level);
	}
}

/* Only a timer interrupt needs a timer: armed while TMR_EN waits. */
static void pm_tmr_schedule(struct dm_pm *pm)
{
	if ((pm->en & PM1_TMR) && !pm_tmr_sts(pm)) {
		uint64_t next = ((pm->tmr_ref >> 23) + 1) << 23;

		pm->env->timer_arm(pm->env->ctx, &pm->tmr, pm_ticks_to_ns(next));
	} else if (pm->tmr.armed) {
		pm->env->timer_cancel(pm->env->ctx, &pm->tmr);
	}
}

static void pm_tmr_fire(struct dm_timer *t, void *arg)
{
	struct dm_pm *pm = arg;

	(void)t;
	pm_update_sci(pm);
	pm_tmr_schedule(pm);	/* re-arms only if rounding fired it early */
}

/* ---- PM1 sleep ------------------------------------------------------------ */

static void pm_sleep(struct dm_pm *pm)
{
	unsigned typ = (pm->cnt >> 10) & 7;

	if (typ == PM_SLP_TYP_S5) {
		if (pm->env->log)
			pm->env->log(pm->env->ctx, "pm: guest entered S5, powering off");
		pm->env->shutdown(pm->env->ctx, 0);
		return;
	}
	if (!pm->sleep_logged && pm->env->log)
		pm->env->log(pm->env->ctx, "pm: sleep type %u not supported, waking at once", typ);
	pm->sleep_logged = true;
	pm->sts |= PM1_WAK;
}

/* ---- PM I/O space at PMBASE ------------------------------------------------ */

static uint64_t pm_io_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_pm *pm = dev;
	uint8_t r[12] = { 0 };
	uint16_t sts = pm1_sts(pm);
	uint32_t tmr = (uint32_t)(pm_now(pm) & 0xffffff);
	uint64_t v = 0;

	r[0] = (uint8_t)sts, r[1] = (uint8_t)(sts >> 8);
	r[2] = (uint8_t)pm->en, r[3] = (uint8_t)(pm->en >> 8);
	r[4] = (uint8_t)pm->cnt, r[5] = (uint8_t)(pm->cnt >> 8);
	for (unsigned i = 0; i < 4; i++)
		r[8 + i] = (uint8_t)(tmr >> (8 * i));
	for (unsigned i = 0; i < size; i++)
		if (off + i < sizeof(r))
			v |= (uint64_t)r[off + i] << (8 * i);
	return v;	/* the other PIIX4 registers read 0, as in QEMU */
}

/* Bytes [off, off+size) of a write, as a 16-bit register at reg sees them. */
static uint16_t pm_bytes(uint64_t off, unsigned size, uint64_t val, unsigned reg, uint16_t *mask)
{
	uint16_t v = 0;

	*mask = 0;
	for (unsigned i = 0; i < 2; i++)
		if (reg + i >= off && reg + i < off + size) {
			v |= (uint16_t)(((val >> (8 * (reg + i - off))) & 0xff) << (8 * i));
			*mask |= (uint16_t)(0xff << (8 * i));
		}
	return v;
}

static void pm_io_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_pm *pm = dev;
	uint16_t m, v;

	v = pm_bytes(off, size, val, 0, &m) & m;	/* PM1a_STS: write 1 to clear */
	if (v & PM1_TMR) {
		pm->tmr_sts = false;
		pm->tmr_ref = pm_now(pm);
	}
	pm->sts &= ~(v & (PM1_PWRBTN | PM1_WAK | PM1_GBL | PM1_RTC));
	v = pm_bytes(off, size, val, 2, &m);		/* PM1a_EN */
	pm->en = (uint16_t)((pm->en & ~m) | (v & m & PM1_EN_MASK));
	v = pm_bytes(off, size, val, 4, &m);		/* PM1a_CNT */
	pm->cnt = (uint16_t)((pm->cnt & ~(m & PM1_CNT_MASK)) | (v & m & PM1_CNT_MASK));
	pm->cnt &= ~0x0004;				/* GBL_RLS is write-only */
	if (v & m & PM1_CNT_SLP_EN)
		pm_sleep(pm);
	pm_tmr_schedule(pm);
	pm_update_sci(pm);
}

static const struct dm_io_ops pm_io_ops = { pm_io_read, pm_io_write };

/* ---- GPE0 (0xafe0: STS 2 bytes RW1C, EN 2 bytes) and APM (0xb2, 0xb3) ------ */

static uint64_t pm_gpe_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_pm *pm = dev;
	uint32_t r = pm->gpe_sts | (uint32_t)pm->gpe_en << 16;

	return (r >> (8 * off)) & DM_ALL_ONES(size);
}

static void pm_gpe_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_pm *pm = dev;
	uint16_t m, v;

	v = pm_bytes(off, size, val, 0, &m);
	pm->gpe_sts &= ~(v & m);
	v = pm_bytes(off, size, val, 2, &m);
	pm->gpe_en = (uint16_t)((pm->gpe_en & ~m) | (v & m));
	pm_update_sci(pm);
}

static const struct dm_io_ops pm_gpe_ops = { pm_gpe_read, pm_gpe_write };

static uint64_t pm_apm_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_pm *pm = dev;
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)(off + i == 0 ? pm->apmc : off + i == 1 ? pm->apms : 0xff) << (8 * i);
	return v;
}

/* Writing ACPI_ENABLE to APMC is the OS asking for ACPI mode (ACPI §4.8.2.1);
 * with no SMM behind it, SCI_EN follows at once. */
static void pm_apm_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_pm *pm = dev;

	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (off + i == 1) {
			pm->apms = b;
		} else if (off + i == 0) {
			pm->apmc = b;
			if (b == 0xf1)
				pm->cnt |= PM1_CNT_SCI_EN;
			else if (b == 0xf0)
				pm->cnt &= ~PM1_CNT_SCI_EN;
		}
	}
}

static const struct dm_io_ops pm_apm_ops = { pm_apm_read, pm_apm_write };

/* ---- config space ---------------------------------------------------------- */

/* PMBA (0x40): bits 15:6 the base, bit 0 reads 1; PMREGMISC (0x80) bit 0
 * enables the space. Moves the region where the two say. */
static void pm_io_remap(struct dm_pm *pm)
{
	uint64_t base = (pm->pci.cfg[0x40] | pm->pci.cfg[0x41] << 8) & 0xffc0;

	if (!(pm->pci.cfg[0x80] & 1))
		base = 0;
	if (base == pm->io.base)
		return;
	if (pm->io.base)
		dm_bus_remove(pm->bus, &pm->io);
	pm->io.base = base;
	if (base && dm_bus_add(pm->bus, &pm->io) < 0) {
		if (pm->env->log)
			pm->env->log(pm->env->ctx, "pm: PMBASE %#llx overlaps; PM I/O off",
				     (unsigned long long)base);
		pm->io.base = 0;
	}
}

static uint8_t pm_cfg_mask(unsigned o)
{
	switch (o) {
	case 0x40: return 0xc0;
	case 0x41: return 0xff;
	case 0x42: case 0x43: return 0;
	case 0x80: return 0x01;
	case 0x90: return 0xf0;		/* SMBBA: bits 15:4, bit 0 reads 1 */
	case 0x91: return 0xff;
	case 0x92: case 0x93: return 0;
	default: return 0xff;
	}
}

static void pm_cfg_write(struct dm_pci_dev *p, unsigned off, unsigned size, uint32_t val)
{
	struct dm_pm *pm = p->dev;
	bool io = false;

	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t m = pm_cfg_mask(o);

		p->cfg[o] = (uint8_t)((p->cfg[o] & ~m) | ((val >> (8 * i)) & m));
		io |= (o >= 0x40 && o < 0x44) || o == 0x80;
	}
	if (io)
		pm_io_remap(pm);
}

static void pm_regions(struct dm_pm *pm)
{
	pm->io = (struct dm_region){ .space = DM_PIO, .len = PM_IO_LEN,
		.ops = &pm_io_ops, .dev = pm, .name = "piix4-pm" };
	pm->gpe = (struct dm_region){ .space = DM_PIO, .base = PM_GPE0_PORT, .len = 4,
		.ops = &pm_gpe_ops, .dev = pm, .name = "piix4-gpe0" };
	pm->apm = (struct dm_region){ .space = DM_PIO, .base = PM_APM_PORT, .len = 2,
		.ops = &pm_apm_ops, .dev = pm, .name = "apm" };
}

struct dm_pm *dm_pm_init(struct dm_env *env, struct dm_bus *bus)
{
	struct dm_pm *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return NULL;
	pm->env = env;
	pm->bus = bus;
	pm->tmr.fn = pm_tmr_fire;
	pm->tmr.arg = pm;
	pm->tmr_ref = pm_now(pm);
	dm_pci_init_header(&pm->pci, 0x8086, 0x7113, 0x068000, 0x03);
	pm->pci.devfn = PM_DEVFN;
	pm->pci.cfg[0x3d] = 1;			/* INTA */
	pm->pci.cfg[0x40] = 0x01;		/* PMBA: I/O indicator */
	pm->pci.cfg[0x90] = 0x01;		/* SMBBA likewise */
	pm->pci.cfg_write = pm_cfg_write;
	pm->pci.dev = pm;
	pm_regions(pm);
	if (dm_pci_add(bus, &pm->pci) < 0 || dm_bus_add(bus, &pm->gpe) < 0 ||
	    dm_bus_add(bus, &pm->apm) < 0) {
		if (env->log)
			env->log(env->ctx, "pm: cannot place PIIX4 PM (slot or ports taken)");
		return NULL;	/* leaks pm: the machine cannot run without it anyway */
	}
	return pm;
}

void dm_pm_power_button(struct dm_pm *pm)
{
	pm->sts |= PM1_PWRBTN;
	pm_update_sci(pm);
}

/* pm.c: PIIX4 PM config, PM1 registers, PM timer and TMR_STS, SCI, S5,
 * APM ACPI enable, GPE0; with the bus and pci.c as SeaBIOS and Linux use them. */
#include "bus.h"
#include "check.h"
#include "fakes.h"
#include "pm.h"

#define PM 0x0b
#define PMB 0xb000

static struct dm_bus *bus;
static struct dm_pm *pm;

static uint32_t cfg_rd(unsigned devfn, unsigned reg, unsigned size)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	return (uint32_t)dm_bus_read(bus, DM_PIO, 0xcfc + (reg & 3), size);
}

static void cfg_wr(unsigned devfn, unsigned reg, unsigned size, uint32_t v)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	dm_bus_write(bus, DM_PIO, 0xcfc + (reg & 3), size, v);
}

static uint64_t in(unsigned port, unsigned size) { return dm_bus_read(bus, DM_PIO, port, size); }
static void out(unsigned port, unsigned size, uint64_t v) { dm_bus_write(bus, DM_PIO, port, size, v); }

static struct dm_pm *pms[8];	/* kept reachable: a PM device lives as long as its machine */
static unsigned npms;

static void setup(bool seabios)
{
	struct dm_env *env = fake_reset();

	fake.quiet = true;
	if (bus)
		dm_bus_free(bus);
	bus = dm_bus_new(env);
	CHECK(dm_pci_host_init(env, bus) == 0);
	pm = dm_pm_init(env, bus);
	CHECK(pm && npms < 8);
	pms[npms++] = pm;
	if (seabios) {	/* src/fw/pciinit.c piix4_pm_config_setup */
		cfg_wr(PM, 0x3c, 1, 9);
		cfg_wr(PM, 0x40, 4, PMB | 1);
		cfg_wr(PM, 0x80, 1, 0x01);
		cfg_wr(PM, 0x90, 4, (PMB + 0x100) | 1);
		cfg_wr(PM, 0xd2, 1, 0x09);
	}
}

static void test_config(void)
{
	setup(false);
	CHECK(cfg_rd(PM, 0x00, 4) == 0x71138086);
	CHECK(cfg_rd(PM, 0x08, 4) == 0x06800003);
	CHECK(cfg_rd(PM, 0x3d, 1) == 1);
	CHECK(cfg_rd(PM, 0x40, 4) == 0x00000001);
	CHECK(cfg_rd(PM, 0x90, 4) == 0x00000001);
	CHECK(in(PMB + 8, 4) == 0xffffffff);		/* not decoding yet */
	cfg_wr(PM, 0x40, 4, 0xffffffff);
	CHECK(cfg_rd(PM, 0x40, 4) == 0x0000ffc1);
	cfg_wr(PM, 0x40, 4, PMB | 0x3f);		/* 64-byte aligned */
	CHECK(cfg_rd(PM, 0x40, 4) == (PMB | 1));
	CHECK(in(PMB + 8, 4) == 0xffffffff);
	cfg_wr(PM, 0x80, 1, 0xff);
	CHECK(cfg_rd(PM, 0x80, 1) == 0x01);
	CHECK(in(PMB + 8, 4) == 0);			/* fake clock at 0 */
	cfg_wr(PM, 0x90, 4, 0xb10f);
	cfg_wr(PM, 0xd2, 1, 0x09);
	CHECK(cfg_rd(PM, 0x90, 4) == 0xb101 && cfg_rd(PM, 0xd2, 1) == 0x09);
	/* move PMBASE: the old ports go dark */
	cfg_wr(PM, 0x40, 2, 0xc001);
	CHECK(in(PMB + 8, 4) == 0xffffffff && in(0xc008, 4) == 0);
	cfg_wr(PM, 0x80, 1, 0);
	CHECK(in(0xc008, 4) == 0xffffffff);
}

static void test_timer(void)
{
	setup(true);
	fake.now = 1000000000ull;	/* 1 s: 3579545 ticks */
	CHECK(in(PMB + 8, 4) == 3579545);
	CHECK((in(PMB, 2) & 1) == 0);
	fake.now = 2343000000ull;	/* just before bit 23 toggles (2.34357 s) */
	CHECK(in(PMB + 8, 4) < 0x800000 && (in(PMB, 2) & 1) == 0);
	fake.now = 2344000000ull;
	CHECK(in(PMB + 8, 4) >= 0x800000 && (in(PMB, 2) & 1) == 1);
	out(PMB, 2, 0x0001);		/* RW1C */
	CHECK((in(PMB, 2) & 1) == 0);
	fake.now = 4 * 1000000000ull;
	CHECK((in(PMB, 2) & 1) == 0);	/* bit 23 next flips at 2^24 ticks, 4.687 s */
	fake.now = 4688000000ull;
	CHECK((in(PMB, 2) & 1) == 1);
	CHECK(in(PMB + 8, 4) == ((4688000000ull * 3579545 / 1000000000) & 0xffffff));
	CHECK(in(PMB + 8, 4) < 0x1000);	/* wrapped at 24 bits */
	out(PMB, 1, 0x01);		/* a byte write clears it too */
	CHECK((in(PMB, 2) & 1) == 0);
	/* the interrupt: TMR_EN arms a timer for the next toggle */
	CHECK(fake.ntimers == 0);
	out(PMB + 2, 2, 0x0001);
	CHECK(fake.ntimers == 1 && fake.isa_level[9] == 0);
	fake_advance(2000000000ull);	/* 6.688 s: not yet (7.03 s) */
	CHECK(fake.isa_level[9] == 0);
	fake_advance(400000000ull);
	CHECK(fake.isa_level[9] == 1 && fake.isa_edges[9] == 1);
	CHECK(fake.ntimers == 0);	/* nothing more to wait for */
	out(PMB, 2, 0x0001);
	CHECK(fake.isa_level[9] == 0 && fake.ntimers == 1);
	out(PMB + 2, 2, 0x0000);	/* TMR_EN off: no timer, no SCI */
	CHECK(fake.ntimers == 0);
	fake_advance(10000000000ull);
	CHECK(fake.isa_level[9] == 0 && (in(PMB, 2) & 1) == 1);
	out(PMB + 2, 2, 0x0001);	/* enabling with TMR_STS set raises at once */
	CHECK(fake.isa_level[9] == 1);
	CHECK(in(PMB + 2, 2) == 0x0001);
}

static void test_power_button_and_sleep(void)
{
	setup(true);
	dm_pm_power_button(pm);
	CHECK(in(PMB, 2) == 0x0100 && fake.isa_level[9] == 0);
	out(PMB + 2, 2, 0xffff);
	CHECK(in(PMB + 2, 2) == 0x0521);	/* TMR, GBL, PWRBTN, RTC */
	CHECK(fake.isa_level[9] == 1);
	out(PMB + 2, 2, 0x0100);
	out(PMB, 2, 0x0100);
	CHECK(in(PMB, 2) == 0 && fake.isa_level[9] == 0);
	dm_pm_power_button(pm);
	CHECK(fake.isa_level[9] == 1 && fake.isa_edges[9] == 2);
	out(PMB, 2, 0xfeff);			/* other bits leave it */
	CHECK(fake.isa_level[9] == 1);
	out(PMB + 1, 1, 0x01);			/* byte write to the high half */
	CHECK(fake.isa_level[9] == 0);

	/* ACPI enable through APMC */
	CHECK((in(PMB + 4, 2) & 1) == 0);
	out(0xb2, 1, 0xf1);
	CHECK(in(PMB + 4, 2) == 0x0001 && in(0xb2, 1) == 0xf1);
	out(0xb3, 1, 0x5a);
	CHECK(in(0xb3, 1) == 0x5a && in(0xb2, 2) == 0x5af1);
	out(0xb2, 1, 0xf0);
	CHECK(in(PMB + 4, 2) == 0x0000);
	out(0xb2, 1, 0xf1);

	/* SLP_TYP stores, SLP_EN reads 0; only SLP_EN acts */
	out(PMB + 4, 2, 0x1401);
	CHECK(in(PMB + 4, 2) == 0x1401 && fake.shutdown_reason == -1);
	/* S3 (SLP_TYP 1) cannot be done: wakes at once */
	out(PMB + 4, 2, 0x2401);
	CHECK(fake.shutdown_reason == -1 && (in(PMB, 2) & 0x8000));
	CHECK(in(PMB + 4, 2) == 0x0401);
	out(PMB, 2, 0x8000);
	CHECK(in(PMB, 2) == 0);
	/* S5: SLP_TYP 0 (SeaBIOS's _S5), what Linux writes to power off */
	out(PMB + 4, 2, 0x0001);
	CHECK(fake.shutdown_reason == -1);
	out(PMB + 5, 1, 0x20);
	CHECK(fake.shutdown_reason == 0);
}

static void test_gpe(void)
{
	setup(true);
	CHECK(in(0xafe0, 4) == 0);
	out(0xafe2, 2, 0xffff);
	CHECK(in(0xafe0, 4) == 0xffff0000 && in(0xafe2, 1) == 0xff);
	out(0xafe0, 2, 0xffff);			/* nothing to clear */
	CHECK(in(0xafe0, 2) == 0);
	CHECK(fake.isa_level[9] == 0);
	CHECK(in(0xafe4, 1) == 0xff);		/* the block is 4 bytes */
	/* the other PIIX4 PM registers read 0 */
	CHECK(in(PMB + 0x0c, 4) == 0 && in(PMB + 0x3c, 4) == 0);
}

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void) { return fake_rnd(&rng); }

static void test_fuzz(void)
{
	static const unsigned sizes[] = { 1, 2, 4 };

	setup(true);
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t r = rnd();
		unsigned size = sizes[r % 3];
		uint64_t v = r >> 32;

		switch ((r >> 4) & 7) {
		case 0: case 1:
			out(PMB + ((r >> 8) & 0x3f), size, v);
			break;
		case 2: case 3:
			in(PMB + ((r >> 8) & 0x3f), size);
			break;
		case 4:
			(r >> 8) & 1 ? out(0xafe0 + ((r >> 9) & 3), size, v)
				     : (void)in(0xafe0 + ((r >> 9) & 3), size);
			break;
		case 5:
			(r >> 8) & 1 ? out(0xb2 + ((r >> 9) & 1), 1, v) : (void)in(0xb2, size);
			break;
		case 6:
			if ((r >> 8) & 1)
				dm_pm_power_button(pm);
			else
				fake_advance((r >> 9) & 0xfffffff);
			break;
		default:
			/* config writes, but leave PMBASE/PMREGMISC alone mostly */
			if (((r >> 8) & 0xff) == 0)
				cfg_wr(PM, 0x40 + ((r >> 16) & 0xbf), size, (uint32_t)v);
			else
				cfg_rd(PM, (r >> 16) & 0xff, size);
			break;
		}
	}
	/* (S5 writes happen on the way: shutdown only reports, the device goes on) */
	CHECK(cfg_rd(PM, 0x00, 4) == 0x71138086);
	/* the SCI agrees with the registers */
	{
		uint16_t sts = (uint16_t)in(PMB, 2), en = (uint16_t)in(PMB + 2, 2);

		if (sts != 0xffff)	/* still decoding */
			CHECK(fake.isa_level[9] == ((sts & en & 0x0521) != 0));
	}
}

int main(void)
{
	test_config();
	test_timer();
	test_power_button_and_sleep();
	test_gpe();
	test_fuzz();
	dm_bus_free(bus);
	for (unsigned i = 0; i < npms; i++)
		free(pms[i]);
	CHECK_DONE("dm_pm");
	return 0;
}

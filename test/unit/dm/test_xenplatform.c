/* xenplatform.c: the PCI identity Linux's platform-pci matches, its BARs,
 * the unplug handshake of platform-pci-unplug.c, the log port, BAR1. */
#include <stdarg.h>

#include "bus.h"
#include "check.h"
#include "fakes.h"
#include "xenplatform.h"

#define XP 0x18		/* 00:03.0 */

static struct dm_bus *bus;
static struct dm_env env;
static struct dm_xenplatform *xp;
static unsigned unplugs, last_mask;
static char lastlog[512];
static unsigned nlogs;

static void unplug(void *ctx, unsigned mask)
{
	CHECK(ctx == &unplugs);
	unplugs++;
	last_mask = mask;
}

static const struct dm_xenplatform_ops ops = { unplug };

static void test_log(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	nlogs++;
	va_start(ap, fmt);
	vsnprintf(lastlog, sizeof(lastlog), fmt, ap);
	va_end(ap);
}

static uint32_t cfg_rd(unsigned reg, unsigned size)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u | XP << 8 | (reg & 0xfc));
	return (uint32_t)dm_bus_read(bus, DM_PIO, 0xcfc + (reg & 3), size);
}

static void cfg_wr(unsigned reg, unsigned size, uint32_t v)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u | XP << 8 | (reg & 0xfc));
	dm_bus_write(bus, DM_PIO, 0xcfc + (reg & 3), size, v);
}

static uint64_t in(unsigned port, unsigned size) { return dm_bus_read(bus, DM_PIO, port, size); }
static void out(unsigned port, unsigned size, uint64_t v) { dm_bus_write(bus, DM_PIO, port, size, v); }

static struct dm_xenplatform *xps[8];
static unsigned nxps;

static void setup(void)
{
	env = *fake_reset();
	env.log = test_log;
	if (bus)
		dm_bus_free(bus);
	bus = dm_bus_new(&env);
	CHECK(dm_pci_host_init(&env, bus) == 0);
	xp = dm_xenplatform_init(&env, bus, XP, &ops, &unplugs);
	CHECK(xp && nxps < 8);
	xps[nxps++] = xp;
	unplugs = 0;
	nlogs = 0;
}

static void test_pci(void)
{
	setup();
	CHECK(cfg_rd(0x00, 4) == 0x00015853);
	CHECK(cfg_rd(0x08, 4) == 0xff800001);
	CHECK(cfg_rd(0x2c, 4) == 0x00015853);
	CHECK(cfg_rd(0x3d, 1) == 1);
	cfg_wr(0x10, 4, 0xffffffff);
	cfg_wr(0x14, 4, 0xffffffff);
	CHECK(cfg_rd(0x10, 4) == 0xffffff01);	/* 256 bytes of I/O */
	CHECK(cfg_rd(0x14, 4) == 0xff000008);	/* 16 MiB prefetchable */
	CHECK(cfg_rd(0x18, 4) == 0);
	/* as SeaBIOS would place them */
	cfg_wr(0x10, 4, 0xc100);
	cfg_wr(0x14, 4, 0xfd000000);
	cfg_wr(0x04, 2, 0x0003);
	CHECK(in(0xc100, 1) == 0);		/* platform flags */
	out(0xc100, 1, 1);
	CHECK(in(0xc100, 1) == 1 && in(0x10, 1) == 1);
	CHECK(in(0xc101, 1) == 0xff && in(0xc100, 2) == 0xffff);
	for (const char *s = "bar0 log\n"; *s; s++)
		out(0xc108, 1, (uint8_t)*s);
	CHECK(!strcmp(lastlog, "xen-platform: guest: bar0 log"));
	/* BAR1: nothing mapped reads all-ones, logged once */
	nlogs = 0;
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfd001000, 4) == 0xffffffff);
	dm_bus_write(bus, DM_MMIO, 0xfdfffff8, 8, 0);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfd000000, 8) == ~0ull);
	CHECK(nlogs == 1 && strstr(lastlog, "0x1000"));
	/* INTA */
	dm_xenplatform_set_irq(xp, 1);
	CHECK(fake.nirqs == 1 && fake.irqs[0].kind == 1 && fake.irqs[0].a == XP &&
	      fake.irqs[0].b == 0 && fake.irqs[0].level == 1);
	/* slot taken */
	CHECK(!dm_xenplatform_init(&env, bus, 0x20, &ops, NULL));	/* ports 0x10 taken */
}

static void test_unplug(void)
{
	setup();
	/* Linux's check_platform_magic + xen_unplug_emulated_devices */
	CHECK(in(0x10, 2) == 0x49d2);
	CHECK(in(0x12, 1) == 1);
	out(0x12, 2, 3);			/* XEN_IOPORT_LINUX_PRODNUM */
	out(0x10, 4, 1);			/* XEN_IOPORT_LINUX_DRVVER */
	CHECK(!strcmp(lastlog, "xen-platform: PV drivers: product 3 (Linux), build 1"));
	CHECK(in(0x10, 2) == 0x49d2);		/* not blacklisted */
	CHECK(unplugs == 0);
	out(0x10, 2, 0x0007);
	CHECK(unplugs == 1 && last_mask == 7);
	CHECK(!strcmp(lastlog, "xen-platform: unplug 0x7 ( ide-disks nics aux-ide-disks)"));
	out(0x10, 2, 0x0008);
	CHECK(unplugs == 2 && last_mask == 8 && strstr(lastlog, "nvme"));
	/* other ports and widths */
	CHECK(in(0x11, 1) == 0xff && in(0x13, 1) == 0xff && in(0x1f, 1) == 0xff);
	CHECK(in(0x10, 4) == 0xffffffff && in(0x12, 2) == 0xffff && in(0x14, 2) == 0xffff);
	CHECK(in(0x10, 1) == 0);
	out(0x11, 2, 0xffff);
	out(0x14, 4, 0xffffffff);
	CHECK(unplugs == 2);
	CHECK(in(0x20, 1) == 0xff);		/* the PIC is not ours */
}

static void test_log_port(void)
{
	char buf[300];

	setup();
	for (const char *s = "xen: hello\n"; *s; s++)
		out(0x12, 1, (uint8_t)*s);
	CHECK(nlogs == 1 && !strcmp(lastlog, "xen-platform: guest: xen: hello"));
	out(0x12, 1, 0x07);			/* unprintable */
	out(0x12, 1, '\n');
	CHECK(nlogs == 2 && !strcmp(lastlog, "xen-platform: guest: ."));
	/* an endless line comes out in pieces */
	memset(buf, 'y', sizeof(buf));
	for (unsigned i = 0; i < sizeof(buf); i++)
		out(0x12, 1, (uint8_t)buf[i]);
	CHECK(nlogs == 3 && strlen(lastlog) == strlen("xen-platform: guest: ") + 255);
	out(0x12, 1, '\n');
	CHECK(nlogs == 4 && strlen(lastlog) == strlen("xen-platform: guest: ") + 300 - 255);
}

static uint64_t rng = 0x082efa98ec4e6c89ull;
static uint64_t rnd(void) { return fake_rnd(&rng); }

static void test_fuzz(void)
{
	static const unsigned sizes[] = { 1, 2, 4 };

	setup();
	cfg_wr(0x10, 4, 0xc100);
	cfg_wr(0x14, 4, 0xfd000000);
	cfg_wr(0x04, 2, 0x0003);
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t r = rnd();
		unsigned size = sizes[r % 3];

		switch ((r >> 4) & 7) {
		case 0: case 1:
			out(0x10 + ((r >> 8) & 0xf), size, r >> 32);
			break;
		case 2: case 3:
			in(0x10 + ((r >> 8) & 0xf), size);
			break;
		case 4:
			(r >> 8) & 1 ? out(0xc100 + ((r >> 9) & 0xff), size, r >> 32)
				     : (void)in(0xc100 + ((r >> 9) & 0xff), size);
			break;
		case 5:
			(r >> 8) & 1 ? dm_bus_write(bus, DM_MMIO, 0xfd000000 + ((r >> 9) & 0xffffff), 8, r)
				     : (void)dm_bus_read(bus, DM_MMIO, 0xfd000000 + ((r >> 9) & 0xffffff), 8);
			break;
		case 6:
			if (((r >> 8) & 0xff) == 0)
				cfg_wr((r >> 16) & 0xff, size, (uint32_t)(r >> 32));
			else
				cfg_rd((r >> 16) & 0xff, size);
			break;
		default:
			dm_xenplatform_set_irq(xp, (int)((r >> 8) & 1));
			break;
		}
	}
	CHECK(in(0x10, 2) == 0x49d2 && in(0x12, 1) == 1);
	CHECK(cfg_rd(0x00, 4) == 0x00015853);
}

int main(void)
{
	test_pci();
	test_unplug();
	test_log_port();
	test_fuzz();
	dm_bus_free(bus);
	for (unsigned i = 0; i < nxps; i++)
		free(xps[i]);
	CHECK_DONE("dm_xenplatform");
	return 0;
}

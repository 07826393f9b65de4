/* pci.c (config mechanism #1, header, BARs, INTx, i440FX PAM) and piix.c
 * (PIRQ routing, 0xcf9) through the bus, as firmware and Linux use them. */
#include "check.h"
#include "fakes.h"
#include "bus.h"
#include "piix.h"

static unsigned reroutes;
void dm_irq_reroute(void) { reroutes++; }

static struct dm_bus *bus;

static struct dm_bus *new_bus(struct dm_env *env)
{
	if (bus)
		dm_bus_free(bus);
	bus = dm_bus_new(env);
	CHECK(bus);
	return bus;
}

static uint32_t addr_of(unsigned bus_nr, unsigned devfn, unsigned reg)
{
	return 0x80000000u | bus_nr << 16 | devfn << 8 | (reg & 0xfc);
}

static uint32_t cfg_rd(unsigned devfn, unsigned reg, unsigned size)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, addr_of(0, devfn, reg));
	return (uint32_t)dm_bus_read(bus, DM_PIO, 0xcfc + (reg & 3), size);
}

static void cfg_wr(unsigned devfn, unsigned reg, unsigned size, uint32_t v)
{
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, addr_of(0, devfn, reg));
	dm_bus_write(bus, DM_PIO, 0xcfc + (reg & 3), size, v);
}

/* A test device at 00:03.0 with an I/O BAR, a prefetchable memory BAR, a
 * plain memory BAR and a config hook above 0x40. */
#define TDEV 0x18
static struct dm_pci_dev tdev;
static unsigned treads, twrites, hook_writes;
static uint64_t last_off;
static unsigned last_hook_off, last_hook_size;
static uint32_t last_hook_val;

static uint64_t t_read(void *d, uint64_t off, unsigned size)
{
	(void)d;
	(void)size;
	treads++;
	last_off = off;
	return 0x5a;
}

static void t_write(void *d, uint64_t off, unsigned size, uint64_t v)
{
	(void)d;
	(void)size;
	(void)v;
	twrites++;
	last_off = off;
}

static const struct dm_io_ops t_ops = { t_read, t_write };

static uint32_t t_cfg_read(struct dm_pci_dev *p, unsigned off, unsigned size)
{
	(void)p;
	return off == 0x40 && size == 4 ? 0xdeadbeef : 0x77;
}

static void t_cfg_write(struct dm_pci_dev *p, unsigned off, unsigned size, uint32_t v)
{
	(void)p;
	hook_writes++;
	last_hook_off = off;
	last_hook_size = size;
	last_hook_val = v;
}

static void setup(void)
{
	struct dm_env *env = fake_reset();

	fake.quiet = true;
	bus = new_bus(env);
	CHECK(dm_pci_host_init(env, bus) == 0);
	CHECK(dm_piix_init(env, bus) == 0);
	memset(&tdev, 0, sizeof(tdev));
	dm_pci_init_header(&tdev, 0x1234, 0x5678, 0x010185, 0x07);
	tdev.devfn = TDEV;
	tdev.cfg[0x3d] = 2;	/* INTB */
	tdev.bar[0] = (struct dm_pci_bar){ .size = 256, .io = true,
		.region = { .ops = &t_ops, .name = "t-io" } };
	tdev.bar[1] = (struct dm_pci_bar){ .size = 16u << 20, .prefetchable = true,
		.region = { .ops = &t_ops, .name = "t-pf" } };
	tdev.bar[2] = (struct dm_pci_bar){ .size = 4096, .region = { .ops = &t_ops, .name = "t-mem" } };
	tdev.cfg_read = t_cfg_read;
	tdev.cfg_write = t_cfg_write;
	CHECK(dm_pci_add(bus, &tdev) == 0);
	treads = twrites = hook_writes = reroutes = 0;
}

static void test_ids(void)
{
	setup();
	CHECK(cfg_rd(0x00, 0x00, 4) == 0x12378086);
	CHECK(cfg_rd(0x00, 0x08, 4) == 0x06000002);
	CHECK(cfg_rd(0x00, 0x0c, 4) == 0x00000000);	/* header type 0 */
	CHECK(cfg_rd(0x00, 0x2c, 4) == 0x11001af4);	/* what SeaBIOS looks for */
	CHECK(cfg_rd(0x08, 0x00, 4) == 0x70008086);
	CHECK(cfg_rd(0x08, 0x08, 4) == 0x06010000);
	CHECK(cfg_rd(0x08, 0x0e, 1) == 0x80);
	CHECK(cfg_rd(0x08, 0x02, 2) == 0x7000);
	CHECK(cfg_rd(0x08, 0x01, 1) == 0x80);
	CHECK(cfg_rd(TDEV, 0x08, 4) == 0x01018507);
	/* IDs are read-only */
	cfg_wr(0x00, 0x00, 4, 0);
	cfg_wr(0x00, 0x08, 4, 0);
	cfg_wr(0x00, 0x2c, 4, 0);
	CHECK(cfg_rd(0x00, 0x00, 4) == 0x12378086);
	CHECK(cfg_rd(0x00, 0x08, 4) == 0x06000002);
	CHECK(cfg_rd(0x00, 0x2c, 4) == 0x11001af4);
	/* absent device, function, other bus: all-ones */
	CHECK(cfg_rd(0x28, 0x00, 4) == 0xffffffff);
	CHECK(cfg_rd(0x09, 0x00, 2) == 0xffff);
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, addr_of(1, 0, 0));
	CHECK(dm_bus_read(bus, DM_PIO, 0xcfc, 4) == 0xffffffff);
	/* enable bit clear: 0xcfc is no config access */
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x00000000);
	CHECK(dm_bus_read(bus, DM_PIO, 0xcfc, 4) == 0xffffffff);
	dm_bus_write(bus, DM_PIO, 0xcfc, 4, 0);
	CHECK(cfg_rd(0x00, 0x00, 4) == 0x12378086);
}

static void test_addr_port(void)
{
	setup();
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0xffffffff);
	CHECK(dm_bus_read(bus, DM_PIO, 0xcf8, 4) == 0x80fffffc);
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000804);
	/* byte and word accesses do not touch the address register */
	dm_bus_write(bus, DM_PIO, 0xcf8, 1, 0x00);
	dm_bus_write(bus, DM_PIO, 0xcfa, 2, 0x1234);
	CHECK(dm_bus_read(bus, DM_PIO, 0xcf8, 4) == 0x80000804);
	CHECK(dm_bus_read(bus, DM_PIO, 0xcf8, 1) == 0xff);
	CHECK(dm_bus_read(bus, DM_PIO, 0xcfa, 2) == 0xffff);
	/* the data port at byte/word offsets */
	CHECK(cfg_rd(0x00, 0x02, 2) == 0x1237);
	CHECK(cfg_rd(0x00, 0x03, 1) == 0x12);
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, addr_of(0, 0, 0));
	CHECK(dm_bus_read(bus, DM_PIO, 0xcfd, 2) == 0x3780);	/* unaligned word */
}

static void test_pirq_and_rc(void)
{
	setup();
	for (unsigned i = 0; i < 4; i++) {
		CHECK(cfg_rd(0x08, 0x60 + i, 1) == 0x80);
		CHECK(dm_piix_pirq_route(i) == -1);
	}
	cfg_wr(0x08, 0x60, 4, 0x0b0b0a0a);	/* what SeaBIOS programs */
	CHECK(reroutes == 1);
	CHECK(dm_piix_pirq_route(0) == 10 && dm_piix_pirq_route(1) == 10);
	CHECK(dm_piix_pirq_route(2) == 11 && dm_piix_pirq_route(3) == 11);
	CHECK(dm_piix_pirq_route(4) == -1);
	cfg_wr(0x08, 0x60, 4, 0x0b0b0a0a);	/* no change, no reroute */
	CHECK(reroutes == 1);
	cfg_wr(0x08, 0x62, 1, 0x85);
	CHECK(reroutes == 2 && dm_piix_pirq_route(2) == -1);
	cfg_wr(0x08, 0x62, 1, 0x08);		/* reserved value */
	CHECK(dm_piix_pirq_route(2) == -1);
	cfg_wr(0x08, 0x63, 1, 0x7e);		/* bits 6:4 reserved */
	CHECK(cfg_rd(0x08, 0x63, 1) == 0x0e && dm_piix_pirq_route(3) == 14);
	cfg_wr(0x08, 0x4c, 1, 0x11);		/* other registers store */
	CHECK(cfg_rd(0x08, 0x4c, 1) == 0x11);

	/* reset control: 2 stores, then 6 resets (SeaBIOS's order) */
	CHECK(dm_bus_read(bus, DM_PIO, 0xcf9, 1) == 0x00);
	dm_bus_write(bus, DM_PIO, 0xcf9, 1, 0x02);
	CHECK(dm_bus_read(bus, DM_PIO, 0xcf9, 1) == 0x02);
	CHECK(fake.shutdown_reason == -1);
	dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000);	/* a dword at 0xcf8 is no reset */
	CHECK(fake.shutdown_reason == -1);
	dm_bus_write(bus, DM_PIO, 0xcf9, 1, 0x06);
	CHECK(fake.shutdown_reason == 1);
}

static void test_command_status(void)
{
	setup();
	cfg_wr(TDEV, 0x04, 2, 0xffff);
	CHECK(cfg_rd(TDEV, 0x04, 2) == 0x0407);
	cfg_wr(TDEV, 0x04, 2, 0x0000);
	CHECK(cfg_rd(TDEV, 0x04, 2) == 0x0000);
	cfg_wr(TDEV, 0x06, 2, 0xffff);
	CHECK(cfg_rd(TDEV, 0x06, 2) == 0x0000);
	cfg_wr(TDEV, 0x0c, 2, 0x4010);		/* cache line, latency: RW */
	CHECK(cfg_rd(TDEV, 0x0c, 4) == 0x00004010);
	cfg_wr(TDEV, 0x30, 4, 0xffffffff);	/* no ROM */
	CHECK(cfg_rd(TDEV, 0x30, 4) == 0);
	cfg_wr(TDEV, 0x3c, 2, 0xffff);		/* line RW, pin RO */
	CHECK(cfg_rd(TDEV, 0x3c, 2) == 0x02ff);
	cfg_wr(TDEV, 0x28, 4, 0xffffffff);
	CHECK(cfg_rd(TDEV, 0x28, 4) == 0);
	/* 0x40 and up: the device's hooks */
	CHECK(cfg_rd(TDEV, 0x40, 4) == 0xdeadbeef);
	CHECK(cfg_rd(TDEV, 0x41, 1) == 0x77);
	cfg_wr(TDEV, 0x42, 2, 0xabcd);
	CHECK(hook_writes == 1 && last_hook_off == 0x42 && last_hook_size == 2 &&
	      last_hook_val == 0xabcd);
	/* without hooks cfg[] stores (host bridge 0x50) */
	cfg_wr(0x00, 0x50, 4, 0x11223344);
	CHECK(cfg_rd(0x00, 0x50, 4) == 0x11223344);
}

static void test_bars(void)
{
	setup();
	CHECK(cfg_rd(TDEV, 0x10, 4) == 0x00000001);
	CHECK(cfg_rd(TDEV, 0x14, 4) == 0x00000008);
	CHECK(cfg_rd(TDEV, 0x18, 4) == 0x00000000);
	/* sizing */
	for (unsigned i = 0; i < 6; i++)
		cfg_wr(TDEV, 0x10 + 4 * i, 4, 0xffffffff);
	CHECK(cfg_rd(TDEV, 0x10, 4) == 0xffffff01);
	CHECK(cfg_rd(TDEV, 0x14, 4) == 0xff000008);
	CHECK(cfg_rd(TDEV, 0x18, 4) == 0xfffff000);
	CHECK(cfg_rd(TDEV, 0x1c, 4) == 0);
	CHECK(cfg_rd(TDEV, 0x24, 4) == 0);
	/* sizing values never decode, even with decode enabled */
	cfg_wr(TDEV, 0x04, 2, 0x0003);
	CHECK(tdev.bar[0].region.base == 0 && tdev.bar[1].region.base == 0);
	cfg_wr(TDEV, 0x04, 2, 0x0000);
	cfg_wr(TDEV, 0x10, 4, 0xc0ff);		/* low bits are not address bits */
	cfg_wr(TDEV, 0x14, 4, 0xfe000000);
	cfg_wr(TDEV, 0x18, 4, 0xf0001000);
	CHECK(cfg_rd(TDEV, 0x10, 4) == 0xc001);
	CHECK(cfg_rd(TDEV, 0x14, 4) == 0xfe000008);
	/* no decode until the command register says so */
	CHECK(dm_bus_read(bus, DM_PIO, 0xc010, 1) == 0xff && treads == 0);
	cfg_wr(TDEV, 0x04, 2, 0x0001);
	CHECK(dm_bus_read(bus, DM_PIO, 0xc010, 1) == 0x5a && treads == 1 && last_off == 0x10);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfe000000, 4) == 0xffffffff && treads == 1);
	cfg_wr(TDEV, 0x04, 2, 0x0003);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfe000010, 4) == 0x5a && last_off == 0x10);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xf0001ffc, 4) == 0x5a && last_off == 0xffc);
	/* move: the old place goes dark */
	cfg_wr(TDEV, 0x14, 4, 0xfd000000);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfe000010, 4) == 0xffffffff);
	CHECK(dm_bus_read(bus, DM_MMIO, 0xfd000020, 4) == 0x5a && last_off == 0x20);
	/* byte-wise BAR programming works too */
	cfg_wr(TDEV, 0x11, 1, 0xd0);
	CHECK(cfg_rd(TDEV, 0x10, 4) == 0xd001);
	dm_bus_write(bus, DM_PIO, 0xd004, 1, 1);
	CHECK(twrites == 1 && last_off == 4);
	/* I/O off: only the I/O BAR goes */
	cfg_wr(TDEV, 0x04, 2, 0x0002);
	CHECK(dm_bus_read(bus, DM_PIO, 0xd004, 1) == 0xff);
	CHECK(tdev.bar[1].region.base == 0xfd000000);
	/* a BAR over the config ports cannot decode */
	cfg_wr(TDEV, 0x10, 4, 0x0c00);
	cfg_wr(TDEV, 0x04, 2, 0x0003);
	CHECK(tdev.bar[0].region.base == 0);
	CHECK(cfg_rd(0x00, 0x00, 4) == 0x12378086);
	/* and decodes once it moves away */
	cfg_wr(TDEV, 0x10, 4, 0xe000);
	CHECK(tdev.bar[0].region.base == 0xe000);
	/* base 0 is no address */
	cfg_wr(TDEV, 0x14, 4, 0);
	CHECK(tdev.bar[1].region.base == 0);
}

static void test_intx(void)
{
	setup();
	dm_pci_set_irq(&tdev, 1);
	CHECK(fake.nirqs == 1 && fake.irqs[0].kind == 1 && fake.irqs[0].a == TDEV &&
	      fake.irqs[0].b == 1 && fake.irqs[0].level == 1);
	CHECK(cfg_rd(TDEV, 0x06, 2) & 0x08);
	dm_pci_set_irq(&tdev, 1);		/* no change, no call */
	CHECK(fake.nirqs == 1);
	cfg_wr(TDEV, 0x04, 2, 0x0400);		/* INTx disable drops the line */
	CHECK(fake.nirqs == 2 && fake.irqs[1].level == 0);
	CHECK(cfg_rd(TDEV, 0x06, 2) & 0x08);	/* status still shows it */
	dm_pci_set_irq(&tdev, 0);
	dm_pci_set_irq(&tdev, 1);
	CHECK(fake.nirqs == 2);
	cfg_wr(TDEV, 0x04, 2, 0x0000);		/* enable: it comes back */
	CHECK(fake.nirqs == 3 && fake.irqs[2].level == 1);
	dm_pci_set_irq(&tdev, 0);
	CHECK(fake.nirqs == 4 && fake.irqs[3].level == 0);
	CHECK(!(cfg_rd(TDEV, 0x06, 2) & 0x08));
}

static void test_pam(void)
{
	struct dm_env *env = fake_reset();

	fake.quiet = true;
	bus = new_bus(env);
	CHECK(dm_pci_host_init(env, bus) == 0);
	/* reset: nothing writable */
	CHECK(fake.mem_type_calls == 1 && fake.last_mem_gpa == 0xc0000 &&
	      fake.last_mem_len == 0x40000 && fake.last_mem_ro);
	/* SeaBIOS's make_bios_writable: 0x30 at 0x59, 0x33 in 0x5a-0x5f */
	cfg_wr(0x00, 0x58, 4, 0x00003000);
	CHECK(fake.mem_type_calls == 2 && fake.last_mem_gpa == 0xf0000 &&
	      fake.last_mem_len == 0x10000 && !fake.last_mem_ro);
	cfg_wr(0x00, 0x5c, 4, 0x33333333);
	CHECK(fake.mem_type_calls == 3 && fake.last_mem_gpa == 0xd0000 &&
	      fake.last_mem_len == 0x20000 && !fake.last_mem_ro);
	cfg_wr(0x00, 0x5a, 2, 0x3333);
	CHECK(fake.mem_type_calls == 4 && fake.last_mem_gpa == 0xc0000 &&
	      fake.last_mem_len == 0x10000 && !fake.last_mem_ro);
	cfg_wr(0x00, 0x5a, 2, 0x3333);		/* no change, no call */
	CHECK(fake.mem_type_calls == 4);
	/* RE changes alone do nothing (reads are always RAM) */
	cfg_wr(0x00, 0x5b, 1, 0x22);
	CHECK(fake.mem_type_calls == 4);
	/* make_bios_readonly-like: 0x11 for the F segment and 0xe0000-0xeffff */
	cfg_wr(0x00, 0x59, 1, 0x10);
	CHECK(fake.mem_type_calls == 5 && fake.last_mem_gpa == 0xf0000 && fake.last_mem_ro);
	cfg_wr(0x00, 0x5e, 2, 0x1111);
	CHECK(fake.mem_type_calls == 6 && fake.last_mem_gpa == 0xe0000 &&
	      fake.last_mem_len == 0x10000 && fake.last_mem_ro);
	cfg_wr(0x00, 0x5f, 1, 0x13);		/* low nibble of 0x5f: 0xe8000 */
	CHECK(fake.mem_type_calls == 7 && fake.last_mem_gpa == 0xe8000 &&
	      fake.last_mem_len == 0x4000 && !fake.last_mem_ro);
	CHECK(cfg_rd(0x00, 0x5f, 1) == 0x13);
	cfg_wr(0x00, 0x59, 1, 0xff);		/* reserved bits read 0 */
	CHECK(cfg_rd(0x00, 0x59, 1) == 0x30);
	cfg_wr(0x00, 0x5a, 1, 0xff);
	CHECK(cfg_rd(0x00, 0x5a, 1) == 0x33);
	CHECK(cfg_rd(0x00, 0x72, 1) == 0x02);	/* SMRAM stores */
	cfg_wr(0x00, 0x72, 1, 0x0a);
	CHECK(cfg_rd(0x00, 0x72, 1) == 0x0a);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { return fake_rnd(&rng); }

static void test_fuzz(void)
{
	static const unsigned sizes[] = { 1, 2, 4 };
	static const unsigned devfns[] = { 0x00, 0x08, TDEV, 0x28 };

	setup();
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t r = rnd();
		unsigned size = sizes[r % 3];
		unsigned port = 0xcf8 + (unsigned)((r >> 2) & 7);

		switch ((r >> 5) & 7) {
		case 0:
			dm_bus_write(bus, DM_PIO, 0xcf8, 4, (uint32_t)(r >> 32));
			break;
		case 1:
			dm_bus_write(bus, DM_PIO, 0xcf8, 4, 0x80000000u |
				     devfns[(r >> 8) & 3] << 8 | ((r >> 16) & 0xfc));
			break;
		case 2: case 3:
			dm_bus_write(bus, DM_PIO, port, size, r >> 32);
			break;
		case 4: case 5:
			dm_bus_read(bus, DM_PIO, port, size);
			break;
		case 6:
			dm_pci_set_irq(&tdev, (int)((r >> 9) & 1));
			break;
		default:
			dm_bus_read(bus, (r >> 9) & 1 ? DM_MMIO : DM_PIO,
				    (r >> 10) & 1 ? (r >> 32) : (r >> 32) & 0xffff, size);
			break;
		}
	}
	CHECK(cfg_rd(0x00, 0x00, 4) == 0x12378086);
	CHECK(cfg_rd(0x08, 0x00, 4) == 0x70008086);
	CHECK(cfg_rd(TDEV, 0x00, 4) == 0x56781234);
	CHECK((cfg_rd(TDEV, 0x10, 4) & 0xff) == 0x01);
	CHECK((cfg_rd(TDEV, 0x14, 4) & 0x00ffffff) == 0x08);
	CHECK((cfg_rd(TDEV, 0x04, 2) & ~0x0407u) == 0);
}

int main(void)
{
	test_ids();
	test_addr_port();
	test_pirq_and_rc();
	test_command_status();
	test_bars();
	test_intx();
	test_pam();
	test_fuzz();
	dm_bus_free(bus);
	CHECK_DONE("dm_pci");
	return 0;
}

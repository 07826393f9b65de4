/* fwcfg.c: the PIO and DMA paths as SeaBIOS drives them, the file
 * directory, selection, bounds, hostile descriptors. */
#include "bus.h"
#include "check.h"
#include "fakes.h"
#include "fwcfg.h"

static struct dm_bus *bus;
static struct dm_fwcfg *fw;

static void select_key(uint16_t key) { dm_bus_write(bus, DM_PIO, 0x510, 2, key); }
static uint8_t data_byte(void) { return (uint8_t)dm_bus_read(bus, DM_PIO, 0x511, 1); }

static void pio_read(uint16_t key, void *buf, size_t n)
{
	select_key(key);
	for (size_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = data_byte();
}

static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]; }

static void put_be(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* SeaBIOS's qemu_cfg_dma_transfer: descriptor in RAM, outl(bswap(addr), 0x518). */
static uint32_t dma(uint32_t desc, uint32_t control, uint32_t len, uint64_t addr)
{
	put_be(fake.ram + desc, control, 4);
	put_be(fake.ram + desc + 4, len, 4);
	put_be(fake.ram + desc + 8, addr, 8);
	dm_bus_write(bus, DM_PIO, 0x518, 4, __builtin_bswap32(desc));
	return be32(fake.ram + desc);
}

static void setup(void)
{
	struct dm_env *env = fake_reset();

	fake.quiet = true;
	if (fw)
		dm_fwcfg_free(fw, bus);
	if (bus)
		dm_bus_free(bus);
	bus = dm_bus_new(env);
	fw = dm_fwcfg_init(env, bus);
	CHECK(fw);
}

static void test_pio(void)
{
	uint8_t b[16];

	setup();
	/* reset selects the signature (QEMU's fw_cfg_reset) */
	CHECK(data_byte() == 'Q' && data_byte() == 'E' && data_byte() == 'M' && data_byte() == 'U');
	CHECK(data_byte() == 0 && data_byte() == 0);		/* past the end */
	pio_read(DM_FWCFG_SIGNATURE, b, 5);
	CHECK(!memcmp(b, "QEMU\0", 5));
	pio_read(DM_FWCFG_ID, b, 5);
	CHECK(b[0] == 3 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0);
	pio_read(0x4001, b, 1);			/* the old write-channel bit is ignored */
	CHECK(b[0] == 3);
	/* legacy items */
	CHECK(dm_fwcfg_add_i16(fw, DM_FWCFG_NB_CPUS, 2) == 0);
	CHECK(dm_fwcfg_add_i16(fw, DM_FWCFG_MAX_CPUS, 4) == 0);
	CHECK(dm_fwcfg_add_i64(fw, DM_FWCFG_RAM_SIZE, 0x20000000) == 0);
	CHECK(dm_fwcfg_add_i16(fw, DM_FWCFG_NOGRAPHIC, 1) == 0);
	CHECK(dm_fwcfg_add_bytes(fw, DM_FWCFG_IRQ0_OVERRIDE, "\1", 1) == 0);
	pio_read(DM_FWCFG_NB_CPUS, b, 3);
	CHECK(b[0] == 2 && b[1] == 0 && b[2] == 0);
	pio_read(DM_FWCFG_RAM_SIZE, b, 8);
	CHECK(b[3] == 0x20 && b[0] == 0 && b[7] == 0);
	pio_read(DM_FWCFG_IRQ0_OVERRIDE, b, 2);
	CHECK(b[0] == 1 && b[1] == 0);
	CHECK(dm_fwcfg_add_i16(fw, DM_FWCFG_NB_CPUS, 3) == 0);	/* replace */
	pio_read(DM_FWCFG_NB_CPUS, b, 2);
	CHECK(b[0] == 3);
	/* absent items read 0 (SeaBIOS counts on it: key 0x8003, NUMA) */
	pio_read(DM_FWCFG_E820_TABLE, b, 4);
	CHECK(!b[0] && !b[1] && !b[2] && !b[3]);
	/* keys that are not legacy items */
	CHECK(dm_fwcfg_add_i16(fw, DM_FWCFG_FILE_DIR, 0) < 0);
	CHECK(dm_fwcfg_add_i16(fw, 0x20, 0) < 0);
	CHECK(dm_fwcfg_add_i16(fw, 0x4005, 0) < 0);
	/* the port's other widths */
	select_key(DM_FWCFG_SIGNATURE);
	CHECK(dm_bus_read(bus, DM_PIO, 0x510, 1) == 'Q');	/* combined region */
	CHECK(dm_bus_read(bus, DM_PIO, 0x510, 2) == 0xffff);
	dm_bus_write(bus, DM_PIO, 0x511, 1, 0x55);		/* no write channel */
	CHECK(data_byte() == 'E');
	dm_bus_write(bus, DM_PIO, 0x510, 1, DM_FWCFG_ID);	/* byte: no select */
	CHECK(data_byte() == 'M');
}

static void test_files(void)
{
	static const uint8_t e820[20] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	uint8_t d[4 + 64 * 4], b[32];
	char longname[60];

	setup();
	CHECK(dm_fwcfg_add_file(fw, "etc/e820", e820, sizeof(e820)) == 0);
	CHECK(dm_fwcfg_add_file(fw, "bootorder", "/pci@i0cf8/*@1,1/drive@1/disk@0\n", 32) == 0);
	CHECK(dm_fwcfg_add_file(fw, "etc/boot-fail-wait", "\x10\x27\0\0", 4) == 0);
	CHECK(dm_fwcfg_add_file(fw, "aaa", "", 0) == 0);
	pio_read(DM_FWCFG_FILE_DIR, d, sizeof(d));
	CHECK(be32(d) == 4);
	/* sorted by name, selectors in that order from 0x20 */
	CHECK(!strcmp((char *)d + 4 + 8, "aaa") && be32(d + 4) == 0);
	CHECK(d[4 + 4] == 0 && d[4 + 5] == 0x20 && d[4 + 6] == 0 && d[4 + 7] == 0);
	CHECK(!strcmp((char *)d + 68 + 8, "bootorder") && be32(d + 68) == 32 && d[68 + 5] == 0x21);
	CHECK(!strcmp((char *)d + 132 + 8, "etc/boot-fail-wait") && d[132 + 5] == 0x22);
	CHECK(!strcmp((char *)d + 196 + 8, "etc/e820") && be32(d + 196) == 20 && d[196 + 5] == 0x23);
	for (unsigned i = 9; i < 56; i++)	/* names are NUL-padded */
		CHECK(d[196 + 8 + i] == 0);
	pio_read(0x23, b, 21);
	CHECK(!memcmp(b, e820, 20) && b[20] == 0);
	pio_read(0x21, b, 5);
	CHECK(!memcmp(b, "/pci@", 5));
	pio_read(0x24, b, 2);			/* past the last file */
	CHECK(!b[0] && !b[1]);
	/* replacing keeps the directory's shape */
	CHECK(dm_fwcfg_add_file(fw, "bootorder", "HALT", 4) == 0);
	pio_read(DM_FWCFG_FILE_DIR, d, sizeof(d));
	CHECK(be32(d) == 4 && be32(d + 68) == 4);
	pio_read(0x21, b, 4);
	CHECK(!memcmp(b, "HALT", 4));
	/* names: 1..55 bytes */
	memset(longname, 'x', sizeof(longname));
	longname[56] = 0;
	CHECK(dm_fwcfg_add_file(fw, longname, "", 0) < 0);
	longname[55] = 0;
	CHECK(dm_fwcfg_add_file(fw, longname, "z", 1) == 0);
	CHECK(dm_fwcfg_add_file(fw, "", "", 0) < 0);
	/* the limit */
	for (unsigned i = 5; i < DM_FWCFG_MAX_FILES; i++) {
		char n[16];

		snprintf(n, sizeof(n), "f%02u", i);
		CHECK(dm_fwcfg_add_file(fw, n, n, 3) == 0);
	}
	CHECK(dm_fwcfg_add_file(fw, "one-too-many", "", 0) < 0);
	pio_read(DM_FWCFG_FILE_DIR, d, 4);
	CHECK(be32(d) == DM_FWCFG_MAX_FILES);
}

static void test_dma(void)
{
	uint8_t *ram;

	setup();
	ram = fake.ram;
	/* the signature at 0x514 */
	CHECK(dm_bus_read(bus, DM_PIO, 0x514, 4) == 0x554d4551);	/* "QEMU" */
	CHECK(dm_bus_read(bus, DM_PIO, 0x518, 4) == 0x47464320);	/* " CFG" */
	CHECK(dm_bus_read(bus, DM_PIO, 0x515, 1) == 'E');
	CHECK(dm_fwcfg_add_file(fw, "etc/sercon-port", "\xf8\x03", 2) == 0);
	CHECK(dm_fwcfg_add_file(fw, "etc/show-boot-menu", "\0\0", 2) == 0);

	/* select + read (qemu_cfg_read_entry) */
	memset(ram + 0x2000, 0xaa, 64);
	CHECK(dma(0x1000, 0x00010000 | 0x08 | 0x02, 4, 0x2000) == 0);
	CHECK(ram[0x2000] == 3 && ram[0x2001] == 0 && ram[0x2004] == 0xaa);
	/* the directory: count, then entries read on without a select */
	CHECK(dma(0x1000, DM_FWCFG_FILE_DIR << 16 | 0x0a, 4, 0x2000) == 0);
	CHECK(be32(ram + 0x2000) == 2);
	CHECK(dma(0x1000, 0x02, 64, 0x2100) == 0);
	CHECK(!strcmp((char *)ram + 0x2108, "etc/sercon-port") && ram[0x2105] == 0x20);
	CHECK(dma(0x1000, 0x02, 64, 0x2100) == 0);
	CHECK(!strcmp((char *)ram + 0x2108, "etc/show-boot-menu") && ram[0x2105] == 0x21);
	/* skip, then read the rest */
	CHECK(dma(0x1000, 0x20 << 16 | 0x08 | 0x04, 1, 0) == 0);
	CHECK(dma(0x1000, 0x02, 1, 0x2200) == 0 && ram[0x2200] == 0x03);
	/* a read past the end zero-fills */
	memset(ram + 0x2300, 0xaa, 32);
	CHECK(dma(0x1000, 0x20 << 16 | 0x0a, 16, 0x2300) == 0);
	CHECK(ram[0x2300] == 0xf8 && ram[0x2301] == 0x03 && ram[0x2302] == 0 && ram[0x230f] == 0);
	CHECK(ram[0x2310] == 0xaa);
	/* PIO and DMA share the offset */
	select_key(DM_FWCFG_SIGNATURE);
	CHECK(data_byte() == 'Q');
	CHECK(dma(0x1000, 0x02, 2, 0x2400) == 0 && ram[0x2400] == 'E' && ram[0x2401] == 'M');
	CHECK(data_byte() == 'U');
	/* writes are refused */
	CHECK(dma(0x1000, 0x20 << 16 | 0x08 | 0x10, 2, 0x2400) == 1);
	/* no operation bit: nothing, success */
	CHECK(dma(0x1000, 0x00, 8, 0x2400) == 0);
	/* a skip past the end is fine */
	CHECK(dma(0x1000, 0x21 << 16 | 0x08 | 0x04, 0xffffffff, 0) == 0);
}

static void test_hostile(void)
{
	uint8_t *ram;

	setup();
	ram = fake.ram;
	/* target outside RAM */
	CHECK(dma(0x1000, 0x0a, 4, FAKE_RAM_SIZE - 2) == 1);
	CHECK(dma(0x1000, 0x0a, 4, ~0ull - 1) == 1);
	/* a huge read of an absent item: refused, RAM untouched */
	memset(ram + 0x3000, 0xaa, 0x20000);
	CHECK(dma(0x1000, 0x7777 << 16 | 0x0a, 0xffffffff, 0x3000) == 1);
	CHECK(ram[0x3000] == 0xaa && ram[0x12fff] == 0xaa);
	/* descriptor itself outside RAM: nothing written anywhere */
	dm_bus_write(bus, DM_PIO, 0x518, 4, __builtin_bswap32(FAKE_RAM_SIZE - 8));
	dm_bus_write(bus, DM_PIO, 0x514, 4, __builtin_bswap32(1));	/* high half */
	dm_bus_write(bus, DM_PIO, 0x518, 4, __builtin_bswap32(0x1000));
	/* the high half resets after a transfer, as in QEMU */
	CHECK(dma(0x1000, 0x0a, 4, 0x4000) == 0 && !memcmp(ram + 0x4000, "QEMU", 4));
	/* other sizes at the DMA port do nothing */
	dm_bus_write(bus, DM_PIO, 0x518, 2, 0x10);
	dm_bus_write(bus, DM_PIO, 0x514, 1, 0x10);
	/* descriptor overlapping its own target */
	CHECK(dma(0x1000, 0x0a, 16, 0x1000) == 0);
}

static uint64_t rng = 0x13198a2e03707344ull;
static uint64_t rnd(void) { return fake_rnd(&rng); }

static void test_fuzz(void)
{
	static const unsigned sizes[] = { 1, 2, 4 };

	setup();
	dm_fwcfg_add_file(fw, "etc/e820", "0123456789abcdefghij", 20);
	dm_fwcfg_add_file(fw, "bootorder", "x", 1);
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t r = rnd(), r2 = rnd();
		unsigned size = sizes[r % 3];
		uint32_t desc = (uint32_t)(r2 % (FAKE_RAM_SIZE + 64));

		switch ((r >> 4) & 7) {
		case 0:
			select_key((uint16_t)(r >> 8) & 0x803f);
			break;
		case 1: case 2:
			dm_bus_read(bus, DM_PIO, 0x510 + ((r >> 8) & 0xf), size);
			break;
		case 3:
			dm_bus_write(bus, DM_PIO, 0x510 + ((r >> 8) & 0xf), size, r >> 32);
			break;
		default:
			if (desc + 16 <= FAKE_RAM_SIZE) {
				uint32_t len = (r >> 7) & 1 ? (uint32_t)(r >> 40) : (uint32_t)(r >> 40) & 0x3ff;
				uint64_t addr = (r >> 8) & 1 ? rnd() : rnd() % FAKE_RAM_SIZE;

				put_be(fake.ram + desc, (uint32_t)(r >> 12) & 0x803f001f, 4);
				put_be(fake.ram + desc + 4, len, 4);
				put_be(fake.ram + desc + 8, addr, 8);
			}
			if ((r >> 9) & 1)
				dm_bus_write(bus, DM_PIO, 0x514, 4, (r >> 10) & 1 ? 0 : r2 >> 32);
			dm_bus_write(bus, DM_PIO, 0x518, 4, __builtin_bswap32(desc));
			break;
		}
	}
	{
		uint8_t b[4];

		pio_read(DM_FWCFG_SIGNATURE, b, 4);
		CHECK(!memcmp(b, "QEMU", 4));
	}
	dm_fwcfg_free(fw, bus);
	fw = NULL;
}

int main(void)
{
	test_pio();
	test_files();
	test_dma();
	test_hostile();
	test_fuzz();
	dm_bus_free(bus);
	CHECK_DONE("dm_fwcfg");
	return 0;
}

/*
 * The IOAPIC (Intel 82093AA datasheet §3.2 registers, §3.2.4 redirection
 * table; the EOI register of version 0x20 parts as ICH datasheets give it).
 * How interrupts leave it: ioapic.h.
 */
#include "dm.h"
#include "ioapic.h"

#define IO_REGSEL 0x00
#define IO_WIN 0x10
#define IO_EOI 0x40

#define IO_VERSION 0x20
#define IO_RTE_VECTOR 0xffull
#define IO_RTE_DELMODE (7ull << 8)
#define IO_RTE_DESTMODE (1ull << 11)
#define IO_RTE_STATUS (1ull << 12)
#define IO_RTE_POLARITY (1ull << 13)
#define IO_RTE_REMOTE_IRR (1ull << 14)
#define IO_RTE_LEVEL (1ull << 15)
#define IO_RTE_MASK (1ull << 16)
/* Bits the guest may write: all but delivery status and remote IRR, and
 * the reserved 17-55. */
#define IO_RTE_WRITABLE (0xff00000000000000ull | (0x1ffffull & ~(IO_RTE_STATUS | IO_RTE_REMOTE_IRR)))

static struct dm_ioapic *ioapic_the;	/* for dm_ioapic_eoi(vector) */

static void ioapic_deliver(struct dm_ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	uint64_t addr = 0xfee00000ull | (e >> 56) << 12 | ((e & IO_RTE_DESTMODE) ? 1u : 0u) << 2;
	uint32_t data = (uint32_t)(e & (IO_RTE_VECTOR | IO_RTE_DELMODE));

	if (e & IO_RTE_LEVEL) {
		data |= 1u << 15 | 1u << 14;
		io->redir[pin] |= IO_RTE_REMOTE_IRR;
	}
	io->env->msi(io->env->ctx, addr, data);
}

/* A level pin that is asserted, unmasked and not awaiting EOI goes out. */
static void ioapic_service_level(struct dm_ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];

	if ((e & IO_RTE_LEVEL) && !(e & (IO_RTE_MASK | IO_RTE_REMOTE_IRR)) &&
	    (io->lines & (1u << pin)))
		ioapic_deliver(io, pin);
}

void dm_ioapic_set_irq(struct dm_ioapic *io, unsigned pin, int level)
{
	uint32_t bit;
	bool rising;

	if (!io || pin >= DM_IOAPIC_PINS)
		return;
	bit = 1u << pin;
	rising = level && !(io->lines & bit);
	if (level)
		io->lines |= bit;
	else
		io->lines &= ~bit;
	if (io->redir[pin] & IO_RTE_LEVEL)
		ioapic_service_level(io, pin);
	else if (rising && !(io->redir[pin] & IO_RTE_MASK))
		ioapic_deliver(io, pin);
}

static void ioapic_eoi_vector(struct dm_ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < DM_IOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];

		if ((e & IO_RTE_LEVEL) && (e & IO_RTE_REMOTE_IRR) && (e & IO_RTE_VECTOR) == vector) {
			io->redir[pin] &= ~IO_RTE_REMOTE_IRR;
			ioapic_service_level(io, pin);
		}
	}
}

void dm_ioapic_eoi(uint8_t vector)
{
	if (ioapic_the)
		ioapic_eoi_vector(ioapic_the, vector);
}

static uint32_t ioapic_reg_read(struct dm_ioapic *io)
{
	unsigned r = io->regsel;

	if (r == 0x00)
		return io->id;
	if (r == 0x01)
		return (DM_IOAPIC_PINS - 1) << 16 | IO_VERSION;
	if (r == 0x02)
		return io->id;		/* arbitration ID */
	if (r >= 0x10 && r < 0x10 + 2 * DM_IOAPIC_PINS) {
		uint64_t e = io->redir[(r - 0x10) / 2];

		return (uint32_t)(r & 1 ? e >> 32 : e);
	}
	return 0;
}

static void ioapic_rte_write(struct dm_ioapic *io, unsigned pin, bool high, uint32_t val)
{
	uint64_t e = io->redir[pin], keep;

	if (high)
		e = (e & 0xffffffffull) | (uint64_t)val << 32;
	else
		e = (e & ~0xffffffffull) | val;
	keep = io->redir[pin] & (IO_RTE_STATUS | IO_RTE_REMOTE_IRR);
	e = (e & IO_RTE_WRITABLE) | keep;
	if (!(e & IO_RTE_LEVEL))
		e &= ~IO_RTE_REMOTE_IRR;	/* switching to edge forgets it (Linux relies on it) */
	io->redir[pin] = e;
	ioapic_service_level(io, pin);	/* e.g. unmasked while asserted */
}

static void ioapic_reg_write(struct dm_ioapic *io, uint32_t val)
{
	unsigned r = io->regsel;

	if (r == 0x00) {
		io->id = val & 0x0f000000;
	} else if (r >= 0x10 && r < 0x10 + 2 * DM_IOAPIC_PINS) {
		ioapic_rte_write(io, (r - 0x10) / 2, r & 1, val);
	} else if (!io->logged_reg) {
		io->logged_reg = true;
		io->env->log(io->env->ctx, "ioapic: write 0x%x to read-only or absent register 0x%x",
			     val, r);
	}
}

/* Registers are 32 bits; narrower or wider accesses see the aligned dword. */
static uint32_t ioapic_dword(struct dm_ioapic *io, uint64_t off)
{
	switch (off) {
	case IO_REGSEL: return io->regsel;
	case IO_WIN: return ioapic_reg_read(io);
	default: return 0;
	}
}

static uint64_t ioapic_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_ioapic *io = dev;
	uint64_t v = ioapic_dword(io, off & ~3ull) >> (8 * (off & 3));

	(void)size;
	return v;
}

static void ioapic_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_ioapic *io = dev;
	uint64_t base = off & ~3ull;
	unsigned shift = 8 * (unsigned)(off & 3);
	uint32_t mask, cur;

	mask = (uint32_t)(DM_ALL_ONES(size < 4 ? size : 4) << shift);
	cur = ioapic_dword(io, base);
	val = (cur & ~mask) | (((uint32_t)val << shift) & mask);
	if (base == IO_REGSEL)
		io->regsel = (uint8_t)val;
	else if (base == IO_WIN)
		ioapic_reg_write(io, (uint32_t)val);
	else if (base == IO_EOI)
		ioapic_eoi_vector(io, (uint8_t)val);
}

static const struct dm_io_ops ioapic_ops = { ioapic_read, ioapic_write };

int dm_ioapic_init(struct dm_ioapic *io, struct dm_env *env, struct dm_bus *bus)
{
	memset(io, 0, sizeof(*io));
	io->env = env;
	for (unsigned pin = 0; pin < DM_IOAPIC_PINS; pin++)
		io->redir[pin] = IO_RTE_MASK;
	io->region = (struct dm_region){ DM_MMIO, DM_IOAPIC_BASE, 0x1000, &ioapic_ops, io, "ioapic", NULL };
	ioapic_the = io;
	return dm_bus_add(bus, &io->region);
}

/*
 * The interrupt router: ISA and PCI INTx sources in, 8259 and IOAPIC
 * inputs out (irq.h). PCI levels are counted per PIRQ, so a reroute or a
 * change costs four route look-ups, not a walk over every device.
 */
#include "dm.h"
#include "irq.h"
#include "pic.h"
#include "ioapic.h"

#define IRQ_ISA 16
#define IRQ_CASCADE 2

static struct {
	struct dm_pic *pic;
	struct dm_ioapic *ioapic;
	uint16_t isa_src;		/* ISA sources' levels */
	uint8_t pci_pins[256];		/* asserted INTx pins per devfn */
	unsigned pirq_count[4];		/* asserted INTx per PIRQ */
	uint16_t out;			/* line levels last passed on */
} irq_r;

void dm_irq_init(struct dm_pic *pic, struct dm_ioapic *ioapic)
{
	memset(&irq_r, 0, sizeof(irq_r));
	irq_r.pic = pic;
	irq_r.ioapic = ioapic;
}

uint16_t dm_irq_lines(void)
{
	return irq_r.out;
}

static uint16_t irq_pci_lines(void)
{
	uint16_t m = 0;

	for (unsigned p = 0; p < 4; p++) {
		int isa;

		if (!irq_r.pirq_count[p])
			continue;
		isa = dm_piix_pirq_route(p);
		if (isa >= 0 && isa < IRQ_ISA)
			m |= (uint16_t)(1u << isa);
	}
	return m;
}

static void irq_output(unsigned n, int level)
{
	if (n == IRQ_CASCADE)
		return;
	if (irq_r.pic)
		dm_pic_set_irq(irq_r.pic, n, level);
	if (irq_r.ioapic)
		dm_ioapic_set_irq(irq_r.ioapic, n == 0 ? 2 : n, level);
}

static void irq_propagate(void)
{
	uint16_t level = irq_r.isa_src | irq_pci_lines();
	uint16_t changed = level ^ irq_r.out;

	irq_r.out = level;
	for (unsigned n = 0; n < IRQ_ISA; n++)
		if (changed & (1u << n))
			irq_output(n, (level >> n) & 1);
}

void dm_irq_set_isa(unsigned irq, int level)
{
	if (irq >= IRQ_ISA)
		return;
	if (level)
		irq_r.isa_src |= (uint16_t)(1u << irq);
	else
		irq_r.isa_src &= (uint16_t)~(1u << irq);
	irq_propagate();
}

void dm_irq_set_pci(unsigned devfn, unsigned pin, int level)
{
	unsigned pirq, bit;
	bool cur;

	if (devfn > 255 || pin > 3)
		return;
	pirq = (pin + (devfn >> 3) - 1) & 3;	/* the i440FX swizzle */
	bit = 1u << pin;
	cur = irq_r.pci_pins[devfn] & bit;
	if (level && !cur) {
		irq_r.pci_pins[devfn] |= (uint8_t)bit;
		irq_r.pirq_count[pirq]++;
	} else if (!level && cur) {
		irq_r.pci_pins[devfn] &= (uint8_t)~bit;
		irq_r.pirq_count[pirq]--;
	}
	irq_propagate();
}

void dm_irq_reroute(void)
{
	irq_propagate();
}

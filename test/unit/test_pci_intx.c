/* Where a PCI function's INTx pin reaches the I/O APIC (pci_intx_gsi,
 * kernel/arch/x86/pci.c) on tables built by hand: every device and pin of
 * q35's bus 0 against the wiring written out as QEMU's q35 documents it
 * (PIRQ letters, not the formula), the bridge swizzle one and two levels
 * down, and tables that must give no answer: no pin, a pin past INTD, no
 * ICH9 LPC or another chipset there, a bus no bridge leads to, bridges in
 * a loop. */
#include <string.h>
#include "check.h"
#include "arch/x86/pci.h"

static struct pci_table t;

static struct pci_dev *add(u8 bus, u8 dev, u8 fn, u8 pin)
{
	struct pci_dev *d;

	CHECK(t.count < PCI_MAX_DEVICES);
	d = &t.dev[t.count++];
	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->devfn = PCI_DEVFN(dev, fn);
	d->vendor = 0x1af4;
	d->device = 0x1000;
	d->irq_pin = pin;
	return d;
}

static struct pci_dev *bridge(u8 bus, u8 dev, u8 sec)
{
	struct pci_dev *d = add(bus, dev, 0, 1);

	d->hdr_type = 1;
	d->sec_bus = d->sub_bus = sec;
	return d;
}

static void q35(void)
{
	struct pci_dev *lpc;

	memset(&t, 0, sizeof(t));
	add(0, 0, 0, 0);		/* host bridge */
	lpc = add(0, 0x1f, 0, 0);
	lpc->vendor = 0x8086;
	lpc->device = 0x2918;
}

/* The PIRQ a bus-0 device's pin (1-4) reaches on QEMU's q35, by letter:
 * devices 0-24 rotate over E-H starting at E + device mod 4, devices
 * 25-31 keep D25IR-D31IR's reset value (INTA-D to PIRQA-D). */
static int pirq_letter(unsigned dev, unsigned pin)
{
	static const char *const rot[4] = { "EFGH", "FGHE", "GHEF", "HEFG" };

	return dev >= 25 ? "ABCD"[pin - 1] : rot[dev % 4][pin - 1];
}

static void test_bus0(void)
{
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned pin = 1; pin <= 4; pin++) {
			struct pci_dev *d;

			q35();
			d = add(0, (u8)dev, dev == 0x1f ? 2 : 0, (u8)pin);
			CHECK(pci_intx_gsi(&t, d) == 16 + pirq_letter(dev, pin) - 'A');
		}
	q35();
	CHECK(pci_intx_gsi(&t, add(0, 3, 0, 1)) == 23);	/* netback's e1000 at 00:03.0 */
	CHECK(pci_intx_gsi(&t, add(0, 4, 0, 1)) == 20);	/* the NVMe at 00:04.0 */
	CHECK(pci_intx_gsi(&t, add(0, 0x1f, 2, 1)) == 16);	/* ICH9 AHCI */
}

static void test_bridges(void)
{
	struct pci_dev *d;

	q35();
	bridge(0, 0x1c, 1);		/* a root port: its downstream device is 0 */
	d = add(1, 0, 0, 1);
	CHECK(pci_intx_gsi(&t, d) == 16);	/* INTA on 1c.0: PIRQA */
	d = add(1, 0, 1, 3);
	CHECK(pci_intx_gsi(&t, d) == 18);	/* INTC: PIRQC */

	q35();
	bridge(0, 5, 2);
	bridge(2, 1, 3);
	d = add(3, 3, 0, 1);	/* INTA of 3 -> INTD on 02:01.0 -> INTA (D + 1) on 00:05.0 */
	CHECK(pci_intx_gsi(&t, d) == 16 + pirq_letter(5, 1) - 'A');
	d = add(2, 2, 0, 2);	/* INTB of 2 -> INTD on 00:05.0 */
	CHECK(pci_intx_gsi(&t, d) == 16 + pirq_letter(5, 4) - 'A');
	/* Bridges' own pins count like any device's. */
	CHECK(pci_intx_gsi(&t, &t.dev[3]) == 16 + pirq_letter(5, 2) - 'A');
}

static void test_no_answer(void)
{
	struct pci_dev *d;

	q35();
	CHECK(pci_intx_gsi(&t, add(0, 3, 0, 0)) == -1);	/* no pin */
	CHECK(pci_intx_gsi(&t, add(0, 3, 0, 5)) == -1);	/* no such pin */
	CHECK(pci_intx_gsi(&t, add(0, 3, 0, 0xff)) == -1);
	CHECK(pci_intx_gsi(&t, add(7, 0, 0, 1)) == -1);	/* bus 7: no bridge to it */

	q35();
	t.dev[1].device = 0x2916;	/* another ICH9 part at 1f.0 */
	CHECK(pci_intx_gsi(&t, add(0, 3, 0, 1)) == -1);
	q35();
	t.dev[1].vendor = 0x1022;
	CHECK(pci_intx_gsi(&t, add(0, 3, 0, 1)) == -1);
	q35();
	t.dev[1].devfn = PCI_DEVFN(1, 0);	/* the LPC's ID, but not at 1f.0 (i440fx's PIIX is 01.0) */
	CHECK(pci_intx_gsi(&t, add(0, 3, 0, 1)) == -1);
	memset(&t, 0, sizeof(t));		/* nothing enumerated */
	CHECK(pci_intx_gsi(&t, add(0, 3, 0, 1)) == -1);

	q35();
	bridge(1, 0, 1);		/* a bridge that is its own parent */
	d = add(1, 2, 0, 1);
	CHECK(pci_intx_gsi(&t, d) == -1);
	q35();
	bridge(2, 0, 1);		/* 1 behind 2 behind 1 */
	bridge(1, 0, 2);
	d = add(1, 2, 0, 1);
	CHECK(pci_intx_gsi(&t, d) == -1);
}

int main(void)
{
	test_bus0();
	test_bridges();
	test_no_answer();
	CHECK_DONE("pci_intx");
	return 0;
}

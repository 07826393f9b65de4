/* The host's I/O APICs (ioapic.h). */
#include "ioapic.h"
#include "acpi.h"
#include "cpu.h"
#include "mm.h"
#include "spinlock.h"
#include "errno.h"
#include "console.h"

#define REG_SEL 0x00		/* index, then the window (82093AA §3.1) */
#define REG_WIN 0x10
#define IDX_VER 0x01		/* bits 23:16: the highest redirection entry */
#define IDX_RTE 0x10		/* entry n: 0x10 + 2n low, + 1 high */
#define RTE_POLARITY_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

struct ioapic {
	volatile u32 *mmio;
	u32 gsi_base, count;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static u32 nr;
static spinlock_t lock = SPINLOCK_INIT;

static u32 rd(const struct ioapic *a, u32 idx)
{
	a->mmio[REG_SEL / 4] = idx;
	return a->mmio[REG_WIN / 4];
}

static void wr(const struct ioapic *a, u32 idx, u32 v)
{
	a->mmio[REG_SEL / 4] = idx;
	a->mmio[REG_WIN / 4] = v;
}

void ioapic_init(void)
{
	const struct acpi_ioapic *madt;
	u32 n = acpi_ioapics(&madt);

	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	for (u32 i = 0; i < n && nr < ACPI_MAX_IOAPICS; i++) {
		struct ioapic *a = &ioapics[nr];

		if ((madt[i].addr & 0xfff) || paging_map_uncached(madt[i].addr, 0x1000))
			continue;
		a->mmio = (volatile u32 *)(uintptr_t)madt[i].addr;
		a->gsi_base = madt[i].gsi_base;
		a->count = ((rd(a, IDX_VER) >> 16) & 0xff) + 1;
		pr_info("ioapic: id %u at 0x%x, GSIs %u-%u\n", madt[i].id, madt[i].addr, a->gsi_base,
			a->gsi_base + a->count - 1);
		nr++;
	}
}

static const struct ioapic *find(u32 gsi)
{
	for (u32 i = 0; i < nr; i++)
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].count)
			return &ioapics[i];
	return NULL;
}

int ioapic_route(u32 gsi, u8 vector, u32 apic_id)
{
	const struct ioapic *a = find(gsi);
	u32 n;

	if (!a)
		return -ENODEV;
	if (apic_id > 0xff || vector < 16)
		return -ERANGE;
	n = gsi - a->gsi_base;
	spin_lock(&lock);
	wr(a, IDX_RTE + 2 * n, RTE_MASKED);	/* masked while the halves change */
	wr(a, IDX_RTE + 2 * n + 1, apic_id << 24);
	wr(a, IDX_RTE + 2 * n, RTE_MASKED | RTE_LEVEL | RTE_POLARITY_LOW | vector);
	spin_unlock(&lock);
	return 0;
}

void ioapic_mask(u32 gsi, bool masked)
{
	const struct ioapic *a = find(gsi);
	u32 idx, v;

	if (!a)
		return;
	idx = IDX_RTE + 2 * (gsi - a->gsi_base);
	spin_lock(&lock);
	v = rd(a, idx);
	wr(a, idx, masked ? v | RTE_MASKED : v & ~RTE_MASKED);
	spin_unlock(&lock);
}

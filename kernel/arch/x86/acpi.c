/* ACPI table discovery (ACPI 6.x §5.2) and the Intel MP table fallback (MP spec 1.4). */
#include "acpi.h"
#include "cpu.h"
#include "console.h"
#include "lib.h"

struct sdt_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __packed;

struct rsdp {
	char sig[8];
	u8 checksum;
	char oem[6];
	u8 revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 xchecksum, reserved[3];
} __packed;

static u16 pm1a_cnt;	/* FADT PM1a control block I/O port */
static const struct rsdp *rsdp;	/* set by acpi_init */

static bool checksum_ok(const void *p, size_t n)
{
	u8 sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += ((const u8 *)p)[i];
	return sum == 0;
}

/* Search [start, end) on 16-byte boundaries for a signature with a valid checksum. */
static const void *scan(paddr_t start, paddr_t end, const char *sig, size_t siglen, size_t sumlen)
{
	for (paddr_t p = start; p + sumlen <= end; p += 16) {
		const void *v = OPAQUE((const void *)(uintptr_t)p);

		if (!memcmp(v, sig, siglen) && checksum_ok(v, sumlen))
			return v;
	}
	return NULL;
}

static const struct rsdp *rsdp_find(paddr_t hint)
{
	paddr_t ebda = (paddr_t)*OPAQUE((const u16 *)(uintptr_t)0x40e) << 4;
	const struct rsdp *r = NULL;

	if (hint && checksum_ok((const void *)(uintptr_t)hint, 20))
		return (const void *)(uintptr_t)hint;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan(ebda, ebda + 1024, "RSD PTR ", 8, 20);
	return r ? r : scan(0xe0000, 0x100000, "RSD PTR ", 8, 20);
}

static const struct sdt_header *sdt_find(const struct rsdp *r, const char *sig)
{
	bool x = r->revision >= 2 && r->xsdt;
	const struct sdt_header *root = (const void *)(uintptr_t)(x ? r->xsdt : r->rsdt);
	size_t width = x ? 8 : 4;
	u32 n = (root->length - sizeof(*root)) / width;

	for (u32 i = 0; i < n; i++) {
		const u8 *slot = (const u8 *)(root + 1) + i * width;
		u64 pa = x ? *(const u64 *)slot : *(const u32 *)slot;
		const struct sdt_header *t = (const void *)(uintptr_t)pa;

		if (!memcmp(t->sig, sig, 4) && checksum_ok(t, t->length))
			return t;
	}
	return NULL;
}

static struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
static u32 nr_ioapics;

u32 acpi_ioapics(const struct acpi_ioapic **out)
{
	*out = ioapics;
	return nr_ioapics;
}

static void madt_parse(const struct sdt_header *madt, struct platform_cpus *cpus)
{
	const u8 *p = (const u8 *)madt + sizeof(*madt) + 8, *end = (const u8 *)madt + madt->length;

	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		u32 id, flags;

		if (p[0] == 1 && p[1] >= 12) {	/* I/O APIC */
			if (nr_ioapics < ACPI_MAX_IOAPICS)
				ioapics[nr_ioapics++] = (struct acpi_ioapic){
					*(const u32 *)(p + 4), *(const u32 *)(p + 8), p[2] };
			continue;
		}
		if (p[0] == 0) {		/* processor local APIC */
			id = p[3];
			flags = *(const u32 *)(p + 4);
		} else if (p[0] == 9) {	/* processor local x2APIC */
			id = *(const u32 *)(p + 4);
			flags = *(const u32 *)(p + 8);
		} else {
			continue;
		}
		if ((flags & 1) && cpus->count < ACPI_MAX_CPUS)
			cpus->apic_ids[cpus->count++] = id;
	}
	cpus->source = "ACPI MADT";
}

static void mptable_parse(struct platform_cpus *cpus)
{
	const u8 *fp = scan(0xf0000, 0x100000, "_MP_", 4, 16);
	const u8 *cfg, *p;
	u16 entries;

	if (!fp || !*(const u32 *)(fp + 4))
		return;
	cfg = (const u8 *)(uintptr_t)*(const u32 *)(fp + 4);
	if (memcmp(cfg, "PCMP", 4))
		return;
	entries = *(const u16 *)(cfg + 34);
	p = cfg + 44;
	for (u16 i = 0; i < entries; i++) {
		if (p[0] != 0) {	/* only processor entries are 20 bytes */
			p += 8;
			continue;
		}
		if ((p[3] & 1) && cpus->count < ACPI_MAX_CPUS)
			cpus->apic_ids[cpus->count++] = p[1];
		p += 20;
	}
	cpus->source = "MP table";
}

void acpi_init(paddr_t rsdp_hint, struct platform_cpus *cpus)
{
	const struct rsdp *r = rsdp_find(rsdp_hint);
	const struct sdt_header *madt = r ? sdt_find(r, "APIC") : NULL;
	const struct sdt_header *fadt = r ? sdt_find(r, "FACP") : NULL;

	rsdp = r;
	cpus->count = 0;
	cpus->source = "none";
	if (madt)
		madt_parse(madt, cpus);
	if (!cpus->count)
		mptable_parse(cpus);
	if (fadt && fadt->length >= 68)
		pm1a_cnt = (u16)*(const u32 *)((const u8 *)fadt + 64);
	pr_info("acpi: RSDP %s, %u CPUs from %s, PM1a control port 0x%x\n",
		r ? "found" : "not found", cpus->count, cpus->source, pm1a_cnt);
}

const void *acpi_table_find(const char *sig, u32 *len)
{
	const struct sdt_header *t = rsdp ? sdt_find(rsdp, sig) : NULL;

	*len = t ? t->length : 0;
	return t;
}

void acpi_poweroff(void)
{
	irq_disable();
	/* SLP_TYP 0 with SLP_EN: S5 on QEMU's PIIX4 and Bochs (their \_S5 is 0). */
	if (pm1a_cnt)
		outw(pm1a_cnt, 0x2000);
	outb(0x64, 0xfe);	/* keyboard controller reset */
	for (;;)
		__asm__ __volatile__("hlt");
}

void acpi_reboot(void)
{
	irq_disable();
	outb(0xcf9, 0x02);	/* PIIX/ICH reset control: system reset, then full reset */
	outb(0xcf9, 0x06);
	outb(0x64, 0xfe);
	for (;;)
		__asm__ __volatile__("hlt");
}

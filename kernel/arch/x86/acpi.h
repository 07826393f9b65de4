/* The ACPI tables the core reads: MADT (CPUs) and FADT (power off); MP-table fallback. */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include "types.h"

#define ACPI_MAX_CPUS 64

struct platform_cpus {
	u32 count;
	u32 apic_ids[ACPI_MAX_CPUS];
	const char *source;	/* "ACPI MADT", "MP table" or "none" */
};

#define ACPI_MAX_IOAPICS 8

struct acpi_ioapic {
	u32 addr;		/* its registers' physical address */
	u32 gsi_base;		/* the GSI of its input 0 */
	u8 id;
};

/* rsdp_hint: the loader's copy of the RSDP, or 0 to search the BIOS areas. */
void acpi_init(paddr_t rsdp_hint, struct platform_cpus *cpus);
/* The MADT's I/O APICs (type 1 entries, at most ACPI_MAX_IOAPICS), as
 * acpi_init found them: how many, in *out. */
u32 acpi_ioapics(const struct acpi_ioapic **out);
/* The table with signature sig (4 characters) from the RSDT/XSDT, checksum
 * checked, and its length in *len; NULL when absent (or before acpi_init). */
const void *acpi_table_find(const char *sig, u32 *len);
/* ACPI soft-off (S5), then the keyboard controller reset as a last resort. */
__attribute__((noreturn)) void acpi_poweroff(void);
/* Reset through port 0xcf9, then the keyboard controller. */
__attribute__((noreturn)) void acpi_reboot(void);

#endif

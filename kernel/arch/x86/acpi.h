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

/* rsdp_hint: the loader's copy of the RSDP, or 0 to search the BIOS areas. */
void acpi_init(paddr_t rsdp_hint, struct platform_cpus *cpus);
/* The table with signature sig (4 characters) from the RSDT/XSDT, checksum
 * checked, and its length in *len; NULL when absent (or before acpi_init). */
const void *acpi_table_find(const char *sig, u32 *len);
/* ACPI soft-off (S5), then the keyboard controller reset as a last resort. */
__attribute__((noreturn)) void acpi_poweroff(void);
/* Reset through port 0xcf9, then the keyboard controller. */
__attribute__((noreturn)) void acpi_reboot(void);

#endif

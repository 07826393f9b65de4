/*
 * The host's I/O APICs (ACPI MADT type 1; Intel 82093AA datasheet §3.2),
 * for the INTx lines of passed-through devices only (pci_msi.c): the core
 * takes no device interrupt of its own. ioapic_init masks both 8259s, so
 * nothing arrives through LINT0's virtual wire either; every redirection
 * entry stays as firmware left it (masked) until ioapic_route.
 *
 * Locking: a lock of its own around the index/window register pair; callers
 * may hold pci_msi.c's (the order is theirs, then this one).
 */
#ifndef ARCH_X86_IOAPIC_H
#define ARCH_X86_IOAPIC_H

#include "types.h"

/* Once, after acpi_init, before the APs: the MADT's I/O APICs
 * (acpi_ioapics), mapped uncached; the 8259s masked. */
void ioapic_init(void);
/* gsi's entry: vector to the CPU whose local APIC ID is apic_id, fixed,
 * physical, level-triggered, active low, left masked. 0, -ENODEV (no I/O
 * APIC has gsi), -ERANGE (apic_id past 255, which needs interrupt
 * remapping, or a vector below 16). */
int ioapic_route(u32 gsi, u8 vector, u32 apic_id);
/* Masks or unmasks gsi's entry (a gsi no I/O APIC has: nothing). */
void ioapic_mask(u32 gsi, bool masked);

#endif

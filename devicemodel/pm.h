/*
 * PIIX4 power management function (00:01.3, 8086:7113) as SeaBIOS's ACPI
 * tables describe it: PM1a event/control and the PM timer at PMBASE (config
 * 0x40, enabled by 0x80 bit 0), GPE0 at 0xafe0, SCI on ISA IRQ 9, and the
 * APM control port 0xb2 through which the OS switches to ACPI mode.
 */
#ifndef DM_PM_H
#define DM_PM_H

#include "pci.h"

struct dm_pm;

/* After dm_pci_host_init. NULL on failure (logged). */
struct dm_pm *dm_pm_init(struct dm_env *env, struct dm_bus *bus);
/* A press of the ACPI fixed power button: PWRBTN_STS, and an SCI when the
 * OS enabled it (`xl shutdown` of an HVM guest). */
void dm_pm_power_button(struct dm_pm *pm);

#endif

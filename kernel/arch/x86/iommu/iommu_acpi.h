/*
 * Finding the IOMMUs: parse the firmware's DMAR table (Intel VT-d 3.x/4.x
 * §8.1-8.4: DRHD, RMRR and device scopes) or IVRS table (AMD IOMMU 3.x
 * §5.2: IVHD types 10h/11h/40h with their device entries, IVMD) into a
 * small fixed-size description. The table is hostile until checked: its
 * checksum (ACPI 6.x §5.2.6), every length against its parent and the
 * table's end, every range; anything corrupt is refused with an error and
 * nothing outside [table, table + len) is read. No allocation.
 *
 * Threading: none; the description is the caller's.
 */
#ifndef IOMMU_ACPI_H
#define IOMMU_ACPI_H

#include "types.h"

#define IOMMU_ACPI_MAX_UNITS 4		/* IOMMUs we describe */
#define IOMMU_ACPI_MAX_DEVS 64		/* device entries per unit */
#define IOMMU_ACPI_MAX_PATH 6		/* DMAR scope hops we keep */
#define IOMMU_ACPI_MAX_REGIONS 8	/* RMRR / IVMD regions */
#define IOMMU_ACPI_REGION_DEVS 8	/* device entries per region */

enum iommu_acpi_kind {
	IOMMU_ACPI_VTD = 1,	/* from a DMAR */
	IOMMU_ACPI_AMDVI = 2,	/* from an IVRS */
};

enum iommu_acpi_dev_type {
	IOMMU_DEV_PCI = 1,	/* DMAR endpoint; IVRS select or range */
	IOMMU_DEV_BRIDGE,	/* DMAR: a bridge and everything below it */
	IOMMU_DEV_IOAPIC,	/* DMAR scope / IVRS special device */
	IOMMU_DEV_HPET,
	IOMMU_DEV_ACPI,		/* DMAR namespace device / IVRS ACPI HID device */
};

/*
 * A device a unit translates. Requester ids are bus << 8 | devfn. DMAR:
 * first = last = start bus << 8 | devfn of the path's first hop, which is
 * the device itself only when hops == 1; deeper paths go through bridges
 * whose secondary bus numbers only config space knows, so path[] is kept.
 * IVRS: [first, last] inclusive; when aliased (alias entries) all their DMA
 * arrives as alias, otherwise each device uses its own id (alias = first).
 */
struct iommu_acpi_dev {
	u8 type;			/* enum iommu_acpi_dev_type */
	u8 id;				/* IOAPIC id / HPET number / ACPI device number
					 * (DMAR enumeration id, IVRS handle) */
	u8 dte;				/* IVRS: DTE setting (INITPass, NMIPass...) */
	u8 hops;			/* DMAR: entries in path[] (1..MAX_PATH); IVRS 0 */
	bool aliased;			/* IVRS alias entries */
	u16 first, last;
	u16 alias;
	u8 path[IOMMU_ACPI_MAX_PATH];	/* DMAR: devfn of each hop */
};

struct iommu_acpi_unit {
	u64 base;			/* register base, 4 KiB aligned */
	u16 segment;			/* PCI segment group */
	u16 devid;			/* IVRS: the IOMMU's own requester id */
	u16 cap_offset;			/* IVRS: its capability in config space */
	u16 info;			/* IVRS: IOMMU info (MSI number, unit id) */
	u8 type;			/* DMAR: 0 (DRHD); IVRS: 10h, 11h or 40h */
	u8 flags;			/* DRHD flags / IVHD flags */
	u8 size;			/* DRHD: register set is 2^(size + 12) bytes */
	bool include_all;		/* DMAR INCLUDE_PCI_ALL / IVRS "all" entry:
					 * every device of the segment no other unit
					 * lists */
	u8 all_dte;			/* IVRS: the "all" entry's DTE setting */
	u32 attr;			/* IVHD 10h: feature reporting; 11h/40h: attributes */
	u64 efr;			/* IVHD 11h/40h: extended feature register image */
	u32 nr_devs;
	struct iommu_acpi_dev dev[IOMMU_ACPI_MAX_DEVS];
};

/* Memory the firmware says these devices use (RMRR, IVMD): the owner
 * keeps it mapped 1:1 for them. [base, limit] inclusive, 4 KiB granular. */
struct iommu_acpi_region {
	u64 base, limit;
	u16 segment;
	u8 flags;			/* IVMD flags (unity, IR, IW, exclusion) */
	u32 nr_devs;
	struct iommu_acpi_dev dev[IOMMU_ACPI_REGION_DEVS];
};

struct iommu_acpi {
	u8 kind;			/* enum iommu_acpi_kind */
	u8 width;			/* DMAR: host address width (HAW + 1);
					 * IVRS: PASize from IVinfo */
	u8 flags;			/* DMAR flags (INTR_REMAP, X2APIC_OPT_OUT, ...) */
	u32 ivinfo;			/* IVRS: IVinfo */
	u32 nr_units;
	struct iommu_acpi_unit unit[IOMMU_ACPI_MAX_UNITS];
	u32 nr_regions;
	struct iommu_acpi_region region[IOMMU_ACPI_MAX_REGIONS];
	const char *why;		/* why the last parse failed, else NULL */
};

/*
 * Parse the table at [table, table + len) (len: what the caller can read;
 * the header's length must fit in it). 0, or: -EINVAL for a corrupt table
 * or a signature other than "DMAR"/"IVRS", -ENOSPC for more units, devices,
 * path hops or regions than the limits above, -ENODEV when it describes no
 * IOMMU. On error a->why says why and nothing else in *a is valid
 * (nr_units and nr_regions are 0).
 *
 * IVRS: of IVHD types 10h, 11h and 40h only the highest present is used,
 * the others being older descriptions of the same IOMMUs (as QEMU and
 * firmware publish them).
 */
int iommu_acpi_parse(const void *table, size_t len, struct iommu_acpi *a);
int iommu_acpi_parse_dmar(const void *table, size_t len, struct iommu_acpi *a);
int iommu_acpi_parse_ivrs(const void *table, size_t len, struct iommu_acpi *a);

#endif

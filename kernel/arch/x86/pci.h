/*
 * PCI in the core, minimal: config-space addressing (mechanism #1 and ECAM
 * from ACPI MCFG), a bounded enumeration of every bus behind bus 0 into a
 * fixed device table (BARs sized, capabilities walked), the "SSSS:BB:DD.F"
 * text form of xl's pci=, and the mediated config-write filter for a device
 * assigned to a domain. Issue 8 §1.
 *
 * Config access goes through struct pci_cfg_ops, so the file builds on the
 * host (test/unit/test_pci.c runs it on a fake bus); the kernel supplies the
 * port 0xcf8/0xcfc and the ECAM MMIO accessors, built on pci_conf1_address()
 * and pci_ecam_offset().
 *
 * Everything a device or a firmware table says is hostile until checked:
 * bridge loops, capability loops, BARs whose size is not a power of two and
 * corrupt MCFG tables are refused, never followed.
 *
 * Threading: none. Enumeration runs once at boot on one CPU; the filter is a
 * pure function of its arguments (the caller holds whatever lock guards the
 * device entry).
 */
#ifndef ARCH_X86_PCI_H
#define ARCH_X86_PCI_H

#include "types.h"

#define PCI_MAX_DEVICES 64	/* functions the table holds */
#define PCI_MAX_CAPS 48		/* capabilities recorded per function */
#define PCI_NR_BARS 6		/* type 0 header; type 1 has 2 */
#define PCI_MCFG_MAX 16		/* MCFG allocations kept */
#define PCI_CFG_SIZE 0x100	/* conventional config space (mechanism #1) */
#define PCI_ECAM_CFG_SIZE 0x1000	/* PCIe extended config space (ECAM) */

#define PCI_DEVFN(dev, fn) ((u8)((((dev) & 0x1f) << 3) | ((fn) & 7)))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 7)

/* Configuration header registers (PCI 3.0 §6.1, PCI-PCI Bridge 1.2 §3.2). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09	/* class code: prog-if 0x09, sub 0x0a, base 0x0b */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_PRIMARY_BUS 0x18	/* type 1 */
#define PCI_SECONDARY_BUS 0x19	/* type 1 */
#define PCI_SUBORDINATE_BUS 0x1a	/* type 1 */
#define PCI_ROM_BAR 0x30	/* type 0 */
#define PCI_CAP_PTR 0x34	/* type 0 and 1 */
#define PCI_BRIDGE_ROM_BAR 0x38	/* type 1 */
#define PCI_INT_LINE 0x3c
#define PCI_INT_PIN 0x3d
#define PCI_HEADER_END 0x40

#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_HEADER_MULTI 0x80

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11
#define PCI_MSIX_LEN 12		/* PCI 3.0 §6.8.2 */
#define PCI_MSI_CTL_ENABLE (1u << 0)	/* MSI message control (§6.8.1.3) */
#define PCI_MSI_CTL_64BIT (1u << 7)
#define PCI_MSI_CTL_MASKABLE (1u << 8)	/* per-vector mask and pending bits */
#define PCI_MSIX_CTL_MASKALL (1u << 14)	/* MSI-X message control (§6.8.2.3) */
#define PCI_MSIX_CTL_ENABLE (1u << 15)
#define PCI_MSIX_ENTRY 16		/* bytes of one MSI-X table entry (§6.8.2.6) */
#define PCI_MSIX_ENTRY_DATA 8
#define PCI_MSIX_ENTRY_CTRL 12		/* vector control: bit 0 masks */

/* Mechanism #1 I/O ports (PCI 3.0 §3.2.2.3.2). */
#define PCI_CONF1_ADDRESS_PORT 0xcf8
#define PCI_CONF1_DATA_PORT 0xcfc

/*
 * Config-space access. reg is naturally aligned to size (1, 2 or 4) and
 * below the mechanism's limit (pci_cfg_access_ok); read returns the value
 * in the low size bytes (a missing function reads all-ones). seg is 0 for
 * mechanism #1.
 */
struct pci_cfg_ops {
	u32 (*read)(void *ctx, u16 seg, u8 bus, u8 devfn, u16 reg, u8 size);
	void (*write)(void *ctx, u16 seg, u8 bus, u8 devfn, u16 reg, u8 size, u32 val);
	void *ctx;
};

/* size is 1, 2 or 4, reg is a multiple of it and reg + size <= limit. */
bool pci_cfg_access_ok(u16 reg, u8 size, u16 limit);
/* CONFIG_ADDRESS for the dword holding reg: enable bit 31, bus 23:16,
 * device 15:11, function 10:8, register 7:2 (§3.2.2.3.2). */
u32 pci_conf1_address(u8 bus, u8 devfn, u8 reg);
/* The CONFIG_DATA port for reg's byte lane: 0xcfc + (reg & 3). */
u16 pci_conf1_data_port(u8 reg);
/* Offset from the bus-0 ECAM base: bus 27:20, device 19:15, function 14:12,
 * register 11:0 (PCIe Base §7.2.2); reg above 0xfff is masked to 12 bits
 * (check with pci_cfg_access_ok first). */
u32 pci_ecam_offset(u8 bus, u8 devfn, u16 reg);

/* One MCFG allocation (PCI Firmware 3.x §4.1.2): base is where bus 0 of the
 * segment would be; buses start_bus..end_bus are decoded. */
struct pci_mcfg_region {
	u64 base;
	u16 seg;
	u8 start_bus, end_bus;
};

struct pci_mcfg {
	u32 count;
	struct pci_mcfg_region region[PCI_MCFG_MAX];
};

/*
 * Parses an MCFG table of len mapped bytes into *out; *out is written only
 * on success. -EINVAL for a corrupt table (signature, length, checksum, an
 * allocation with end < start, a base not 1 MiB aligned or zero, a range
 * that wraps, overlapping allocations of one segment), -ENOENT for a table
 * without allocations, -E2BIG for more than PCI_MCFG_MAX.
 */
int pci_mcfg_parse(const void *table, size_t len, struct pci_mcfg *out);
/* The allocation decoding seg:bus, or NULL. */
const struct pci_mcfg_region *pci_mcfg_find(const struct pci_mcfg *m, u16 seg, u8 bus);
/* Physical address of seg:bus:devfn reg through ECAM: -ENODEV when no
 * allocation decodes the bus, -EINVAL when reg is past 0xfff. */
int pci_ecam_address(const struct pci_mcfg *m, u16 seg, u8 bus, u8 devfn, u16 reg,
		     u64 *pa);

enum pci_bar_type {
	PCI_BAR_NONE,		/* not implemented (reads 0 after all-ones) */
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,		/* the next slot is its PCI_BAR_UPPER half */
	PCI_BAR_UPPER,		/* upper dword of the 64-bit BAR in the slot before */
	PCI_BAR_BAD,		/* refused: size not a power of two, reserved type, ... */
};

struct pci_bar {
	u64 base;		/* address as programmed, type bits cleared */
	u64 size;		/* bytes decoded; 0 unless IO, MEM32 or MEM64 */
	u8 type;		/* enum pci_bar_type */
	bool prefetch;
};

/* pci_dev.flags: oddities seen while reading the function. The core should
 * refuse to assign a function with any of them. */
#define PCI_DEV_CAP_BAD (1u << 0)	/* capability walk stopped on a bad pointer or a loop */
#define PCI_DEV_BAR_BAD (1u << 1)	/* a BAR was refused */

/*
 * One function as enumeration found it. Written by pci_enumerate; later,
 * only pci_filter_commit changes a BAR's base (caller holds the device's
 * lock).
 */
struct pci_dev {
	u16 seg;
	u8 bus, devfn;
	u16 vendor, device;
	u32 class_code;		/* base 23:16, sub-class 15:8, prog-if 7:0 */
	u8 revision;
	u8 hdr_type;		/* header layout, bits 6:0 of the header type register */
	bool multifunction;	/* header type bit 7 */
	u8 irq_pin, irq_line;
	u8 sec_bus, sub_bus;	/* type 1: secondary and subordinate bus numbers */
	u8 msi_cap, msi_len;	/* MSI capability offset (0: none), its length in bytes */
	u8 msix_cap;		/* MSI-X capability offset (0: none); length PCI_MSIX_LEN */
	u16 msix_entries;	/* MSI-X table size (message control 10:0, plus one) */
	u32 msix_table, msix_pba;	/* BIR 2:0, offset 31:3, as read */
	u8 nr_caps;
	u8 cap_off[PCI_MAX_CAPS];
	u8 cap_id[PCI_MAX_CAPS];
	u16 flags;		/* PCI_DEV_* */
	struct pci_bar bar[PCI_NR_BARS];
};

/* The device table: every function enumeration found, in walk order. */
struct pci_table {
	u32 count;
	u32 overflow;		/* functions found while the table was full */
	u32 refused;		/* bridges not followed: loops, numbers outside the parent's range */
	u32 buses;		/* buses scanned */
	struct pci_dev dev[PCI_MAX_DEVICES];
};

void pci_table_init(struct pci_table *t);
/*
 * Walks segment seg from first_bus through PCI-PCI bridges (each bus at most
 * once, only buses first_bus..last_bus, a bridge's buses inside its parent's
 * range), appending each function to t: header fields, capabilities, sized
 * BARs (decode is off in the command register while a BAR holds all-ones;
 * every register is restored). Bridges are followed with an explicit bus
 * stack, depth-first, so a hostile depth cannot overflow the kernel stack.
 * Returns 0, or -EINVAL when first_bus > last_bus.
 */
int pci_enumerate(struct pci_table *t, const struct pci_cfg_ops *ops, u16 seg, u8 first_bus,
		  u8 last_bus);
struct pci_dev *pci_lookup(struct pci_table *t, u16 seg, u8 bus, u8 devfn);

#define PCI_SBDF_LEN 13		/* "0000:00:03.0" and its NUL */

/* The mediated config-write filter for a function assigned to a domain. */
enum pci_verdict {
	PCI_WRITE_DROP,		/* ignore the write */
	PCI_WRITE_ALLOW,	/* write to hardware as pci_write_decision says */
	PCI_WRITE_EMULATE,	/* answer in software; emul says which emulation */
};

enum pci_emul {
	PCI_EMUL_NONE,
	PCI_EMUL_BAR_SIZING,	/* reads of the BAR return value until its next write */
	PCI_EMUL_MSI,		/* hand the write to the MSI emulation */
	PCI_EMUL_MSIX,		/* hand the write to the MSI-X emulation */
};

/*
 * What to do with one write. ALLOW: read-modify-write reg/size with
 * (hw & ~mask) | (value & mask) (mask all-ones over size: a plain write;
 * reg/size may be narrower than asked); if bar >= 0, then call
 * pci_filter_commit. EMULATE: see emul. DROP: why names the rule.
 */
struct pci_write_decision {
	u8 verdict;		/* enum pci_verdict */
	u8 emul;		/* enum pci_emul */
	u16 reg;
	u8 size;
	u32 value;
	u32 mask;
	int bar;		/* BAR slot whose base the write moves, or -1 */
	u64 new_base;		/* that BAR's base once written */
	const char *why;
};

struct pci_filter_ops {
	/* Does the domain own all of [base, base + size)? io: port space,
	 * else memory. Required. */
	bool (*owns)(void *ctx, const struct pci_dev *dev, bool io, u64 base, u64 size);
	/* Decides a write into the MSI (cap_id 0x05) or MSI-X (0x11) capability
	 * (off from the capability's start): no side effects here, the caller
	 * acts on the verdict. A dword write at off 0 carries the two header
	 * bytes too, which the emulation ignores. NULL: every such write is
	 * EMULATE. */
	u8 (*msi)(void *ctx, const struct pci_dev *dev, u8 cap_id, u16 off, u8 size,
		  u32 value);
	void *ctx;
};

/*
 * Decides a domain's write of size bytes of value at reg of dev, in this
 * order: the header (command: only memory, I/O, bus master and INTx disable
 * change; BARs: sizing emulated, a new base only inside what the domain
 * owns; expansion ROM and every other header register dropped), the MSI and
 * MSI-X capabilities (ops->msi), other capability headers (dropped), the
 * PCIe extended space 0x100-0xfff (dropped, below), the rest allowed.
 * Side-effect free. Returns 0, or -EINVAL for a malformed access (d then
 * says DROP).
 *
 * Extended capabilities (PCIe Base §7.6 on) are readable and never writable
 * by a domain: none is both needed by the drivers here and safe. ATS, PRI
 * and PASID reach past the IOMMU's translation; ACS turned off lets one
 * function's DMA reach a peer without it; SR-IOV creates functions and BARs
 * the core never enumerated; Resizable BAR moves BAR sizes under the p2m
 * mapping; AER masks and severities hide or escalate errors the platform
 * sees; L1 PM substates, LTR and DPC can take the link down; vendor-specific
 * ones (VSEC, DVSEC) mean anything. Read-only costs a driver AER status
 * clearing only.
 */
int pci_filter_write(const struct pci_dev *dev, const struct pci_filter_ops *ops, u16 reg,
		     u8 size, u32 value, struct pci_write_decision *d);
/* After an allowed BAR write reached the hardware: records the new base. */
void pci_filter_commit(struct pci_dev *dev, const struct pci_write_decision *d);

/* The message of a fixed, edge-triggered MSI of vector to the CPU whose
 * local APIC ID is apic_id, physical destination mode (SDM Vol. 3
 * §10.11.1-10.11.2): false when apic_id does not fit the 8-bit field
 * (that needs interrupt remapping) or vector is below 16. */
bool pci_msi_message(u32 apic_id, u8 vector, u32 *addr, u32 *data);
/* Where dev's MSI-X table lies (PCI 3.0 §6.8.2.4): its BAR slot and the
 * host-physical [*lo, *hi) of its entries, or false when dev has none or
 * the table is not wholly inside a memory BAR of dev. */
bool pci_msix_table(const struct pci_dev *dev, int *bar, u64 *lo, u64 *hi);

/* The chipset whose INTx wiring pci_intx_gsi knows: QEMU's q35, an ICH9
 * LPC bridge (8086:2918) at 00:1f.0. */
#define PCI_ICH9_LPC_DEVFN PCI_DEVFN(0x1f, 0)
#define PCI_ICH9_LPC_ID 0x29188086u	/* device << 16 | vendor */
/*
 * The I/O APIC input (GSI) that dev's INTx pin reaches, or -1 when dev has
 * no pin, the chipset is not one whose wiring is known, or a bus on the way
 * up has no bridge in t. The way up: through each PCI-PCI bridge the pin
 * turns by the device number (PCI-PCI Bridge 1.2 §9.1: INTA of device d
 * arrives as INT((A + d) mod 4) on the bridge's own pin). On bus 0 of the
 * q35: devices 0-24 rotate INTA-D over PIRQE-H ((device + pin) mod 4, +4);
 * devices 25-31 are routed by the D25IR-D31IR registers, whose reset value
 * (INTA-D to PIRQA-D) firmware keeps there; PIRQn is I/O APIC input 16 + n,
 * level-triggered (ICH9 datasheet §5.9; QEMU's DSDT says the same). The
 * ACPI _PRT is the general answer; the core reads no AML.
 */
int pci_intx_gsi(const struct pci_table *t, const struct pci_dev *dev);

#endif

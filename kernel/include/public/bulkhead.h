/*
 * Bulkhead's own hypercall operations (not Xen's): domain control for the
 * toolstack in Dom0, and the start-of-day contract of runtime domains.
 * Every field is fixed-width with explicit padding; IN/OUT mark direction.
 * Only a privileged domain (Dom0) may call __HYPERVISOR_bulkhead_domctl;
 * others get -EPERM.
 */
#ifndef PUBLIC_BULKHEAD_H
#define PUBLIC_BULKHEAD_H

#include "xen.h"
#include "pci.h"

/* Xen's domctl number, with Bulkhead's own structure and commands. */
#define __HYPERVISOR_bulkhead_domctl 36
#define BULKHEAD_DOMCTL_VERSION 1

#define BH_DOMCTL_create 1		/* u.create */
#define BH_DOMCTL_destroy 2		/* domid */
#define BH_DOMCTL_pause 3		/* domid */
#define BH_DOMCTL_unpause 4		/* domid */
#define BH_DOMCTL_shutdown 5		/* domid, u.shutdown */
#define BH_DOMCTL_load 6		/* domid, u.load: copy caller memory into the domain */
#define BH_DOMCTL_set_vcpu 7		/* domid, u.vcpu: start state of one vCPU */
#define BH_DOMCTL_list 8		/* u.list: struct bh_dominfo array */
#define BH_DOMCTL_physinfo 9		/* u.physinfo */
#define BH_DOMCTL_console_read 10	/* u.console: the hypervisor's log ring */
#define BH_DOMCTL_set_max_mem 11	/* domid, u.max_mem */
#define BH_DOMCTL_map_foreign 12	/* domid, u.foreign: map its frame into the caller */
#define BH_DOMCTL_unmap_foreign 13	/* u.foreign.local_gpa */
#define BH_DOMCTL_vcpu_list 14		/* domid, u.vcpus */
#define BH_DOMCTL_set_name 15		/* domid, u.create.name (rename) */
#define BH_DOMCTL_set_dm 16		/* domid = an HVM guest, u.set_dm: its device model */
#define BH_DOMCTL_pci_list 17		/* u.pci_list (public/pci.h) */
#define BH_DOMCTL_pci_assign 18		/* domid, u.pci (public/pci.h) */
#define BH_DOMCTL_pci_deassign 19	/* domid, u.pci */

/* Domain flags (struct bh_dominfo.flags). */
#define BH_DOMINF_running (1u << 0)	/* some vCPU on a pCPU right now */
#define BH_DOMINF_blocked (1u << 1)	/* every vCPU blocked */
#define BH_DOMINF_paused (1u << 2)
#define BH_DOMINF_shutdown (1u << 3)	/* shut down; reason in shutdown_reason */
#define BH_DOMINF_dying (1u << 4)
#define BH_DOMINF_privileged (1u << 5)

/* Create flags. */
#define BH_CREATE_privileged (1u << 0)	/* Dom0 only, at boot: refused here */
#define BH_CREATE_hvm (1u << 1)		/* starts in real mode at the reset vector */

/*
 * An HVM guest (BH_CREATE_hvm) has the PC's memory map:
 *   RAM       [0, 0xa0000)  [0xc0000, low_end)  [4 GiB, 4 GiB + mem - low_end)
 *             with low_end = min(mem, BH_HVM_LOW_MEM_END)
 *   firmware  [4 GiB - 256 KiB, 4 GiB): RAM pages the toolstack loads the BIOS
 *             into (bios.bin at its end: 4 GiB - 128 KiB); it also copies
 *             the BIOS's last 128 KiB to 0xe0000 (the "isa-bios" alias).
 *   special [BH_HVM_SPECIAL_BASE, +BH_HVM_SPECIAL_PAGES pages): RAM for the
 *             PV rings a stock Xen-aware guest finds through HVM params (as
 *             Xen's "special pages" below 0xff000000): the xenstore page
 *             (HVM_PARAM_STORE_PFN) first, then the PV console page
 *             (HVM_PARAM_CONSOLE_PFN); the device model marks them reserved
 *             in the guest's e820.
 *   anything else (VGA hole, PCI hole, LAPIC aside) is MMIO: every access is
 *   forwarded to the device model. The local APIC page (0xfee00000, or where
 *   the guest moves it) is the core's.
 * vCPU 0 starts at the reset vector (CS 0xf000 base 0xffff0000, IP 0xfff0,
 * EDX = CPUID 1 EAX); the others wait for INIT-SIPI-SIPI. A guest may not be
 * unpaused before BH_DOMCTL_set_dm named its device model.
 */
#define BH_HVM_LOW_MEM_END 0xe0000000ull
#define BH_HVM_FIRMWARE_BASE 0xfffc0000ull
#define BH_HVM_SPECIAL_BASE 0xfeffe000ull
#define BH_HVM_SPECIAL_PAGES 2
#define BH_HVM_STORE_GPA BH_HVM_SPECIAL_BASE
#define BH_HVM_CONSOLE_GPA (BH_HVM_SPECIAL_BASE + 0x1000)

struct bh_create {
	char name[64];		/* IN, NUL-terminated */
	uint32_t nr_vcpus;	/* IN, 1..64 */
	uint32_t mem_mib;	/* IN: RAM at guest-physical 0 .. mem_mib MiB */
	uint32_t max_mem_mib;	/* IN: 0 = mem_mib */
	uint32_t flags;		/* IN: BH_CREATE_* */
	uint16_t domid;		/* OUT */
	uint16_t pad[3];
};

struct bh_load {
	uint64_t gpa;		/* IN: destination in the domain */
	uint64_t buf;		/* IN: source, caller's virtual address */
	uint64_t len;		/* IN */
};

/* Start state of a vCPU; the domain stays paused until BH_DOMCTL_unpause. */
struct bh_vcpu_start {
	uint32_t vcpu;		/* IN */
	uint32_t mode;		/* IN: 0 real (cs_sel/cs_base/rip), 1 long (rip/rsp/cr3/gdt) */
	uint64_t rip, rsp, cr3, gdt_base;
	uint16_t gdt_limit, cs_sel;
	uint32_t pad;
	uint64_t cs_base;
	uint64_t rdi, rsi, rdx;	/* IN: initial argument registers */
};

struct bh_dominfo {
	uint16_t domid;
	uint16_t pad;
	uint32_t flags;			/* BH_DOMINF_* */
	uint32_t shutdown_reason;	/* SHUTDOWN_*, valid with BH_DOMINF_shutdown */
	uint32_t nr_vcpus;
	uint32_t online_vcpus;
	uint32_t pad2;
	uint64_t mem_kib;		/* RAM currently mapped */
	uint64_t max_mem_kib;
	uint64_t cpu_time_ns;		/* all vCPUs together */
	char name[64];
};

struct bh_list {
	uint16_t first_domid;	/* IN: list domains with id >= this */
	uint16_t pad;
	uint32_t max;		/* IN: entries room in buf */
	uint64_t buf;		/* IN: struct bh_dominfo[max], caller's virtual address */
	uint32_t count;		/* OUT */
	uint32_t pad2;
};

#define BH_VIRT_CAP_VMX 1u	/* Intel VMX with EPT */
#define BH_VIRT_CAP_SVM 2u	/* AMD SVM with NPT */

struct bh_physinfo {
	uint32_t nr_cpus;	/* OUT */
	uint32_t cpu_khz;	/* OUT: TSC frequency */
	uint64_t total_pages;	/* OUT: 4 KiB frames of RAM */
	uint64_t free_pages;	/* OUT */
	uint32_t virt_caps;	/* OUT: BH_VIRT_CAP_* */
	uint32_t pad;
	uint64_t uptime_ns;	/* OUT: since the core started */
	char cmdline[1024];	/* OUT: the hypervisor's command line */
	char vendor[16];	/* OUT: CPU vendor string */
};

struct bh_console {
	uint64_t buf;		/* IN: caller's virtual address */
	uint32_t size;		/* IN */
	uint32_t clear;		/* IN: 1 = clear the ring after reading */
	uint32_t len;		/* OUT: bytes copied */
	uint32_t pad;
};

struct bh_foreign {
	uint64_t gpa;		/* IN: frame of the target domain */
	uint64_t local_gpa;	/* IN: where it appears in the caller (must be unpopulated) */
};

struct bh_vcpuinfo {
	uint32_t vcpu, pcpu;
	uint32_t state;		/* 0 running, 1 runnable, 2 blocked, 3 down */
	uint32_t pad;
	uint64_t cpu_time_ns;
};

struct bh_vcpus {
	uint32_t max;		/* IN */
	uint32_t count;		/* OUT */
	uint64_t buf;		/* IN: struct bh_vcpuinfo[max] */
};

struct bh_domctl {
	uint32_t cmd;		/* IN: BH_DOMCTL_* */
	uint32_t version;	/* IN: BULKHEAD_DOMCTL_VERSION */
	uint16_t domid;		/* IN: target, where the command has one */
	uint16_t pad[3];
	union {
		struct bh_create create;
		struct { uint32_t reason; uint32_t pad; } shutdown;
		struct bh_load load;
		struct bh_vcpu_start vcpu;
		struct bh_list list;
		struct bh_physinfo physinfo;
		struct bh_console console;
		struct { uint64_t mib; } max_mem;
		struct bh_foreign foreign;
		struct bh_vcpus vcpus;
		struct { uint16_t dm_domid; uint16_t pad[3]; } set_dm;	/* IN */
		struct bh_pci_list pci_list;
		struct { uint32_t sbdf; uint32_t pad; } pci;		/* IN */
		uint8_t raw[1152];
	} u;
};

/*
 * Start of day of runtime domains (Dom0, driver domains, device models):
 * 64-bit mode, paging as for test guests (identity map of 0-4 GiB with 2 MiB
 * pages at 0x1000-0x6fff, GDT at 0x7000), RIP = ELF entry, RSP = top of RAM,
 * RDI = guest-physical address of a flattened device tree (DTSpec v17) with:
 *   /chosen        bootargs (string), bulkhead,domid (u32), bulkhead,privileged (empty, Dom0 only)
 *   /memory@0      reg = <0 0 HI LO> (address and size cells 2)
 *   /cpus/cpu@N    one node per vCPU, reg = <N>
 *   /hypervisor    compatible = "xen,xen-4.17", "xen,xen";
 *                  bulkhead,store-pfn, bulkhead,store-evtchn,
 *                  bulkhead,console-pfn, bulkhead,console-evtchn (u32 each; absent for Dom0)
 *   /modules/module@N  (Dom0: its boot modules after its own image) reg = <GPA_HI GPA_LO SIZE_HI SIZE_LO>,
 *                  bootargs (the module's string)
 * Modules are copied page-aligned right after the image's highest address, the
 * tree after them (all page-aligned); the runtime's heap starts above the tree.
 */

#endif

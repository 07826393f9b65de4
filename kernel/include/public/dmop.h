/*
 * Device-model operations (Bulkhead's own; Xen's dm_op number). The caller
 * must be the device model of the target guest: the domain Dom0 named with
 * BH_DOMCTL_set_dm (bulkhead.h). Anyone else gets -EPERM, whatever it is
 * (Dom0 included): a device model serves exactly one guest and a guest has
 * at most one device model.
 *
 *   long dm_op(struct bh_dmop *op)          RDI = caller's virtual address
 *
 * Returns 0 or a negative Xen errno; out fields are written back.
 */
#ifndef PUBLIC_DMOP_H
#define PUBLIC_DMOP_H

#include <stdint.h>

#define __HYPERVISOR_bulkhead_dmop 41
#define BULKHEAD_DMOP_VERSION 1

#define BH_DMOP_ioreq_setup 1	/* u.setup: map the ioreq page, get one port per vCPU */
#define BH_DMOP_copy 2		/* u.copy: between guest RAM and the caller's memory */
#define BH_DMOP_msi 4		/* u.msi: deliver an MSI-format message (also the IOAPIC's) */
#define BH_DMOP_extint 5	/* u.extint: the 8259's INTA done, deliver vector via LINT0 */
#define BH_DMOP_set_mem_type 6	/* u.mem: RAM read-write / read-only (ROM) */
#define BH_DMOP_shutdown 7	/* u.shutdown: the guest powers off, reboots, crashes */

/* Memory types (BH_DMOP_set_mem_type). */
#define BH_MEM_RAM_RW 0
#define BH_MEM_RAM_RO 1	/* reads from RAM; writes forwarded as IOREQ_TYPE_COPY writes */

struct bh_dmop_setup {
	uint64_t local_gpa;	/* IN: unpopulated page of the caller for the ioreq page */
	uint32_t nr_vcpus;	/* OUT: the guest's vCPUs = slots in use */
	uint32_t pad;
	uint32_t ports[64];	/* OUT: the caller's port for vCPU i (also in slot i's vp_eport) */
};

/* Copies len bytes (at most BH_DMOP_COPY_MAX) between guest RAM at
 * guest_gpa and the caller's virtual address buf. -EFAULT when any part of
 * the guest range is not RAM (or read-only, for a write), or buf is bad:
 * nothing is then guaranteed about the bytes copied before the fault. */
#define BH_DMOP_COPY_MAX (1u << 20)
#define BH_DMOP_COPY_FROM_GUEST 0
#define BH_DMOP_COPY_TO_GUEST 1
struct bh_dmop_copy {
	uint64_t guest_gpa;	/* IN */
	uint64_t buf;		/* IN: caller's virtual address */
	uint32_t len;		/* IN */
	uint32_t dir;		/* IN: BH_DMOP_COPY_* */
};

/*
 * An MSI message, x86 format (SDM Vol 3A 11.11): address 0xfeeXXXXX with the
 * destination APIC id in bits 19:12 and logical destination mode in bit 2;
 * data: vector 7:0, delivery mode 10:8 (0 fixed, 1 lowest priority, 4 NMI,
 * 5 INIT, 7 ExtINT), level-triggered bit 15. A level-triggered vector's EOI is
 * reported in struct bh_ioreq_ext.eoi_vectors.
 */
struct bh_dmop_msi {
	uint64_t addr;
	uint32_t data;
	uint32_t pad;
};

/* The 8259 pair's INTR output: the device model did the INTA cycle itself
 * (ISR set, IRR cleared) and asks for `vector` to be taken by the vCPU whose
 * LINT0 accepts ExtINT (vCPU 0 in practice), in FIFO order (16 at most:
 * -EBUSY beyond). BH_EXTINT_CANCEL instead drops every vector not yet taken
 * (the guest re-programmed or masked the 8259 meanwhile). */
#define BH_EXTINT_CANCEL 0x100
struct bh_dmop_extint {
	uint32_t vector;
	uint32_t pad;
};

struct bh_dmop_mem {
	uint64_t first_gfn;
	uint64_t nr;
	uint32_t type;		/* BH_MEM_* */
	uint32_t pad;
};

struct bh_dmop_shutdown {
	uint32_t reason;	/* SHUTDOWN_poweroff 0, SHUTDOWN_reboot 1, SHUTDOWN_crash 3 */
	uint32_t pad;
};

struct bh_dmop {
	uint32_t cmd;		/* IN: BH_DMOP_* */
	uint32_t version;	/* IN: BULKHEAD_DMOP_VERSION */
	uint16_t target;	/* IN: the guest's domid */
	uint16_t pad[3];
	union {
		struct bh_dmop_setup setup;
		struct bh_dmop_copy copy;
		struct bh_dmop_msi msi;
		struct bh_dmop_extint extint;
		struct bh_dmop_mem mem;
		struct bh_dmop_shutdown shutdown;
		uint8_t raw[288];
	} u;
};

#endif

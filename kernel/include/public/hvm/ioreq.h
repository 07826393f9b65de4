/*
 * Exit forwarding, core <-> device model (DESIGN §2): Xen's hvm/ioreq.h
 * layout, written from the published description. One 4 KiB page per HVM
 * guest holds one 32-byte request slot per guest vCPU (slot i = vCPU i), and
 * Bulkhead's own extension at BH_IOREQ_EXT_OFFSET.
 *
 * Protocol for one slot:
 *   core: fills the slot, state = STATE_IOREQ_READY (store-release), signals
 *         the slot's event channel (vp_eport: the device model's port), blocks
 *         the vCPU.
 *   dm:   sees READY (load-acquire), may set INPROCESS, performs the access;
 *         for a read it writes data (or, with data_is_ptr, the guest memory
 *         at data); then state = STATE_IORESP_READY (store-release) and
 *         EVTCHNOP_send on vp_eport.
 *   core: on the send, takes the response, state = STATE_IOREQ_NONE,
 *         completes the instruction, and the vCPU runs again.
 * The device model never sees guest registers: port or guest-physical
 * address, size, count, direction, data.
 */
#ifndef PUBLIC_HVM_IOREQ_H
#define PUBLIC_HVM_IOREQ_H

#include <stdint.h>

#define IOREQ_READ 1
#define IOREQ_WRITE 0

#define STATE_IOREQ_NONE 0
#define STATE_IOREQ_READY 1
#define STATE_IOREQ_INPROCESS 2
#define STATE_IORESP_READY 3

#define IOREQ_TYPE_PIO 0	/* port I/O: addr = port */
#define IOREQ_TYPE_COPY 1	/* MMIO: addr = guest-physical address */

/*
 * count > 1 only with data_is_ptr (REP INS/OUTS, REP MOVS/STOS): element i
 * is at guest-physical data + i*size (data - i*size when df). The core keeps
 * a request's elements inside one guest page; a longer REP continues with a
 * new request. For an MMIO REP MOVS between two MMIO addresses the core
 * issues one element at a time.
 */
struct ioreq {
	uint64_t addr;		/* port, or guest-physical address */
	uint64_t data;		/* value (low size bytes), or a guest-physical pointer */
	uint32_t count;		/* elements, >= 1 */
	uint32_t size;		/* 1, 2, 4 or 8 bytes per element */
	uint32_t vp_eport;	/* the device model's event channel for this vCPU */
	uint16_t _pad0;
	uint8_t state:4;	/* STATE_* */
	uint8_t data_is_ptr:1;	/* data is a guest-physical address */
	uint8_t dir:1;		/* IOREQ_READ or IOREQ_WRITE */
	uint8_t df:1;		/* RFLAGS.DF: elements go downwards */
	uint8_t _pad1:1;
	uint8_t type;		/* IOREQ_TYPE_* */
};
typedef struct ioreq ioreq_t;

_Static_assert(sizeof(struct ioreq) == 32, "ioreq_t is 32 bytes");

#define BH_IOREQ_MAX_VCPUS 64

/*
 * Bulkhead's extension, after the 64 slots: the level-triggered vectors the
 * guest EOI'd in its local APIC (so the device model's IOAPIC can clear
 * Remote IRR and re-deliver a still-asserted line). The core sets bits with
 * atomic OR and signals vCPU 0's port; the device model takes them with an
 * atomic exchange to zero, word by word.
 */
#define BH_IOREQ_EXT_OFFSET (BH_IOREQ_MAX_VCPUS * 32)
struct bh_ioreq_ext {
	uint64_t eoi_vectors[4];	/* bit v: vector v was EOI'd while its TMR bit was set */
	uint32_t extint_queued;		/* ExtINT vectors queued by BH_DMOP_extint, not yet taken */
	uint32_t pad;
};

struct bh_ioreq_page {
	struct ioreq vcpu_ioreq[BH_IOREQ_MAX_VCPUS];
	struct bh_ioreq_ext ext;
};

#endif

/*
 * Block devices over a shared ring (Xen's io/blkif.h layout, x86-64 ABI,
 * REFERENCE §4): the frontend puts requests on one 4 KiB page (io/ring.h),
 * each naming up to 11 granted 4 KiB pages and the 512-byte sectors used in
 * each; the backend answers every request with a response carrying its id.
 *
 * Slots are 112 bytes, so a one-page ring holds 32. Sector numbers are
 * always in 512-byte units, whatever the backend's "sector-size" says.
 * A segment covers sectors first_sect..last_sect (inclusive, 0-7) of its
 * page; a request covers the segments in order, contiguous on the disk
 * from sector_number.
 *
 * xenstore (backend /local/domain/B/backend/vbd/F/V, frontend
 * /local/domain/F/device/vbd/V): the backend writes sectors, info (VDISK_*),
 * sector-size, feature-flush-cache, feature-barrier, then InitWait; the
 * frontend writes ring-ref, event-channel, protocol (XEN_IO_PROTO_ABI_X86_64),
 * then Initialised; the backend maps the ring, binds the channel, Connected.
 *
 * Optional features, as Xen's io/blkif.h names them. Backend keys:
 *   max-ring-page-order N        the frontend may use a ring of 2^N pages
 *   multi-queue-max-queues N     the frontend may use up to N rings
 *   feature-max-indirect-segments N   BLKIF_OP_INDIRECT with up to N segments
 *   feature-persistent 1         the backend may keep data grants mapped
 *   feature-discard 1, discard-granularity, discard-alignment (bytes),
 *   discard-secure 0|1           BLKIF_OP_DISCARD
 * Frontend keys: ring-page-order N, then ring-ref0..ring-ref(2^N-1) for the
 * ring's pages in order (absent: the one "ring-ref"); multi-queue-num-queues
 * M > 1, then queue-0..queue-(M-1)/{ring-ref*,event-channel} instead of the
 * top-level ones; feature-persistent 1 (the frontend reuses its grants, so
 * the backend may keep them mapped until the ring is torn down).
 */
#ifndef PUBLIC_IO_BLKIF_H
#define PUBLIC_IO_BLKIF_H

#include <stddef.h>
#include <stdint.h>
#include "public/grant_table.h"
#include "public/io/ring.h"

typedef uint16_t blkif_vdev_t;
typedef uint64_t blkif_sector_t;

/* request operation */
#define BLKIF_OP_READ 0
#define BLKIF_OP_WRITE 1
#define BLKIF_OP_WRITE_BARRIER 2	/* write, ordered after everything before it */
#define BLKIF_OP_FLUSH_DISKCACHE 3	/* completes once earlier writes are stable */
#define BLKIF_OP_RESERVED_1 4
#define BLKIF_OP_DISCARD 5		/* struct blkif_request_discard */
#define BLKIF_OP_INDIRECT 6		/* segments in granted pages (feature-max-indirect-segments) */

#define BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define BLKIF_SECTOR_SHIFT 9
#define BLKIF_SECTORS_PER_PAGE 8	/* first_sect, last_sect <= 7 */

/* response status */
#define BLKIF_RSP_EOPNOTSUPP (-2)
#define BLKIF_RSP_ERROR (-1)
#define BLKIF_RSP_OKAY 0

/* "info" bits */
#define VDISK_CDROM 0x1
#define VDISK_REMOVABLE 0x2
#define VDISK_READONLY 0x4

/* "protocol" of a 64-bit x86 frontend (the only layout here) */
#define XEN_IO_PROTO_ABI_X86_64 "x86_64-abi"

struct blkif_request_segment {
	grant_ref_t gref;	/* the page */
	uint8_t first_sect;	/* first and last 512-byte sector used in it */
	uint8_t last_sect;
	uint16_t pad;
};

struct blkif_request {
	uint8_t operation;	/* BLKIF_OP_* */
	uint8_t nr_segments;	/* 1-11 for read/write, 0 for flush */
	blkif_vdev_t handle;	/* ignored by backends (one device per ring) */
	uint32_t pad;
	uint64_t id;		/* echoed in the response */
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

/* BLKIF_OP_DISCARD (feature-discard): the sectors' contents become undefined. */
#define BLKIF_DISCARD_SECURE 0x1
struct blkif_request_discard {
	uint8_t operation;
	uint8_t flag;		/* BLKIF_DISCARD_SECURE */
	blkif_vdev_t handle;
	uint32_t pad;
	uint64_t id;
	blkif_sector_t sector_number;
	uint64_t nr_sectors;
};

/* BLKIF_OP_INDIRECT (feature-max-indirect-segments): a read or write whose
 * segments (struct blkif_request_segment, 512 per page) are in granted pages
 * indirect_grefs[0 .. ceil(nr_segments / 512) - 1]. The response carries
 * indirect_op as its operation (Linux's blkfront checks that it does). */
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST 8
#define BLKIF_SEGS_PER_INDIRECT_FRAME 512	/* 4096 / sizeof(struct blkif_request_segment) */
struct blkif_request_indirect {
	uint8_t operation;	/* BLKIF_OP_INDIRECT */
	uint8_t indirect_op;	/* BLKIF_OP_READ or BLKIF_OP_WRITE */
	uint16_t nr_segments;	/* 1 .. the backend's feature-max-indirect-segments */
	uint32_t pad;
	uint64_t id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	uint16_t pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint32_t pad3;		/* 64 bytes in all */
};

struct blkif_response {
	uint64_t id;		/* the request's */
	uint8_t operation;	/* the request's */
	uint8_t pad;
	int16_t status;		/* BLKIF_RSP_* */
	uint32_t pad2;
};

_Static_assert(sizeof(struct blkif_request_segment) == 8, "segment is 8 bytes");
_Static_assert(offsetof(struct blkif_request, id) == 8, "id at 8");
_Static_assert(offsetof(struct blkif_request, sector_number) == 16, "sector at 16");
_Static_assert(offsetof(struct blkif_request, seg) == 24, "segments at 24");
_Static_assert(sizeof(struct blkif_request) == 112, "request slot is 112 bytes");
_Static_assert(sizeof(struct blkif_request_discard) <= sizeof(struct blkif_request),
	       "discard fits a slot");
_Static_assert(offsetof(struct blkif_request_indirect, indirect_op) == 1, "indirect_op at 1");
_Static_assert(offsetof(struct blkif_request_indirect, nr_segments) == 2, "nr_segments at 2");
_Static_assert(offsetof(struct blkif_request_indirect, id) == 8, "indirect id at 8");
_Static_assert(offsetof(struct blkif_request_indirect, sector_number) == 16, "sector at 16");
_Static_assert(offsetof(struct blkif_request_indirect, handle) == 24, "handle at 24");
_Static_assert(offsetof(struct blkif_request_indirect, indirect_grefs) == 28, "grefs at 28");
_Static_assert(sizeof(struct blkif_request_indirect) == 64, "indirect request is 64 bytes");
_Static_assert(BLKIF_SEGS_PER_INDIRECT_FRAME * sizeof(struct blkif_request_segment) == 4096,
	       "512 segments per indirect page");
_Static_assert(offsetof(struct blkif_response, status) == 10, "status at 10");
_Static_assert(sizeof(struct blkif_response) == 16, "response is 16 bytes");

DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response);

#define BLKIF_RING_SIZE_1 32	/* entries in a one-page ring */
_Static_assert(__RING_SIZE((struct blkif_sring *)0, 4096) == BLKIF_RING_SIZE_1,
	       "32 slots per page");

#endif

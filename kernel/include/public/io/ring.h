/*
 * Shared-memory rings between a frontend and a backend (blkif, netif and any
 * other request/response protocol), in the published Xen layout:
 *
 *   offset 0   req_prod   req_event   rsp_prod   rsp_event   (u32 each)
 *   offset 16  padding to 64 bytes
 *   offset 64  entries: a union of one request and one response
 *
 * The entry count is the largest power of two that fits in the ring's size,
 * so an index maps to a slot with a mask and the u32 indexes wrap freely.
 * Producers own *_prod, consumers tell how far they want to hear about with
 * *_event: a notification is due when the producer moves past *_event.
 *
 * Usage (name = blkif, say):
 *   DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response);
 *   struct blkif_sring *s = page; SHARED_RING_INIT(s);
 *   struct blkif_front_ring f; FRONT_RING_INIT(&f, s, 4096);
 *   *RING_GET_REQUEST(&f, f.req_prod_pvt++) = req;
 *   RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f, notify); if (notify) send event;
 * The backend attaches with BACK_RING_INIT(&b, s, 4096) (never SHARED_RING_INIT:
 * the frontend initialises the page) and copies each request out with
 * RING_COPY_REQUEST before checking it: the frontend may still write the slot.
 */
#ifndef PUBLIC_IO_RING_H
#define PUBLIC_IO_RING_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t RING_IDX;

#define RING_HEADER_SIZE 64

/* Barriers for the x86 memory model (TSO): only stores after loads can pass,
 * so write and read barriers need only stop the compiler. Override before
 * including this file for other rules. */
#ifndef RING_WMB
#define RING_WMB() __asm__ __volatile__("" ::: "memory")
#endif
#ifndef RING_RMB
#define RING_RMB() __asm__ __volatile__("" ::: "memory")
#endif
#ifndef RING_MB
#define RING_MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

/* Largest power of two <= x, for 1 <= x < 65536; a constant expression. */
#define RING_POW2_FLOOR(x) \
	((x) >= 32768 ? 32768u : (x) >= 16384 ? 16384u : (x) >= 8192 ? 8192u : \
	 (x) >= 4096 ? 4096u : (x) >= 2048 ? 2048u : (x) >= 1024 ? 1024u : \
	 (x) >= 512 ? 512u : (x) >= 256 ? 256u : (x) >= 128 ? 128u : (x) >= 64 ? 64u : \
	 (x) >= 32 ? 32u : (x) >= 16 ? 16u : (x) >= 8 ? 8u : (x) >= 4 ? 4u : \
	 (x) >= 2 ? 2u : 1u)

/* Entries of shared ring s in a region of size bytes (header included). */
#define __RING_SIZE(s, size) \
	RING_POW2_FLOOR(((size) - RING_HEADER_SIZE) / sizeof((s)->ring[0]))

/*
 * Declares union name_sring_entry, struct name_sring (the shared page),
 * struct name_front_ring and struct name_back_ring (each side's private
 * state), with _t typedefs of the three structures.
 */
#define DEFINE_RING_TYPES(name, req_t, rsp_t) \
	union name##_sring_entry { \
		req_t req; \
		rsp_t rsp; \
	}; \
	struct name##_sring { \
		RING_IDX req_prod, req_event; \
		RING_IDX rsp_prod, rsp_event; \
		uint8_t pad[RING_HEADER_SIZE - 4 * sizeof(RING_IDX)]; \
		union name##_sring_entry ring[]; \
	}; \
	_Static_assert(offsetof(struct name##_sring, ring) == RING_HEADER_SIZE, \
		       #name " ring entries start at offset 64"); \
	struct name##_front_ring { \
		RING_IDX req_prod_pvt;	/* requests written, not yet pushed up to here */ \
		RING_IDX rsp_cons;	/* responses consumed up to here */ \
		unsigned int nr_ents; \
		struct name##_sring *sring; \
	}; \
	struct name##_back_ring { \
		RING_IDX rsp_prod_pvt;	/* responses written, not yet pushed up to here */ \
		RING_IDX req_cons;	/* requests consumed up to here */ \
		unsigned int nr_ents; \
		struct name##_sring *sring; \
	}; \
	typedef struct name##_sring name##_sring_t; \
	typedef struct name##_front_ring name##_front_ring_t; \
	typedef struct name##_back_ring name##_back_ring_t

/* Frontend only, on a fresh page: zero indexes, events due at the first entry. */
#define SHARED_RING_INIT(s) \
	do { \
		(s)->req_prod = (s)->rsp_prod = 0; \
		(s)->req_event = (s)->rsp_event = 1; \
		for (unsigned int __i = 0; __i < sizeof((s)->pad); __i++) \
			(s)->pad[__i] = 0; \
	} while (0)

#define FRONT_RING_ATTACH(r, s, idx, size) \
	do { \
		(r)->req_prod_pvt = (idx); \
		(r)->rsp_cons = (idx); \
		(r)->nr_ents = __RING_SIZE(s, size); \
		(r)->sring = (s); \
	} while (0)
#define FRONT_RING_INIT(r, s, size) FRONT_RING_ATTACH(r, s, 0, size)

#define BACK_RING_ATTACH(r, s, idx, size) \
	do { \
		(r)->rsp_prod_pvt = (idx); \
		(r)->req_cons = (idx); \
		(r)->nr_ents = __RING_SIZE(s, size); \
		(r)->sring = (s); \
	} while (0)
#define BACK_RING_INIT(r, s, size) BACK_RING_ATTACH(r, s, 0, size)

#define RING_SIZE(r) ((r)->nr_ents)

/* Frontend: request slots not holding an unanswered request. */
#define RING_FREE_REQUESTS(r) (RING_SIZE(r) - ((r)->req_prod_pvt - (r)->rsp_cons))
#define RING_FULL(r) (RING_FREE_REQUESTS(r) == 0)

/* Frontend: responses pushed by the backend and not yet consumed. */
#define RING_HAS_UNCONSUMED_RESPONSES(r) \
	((RING_IDX)((r)->sring->rsp_prod - (r)->rsp_cons))

/* Backend: requests pushed and not consumed, bounded by the free response
 * slots so that a frontend moving req_prod too far cannot make it overrun. */
#define RING_HAS_UNCONSUMED_REQUESTS(r) \
	({ \
		RING_IDX __req = (r)->sring->req_prod - (r)->req_cons; \
		RING_IDX __rsp = RING_SIZE(r) - ((r)->req_cons - (r)->rsp_prod_pvt); \
		__req < __rsp ? __req : __rsp; \
	})

#define RING_GET_REQUEST(r, idx) (&(r)->sring->ring[(idx) & (RING_SIZE(r) - 1)].req)
#define RING_GET_RESPONSE(r, idx) (&(r)->sring->ring[(idx) & (RING_SIZE(r) - 1)].rsp)

/* Backend: takes a private copy of request idx; check the copy, never the slot. */
#define RING_COPY_REQUEST(r, idx, dst) \
	do { \
		*(dst) = *(volatile __typeof__(*(dst)) *)RING_GET_REQUEST(r, idx); \
		__asm__ __volatile__("" ::: "memory"); \
	} while (0)

/* Backend: would consuming up to cons pass a slot it has not answered? */
#define RING_REQUEST_CONS_OVERFLOW(r, cons) \
	((RING_IDX)((cons) - (r)->rsp_prod_pvt) >= RING_SIZE(r))
/* Backend: is a req_prod read from the page impossible (a frontend bug)? */
#define RING_REQUEST_PROD_OVERFLOW(r, prod) \
	((RING_IDX)((prod) - (r)->rsp_prod_pvt) > RING_SIZE(r))
/* Frontend: is an rsp_prod read from the page impossible (a backend bug)? */
#define RING_RESPONSE_PROD_OVERFLOW(r, prod) \
	((RING_IDX)((prod) - (r)->rsp_cons) > RING_SIZE(r))

#define RING_PUSH_REQUESTS(r) \
	do { \
		RING_WMB(); /* entries before the index that publishes them */ \
		(r)->sring->req_prod = (r)->req_prod_pvt; \
	} while (0)

#define RING_PUSH_RESPONSES(r) \
	do { \
		RING_WMB(); \
		(r)->sring->rsp_prod = (r)->rsp_prod_pvt; \
	} while (0)

/* Publishes, then sets notify if the peer asked to hear about an index in
 * (old, new]. The full barrier orders our index store before the event load. */
#define RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(r, notify) \
	do { \
		RING_IDX __old = (r)->sring->req_prod; \
		RING_IDX __new = (r)->req_prod_pvt; \
		RING_WMB(); \
		(r)->sring->req_prod = __new; \
		RING_MB(); \
		(notify) = (RING_IDX)(__new - (r)->sring->req_event) < \
			   (RING_IDX)(__new - __old); \
	} while (0)

#define RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify) \
	do { \
		RING_IDX __old = (r)->sring->rsp_prod; \
		RING_IDX __new = (r)->rsp_prod_pvt; \
		RING_WMB(); \
		(r)->sring->rsp_prod = __new; \
		RING_MB(); \
		(notify) = (RING_IDX)(__new - (r)->sring->rsp_event) < \
			   (RING_IDX)(__new - __old); \
	} while (0)

/* Before sleeping: ask for an event at the next request, then look again,
 * so a request pushed in between is not missed. */
#define RING_FINAL_CHECK_FOR_REQUESTS(r, work) \
	do { \
		(work) = RING_HAS_UNCONSUMED_REQUESTS(r); \
		if (work) \
			break; \
		(r)->sring->req_event = (r)->req_cons + 1; \
		RING_MB(); \
		(work) = RING_HAS_UNCONSUMED_REQUESTS(r); \
	} while (0)

#define RING_FINAL_CHECK_FOR_RESPONSES(r, work) \
	do { \
		(work) = RING_HAS_UNCONSUMED_RESPONSES(r); \
		if (work) \
			break; \
		(r)->sring->rsp_event = (r)->rsp_cons + 1; \
		RING_MB(); \
		(work) = RING_HAS_UNCONSUMED_RESPONSES(r); \
	} while (0)

#endif

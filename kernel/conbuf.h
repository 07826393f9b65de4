/*
 * The console's buffering, without locks or hardware (console.c holds the
 * locks and drives the UART; the unit tests drive this directly):
 *
 * - conbuf_ring: a byte ring (serial input for Dom0, 16 KiB).
 * - conbuf_tx: the serial transmit ring, where every byte bound for the UART
 *   waits in order. Each byte is owned by the core's log, Dom0's terminal or a
 *   guest, and each class may fill the ring only so far, so that a guest
 *   flooding its console can neither crowd out the core and Dom0 nor the
 *   other guests: what does not fit is refused, and the caller counts it.
 * - conbuf_rate: Xen's printk rate limit (a burst of 10, then one per 5 s).
 * - conbuf_line_feed: a guest's console_io text cut into printable lines.
 * - conbuf_input_feed: serial input, with CTRL-a three times switching it
 *   between Dom0 and the hypervisor's key handlers.
 */
#ifndef BULKHEAD_CONBUF_H
#define BULKHEAD_CONBUF_H

#include "types.h"

struct conbuf_ring {
	char *buf;
	u32 size;		/* a power of two */
	u32 prod, cons;		/* free-running byte counts */
};

void conbuf_ring_init(struct conbuf_ring *r, char *buf, u32 size);
u32 conbuf_ring_used(const struct conbuf_ring *r);
/* Appends as much of s as fits; returns how much. */
u32 conbuf_ring_put(struct conbuf_ring *r, const char *s, u32 n);
/* Copies up to n of the oldest bytes without taking them; returns how many. */
u32 conbuf_ring_peek(const struct conbuf_ring *r, char *out, u32 n);
/* Drops the n oldest bytes (n <= used). */
void conbuf_ring_consume(struct conbuf_ring *r, u32 n);

/* Owners of transmit bytes: the core, Dom0, then guests by domid % SLOTS
 * (domains that share a slot share its limits). */
enum { CONBUF_CORE, CONBUF_DOM0, CONBUF_GUEST0 };
#define CONBUF_GUEST_SLOTS 64
#define CONBUF_OWNERS (CONBUF_GUEST0 + CONBUF_GUEST_SLOTS)

struct conbuf_seg {
	u16 owner;
	u16 len;		/* bytes of it still in the ring */
};

/* How full each class may make the ring; the core may use all of it. */
struct conbuf_limits {
	u32 dom0;		/* all bytes, Dom0's included */
	u32 guests;		/* every guest's bytes together */
	u32 per_guest;		/* one guest slot's bytes */
};

struct conbuf_tx {
	struct conbuf_ring bytes;
	struct conbuf_seg *segs;	/* runs of bytes by one owner, in ring order */
	u32 nsegs;			/* a power of two */
	u32 seg_prod, seg_cons;
	u32 guests_queued;
	u32 queued[CONBUF_OWNERS];
	struct conbuf_limits lim;
};

void conbuf_tx_init(struct conbuf_tx *t, char *buf, u32 size, struct conbuf_seg *segs,
		    u32 nsegs, const struct conbuf_limits *lim);
unsigned conbuf_tx_guest_owner(unsigned domid);
/* Queues all n bytes for owner if its class's limit allows, else nothing. */
bool conbuf_tx_put(struct conbuf_tx *t, unsigned owner, const char *s, u32 n);
/* Takes n bytes from the head (n <= used), crediting their owners. */
void conbuf_tx_consume(struct conbuf_tx *t, u32 n);

/* Xen's printk_ratelimit: 10 messages at once, then one each 5000 ms. */
#define CONBUF_RATE_MS 5000
#define CONBUF_RATE_BURST 10

struct conbuf_rate {
	bool started;
	u64 last_ms;
	u64 toks;		/* milliseconds of credit */
};

bool conbuf_rate_allow(struct conbuf_rate *r, u64 now_ms);

/* Level filtering, Xen's LEVEL[/RATELIMITED] (cmdline.h): a message at level
 * prints if level <= always, prints rate-limited if level <= limited. */
enum conbuf_verdict { CONBUF_PRINT, CONBUF_LIMIT, CONBUF_DROP };
enum conbuf_verdict conbuf_verdict(int level, int always, int limited);

/* Cuts text into lines: printable ASCII and tabs are kept, other bytes
 * (escape sequences, "\r") dropped as Xen does for guests; "\n" or a full
 * buffer (cap - 1 bytes) ends a line, passed to emit without its newline. */
typedef void (*conbuf_line_fn)(void *arg, const char *line, u32 len);
void conbuf_line_feed(char *line, u32 *len, u32 cap, const char *s, size_t n,
		      conbuf_line_fn emit, void *arg);

#define CONBUF_SWITCH_CHAR 0x01	/* CTRL-a */

struct conbuf_input {
	bool to_xen;		/* input goes to the key handlers, not Dom0 */
	u8 held;		/* CTRL-a's received in a row, not passed on yet */
};

/* One received byte c. Bytes for Dom0 are written to out (up to 3: CTRL-a's
 * held back while they might have been a switch, then c) and counted in the
 * result; *key is the byte for the key handlers, or -1; *switched is set
 * when this byte completed three CTRL-a's. */
u32 conbuf_input_feed(struct conbuf_input *in, char c, char out[3], int *key,
		      bool *switched);

#endif

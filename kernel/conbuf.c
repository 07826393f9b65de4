/* The console's rings, limits and line handling (conbuf.h); no locks here. */
#include "conbuf.h"
#include "lib.h"
#include "compiler.h"

void conbuf_ring_init(struct conbuf_ring *r, char *buf, u32 size)
{
	*r = (struct conbuf_ring){ .buf = buf, .size = size };
}

u32 conbuf_ring_used(const struct conbuf_ring *r)
{
	return r->prod - r->cons;
}

u32 conbuf_ring_put(struct conbuf_ring *r, const char *s, u32 n)
{
	u32 room = r->size - conbuf_ring_used(r), done = 0;

	n = MIN(n, room);
	while (done < n) {
		u32 at = r->prod & (r->size - 1), k = MIN(n - done, r->size - at);

		memcpy(&r->buf[at], &s[done], k);
		r->prod += k;
		done += k;
	}
	return n;
}

u32 conbuf_ring_peek(const struct conbuf_ring *r, char *out, u32 n)
{
	u32 done = 0, pos = r->cons;

	n = MIN(n, conbuf_ring_used(r));
	while (done < n) {
		u32 at = pos & (r->size - 1), k = MIN(n - done, r->size - at);

		memcpy(&out[done], &r->buf[at], k);
		pos += k;
		done += k;
	}
	return n;
}

void conbuf_ring_consume(struct conbuf_ring *r, u32 n)
{
	r->cons += MIN(n, conbuf_ring_used(r));
}

void conbuf_tx_init(struct conbuf_tx *t, char *buf, u32 size, struct conbuf_seg *segs,
		    u32 nsegs, const struct conbuf_limits *lim)
{
	*t = (struct conbuf_tx){ .segs = segs, .nsegs = nsegs, .lim = *lim };
	conbuf_ring_init(&t->bytes, buf, size);
}

unsigned conbuf_tx_guest_owner(unsigned domid)
{
	return CONBUF_GUEST0 + domid % CONBUF_GUEST_SLOTS;
}

/* Validate only: would n more bytes of owner stay within its class's limits? */
static bool conbuf_tx_fits(const struct conbuf_tx *t, unsigned owner, u32 n)
{
	u32 used = conbuf_ring_used(&t->bytes);
	const struct conbuf_seg *last = &t->segs[(t->seg_prod - 1) & (t->nsegs - 1)];
	bool merge = t->seg_prod != t->seg_cons && last->owner == owner &&
		     last->len + n <= 0xffff;

	if (owner >= CONBUF_OWNERS || n > 0xffff || n > t->bytes.size - used)
		return false;
	if (!merge && t->seg_prod - t->seg_cons == t->nsegs)
		return false;
	if (owner == CONBUF_DOM0)
		return used + n <= t->lim.dom0;
	if (owner >= CONBUF_GUEST0)
		return t->guests_queued + n <= t->lim.guests &&
		       t->queued[owner] + n <= t->lim.per_guest;
	return true;
}

bool conbuf_tx_put(struct conbuf_tx *t, unsigned owner, const char *s, u32 n)
{
	struct conbuf_seg *last = &t->segs[(t->seg_prod - 1) & (t->nsegs - 1)];

	if (!n)
		return true;
	if (!conbuf_tx_fits(t, owner, n))
		return false;
	conbuf_ring_put(&t->bytes, s, n);
	if (t->seg_prod != t->seg_cons && last->owner == owner && last->len + n <= 0xffff)
		last->len = (u16)(last->len + n);
	else
		t->segs[t->seg_prod++ & (t->nsegs - 1)] = (struct conbuf_seg){ (u16)owner, (u16)n };
	t->queued[owner] += n;
	if (owner >= CONBUF_GUEST0)
		t->guests_queued += n;
	return true;
}

void conbuf_tx_consume(struct conbuf_tx *t, u32 n)
{
	n = MIN(n, conbuf_ring_used(&t->bytes));
	conbuf_ring_consume(&t->bytes, n);
	while (n) {
		struct conbuf_seg *s = &t->segs[t->seg_cons & (t->nsegs - 1)];
		u32 k = MIN(n, s->len);

		s->len = (u16)(s->len - k);
		t->queued[s->owner] -= k;
		if (s->owner >= CONBUF_GUEST0)
			t->guests_queued -= k;
		if (!s->len)
			t->seg_cons++;
		n -= k;
	}
}

/* A token bucket counted in milliseconds: each message costs RATE_MS, the
 * bucket holds BURST of them and refills one millisecond per millisecond. */
bool conbuf_rate_allow(struct conbuf_rate *r, u64 now_ms)
{
	const u64 cap = (u64)CONBUF_RATE_BURST * CONBUF_RATE_MS;

	if (!r->started) {
		r->started = true;
		r->toks = cap;
		r->last_ms = now_ms;
	} else if (now_ms > r->last_ms) {	/* a clock that went back adds nothing */
		r->toks += now_ms - r->last_ms;
		if (r->toks > cap)
			r->toks = cap;
		r->last_ms = now_ms;
	}
	if (r->toks < CONBUF_RATE_MS)
		return false;
	r->toks -= CONBUF_RATE_MS;
	return true;
}

enum conbuf_verdict conbuf_verdict(int level, int always, int limited)
{
	if (level <= always)
		return CONBUF_PRINT;
	return level <= limited ? CONBUF_LIMIT : CONBUF_DROP;
}

void conbuf_line_feed(char *line, u32 *len, u32 cap, const char *s, size_t n,
		      conbuf_line_fn emit, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\n') {
			emit(arg, line, *len);
			*len = 0;
			continue;
		}
		if ((c < 0x20 || c > 0x7e) && c != '\t')
			continue;
		if (*len >= cap - 1) {
			emit(arg, line, *len);
			*len = 0;
		}
		line[(*len)++] = c;
	}
}

/* As Xen's serial_rx: CTRL-a's are held back in groups of three; a group
 * switches the input, any other byte first releases the ones held. */
u32 conbuf_input_feed(struct conbuf_input *in, char c, char out[3], int *key,
		      bool *switched)
{
	u32 n = 0;

	*key = -1;
	*switched = false;
	if (c == CONBUF_SWITCH_CHAR) {
		if (++in->held == 3) {
			in->held = 0;
			in->to_xen = !in->to_xen;
			*switched = true;
		}
		return 0;
	}
	if (in->to_xen) {	/* held CTRL-a's mean nothing to the key handlers */
		in->held = 0;
		*key = (unsigned char)c;
		return 0;
	}
	for (; in->held; in->held--)
		out[n++] = CONBUF_SWITCH_CHAR;
	out[n++] = c;
	return n;
}

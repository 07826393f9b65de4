/* bridge0's forwarding database (bridge.h). */
#include <string.h>
#include "bridge.h"

#ifndef EINVAL
#define EINVAL 22
#endif

static bool is_group(const uint8_t *mac)
{
	return mac[0] & 1;	/* the I/G bit: broadcast and multicast */
}

static bool is_zero(const uint8_t *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/* 01:80:c2:00:00:0X, which 802.1D bridges never forward. */
static bool is_link_local(const uint8_t *mac)
{
	static const uint8_t group[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };

	return !memcmp(mac, group, sizeof(group)) && (mac[5] & 0xf0) == 0;
}

/* FNV-1a over the address: the set a station lives in. */
static unsigned set_of(const uint8_t *mac)
{
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < ETH_ALEN; i++)
		h = (h ^ mac[i]) * 16777619u;
	return (h ^ (h >> 16)) % BRIDGE_SETS;
}

static bool fresh(const struct bridge *b, const struct bridge_entry *e, uint64_t now_ms)
{
	return e->used && now_ms - e->seen_ms < b->age_ms;
}

static void forget(struct bridge *b, struct bridge_entry *e)
{
	b->learned[e->port]--;
	e->used = 0;
}

void bridge_init(struct bridge *b, uint64_t age_ms)
{
	memset(b, 0, sizeof(*b));
	b->age_ms = age_ms ? age_ms : BRIDGE_AGE_MS_DEFAULT;
}

int bridge_port_add(struct bridge *b, unsigned p)
{
	if (p >= BRIDGE_MAX_PORTS)
		return -EINVAL;
	b->up |= 1ull << p;
	return 0;
}

void bridge_port_del(struct bridge *b, unsigned p)
{
	if (p >= BRIDGE_MAX_PORTS)
		return;
	b->up &= ~(1ull << p);
	for (unsigned s = 0; s < BRIDGE_SETS && b->learned[p]; s++)
		for (unsigned w = 0; w < BRIDGE_WAYS; w++)
			if (b->set[s][w].used && b->set[s][w].port == p)
				forget(b, &b->set[s][w]);
}

bool bridge_port_up(const struct bridge *b, unsigned p)
{
	return p < BRIDGE_MAX_PORTS && (b->up >> p) & 1;
}

static struct bridge_entry *find(const struct bridge *b, const uint8_t *mac)
{
	struct bridge_entry *set = (struct bridge_entry *)b->set[set_of(mac)];

	for (unsigned w = 0; w < BRIDGE_WAYS; w++)
		if (set[w].used && !memcmp(set[w].mac, mac, ETH_ALEN))
			return &set[w];
	return NULL;
}

/* mac was seen on port p at now_ms. */
static void learn(struct bridge *b, unsigned p, const uint8_t *mac, uint64_t now_ms)
{
	struct bridge_entry *e = find(b, mac), *set;

	if (e && e->port == p) {
		e->seen_ms = now_ms;
		return;
	}
	if (e)		/* the station moved: it is counted on its new port */
		forget(b, e);
	if (b->learned[p] >= BRIDGE_PORT_LIMIT)
		return;
	set = b->set[set_of(mac)];
	for (unsigned w = 0; w < BRIDGE_WAYS && !e; w++)
		if (!fresh(b, &set[w], now_ms))
			e = &set[w];	/* free, or aged out */
	if (!e) {		/* full: the least recently seen goes */
		e = &set[0];
		for (unsigned w = 1; w < BRIDGE_WAYS; w++)
			if (set[w].seen_ms < e->seen_ms)
				e = &set[w];
	}
	if (e->used)
		forget(b, e);
	memcpy(e->mac, mac, ETH_ALEN);
	e->port = (uint8_t)p;
	e->seen_ms = now_ms;
	e->used = 1;
	b->learned[p]++;
}

int bridge_input(struct bridge *b, unsigned in, const uint8_t *frame, size_t len, uint64_t now_ms)
{
	const uint8_t *dst = frame, *src = frame + ETH_ALEN;
	int out;

	if (!bridge_port_up(b, in) || !frame || len < ETH_HLEN)
		return BRIDGE_DROP;
	if (!is_group(src) && !is_zero(src))
		learn(b, in, src, now_ms);
	if (is_link_local(dst))
		return BRIDGE_DROP;
	if (is_group(dst))
		return BRIDGE_FLOOD;
	out = bridge_lookup(b, dst, now_ms);
	if (out < 0 || !bridge_port_up(b, (unsigned)out))
		return BRIDGE_FLOOD;
	return (unsigned)out == in ? BRIDGE_DROP : out;
}

int bridge_lookup(const struct bridge *b, const uint8_t mac[ETH_ALEN], uint64_t now_ms)
{
	const struct bridge_entry *e = find(b, mac);

	return e && fresh(b, e, now_ms) ? e->port : -1;
}

unsigned bridge_age(struct bridge *b, uint64_t now_ms)
{
	unsigned gone = 0;

	for (unsigned s = 0; s < BRIDGE_SETS; s++)
		for (unsigned w = 0; w < BRIDGE_WAYS; w++)
			if (b->set[s][w].used && !fresh(b, &b->set[s][w], now_ms)) {
				forget(b, &b->set[s][w]);
				gone++;
			}
	return gone;
}

unsigned bridge_count(const struct bridge *b)
{
	unsigned n = 0;

	for (unsigned p = 0; p < BRIDGE_MAX_PORTS; p++)
		n += b->learned[p];
	return n;
}

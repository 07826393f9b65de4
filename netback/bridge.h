/*
 * bridge0's forwarding database (issue 9): a learning bridge over numbered
 * ports (port 0 the NIC, the others guests' vifD.N), as IEEE 802.1D
 * describes and FreeBSD's if_bridge and Linux's bridge behave:
 *  - a frame's unicast source address is learned on the port it came in on
 *    (a station that moves is relearned on its new port);
 *  - a frame to a learned unicast address goes to that port only, and is
 *    dropped when that port is the one it came in on;
 *  - broadcast, multicast and unknown unicast frames are flooded to every
 *    other port that is up;
 *  - frames to the 802.1D reserved group 01:80:c2:00:00:00-0f (STP, pause,
 *    LACP) are never forwarded;
 *  - entries age out after age_ms without traffic from them (300 s by
 *    default, as both).
 * The table is 256 sets of 8 (a station hashes to one set; a full set
 * gives its least recently seen entry to a new station), and each port may
 * hold at most BRIDGE_PORT_LIMIT entries, so a guest sending from random
 * addresses cannot take the table from the others: past its limit it
 * learns nothing more, and frames to those addresses flood.
 * Pure mechanism: no locking, no I/O; the caller gives the time.
 */
#ifndef NETBACK_BRIDGE_H
#define NETBACK_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRIDGE_MAX_PORTS 64
#define BRIDGE_SETS 256
#define BRIDGE_WAYS 8
#define BRIDGE_PORT_LIMIT 256
#define BRIDGE_AGE_MS_DEFAULT 300000ull
#define ETH_ALEN 6
#define ETH_HLEN 14

enum {
	BRIDGE_DROP = -1,	/* nowhere: a bad frame, or its destination is where it came from */
	BRIDGE_FLOOD = -2,	/* every port that is up, but the one it came in on */
};

struct bridge_entry {
	uint8_t mac[ETH_ALEN];
	uint8_t used;
	uint8_t port;
	uint64_t seen_ms;
};

struct bridge {
	struct bridge_entry set[BRIDGE_SETS][BRIDGE_WAYS];
	uint16_t learned[BRIDGE_MAX_PORTS];	/* entries per port */
	uint64_t up;				/* bit p: port p is up */
	uint64_t age_ms;
};

void bridge_init(struct bridge *b, uint64_t age_ms);
/* Port p joins (0) or leaves (its entries go with it); -EINVAL if p is
 * not below BRIDGE_MAX_PORTS. */
int bridge_port_add(struct bridge *b, unsigned p);
void bridge_port_del(struct bridge *b, unsigned p);
bool bridge_port_up(const struct bridge *b, unsigned p);

/* A frame of len bytes that came in on port in at now_ms: learns its
 * source, then says where it goes: a port number, BRIDGE_FLOOD or
 * BRIDGE_DROP (also for a port that is not up, or a frame shorter than an
 * Ethernet header). */
int bridge_input(struct bridge *b, unsigned in, const uint8_t *frame, size_t len, uint64_t now_ms);

/* The port mac was learned on, or -1 (unknown or aged out at now_ms). */
int bridge_lookup(const struct bridge *b, const uint8_t mac[ETH_ALEN], uint64_t now_ms);
/* Forgets the entries not seen within age_ms of now_ms; how many went. */
unsigned bridge_age(struct bridge *b, uint64_t now_ms);
unsigned bridge_count(const struct bridge *b);

#endif

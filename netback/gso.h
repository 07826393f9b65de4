/*
 * TCP segmentation done in software (issue 9 §2). A frontend offered
 * feature-gso-tcpv4/-tcpv6 hands netback TCP packets of up to 64 KiB with
 * an MSS (netif_extra_info XEN_NETIF_EXTRA_TYPE_GSO), its checksum left
 * blank. Where such a packet goes to a port that takes frames only (the
 * NIC, bridge0's own stack, a frontend without GSO), it is cut here into
 * the frames the guest's TCP would have sent (RFC 9293 §3.1, RFC 791):
 *  - each frame has the packet's headers, with the IP length (IPv4: total
 *    length; identification + k and the header checksum; IPv6: payload
 *    length) and the TCP sequence number advanced by the payload before it;
 *  - FIN and PSH are kept on the last frame only, CWR on the first only;
 *  - the TCP checksum is computed whole (csum_fill).
 *
 * gso_parse checks a packet once, with no side effects: Ethernet II with
 * at most one 802.1Q tag; IPv4 (not a fragment) or IPv6 without extension
 * headers, as the GSO type says; TCP; every header inside the IP packet,
 * the IP packet inside the frame; an MSS of at least GSO_MIN_MSS; and no
 * frame longer than max_frame. gso_segment then cannot fail.
 * Pure mechanism: no allocation (the caller lends a frame-sized buffer).
 */
#ifndef NETBACK_GSO_H
#define NETBACK_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GSO_MIN_MSS 88		/* below it a 64 KiB packet is over 700 frames */
#define GSO_MAX_PACKET 65535u	/* a netif tx packet's size is 16 bits */

struct gso_info {
	size_t l3, l4;		/* offsets of the IP and TCP headers */
	size_t hlen;		/* every header: where the payload starts */
	size_t end;		/* the IP packet's end (bytes after it are padding) */
	uint16_t mss;
	bool v6;
	unsigned frames;	/* what gso_segment will emit, at least 1 */
};

/* 0, or -EINVAL with *why set (the packet is refused). type is the
 * frontend's XEN_NETIF_GSO_TYPE_TCPV4 or _TCPV6. */
int gso_parse(const uint8_t *pkt, size_t len, uint16_t mss, uint8_t type, size_t max_frame,
	      struct gso_info *g, const char **why);

typedef void gso_out_fn(void *arg, const uint8_t *frame, size_t len);

/* g->frames frames of pkt (checked by gso_parse with the same len), each
 * built in frame (max_frame bytes) and passed to out. */
void gso_segment(const uint8_t *pkt, const struct gso_info *g, uint8_t *frame, gso_out_fn *out,
		 void *arg);

#endif

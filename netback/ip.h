/*
 * bridge0's own address (issue 9 §1), as FreeBSD's
 * ifconfig_bridge0="addm em0 SYNCDHCP": one more port of the bridge
 * (IP_PORT, after the NIC's and the vifs'), behind which lwIP (lwip/,
 * NO_SYS) runs an Ethernet interface with a DHCP client that answers ARP
 * and ICMP echo. Frames the bridge sends to IP_PORT are queued by
 * ip_port_input and handed to lwIP by ip_port_poll from the main loop, so
 * lwIP never runs inside the NIC's or a vif's service routine; what lwIP
 * sends goes to the out() callback as if it came in on IP_PORT.
 * When DHCP binds, one console line
 *   netback: bridge0 10.0.2.15/24 by DHCP (gw 10.0.2.2)
 * and SELF/data/bridge0-ip ("10.0.2.15/24") in xenstore; with no server it
 * keeps asking (lwIP's back-off, at most once a minute), silently.
 * Single-threaded: only the main loop calls these.
 */
#ifndef NETBACK_IP_H
#define NETBACK_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vif_back.h"

#define IP_PORT (1 + VIF_BACK_MAX)	/* bridge0's port for its own address */
#define IP_QUEUE 32			/* frames waiting for ip_port_poll */

/* Sends a frame lwIP built into bridge0, in on IP_PORT. */
typedef void (*ip_port_out_fn)(const uint8_t *frame, size_t len);

/*
 * bridge0's MAC: the NIC's with the locally administered bit (IEEE 802,
 * bit 1 of byte 0) flipped and the last byte's low bit flipped, so it is
 * never the NIC's own and two hosts' bridges differ as their NICs do.
 * Without a NIC (nic NULL): 02:62:72:30 ("br0") and the domain id.
 */
static inline void ip_port_mac(const uint8_t *nic, uint32_t domid, uint8_t mac[6])
{
	if (nic) {
		for (int i = 0; i < 6; i++)
			mac[i] = nic[i];
		mac[0] ^= 0x02;
		mac[5] ^= 0x01;
		return;
	}
	mac[0] = 0x02, mac[1] = 'b', mac[2] = 'r', mac[3] = '0';
	mac[4] = (uint8_t)(domid >> 8), mac[5] = (uint8_t)domid;
}

/* Brings lwIP and bridge0's interface up and starts DHCP. xs_path is
 * where the lease is published (SELF/data/bridge0-ip). 0 or -ENOMEM. */
int ip_port_init(const uint8_t mac[6], ip_port_out_fn out, const char *xs_path);
/* A frame the bridge sent to IP_PORT: queued if it is for our MAC or a
 * group address, else dropped (flooded unicast for someone else). */
void ip_port_input(const uint8_t *frame, size_t len);
/* Feeds lwIP the queued frames and runs its timers; true if any frame. */
bool ip_port_poll(void);

#endif

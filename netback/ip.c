/*
 * bridge0's own address over lwIP (ip.h). One netif, "br0", an Ethernet
 * interface whose wire is bridge0's IP_PORT: etharp_output resolves,
 * ip_link_out copies the pbuf chain into one frame for the bridge, and
 * frames from the bridge wait in a small ring of pbufs until the main loop
 * polls (ethernet_input then answers ARP and ICMP echo, and feeds DHCP).
 * lwIP's clock is sys_now() from dom_now_ns(); its timers (ARP ageing,
 * DHCP's retries and lease) run from ip_port_poll via sys_check_timeouts.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "errno.h"
#include "ip.h"

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define FRAME_MAX 1536
#define FRAME_MIN 60		/* IEEE 802.3 minimum, less the FCS: short frames are padded */
#define XS_PATH_LEN 96

static struct {
	struct netif nif;
	uint8_t mac[6];
	ip_port_out_fn out;
	char xs_path[XS_PATH_LEN];
	struct pbuf *q[IP_QUEUE];	/* frames from the bridge, oldest at head */
	unsigned head, count;
	uint32_t logged;		/* the address last announced, network order; 0: none */
} ipp;

/* lwIP's clock (NO_SYS): milliseconds, wrapping as lwIP expects. */
u32_t sys_now(void)
{
	return (u32_t)(dom_now_ns() / 1000000u);
}

/* netif->linkoutput: one whole frame out into bridge0. */
static err_t ip_link_out(struct netif *nif, struct pbuf *p)
{
	static uint8_t frame[FRAME_MAX];
	u16_t len = p->tot_len;

	(void)nif;
	if (len > FRAME_MAX)
		return ERR_BUF;
	pbuf_copy_partial(p, frame, len, 0);
	if (len < FRAME_MIN) {
		memset(frame + len, 0, FRAME_MIN - len);
		len = FRAME_MIN;
	}
	ipp.out(frame, len);
	return ERR_OK;
}

static err_t ip_netif_init(struct netif *nif)
{
	nif->name[0] = 'b', nif->name[1] = 'r';
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, ipp.mac, ETH_HWADDR_LEN);
	nif->mtu = 1500;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	nif->output = etharp_output;
	nif->linkoutput = ip_link_out;
	return ERR_OK;
}

/* A netmask's prefix length (its bits set; no libgcc here for popcount). */
static unsigned prefix_len(uint32_t mask)
{
	unsigned n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* netif's status callback: the address came (DHCP bound) or went. */
static void ip_status(struct netif *nif)
{
	const ip4_addr_t *a = netif_ip4_addr(nif);
	char addr[IP4ADDR_STRLEN_MAX], gw[IP4ADDR_STRLEN_MAX];
	unsigned plen = prefix_len(ip4_addr_get_u32(netif_ip4_netmask(nif)));

	if (ip4_addr_get_u32(a) == ipp.logged)
		return;
	ipp.logged = ip4_addr_get_u32(a);
	if (ip4_addr_isany(a)) {
		dom_printf("netback: bridge0 lost its address\n");
		dom_xs_rm(0, ipp.xs_path);
		return;
	}
	ip4addr_ntoa_r(a, addr, sizeof(addr));
	ip4addr_ntoa_r(netif_ip4_gw(nif), gw, sizeof(gw));
	dom_printf("netback: bridge0 %s/%u by %s (gw %s)\n", addr, plen,
		   dhcp_supplied_address(nif) ? "DHCP" : "configuration", gw);
	dom_xs_printf(0, ipp.xs_path, "%s/%u", addr, plen);
}

int ip_port_init(const uint8_t mac[6], ip_port_out_fn out, const char *xs_path)
{
	memcpy(ipp.mac, mac, sizeof(ipp.mac));
	ipp.out = out;
	snprintf(ipp.xs_path, sizeof(ipp.xs_path), "%s", xs_path);
	lwip_init();
	if (!netif_add(&ipp.nif, NULL, NULL, NULL, NULL, ip_netif_init, ethernet_input))
		return -ENOMEM;
	netif_set_default(&ipp.nif);
	netif_set_status_callback(&ipp.nif, ip_status);
	netif_set_link_up(&ipp.nif);
	netif_set_up(&ipp.nif);
	if (dhcp_start(&ipp.nif) != ERR_OK)
		return -ENOMEM;
	return 0;
}

void ip_port_input(const uint8_t *frame, size_t len)
{
	struct pbuf *p;

	if (len < SIZEOF_ETH_HDR || len > FRAME_MAX || ipp.count == IP_QUEUE || !ipp.out)
		return;
	/* Ours or a group's (I/G bit, IEEE 802 §8.2): the rest was flooded
	 * unicast for another station. */
	if (!(frame[0] & 1) && memcmp(frame, ipp.mac, sizeof(ipp.mac)))
		return;
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p)
		return;
	pbuf_take(p, frame, (u16_t)len);
	ipp.q[(ipp.head + ipp.count++) % IP_QUEUE] = p;
}

bool ip_port_poll(void)
{
	bool any = ipp.count > 0;

	while (ipp.count) {
		struct pbuf *p = ipp.q[ipp.head];

		ipp.head = (ipp.head + 1) % IP_QUEUE;
		ipp.count--;
		if (ipp.nif.input(p, &ipp.nif) != ERR_OK)
			pbuf_free(p);
	}
	if (ipp.out)
		sys_check_timeouts();
	return any;
}

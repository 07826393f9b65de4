/* Checksums a guest left to its backend (csum.h; RFC 1071, 768, 793, 8200). */
#ifdef BULKHEAD_HOST
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#else
#include "dom.h"
#endif
#include "errno.h"
#include "csum.h"

#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += net_be16(p + i);
		sum = (sum & 0xffff) + (sum >> 16);	/* never overflows 32 bits */
	}
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The transport header at l4 (l4len bytes to the IP packet's end), pseudo
 * the pseudo-header's sum. */
static int fill_l4(uint8_t *l4, size_t l4len, unsigned proto, uint32_t pseudo)
{
	size_t off;
	uint16_t c;

	if (proto == IPPROTO_TCP && l4len >= 20)
		off = TCP_CSUM_OFF;
	else if (proto == IPPROTO_UDP && l4len >= 8)
		off = UDP_CSUM_OFF;
	else
		return -EINVAL;
	l4[off] = l4[off + 1] = 0;
	c = (uint16_t)~csum_fold(csum_add(pseudo + (uint32_t)l4len + proto, l4, l4len));
	if (proto == IPPROTO_UDP && !c)
		c = 0xffff;
	l4[off] = (uint8_t)(c >> 8);
	l4[off + 1] = (uint8_t)c;
	return 0;
}

static int fill_ipv4(uint8_t *ip, size_t len)
{
	size_t ihl, total;

	if (len < 20 || (ip[0] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	total = net_be16(ip + 2);
	if (ihl < 20 || total < ihl || total > len)
		return -EINVAL;
	if (net_be16(ip + 6) & 0x1fff)
		return -EINVAL;	/* not the first fragment: no transport header here */
	return fill_l4(ip + ihl, total - ihl, ip[9], csum_add(0, ip + 12, 8));
}

static int fill_ipv6(uint8_t *ip, size_t len)
{
	size_t payload;

	if (len < 40 || (ip[0] >> 4) != 6)
		return -EINVAL;
	payload = net_be16(ip + 4);
	if (payload > len - 40)
		return -EINVAL;
	return fill_l4(ip + 40, payload, ip[6], csum_add(0, ip + 8, 32));
}

int csum_fill(uint8_t *frame, size_t len)
{
	size_t off = 12;
	unsigned type;

	if (len < 14)
		return -EINVAL;
	type = net_be16(frame + off);
	if (type == ETH_P_8021Q) {
		if (len < 18)
			return -EINVAL;
		off += 4;
		type = net_be16(frame + off);
	}
	off += 2;
	if (type == ETH_P_IP)
		return fill_ipv4(frame + off, len - off);
	if (type == ETH_P_IPV6)
		return fill_ipv6(frame + off, len - off);
	return -EINVAL;
}

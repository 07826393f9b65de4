/* bridge0's own MAC (netback/ip.h, ip_port_mac) on the host: derived from
 * the NIC's, it is unicast, locally administered for a universal NIC
 * address, never the NIC's own, and distinct for distinct NICs; without
 * a NIC, from the domain id, unicast and locally administered. */
#include <string.h>
#include "check.h"
#include "../../netback/ip.h"

int main(void)
{
	static const uint8_t qemu[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t intel[6] = { 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc };
	static const uint8_t want_qemu[6] = { 0x50, 0x54, 0x00, 0x12, 0x34, 0x57 };
	static const uint8_t want_intel[6] = { 0x02, 0x1b, 0x21, 0xaa, 0xbb, 0xcd };
	uint8_t m[6], m2[6], nic[6];
	unsigned long long rnd = 0x1badb002u;

	ip_port_mac(qemu, 7, m);
	CHECK(!memcmp(m, want_qemu, 6));
	ip_port_mac(intel, 7, m);
	CHECK(!memcmp(m, want_intel, 6));
	CHECK(!(m[0] & 1) && (m[0] & 2));	/* unicast, locally administered */

	ip_port_mac(NULL, 0x1234, m);
	CHECK(!(m[0] & 1) && (m[0] & 2));
	CHECK(m[4] == 0x12 && m[5] == 0x34);
	ip_port_mac(NULL, 0x1235, m2);
	CHECK(memcmp(m, m2, 6));

	/* Any unicast NIC address: ours is unicast, differs from it, and two
	 * NICs that differ give bridges that differ. */
	for (int i = 0; i < 100000; i++) {
		unsigned long long r = check_rnd(&rnd);

		for (int b = 0; b < 6; b++)
			nic[b] = (uint8_t)(r >> (8 * b));
		nic[0] &= (uint8_t)~1u;
		ip_port_mac(nic, 1, m);
		CHECK(!(m[0] & 1));
		CHECK(memcmp(m, nic, 6));
		nic[5] ^= (uint8_t)(1 + (r >> 56) % 255);
		ip_port_mac(nic, 1, m2);
		CHECK(memcmp(m, m2, 6));
	}
	CHECK(IP_PORT == 1 + VIF_BACK_MAX && IP_PORT < 64);
	CHECK_DONE("ip_mac");
	return 0;
}

/*
 * lwIP's port to the drivers-dom runtime (src/include/lwip/arch.h lists
 * what a port may define): the runtime's <stdint.h>-style types, its
 * formatter (no <inttypes.h>, <limits.h> or <ctype.h> here: lwIP's own
 * stand-ins), dom_printf for diagnostics, and the TSC as the random source
 * (DHCP transaction ids, ARP and DHCP back-off jitter; not cryptographic,
 * and needs not be).
 */
#ifndef NETBACK_LWIP_ARCH_CC_H
#define NETBACK_LWIP_ARCH_CC_H

#include "dom.h"
#include "dom/console.h"
#include "dom/cpu.h"

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H 1
#define LWIP_NO_CTYPE_H 1

#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_RAND() ((u32_t)dom_rdtsc())

void abort(void);
#define LWIP_PLATFORM_DIAG(x) do { dom_printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { \
		dom_printf("netback: lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, \
			   __LINE__); \
		abort(); \
	} while (0)

#endif

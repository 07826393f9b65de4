/* The host's CMOS real-time clock (MC146818 and compatibles), read once at
 * boot: the wall-clock time the core gives guests (shared_info wc_*). */
#ifndef ARCH_X86_RTC_H
#define ARCH_X86_RTC_H

#include "types.h"

#define RTC_NREGS 0x33	/* registers read: time and date 0x00-0x0b, century 0x32 */

/* Seconds since 1970-01-01 00:00 UTC of the clock registers r[0..RTC_NREGS)
 * (BCD or binary, 12- or 24-hour, as status register B says; the century
 * from 0x32 where it holds one, else 19xx/20xx around 1970); 0 when they
 * hold no valid time. */
u64 rtc_decode(const u8 *r);
/* The host clock now, the same way; 0 when there is none. */
u64 rtc_read_unix(void);

#endif

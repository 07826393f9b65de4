/*
 * Which XCR0 values XSETBV accepts (SDM Vol 1 13.3, Vol 2 XSETBV): the
 * checks a guest's XSETBV must pass before the core loads the value into
 * the real register, where a bad one would #GP in the core. Host-testable.
 */
#ifndef BULKHEAD_XSTATE_H
#define BULKHEAD_XSTATE_H

#include "types.h"

#define XSTATE_X87 (1ull << 0)
#define XSTATE_SSE (1ull << 1)
#define XSTATE_AVX (1ull << 2)
#define XSTATE_BNDREGS (1ull << 3)	/* MPX */
#define XSTATE_BNDCSR (1ull << 4)
#define XSTATE_AVX512 (7ull << 5)	/* opmask, ZMM_Hi256, Hi16_ZMM */
#define XSTATE_TILE (3ull << 17)	/* AMX TILECFG, TILEDATA */

/* True when val is an XCR0 the CPU takes, given the bits it supports. */
static inline bool xstate_xcr0_valid(u64 val, u64 supported)
{
	if (val & ~supported || !(val & XSTATE_X87))
		return false;
	if (val & XSTATE_AVX && !(val & XSTATE_SSE))
		return false;
	/* MPX's two components come together. */
	if (!(val & XSTATE_BNDREGS) != !(val & XSTATE_BNDCSR))
		return false;
	/* AVX-512's three come together, and only on top of AVX (and so SSE). */
	if (val & XSTATE_AVX512 &&
	    ((val & XSTATE_AVX512) != XSTATE_AVX512 || !(val & XSTATE_AVX)))
		return false;
	/* AMX's two come together. */
	if (val & XSTATE_TILE && (val & XSTATE_TILE) != XSTATE_TILE)
		return false;
	return true;
}

#endif

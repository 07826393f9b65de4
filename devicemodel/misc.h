/*
 * The small PC ports firmware and kernels poke (misc.c):
 *
 * - 0x92, System Control Port A: bit 1 A20 (stored; no address wrap is
 *   emulated), writing bit 0 = 1 is a fast reset (env->shutdown(1)).
 * - 0x60/0x64, an 8042 keyboard controller with a keyboard that answers
 *   (reset 0xFA 0xAA, identify 0xFA 0xAB 0x83, everything else 0xFA) but
 *   never types. The aux port is there as far as the controller goes
 *   (0xA7/0xA8/0xA9, 0xD3 loop-back), but no mouse is plugged in: every
 *   byte sent to it with 0xD4 is answered 0xFE. Linux's i8042 probe then
 *   finds a working AUX port and IRQ 12, and psmouse gives up at once on
 *   the NAKs instead of waiting out timeouts. 0xFE and 0xF0-0xFF with bit 0
 *   clear pulse the reset line, as does 0xD1 with bit 0 clear. IRQ 1 (or
 *   12 for aux bytes) is up while the byte at the head of the output queue
 *   is unread and the command byte enables it; each byte read is a new edge.
 * - 0x402 and 0xe9, the debug console: bytes are gathered into lines
 *   logged as "guest debug: ..." (non-printables as \xNN, lines cut at
 *   DM_MISC_LINE); reads answer 0xe9, which is how SeaBIOS finds it.
 * - 0x80, POST codes (and Linux's io_delay): claimed, ignored.
 * - The ISA DMA controllers (0x00-0x0f, 0xc0-0xdf) read 0: no channel has
 *   a request or reached terminal count. The page registers (0x81-0x8f,
 *   0x480-0x48f) are plain latches and read back. No DMA is performed.
 */
#ifndef DM_MISC_H
#define DM_MISC_H

#include "dm.h"

#define DM_MISC_LINE 200
#define DM_KBC_QUEUE 16

struct dm_misc_dbg {
	char buf[DM_MISC_LINE + 1];
	unsigned len;
};

struct dm_misc {
	struct dm_env *env;
	uint8_t port92;			/* bits 7:1 as written */
	/* 8042 */
	uint8_t kbc_ram[32];		/* [0] is the command byte */
	uint16_t kbc_q[DM_KBC_QUEUE];	/* output bytes; bit 8 = from aux */
	unsigned kbc_head, kbc_len;
	uint8_t kbc_last;		/* what 0x60 reads when empty */
	uint8_t kbc_pending;		/* controller command awaiting its data byte */
	uint8_t kbd_pending;		/* keyboard command awaiting its argument */
	uint8_t kbc_outport;		/* bit 0 reset line (1 = run), bit 1 A20 */
	uint8_t kbd_scanset;
	bool kbc_a2;			/* last write went to 0x64 */
	bool irq1, irq12;
	bool logged_cmd, logged_kbd, logged_full;
	/* debug console, ISA DMA latches */
	struct dm_misc_dbg dbg[2];	/* 0x402, 0xe9 */
	uint8_t dma_page[2][16];	/* 0x80-0x8f, 0x480-0x48f */
	struct dm_region r[10];
};

/* Resets everything and registers the ports. 0, or negative on a clash. */
int dm_misc_init(struct dm_misc *m, struct dm_env *env, struct dm_bus *bus);

#endif

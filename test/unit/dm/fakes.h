/* A fake platform for device-module unit tests: a manual clock, timers the
 * test fires with fake_advance(), guest RAM as a buffer, and a log of
 * interrupts, MSIs, ExtINTs, shutdowns and mem-type changes. */
#ifndef DM_TEST_FAKES_H
#define DM_TEST_FAKES_H

#include "dm.h"

#define FAKE_RAM_SIZE (4u << 20)
#define FAKE_LOG_MAX 256

struct fake_irq_event { int kind; unsigned a, b; int level; };	/* kind: 0 isa, 1 pci */

struct fake {
	uint64_t now;
	uint8_t *ram;			/* FAKE_RAM_SIZE bytes at guest-physical 0 */
	struct dm_timer *timers[64];
	unsigned ntimers;
	int isa_level[16];		/* last level per ISA IRQ (weak dm_irq_set_isa) */
	unsigned isa_edges[16];		/* 0->1 transitions */
	struct fake_irq_event irqs[FAKE_LOG_MAX];
	unsigned nirqs;
	struct { uint64_t addr; uint32_t data; } msis[FAKE_LOG_MAX];
	unsigned nmsis;
	uint8_t extints[FAKE_LOG_MAX];
	unsigned nextints;
	int shutdown_reason;		/* -1 none */
	unsigned mem_type_calls;
	uint64_t last_mem_gpa, last_mem_len;
	bool last_mem_ro;
	unsigned log_lines;
	char last_log[256];		/* the latest log line */
	bool quiet;			/* don't print log lines */
};

extern struct fake fake;
extern struct dm_env fake_env;

/* Resets everything (RAM zeroed) and returns &fake_env. */
struct dm_env *fake_reset(void);
/* Moves the clock forward, firing due timers in deadline order. */
void fake_advance(uint64_t ns);
/* The next number of a xorshift64 sequence (Marsaglia 2003, shifts
 * 13/7/17): each fuzz test keeps its own seed so runs repeat. */
uint64_t fake_rnd(uint64_t *state);

#endif

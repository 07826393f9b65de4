/*
 * The device model's world, as its device modules see it. Every module
 * (pic.c, pit.c, rtc.c, ...) includes only this header and its own, touches
 * the outside only through struct dm_env, and so builds and runs on the host
 * under the sanitizers (test/unit/dm/). main.c supplies the real env: the
 * ioreq client, BH_DMOP_* hypercalls and the runtime's timers.
 *
 * Threading: none. Everything runs in the device model's main loop
 * (timers fire from it too), so modules take no locks.
 */
#ifndef DM_H
#define DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef BULKHEAD_HOST
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#else
#include "dom.h"
#endif

#define DM_ALL_ONES(size) ((size) >= 8 ? ~0ull : (1ull << ((size) * 8)) - 1)

/* ---- the bus ---------------------------------------------------------- */

/* One device region. off is relative to the region's base; size 1, 2, 4
 * (8 for MMIO). Reads return the value in the low `size` bytes. */
struct dm_io_ops {
	uint64_t (*read)(void *dev, uint64_t off, unsigned size);
	void (*write)(void *dev, uint64_t off, unsigned size, uint64_t val);
};

enum dm_space { DM_PIO, DM_MMIO };

struct dm_region {
	enum dm_space space;
	uint64_t base, len;
	const struct dm_io_ops *ops;
	void *dev;
	const char *name;
	struct dm_region *next;		/* private to bus.c */
};

struct dm_bus;
struct dm_env;

/* A new, empty bus; unclaimed accesses are logged through env->log. */
struct dm_bus *dm_bus_new(struct dm_env *env);
/* The region must stay valid until removed. -EEXIST (negative) on overlap. */
int dm_bus_add(struct dm_bus *bus, struct dm_region *r);
void dm_bus_remove(struct dm_bus *bus, struct dm_region *r);
/* Moves a region (PCI BAR programming); base 0 or ~0 unmaps it. */
int dm_bus_move(struct dm_bus *bus, struct dm_region *r, uint64_t new_base);
/* Dispatch. Unclaimed reads return all-ones, unclaimed writes are dropped,
 * each unclaimed address logged once. */
uint64_t dm_bus_read(struct dm_bus *bus, enum dm_space s, uint64_t addr, unsigned size);
void dm_bus_write(struct dm_bus *bus, enum dm_space s, uint64_t addr, unsigned size, uint64_t val);

/* ---- timers ------------------------------------------------------------ */

struct dm_timer;
typedef void (*dm_timer_fn)(struct dm_timer *t, void *arg);
struct dm_timer {
	uint64_t deadline_ns;	/* private */
	dm_timer_fn fn;
	void *arg;
	bool armed;		/* private */
	void *priv;		/* private to the env */
};

/* ---- what the platform offers a device --------------------------------- */

struct dm_env {
	void *ctx;
	/* Monotonic nanoseconds; the guest's TSC runs on the same clock. */
	uint64_t (*now_ns)(void *ctx);
	/* One-shot timer at an absolute dm now_ns time; re-arming moves it. */
	void (*timer_arm)(void *ctx, struct dm_timer *t, uint64_t deadline_ns);
	void (*timer_cancel)(void *ctx, struct dm_timer *t);
	/* Guest-physical memory (RAM only). 0, or negative errno. */
	int (*mem_read)(void *ctx, uint64_t gpa, void *buf, size_t len);
	int (*mem_write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
	/* Interrupts out of the interrupt controllers (pic.c, ioapic.c): */
	void (*msi)(void *ctx, uint64_t addr, uint32_t data);	/* BH_DMOP_msi */
	void (*extint)(void *ctx, uint8_t vector);		/* BH_DMOP_extint */
	/* Drops ExtINT vectors sent but not yet taken (the 8259 was
	 * re-initialised or the line masked); optional. */
	void (*extint_cancel)(void *ctx);
	/* The guest asked to power off / reset (SHUTDOWN_poweroff 0, reboot 1). */
	void (*shutdown)(void *ctx, unsigned reason);
	/* RAM read-only or read-write again (PAM): BH_DMOP_set_mem_type. */
	void (*mem_type)(void *ctx, uint64_t gpa, uint64_t len, bool readonly);
	/* A line into /var/log/xen/qemu-dm-NAME.log (and the dm's console). */
	void (*log)(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

/* ---- interrupt lines ----------------------------------------------------
 * Devices raise interrupts through the platform's irq router (irq.c), which
 * fans ISA IRQs out to the 8259 pair and the IOAPIC (GSI = ISA IRQ except
 * IRQ0 -> GSI 2, as QEMU's and SeaBIOS's MADT override says) and PCI INTx
 * through PIIX3's PIRQ routing registers to both. level: the line's state;
 * edge devices pulse it (set 1 then 0). */
void dm_irq_set_isa(unsigned irq, int level);		/* ISA IRQ 0-15 */
void dm_irq_set_pci(unsigned devfn, unsigned pin, int level);	/* pin 0-3 = INTA-D */
/* PCI INTx routing (irq.c): pin p of slot s drives PIRQ (p + s - 1) & 3 (the
 * i440FX swizzle SeaBIOS's tables describe); PIRQ n goes to the ISA IRQ
 * dm_piix_pirq_route(n) returns (PIIX3 config 0x60+n; -1 when disabled),
 * which feeds both the 8259 and the IOAPIC pin of that number. Lines are
 * wired-OR: an ISA IRQ is asserted while any of its sources is. */
int dm_piix_pirq_route(unsigned pirq);		/* piix.c */
void dm_irq_reroute(void);			/* irq.c: call after 0x60-0x63 change */
/* A level-triggered vector was EOI'd in a local APIC (struct bh_ioreq_ext). */
void dm_ioapic_eoi(uint8_t vector);		/* ioapic.c */

#endif

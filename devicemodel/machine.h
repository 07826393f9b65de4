/*
 * The i440FX/PIIX3 PC the device model emulates for one HVM guest: which
 * device sits where, the firmware's view of memory and CPUs (fw_cfg, CMOS),
 * and the wiring between devices. Host-buildable (dm.h only).
 *
 *   00:00.0 i440FX host bridge (PAM)      ports 0xcf8-0xcff, 0xcf9 reset
 *   00:01.0 PIIX3 ISA bridge (PIRQ)        8259 pair + ELCR, 8254 + 0x61, RTC/CMOS
 *   00:01.1 PIIX3 IDE (hda-hdd, BM-DMA)    16550A COM1 0x3f8 IRQ 4, fw_cfg 0x510
 *   00:01.3 PIIX4 PM (PM timer, SCI 9, S5) IOAPIC 0xfec00000
 *   00:02.0 Xen platform device            misc: 8042, 0x92, 0x80, 0x402/0xe9
 *   00:03.0.. NICs, one per emulated vif, slots 3-6 (QEMU's first NIC slot),
 *             e1000 (82540EM) or RTL8139 as the vif's model says, INTA
 *             through PIIX3's PIRQ routing
 * xen_platform_pci=0 leaves 00:02.0 out: the guest then sees no Xen platform
 * device, so Linux keeps its emulated disks and NICs (no PV drivers).
 */
#ifndef DM_MACHINE_H
#define DM_MACHINE_H

#include "dm.h"
#include "pic.h"
#include "pit.h"
#include "rtc.h"
#include "ioapic.h"
#include "misc.h"
#include "blk.h"
#include "nic.h"

#define DM_MACHINE_DEVFN_IDE 0x09
#define DM_MACHINE_DEVFN_PLATFORM 0x10
#define DM_MACHINE_DEVFN_NIC0 0x18
#define DM_MACHINE_MAX_NICS 4		/* xl gives us 1 MiB each for at most as many (XL_HVM_DM_MAX_NICS) */

struct dm_machine_cfg {
	unsigned vcpus;
	uint64_t mem_bytes;	/* guest RAM (the core's map: public/bulkhead.h) */
	char boot[8];		/* boot= order: c disk, d CD-ROM, n network */
	bool serial;		/* serial="pty": SeaBIOS's screen goes there too */
	int64_t rtc_base;	/* wall clock at start, UNIX seconds */
	bool pv_disks;		/* the guest's disks and NICs are also offered as PV
				 * (xenstore vbd/vif frontends of the guest): honour the
				 * unplug of IDE disks and NICs */
	bool no_platform;	/* xen_platform_pci=0: no Xen platform device */
};

struct dm_uart;
struct dm_ide;
struct dm_pm;
struct dm_fwcfg;
struct dm_xenplatform;
struct dm_e1000;
struct dm_rtl8139;

/* An emulated NIC and who to tell when the guest unplugs it. The model's
 * pointer (e1000 or rtl8139, as model says) is NULL once unplugged. */
struct dm_machine_nic {
	enum dm_nic_model model;
	uint8_t devfn;
	struct dm_e1000 *e1000;
	struct dm_rtl8139 *rtl8139;
	void (*unplugged)(void *ctx);
	void *ctx;
};

struct dm_machine {
	struct dm_env *env;
	struct dm_bus *bus;
	struct dm_pic pic;
	struct dm_pit pit;
	struct dm_rtc rtc;
	struct dm_ioapic ioapic;
	struct dm_pm *pm;
	struct dm_fwcfg *fw;
	struct dm_uart *uart;
	struct dm_ide *ide;
	struct dm_xenplatform *xp;
	struct dm_misc misc;
	bool pv_disks;		/* dm_machine_cfg's */
	unsigned nnics;
	struct dm_machine_nic nics[DM_MACHINE_MAX_NICS];
};

/* Builds the machine; uart_tx receives the guest's COM1 output. 0 or -errno. */
int dm_machine_init(struct dm_machine *m, struct dm_env *env, struct dm_bus *bus,
		    const struct dm_machine_cfg *cfg,
		    void (*uart_tx)(void *ctx, const uint8_t *buf, size_t n), void *ctx);
/* Attaches a disk or CD by Xen vdev number (hda 768, hdb 832, hdc 5632, hdd 5696). */
int dm_machine_attach(struct dm_machine *m, unsigned vdev, struct dm_blk *blk);
/* The next NIC (00:03.0, then 00:04.0, ...) of this model with this MAC;
 * ops and ctx are the network side (nic.h), unplugged(ctx) runs when the
 * guest's PV drivers unplug it. NULL when all slots are taken or on error. */
struct dm_machine_nic *dm_machine_add_nic(struct dm_machine *m, enum dm_nic_model model,
					  const uint8_t mac[6], const struct dm_nic_ops *ops,
					  void (*unplugged)(void *ctx), void *ctx);
/* A frame from the network for nic, as its model's dm_*_rx answers
 * (1 taken, 0 dropped, -EAGAIN offer again after ops->rx_ready); 0 once
 * unplugged. */
int dm_machine_nic_rx(struct dm_machine_nic *nic, const uint8_t *frame, size_t len);
/* The network takes frames again: the model's tx_resume (nothing once unplugged). */
void dm_machine_nic_tx_resume(struct dm_machine_nic *nic);
/* The guest's typed input for COM1. */
void dm_machine_serial_input(struct dm_machine *m, const uint8_t *buf, size_t n);
/* `xl shutdown -F`: the ACPI power button. */
void dm_machine_power_button(struct dm_machine *m);

#endif

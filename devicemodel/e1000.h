/*
 * An emulated Intel 82540EM (8086:100e), the NIC Linux's e1000 and
 * FreeBSD's em drive without extra software, after Intel's PCI/PCI-X Family
 * of Gigabit Ethernet Controllers Software Developer's Manual (8254x SDM).
 * BAR0 is the 128 KiB register space, BAR1 the same registers through an
 * IOADDR/IODATA window. The network side is the caller's: frames the guest
 * transmits go out through ops->tx, frames for the guest come in through
 * dm_e1000_rx. The model itself is in e1000.c (registers, EEPROM, PHY,
 * interrupts), e1000_tx.c and e1000_rx.c.
 */
#ifndef DM_E1000_H
#define DM_E1000_H

#include "nic.h"

#define DM_E1000_FRAME_MAX DM_NIC_FRAME_MAX
#define DM_E1000_EAGAIN DM_NIC_EAGAIN

/* ops (nic.h): a transmitted TSO context's segments arrive one frame each;
 * a refused packet stops the ring there (TDH not advanced past it, nothing
 * written back) until dm_e1000_tx_resume(); rx_ready follows a write of RDT
 * while the receiver is enabled, or enabling it. */
struct dm_e1000;

/* devfn e.g. 0x18 (00:03.0). After dm_pci_host_init (or on a bridge-less test bus).
 * mac: the EEPROM's address. NULL on failure (logged). ops/ctx outlive it. */
struct dm_e1000 *dm_e1000_init(struct dm_env *env, struct dm_bus *bus, uint8_t devfn,
			       const uint8_t mac[6], const struct dm_nic_ops *ops, void *ctx);

/* A frame from the network (no FCS, 14..DM_E1000_FRAME_MAX bytes).
 * 1: written into the guest's receive ring (interrupt raised as the guest asked);
 * 0: not for this NIC or not receivable (receiver off, filtered out by RAR/MTA/RCTL,
 *    unplugged, too long, guest memory error): dropped;
 * -EAGAIN: the receiver is on but no free descriptor: offer it again after rx_ready. */
int dm_e1000_rx(struct dm_e1000 *n, const uint8_t *frame, size_t len);

/* The network can take frames again: continue transmitting where -EAGAIN stopped. */
void dm_e1000_tx_resume(struct dm_e1000 *n);

/* The guest's PV drivers unplugged the emulated NICs (Xen platform port 0x10, bit 1):
 * the function disappears from config space (reads all-ones; its BARs unmapped), and
 * rx/tx stop for good. */
void dm_e1000_unplug(struct dm_e1000 *n);

#endif

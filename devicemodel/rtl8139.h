/*
 * An emulated Realtek RTL8139C (10ec:8139, PCI revision 0x10: the plain
 * 8139, not the C+, so Linux binds 8139too and FreeBSD rl(4)), after
 * Realtek's "RTL8139C(L) Single-Chip Fast Ethernet Controller" datasheet
 * (§5 register descriptions, §6 EEPROM, §7 PCI configuration, §9 functional
 * description: transmit and receive). BAR0 is the 256-byte register block
 * in I/O space, BAR1 the same registers in memory space. The network side
 * is the caller's (nic.h): frames the guest transmits go out through
 * ops->tx, frames for the guest come in through dm_rtl8139_rx. The model is
 * in rtl8139.c (PCI function, register file, EEPROM, PHY, interrupts,
 * reset) and rtl8139_rxtx.c (the four transmit descriptors, the receive
 * ring buffer).
 */
#ifndef DM_RTL8139_H
#define DM_RTL8139_H

#include "nic.h"

struct dm_rtl8139;

/* devfn e.g. 0x18 (00:03.0). After dm_pci_host_init (or on a bridge-less
 * test bus). mac: the EEPROM's station address (IDR0-5 after reset). NULL
 * on failure (logged). ops/ctx outlive it. */
struct dm_rtl8139 *dm_rtl8139_init(struct dm_env *env, struct dm_bus *bus, uint8_t devfn,
				   const uint8_t mac[6], const struct dm_nic_ops *ops, void *ctx);

/* A frame from the network (no FCS, 14..DM_NIC_FRAME_MAX bytes).
 * 1: written into the guest's receive ring with its header and CRC,
 *    ROK raised;
 * 0: not for this NIC or not receivable (receiver off, no bus master,
 *    filtered out by RCR/MAR, unplugged, bad length, the ring outside guest
 *    RAM): dropped;
 * -EAGAIN: the receiver is on but the ring has no room before CAPR: offer
 *    it again after ops->rx_ready (a CAPR write, RE set, RBSTART written). */
int dm_rtl8139_rx(struct dm_rtl8139 *n, const uint8_t *frame, size_t len);

/* The network can take frames again: send the descriptors -EAGAIN held. */
void dm_rtl8139_tx_resume(struct dm_rtl8139 *n);

/* The guest's PV drivers unplugged the emulated NICs (Xen platform port
 * 0x10, bit 1): the function disappears from config space (reads
 * all-ones; its BARs unmapped), and rx/tx and the timer stop for good. */
void dm_rtl8139_unplug(struct dm_rtl8139 *n);

#endif

/*
 * What every emulated NIC model (e1000.c, rtl8139.c) shares: the network
 * side's callbacks, the frame-size and errno contract of the receive and
 * transmit paths, and the Ethernet CRC-32 (nic.c). A model is a netif
 * frontend's device (main.c's nic_link): frames the guest transmits go out
 * through ops->tx, frames from the network come in through the model's
 * dm_<model>_rx.
 */
#ifndef DM_NIC_H
#define DM_NIC_H

#include "pci.h"

#define DM_NIC_FRAME_MAX 1522	/* largest frame in either direction, no FCS (1500 MTU + 14 + 802.1Q tag + slack) */
#define DM_NIC_EAGAIN 11	/* EAGAIN (Linux and Xen errno values): -DM_NIC_EAGAIN is -EAGAIN */

/* The emulated NIC models, as xl.cfg's vif model= names them (nic.c). */
enum dm_nic_model { DM_NIC_E1000, DM_NIC_RTL8139 };

struct dm_nic_ops {
	/* A frame the guest transmitted: Ethernet header first, no FCS,
	 * 14..DM_NIC_FRAME_MAX bytes, checksums inserted as the guest asked.
	 * Returns 0 when taken, -EAGAIN when the network cannot take it now:
	 * the model then holds that frame (nothing written back to the guest)
	 * and tries it again at its tx_resume. */
	int (*tx)(void *ctx, const uint8_t *frame, size_t len);
	/* Optional: the guest gave the receiver room (new descriptors, a moved
	 * read pointer) or enabled it: frames refused with -EAGAIN may be
	 * offered again. */
	void (*rx_ready)(void *ctx);
};

/* CRC-32 of IEEE 802.3 (reflected polynomial 0xedb88320, initial and
 * final inversion): the FCS a receiver appends, least significant byte first. */
uint32_t dm_nic_crc32(const uint8_t *p, size_t len);

/* "e1000"/"rtl8139" -> 0 and *model; -1 for anything else (NULL too). */
int dm_nic_model_parse(const char *name, enum dm_nic_model *model);
const char *dm_nic_model_name(enum dm_nic_model model);

/* The function may touch guest memory: PCI command register's bus master bit. */
static inline bool dm_nic_bus_master(const struct dm_pci_dev *p)
{
	return p->cfg[0x04] & 0x04;
}

#endif

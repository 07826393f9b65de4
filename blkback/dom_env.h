/*
 * A device's environment in a runtime domain (struct dev_env's callbacks,
 * dev_env.h): its registers through a BAR mapped at its guest-physical
 * address, the runtime's clock, and DMA pages of the domain's own RAM, where
 * virtual == guest-physical == DMA address (the IOMMU maps the domain's RAM
 * 1:1 for its devices). blkback, netback and the dmahostile test domain
 * link it.
 */
#ifndef BLKBACK_DOM_ENV_H
#define BLKBACK_DOM_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bh_pci_dev;

/* The ctx of every callback: the BAR and its size. Register accesses
 * outside it, or unaligned, read all-ones and write nothing. */
struct dom_bar {
	volatile uint8_t *base;
	uint64_t size;
	unsigned irq_port;	/* the device's interrupt (dom_env_irq_bind), 0: none */
	/* The owner keeps irq_port masked outside dom_env_wait_irq: an
	 * interrupt that comes while the driver is not waiting for one (its
	 * spin already saw the completion) then only marks the port pending,
	 * instead of waking the domain from its next halt for nothing. */
	bool irq_masked;
};

uint32_t dom_env_rd32(void *bar, uint32_t reg);
void dom_env_wr32(void *bar, uint32_t reg, uint32_t val);
uint64_t dom_env_now_us(void *bar);
void dom_env_delay(void *bar, uint32_t us);
/* n zeroed 4 KiB-aligned pages, never freed (a device may write them after
 * a timeout); NULL when the heap is out. */
void *dom_env_alloc(void *bar, unsigned n);
/* dev_env.wait_irq: an event on the BAR's irq_port since the last call, or
 * about us microseconds (the runtime's timer: 1 ms at least). With
 * irq_masked the port is unmasked for the wait only (one that came while
 * masked ends the wait at once). */
void dom_env_wait_irq(void *bar, uint32_t us);
uint64_t dom_env_dma(void *bar, const void *p);

/* PCI through __HYPERVISOR_bulkhead_pci (public/pci.h): an op; a device's
 * name "SSSS:BB:DD.F"; memory decode and bus master on (PCI Local Bus 3.0
 * §6.2.2), 0 or -errno; whether BAR bar is memory of min bytes or more
 * below 4 GiB, which runtime domains map 1:1 (said why not, after what). */
long dom_env_pci(unsigned op, void *arg);
void dom_env_pci_name(char *out, size_t n, uint32_t sbdf);
int dom_env_pci_enable(uint32_t sbdf);
/* The device's MSI-X entry (0: or its MSI; BH_PCI_IRQ_INTX: its INTx
 * line) as an event channel of ours (BH_PCI_irq_bind), unmasked, in
 * b->irq_port: 0 or -errno (b unchanged; the driver then polls). */
int dom_env_irq_bind(struct dom_bar *b, uint32_t sbdf, uint16_t entry);
/* BH_PCI_irq_eoi: the device's INTx line, quieted, may interrupt again. */
int dom_env_irq_eoi(uint32_t sbdf);
bool dom_env_bar_ok(const struct bh_pci_dev *d, unsigned bar, uint64_t min, const char *what,
		    const char *name);

#endif

/*
 * A disk controller's environment in a runtime domain (the nvme_disk_env and
 * ahci_disk_env callbacks): its registers through a BAR mapped at its
 * guest-physical address, the runtime's clock, and DMA pages of the
 * domain's own RAM, where virtual == guest-physical == DMA address (the
 * IOMMU maps the domain's RAM 1:1 for its devices). blkback and the
 * dmahostile test domain link it.
 */
#ifndef BLKBACK_DOM_ENV_H
#define BLKBACK_DOM_ENV_H

#include <stdint.h>

/* The ctx of every callback: the BAR and its size. Register accesses
 * outside it, or unaligned, read all-ones and write nothing. */
struct dom_bar {
	volatile uint8_t *base;
	uint64_t size;
};

uint32_t dom_env_rd32(void *bar, uint32_t reg);
void dom_env_wr32(void *bar, uint32_t reg, uint32_t val);
uint64_t dom_env_now_us(void *bar);
void dom_env_relax(void *bar);
void dom_env_delay(void *bar, uint32_t us);
/* n zeroed 4 KiB-aligned pages, never freed (a device may write them after
 * a timeout); NULL when the heap is out. */
void *dom_env_alloc(void *bar, unsigned n);
uint64_t dom_env_dma(void *bar, const void *p);

#endif

/*
 * A device driver's environment: registers, time and DMA memory, given to
 * the NVMe (nvme_disk.c), AHCI (ahci_disk.c) and e1000 (netback/e1000.c)
 * drivers so that each builds both for a runtime domain (dom_env.c: the BAR
 * mapped, the runtime's clock, the domain's own RAM) and on the host against
 * a simulated device (test/unit/test_nvme_disk.c, test_ahci_disk.c,
 * test_e1000.c). Standalone (<stdint.h> only): netback includes it from here.
 */
#ifndef BLKBACK_DEV_ENV_H
#define BLKBACK_DEV_ENV_H

#include <stdint.h>

/* Every callback is passed ctx. */
struct dev_env {
	void *ctx;
	/* The device's register BAR (BAR0; an AHCI HBA's ABAR), 32 bits at a
	 * time: a 64-bit register is two accesses, low half then high half. */
	uint32_t (*rd32)(void *ctx, uint32_t reg);
	void (*wr32)(void *ctx, uint32_t reg, uint32_t val);
	/* A monotonic clock, and a pause of about us microseconds between two
	 * polls: not much shorter, since ahci.c bounds some waits by counting
	 * pauses rather than by the clock. */
	uint64_t (*now_us)(void *ctx);
	void (*delay)(void *ctx, uint32_t us);
	/* n zeroed 4 KiB-aligned pages of the domain's own RAM, never freed
	 * (the device may still write them after a failure or a timeout), and
	 * the address the device uses for a byte of them. NULL if there is no
	 * memory. */
	void *(*alloc_pages)(void *ctx, unsigned n);
	uint64_t (*dma)(void *ctx, const void *p);
	/* The device's interrupt reaches the driver (an MSI or MSI-X entry as
	 * an event channel, BH_PCI_irq_bind): waits until one came since the
	 * last call, or about us microseconds at most, whichever is first
	 * (so a lost interrupt costs a poll interval, never a hang). NULL when
	 * it does not: drivers then leave the device's interrupts off and
	 * poll with delay. */
	void (*wait_irq)(void *ctx, uint32_t us);
	/* The device address of a byte of any buffer the driver is handed (a
	 * blk_io's pieces: the domain's RAM or grants it has mapped, which the
	 * IOMMU lets its device reach: kernel/arch/x86/iommu/iommu.h), so the
	 * device moves the data in place. NULL: only alloc_pages memory is
	 * reachable, and drivers bounce through it. */
	uint64_t (*dma_buf)(void *ctx, const void *p);
};

/* Between two looks at a device that may interrupt: its interrupt, or a
 * pause of us. */
static inline void dev_env_wait(const struct dev_env *e, uint32_t us)
{
	if (e->wait_irq)
		e->wait_irq(e->ctx, us);
	else
		e->delay(e->ctx, us);
}

#endif

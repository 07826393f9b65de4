/* A device's environment in a runtime domain (dom_env.h). */
#include "dom.h"
#include "dom/time.h"
#include "dom/cpu.h"
#include "dom/hypercall.h"
#include "dom/console.h"
#include "dom/evtchn.h"
#include "public/pci.h"
#include "dom_env.h"

#define PAGE 4096u

uint32_t dom_env_rd32(void *bar, uint32_t reg)
{
	const struct dom_bar *b = bar;

	if ((uint64_t)reg + 4 > b->size || (reg & 3))
		return 0xffffffffu;
	return *(volatile uint32_t *)(b->base + reg);
}

void dom_env_wr32(void *bar, uint32_t reg, uint32_t val)
{
	const struct dom_bar *b = bar;

	if ((uint64_t)reg + 4 <= b->size && !(reg & 3))
		*(volatile uint32_t *)(b->base + reg) = val;
}

uint64_t dom_env_now_us(void *bar)
{
	(void)bar;
	return dom_now_ns() / 1000;
}

void dom_env_delay(void *bar, uint32_t us)
{
	uint64_t end = dom_now_ns() + us * 1000ull;

	(void)bar;
	while (dom_now_ns() < end)
		dom_cpu_relax();
}

void dom_env_wait_irq(void *bar, uint32_t us)
{
	const struct dom_bar *b = bar;

	if (!b->irq_port) {
		dom_env_delay(bar, us);
		return;
	}
	/* Interrupts are off here (the runtime runs with IF = 0): an event
	 * after this look still ends the wait below (sti; hlt). */
	if (dom_evtchn_take(b->irq_port))
		return;
	if (b->irq_masked)
		dom_evtchn_unmask(b->irq_port);	/* pending: redelivered, the wait ends */
	dom_wait_event_timeout((us + 999) / 1000);
	if (b->irq_masked)
		dom_evtchn_mask(b->irq_port);
}

void *dom_env_alloc(void *bar, unsigned n)
{
	uint8_t *p = malloc((size_t)(n + 1) * PAGE);

	(void)bar;
	if (!p)
		return NULL;
	p = (uint8_t *)(((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
	memset(p, 0, (size_t)n * PAGE);
	return p;
}

uint64_t dom_env_dma(void *bar, const void *p)
{
	(void)bar;
	return (uint64_t)(uintptr_t)p;
}

long dom_env_pci(unsigned op, void *arg)
{
	return dom_hypercall5(__HYPERVISOR_bulkhead_pci, op, (unsigned long)arg, 0, 0, 0);
}

void dom_env_pci_name(char *out, size_t n, uint32_t sbdf)
{
	snprintf(out, n, "%04x:%02x:%02x.%x", sbdf >> 16, (sbdf >> 8) & 0xff, (sbdf >> 3) & 0x1f,
		 sbdf & 7);
}

int dom_env_pci_enable(uint32_t sbdf)
{
	struct bh_pci_cfg c = { .sbdf = sbdf, .reg = 4, .size = 2 };
	long rc;

	if ((rc = dom_env_pci(BH_PCI_cfg_read, &c)))
		return (int)rc;
	c.value |= 0x6;
	return (int)dom_env_pci(BH_PCI_cfg_write, &c);
}

bool dom_env_bar_ok(const struct bh_pci_dev *d, unsigned bar, uint64_t min, const char *what,
		    const char *name)
{
	const struct bh_pci_bar *b = &d->bar[bar];

	if ((b->type != BH_PCI_BAR_MEM32 && b->type != BH_PCI_BAR_MEM64) || b->size < min) {
		dom_printf("%s %s: BAR%u is not a memory BAR of %llu bytes or more\n", what, name,
			   bar, (unsigned long long)min);
		return false;
	}
	if (b->base + b->size > (1ull << 32) || b->base + b->size < b->base) {
		dom_printf("%s %s: BAR%u at 0x%llx is above 4 GiB, which a runtime domain does "
			   "not map; refused\n", what, name, bar, (unsigned long long)b->base);
		return false;
	}
	return true;
}

int dom_env_irq_bind(struct dom_bar *b, uint32_t sbdf, uint16_t entry)
{
	struct bh_pci_irq q = { .sbdf = sbdf, .entry = entry };
	long rc = dom_env_pci(BH_PCI_irq_bind, &q);

	if (rc)
		return (int)rc;
	if ((rc = dom_evtchn_set_handler(q.port, NULL, NULL))) {
		dom_evtchn_close(q.port);
		return (int)rc;
	}
	dom_evtchn_take(q.port);
	b->irq_port = q.port;
	return 0;
}

int dom_env_irq_eoi(uint32_t sbdf)
{
	struct bh_pci_irq q = { .sbdf = sbdf, .entry = BH_PCI_IRQ_INTX };

	return (int)dom_env_pci(BH_PCI_irq_eoi, &q);
}

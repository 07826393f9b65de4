/* A disk controller's environment in a runtime domain (dom_env.h). */
#include "dom.h"
#include "dom/time.h"
#include "dom/cpu.h"
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

void dom_env_relax(void *bar)
{
	(void)bar;
	for (int i = 0; i < 16; i++)
		dom_cpu_relax();
}

void dom_env_delay(void *bar, uint32_t us)
{
	uint64_t end = dom_now_ns() + us * 1000ull;

	(void)bar;
	while (dom_now_ns() < end)
		dom_cpu_relax();
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

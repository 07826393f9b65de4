/*
 * The core's own domain builder (domain_build.h): a test guest's image and
 * vCPU start states from its boot-module line, and the long-mode start
 * every long-mode guest and Dom0 begin in (test/guests/ABI.md).
 */
#include "domain.h"
#include "domain_build.h"
#include "guestmem.h"
#include "console.h"
#include "errno.h"
#include "lib.h"

/* Guest-physical layout of a long-mode start (test/guests/ABI.md). */
#define LM_PML4 0x1000
#define LM_PDPT 0x2000
#define LM_PD 0x3000
#define LM_GDT 0x7000
#define LM_STACK_PER_VCPU 0x10000

int domain_load(void *d, u64 gpa, const void *src, size_t len)
{
	return gpa_write(d, gpa, src, len);
}

int domain_build_long_mode(struct domain *d, struct vcpu_start *s, u32 vcpu)
{
	static const u64 gdt[3] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
	u64 pd[512], e;
	int rc = 0;

	/* P|W|A, and the 2 MiB leaves P|W|A|D|PS: set Accessed and Dirty
	 * mean the CPU never writes these tables (paging.c says why). */
	e = LM_PDPT | 0x23;
	rc |= gpa_write(d, LM_PML4, &e, 8);
	for (u64 i = 0; i < 4; i++) {
		e = (LM_PD + i * PAGE_SIZE) | 0x23;
		rc |= gpa_write(d, LM_PDPT + i * 8, &e, 8);
		for (u64 j = 0; j < 512; j++)
			pd[j] = ((i * 512 + j) << 21) | 0xe3;
		rc |= gpa_write(d, LM_PD + i * PAGE_SIZE, pd, sizeof(pd));
	}
	rc |= gpa_write(d, LM_GDT, gdt, sizeof(gdt));
	memset(s, 0, sizeof(*s));
	s->mode = VCPU_START_LONG;
	s->rflags = 0x2;
	s->rsp = (d->mem_pages << PAGE_SHIFT) - vcpu * LM_STACK_PER_VCPU;
	s->cr3 = LM_PML4;
	s->gdt_base = LM_GDT;
	s->gdt_limit = 23;
	return rc ? -EINVAL : 0;
}

/* vCPU i's start state for cfg's mode. */
static int start_state(struct domain *d, const struct domain_config *cfg, u32 i,
		       struct vcpu_start *s)
{
	int rc = 0;

	if (cfg->mode == VCPU_START_LONG) {
		rc = domain_build_long_mode(d, s, i);
		s->rip = cfg->load_addr;
	} else {
		memset(s, 0, sizeof(*s));
		s->mode = VCPU_START_REAL;
		s->rflags = 0x2;
		s->cs_sel = (u16)(cfg->load_addr >> 4);
		s->cs_base = cfg->load_addr & ~0xfull;
		s->rip = cfg->load_addr & 0xf;
		s->rsp = 0xfff0;
	}
	return rc;
}

int domain_create(const struct domain_config *cfg, struct domain **out)
{
	u64 top = cfg->mem_mib << 20;
	struct domain *d;
	int rc;

	if (cfg->load_addr + cfg->image_size > top || cfg->load_addr < 0x8000 ||
	    (cfg->mode == VCPU_START_REAL && cfg->load_addr + cfg->image_size > 0x100000) ||
	    (cfg->mode == VCPU_START_LONG && top < cfg->nr_vcpus * LM_STACK_PER_VCPU + 0x100000))
		return -EINVAL;
	d = domain_new(cfg->name, cfg->nr_vcpus, cfg->mem_mib, 0, -1, &rc);
	if (!d)
		return rc;
	rc = gpa_write(d, cfg->load_addr, cfg->image, cfg->image_size);
	for (u32 i = 0; !rc && i < cfg->nr_vcpus; i++) {
		struct vcpu_start s;

		/* test/guests/ABI.md: RDI = vCPU id, RSI = domain id, RDX = arg. */
		rc = start_state(d, cfg, i, &s);
		if (!rc)
			rc = domain_vcpu_start(d, i, &s, i, d->id, cfg->arg);
	}
	if (!rc)
		rc = domain_unpause(d);
	if (rc) {
		domain_kill(d, "build failed");
		domain_put(d);
		return rc;
	}
	pr_info("d%u: created '%s': %u vCPU%s, %lu MiB, %s mode at 0x%lx\n", d->id, d->name,
		d->nr_vcpus, d->nr_vcpus == 1 ? "" : "s", cfg->mem_mib,
		cfg->mode == VCPU_START_REAL ? "real" : "long", cfg->load_addr);
	if (out)
		*out = d;
	domain_put(d);
	return 0;
}

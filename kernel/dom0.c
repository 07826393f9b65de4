/*
 * Dom0 at boot: memory per dom0_mem, vCPUs per dom0_max_vcpus, the ELF image
 * loaded, its other boot modules and a flattened-device-tree start info
 * (public/bulkhead.h) placed after the image, every vCPU entering at the ELF
 * entry point with RDI = the tree's address.
 */
#include "dom0.h"
#include "domain.h"
#include "elf.h"
#include "fdt_build.h"
#include "cmdline.h"
#include "frame.h"
#include "mm.h"
#include "percpu.h"
#include "console.h"
#include "lib.h"

#define FDT_MAX (16 * 1024)

static void fdt_describe(struct fdt_writer *w, struct domain *d, const struct boot_info *bi,
			 const u64 *mod_gpa, const char *bootargs)
{
	char name[32];

	fdt_build_node_begin(w, "");
	fdt_build_prop_u32(w, "#address-cells", 2);
	fdt_build_prop_u32(w, "#size-cells", 2);
	fdt_build_prop_str(w, "compatible", "bulkhead,domain");
	fdt_build_node_begin(w, "chosen");
	fdt_build_prop_str(w, "bootargs", bootargs);
	fdt_build_prop_u32(w, "bulkhead,domid", d->id);
	fdt_build_prop(w, "bulkhead,privileged", NULL, 0);
	fdt_build_node_end(w);
	fdt_build_node_begin(w, "memory@0");
	fdt_build_prop_str(w, "device_type", "memory");
	fdt_build_prop_reg64(w, "reg", 0, d->mem_pages << PAGE_SHIFT);
	fdt_build_node_end(w);
	fdt_build_node_begin(w, "cpus");
	fdt_build_prop_u32(w, "#address-cells", 1);
	fdt_build_prop_u32(w, "#size-cells", 0);
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		fmt_snprintf(name, sizeof(name), "cpu@%u", i);
		fdt_build_node_begin(w, name);
		fdt_build_prop_str(w, "device_type", "cpu");
		fdt_build_prop_u32(w, "reg", i);
		fdt_build_node_end(w);
	}
	fdt_build_node_end(w);
	fdt_build_node_begin(w, "hypervisor");
	fdt_build_prop(w, "compatible", "xen,xen-4.17\0xen,xen", 21);
	fdt_build_node_end(w);
	fdt_build_node_begin(w, "modules");
	for (u32 i = 1; i < bi->nr_modules; i++) {
		fmt_snprintf(name, sizeof(name), "module@%u", i - 1);
		fdt_build_node_begin(w, name);
		fdt_build_prop_reg64(w, "reg", mod_gpa[i], bi->modules[i].end - bi->modules[i].start);
		fdt_build_prop_str(w, "bootargs", bi->modules[i].cmdline);
		fdt_build_node_end(w);
	}
	fdt_build_node_end(w);
	fdt_build_node_end(w);
}

bool dom0_present(const struct boot_info *bi)
{
	return bi->nr_modules && elf_is_elf(phys_to_virt(bi->modules[0].start),
					    bi->modules[0].end - bi->modules[0].start);
}

/* Copies the other modules after the image; returns the first free address. */
static u64 place_modules(struct domain *d, const struct boot_info *bi, u64 at, u64 *mod_gpa)
{
	for (u32 i = 1; i < bi->nr_modules && i < MAX_MODULES; i++) {
		const struct boot_module *m = &bi->modules[i];

		at = ALIGN_UP(at, PAGE_SIZE);
		mod_gpa[i] = at;
		if (gpa_write(d, at, phys_to_virt(m->start), m->end - m->start))
			panic("dom0: module %u ('%s') does not fit in dom0_mem", i, m->cmdline);
		at += m->end - m->start;
	}
	return ALIGN_UP(at, PAGE_SIZE);
}

static void dom0_start(struct domain *d, const struct elf_image *img, u64 fdt_gpa)
{
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		struct vcpu_start s;

		if (domain_build_long_mode(d, &s, i))
			panic("dom0: cannot build its page tables");
		s.rip = img->entry;
		if (domain_vcpu_start(d, i, &s, fdt_gpa, 0, 0))
			panic("dom0: cannot create vCPU %u", i);
	}
	if (domain_unpause(d))
		panic("dom0: cannot start");
}

void dom0_build(const struct boot_info *bi, const struct cmdline_opts *o)
{
	const struct boot_module *k = &bi->modules[0];
	u64 mem = cmdline_dom0_mem(o, frame_pool_free_count(&frames) << PAGE_SHIFT);
	u32 vcpus = cmdline_dom0_vcpus(o, nr_cpus);
	u64 mod_gpa[MAX_MODULES] = { 0 }, fdt_gpa;
	static u8 fdt[FDT_MAX];
	struct fdt_writer w;
	struct elf_image img;
	struct domain *d;
	size_t fdt_len;
	int rc;

	if (elf_check(phys_to_virt(k->start), k->end - k->start, &img))
		panic("dom0: '%s' is not a static x86-64 ELF executable", k->cmdline);
	d = domain_new("Domain-0", vcpus, mem >> 20, DOMAIN_PRIVILEGED, 0, &rc);
	if (!d)
		panic("dom0: cannot create it with %lu MiB and %u vCPUs (error %d)", mem >> 20,
		      vcpus, rc);
	if (img.lowest < 0x8000 || img.highest > (d->mem_pages << PAGE_SHIFT) ||
	    elf_load(phys_to_virt(k->start), k->end - k->start, domain_load, d))
		panic("dom0: its image does not fit in %lu MiB", mem >> 20);
	fdt_gpa = place_modules(d, bi, img.highest, mod_gpa);
	fdt_build_begin(&w, fdt, sizeof(fdt));
	fdt_describe(&w, d, bi, mod_gpa, k->cmdline);
	fdt_len = fdt_build_finish(&w);
	if (!fdt_len || gpa_write(d, fdt_gpa, fdt, fdt_len))
		panic("dom0: start info does not fit");
	dom0_start(d, &img, fdt_gpa);
	pr_info("dom0: %lu MiB, %u vCPU%s, entry 0x%lx, %u module%s, start info at 0x%lx\n",
		d->mem_pages >> 8, d->nr_vcpus, d->nr_vcpus == 1 ? "" : "s", img.entry,
		bi->nr_modules - 1, bi->nr_modules == 2 ? "" : "s", fdt_gpa);
	domain_put(d);
}

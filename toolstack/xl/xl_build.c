/*
 * Building a runtime ELF domain over domctl, the way the core builds its own
 * (kernel/domain.c) and as public/bulkhead.h describes the start of day:
 * BH_DOMCTL_create (the domain starts paused), identity page tables and a
 * flat GDT below 0x8000, the PT_LOAD segments, the ramdisk module and then
 * the FDT start info page-aligned above the image, every vCPU at the ELF
 * entry in long mode with RSP = top of RAM - vcpu * 64 KiB and RDI = the
 * FDT's address, then BH_DOMCTL_unpause. Any failure destroys the domain.
 *
 * Layout above the image, page-aligned: ramdisk (module@0), two pages for
 * the xenstore and console rings (offered to the xenstore hook), for a
 * device model (guest_console) two more (the guest's console ring, then one
 * spare), the FDT.
 *
 * disk=: each disk's backend is chosen before anything is created; its vbd
 * nodes are written after the xenstore hook (the domain's directory exists)
 * and before the domain first runs (xl_vbd.c).
 */
#include "xl_build.h"
#include "xl_elf.h"
#include "xl_fdt.h"
#include "xl_vbd.h"

#define PAGE 4096ull
#define ALIGN_PAGE(a) (((a) + PAGE - 1) & ~(PAGE - 1))
#define GDT_CODE64_SEL 0x08
#define RING_PAGES 2		/* xenstore, console */
#define GCONS_PAGES 2		/* the guest's console ring, one spare */

struct build {
	struct xl *x;
	const struct xl_build_cfg *c;
	uint16_t domid;
	bool created, gcons, vbds, vifs;
	uint16_t be[XL_BUILD_MAX_DISKS];	/* each disk's backend domain */
	char *kernel, *ramdisk;
	size_t kernel_len, ramdisk_len;
	struct xl_elf elf;
	uint64_t module_gpa, rings_gpa, fdt_gpa, limit;
};

static int fail(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct build *b, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return xl_fail(b->x, XL_FAIL, "Failed to build domain '%s': %s\n", b->c->name, msg);
}

static int fail_rc(struct build *b, const char *what, int rc)
{
	return fail(b, "%s: %s (rc=%d)", what, xl_strerror(rc), rc);
}

void xl_build_paging(uint8_t buf[XL_PAGING_SIZE])
{
	static const uint64_t gdt[3] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
	uint64_t e;

	memset(buf, 0, XL_PAGING_SIZE);
	e = XL_PDPT | 0x3;				/* present, writable */
	memcpy(buf + (XL_PML4 - XL_PML4), &e, 8);
	for (uint64_t i = 0; i < 4; i++) {
		e = (XL_PD + i * PAGE) | 0x3;
		memcpy(buf + (XL_PDPT - XL_PML4) + i * 8, &e, 8);
	}
	for (uint64_t i = 0; i < 2048; i++) {
		e = (i << 21) | 0x83;			/* present, writable, 2 MiB */
		memcpy(buf + (XL_PD - XL_PML4) + i * 8, &e, 8);
	}
	memcpy(buf + (XL_GDT - XL_PML4), gdt, sizeof(gdt));
}

static void fdt_hypervisor(struct xl_fdt *f, const struct xl_start_rings *r)
{
	static const char compat[] = "xen,xen-4.17\0xen,xen";

	xl_fdt_begin_node(f, "hypervisor");
	xl_fdt_prop(f, "compatible", compat, sizeof(compat));
	if (r->present) {
		xl_fdt_prop_u32(f, "bulkhead,store-pfn", r->store_pfn);
		xl_fdt_prop_u32(f, "bulkhead,store-evtchn", r->store_evtchn);
		xl_fdt_prop_u32(f, "bulkhead,console-pfn", r->console_pfn);
		xl_fdt_prop_u32(f, "bulkhead,console-evtchn", r->console_evtchn);
	}
	if (r->gcons_present) {
		xl_fdt_prop_u32(f, "bulkhead,guest-console-pfn", r->gcons_pfn);
		xl_fdt_prop_u32(f, "bulkhead,guest-console-evtchn", r->gcons_evtchn);
	}
	xl_fdt_end_node(f);
}

/* The nodes listed at the end of public/bulkhead.h (not Dom0's privileged one). */
void *xl_build_fdt(const struct xl_start_info *si, size_t *len)
{
	struct xl_fdt f;
	char node[32];

	xl_fdt_init(&f);
	xl_fdt_begin_node(&f, "");
	xl_fdt_prop_u32(&f, "#address-cells", 2);
	xl_fdt_prop_u32(&f, "#size-cells", 2);
	xl_fdt_begin_node(&f, "chosen");
	xl_fdt_prop_str(&f, "bootargs", si->bootargs);
	xl_fdt_prop_u32(&f, "bulkhead,domid", si->domid);
	xl_fdt_end_node(&f);
	xl_fdt_begin_node(&f, "memory@0");
	xl_fdt_prop_str(&f, "device_type", "memory");
	xl_fdt_prop_reg64(&f, "reg", 0, si->mem_bytes);
	xl_fdt_end_node(&f);
	xl_fdt_begin_node(&f, "cpus");
	xl_fdt_prop_u32(&f, "#address-cells", 1);
	xl_fdt_prop_u32(&f, "#size-cells", 0);
	for (uint32_t i = 0; i < si->vcpus; i++) {
		snprintf(node, sizeof(node), "cpu@%u", i);
		xl_fdt_begin_node(&f, node);
		xl_fdt_prop_str(&f, "device_type", "cpu");
		xl_fdt_prop_u32(&f, "reg", i);
		xl_fdt_end_node(&f);
	}
	xl_fdt_end_node(&f);
	fdt_hypervisor(&f, &si->rings);
	if (si->module_size) {
		xl_fdt_begin_node(&f, "modules");
		xl_fdt_prop_u32(&f, "#address-cells", 2);
		xl_fdt_prop_u32(&f, "#size-cells", 2);
		xl_fdt_begin_node(&f, "module@0");
		xl_fdt_prop_reg64(&f, "reg", si->module_gpa, si->module_size);
		xl_fdt_prop_str(&f, "bootargs", si->module_args ? si->module_args : "");
		xl_fdt_end_node(&f);
		xl_fdt_end_node(&f);
	}
	xl_fdt_end_node(&f);
	return xl_fdt_finish(&f, len);
}

/* Reads and checks the images and plans the layout: nothing is created yet. */
static int build_prepare(struct build *b)
{
	const struct xl_build_cfg *c = b->c;
	const struct xl_backend *be = b->x->be;
	int rc = be->file_read(be->ctx, c->kernel, &b->kernel, &b->kernel_len);
	uint64_t stacks;

	if (rc)
		return fail(b, "cannot read kernel %s: %s", c->kernel, xl_strerror(rc));
	if (xl_elf_check(b->kernel, b->kernel_len, &b->elf))
		return fail(b, "kernel %s is not a static ELF64 x86-64 executable", c->kernel);
	if (b->elf.lowest < XL_LOW_END)
		return fail(b, "kernel %s loads at 0x%llx, below 0x%llx (page tables and GDT)",
			    c->kernel, (unsigned long long)b->elf.lowest, XL_LOW_END);
	if (c->ramdisk) {
		rc = be->file_read(be->ctx, c->ramdisk, &b->ramdisk, &b->ramdisk_len);
		if (rc)
			return fail(b, "cannot read ramdisk %s: %s", c->ramdisk, xl_strerror(rc));
	}
	stacks = (uint64_t)c->vcpus * XL_STACK_PER_VCPU;
	b->limit = ((uint64_t)c->mem_mib << 20) > stacks ? ((uint64_t)c->mem_mib << 20) - stacks : 0;
	b->module_gpa = ALIGN_PAGE(b->elf.highest);
	b->rings_gpa = ALIGN_PAGE(b->module_gpa + b->ramdisk_len);
	b->fdt_gpa = b->rings_gpa + (RING_PAGES + (c->guest_console ? GCONS_PAGES : 0)) * PAGE;
	if (b->fdt_gpa >= b->limit)
		return fail(b, "memory=%u MiB is too small: the image and ramdisk end at %llu KiB",
			    c->mem_mib, (unsigned long long)(b->fdt_gpa >> 10));
	return xl_vbd_backends(b->x, c, b->be);
}

static int build_create(struct build *b)
{
	struct bh_create req;
	int rc;

	memset(&req, 0, sizeof(req));
	memcpy(req.name, b->c->name, sizeof(req.name) - 1);
	req.nr_vcpus = b->c->vcpus;
	req.mem_mib = b->c->mem_mib;
	req.max_mem_mib = b->c->max_mem_mib;
	rc = b->x->be->create(b->x->be->ctx, &req, &b->domid);
	if (rc)
		return fail_rc(b, "cannot create the domain", rc);
	b->created = true;
	XL_LOG(b->x, XL_DEBUG, b->domid, "created paused: %u vCPU(s), %u MiB", req.nr_vcpus,
	       req.mem_mib);
	return 0;
}

static int load(struct build *b, uint64_t gpa, const void *buf, uint64_t len,
		const char *what)
{
	int rc = b->x->be->load(b->x->be->ctx, b->domid, gpa, buf, len);

	if (rc)
		return fail_rc(b, what, rc);
	XL_LOG(b->x, XL_DEBUG, b->domid, "%s: [0x%llx, 0x%llx)", what, (unsigned long long)gpa,
	       (unsigned long long)(gpa + len));
	return 0;
}

static int load_segment(void *ctx, const struct xl_elf_seg *seg)
{
	struct build *b = ctx;

	if (!seg->filesz)
		return 0;	/* all BSS: the core hands out zeroed RAM */
	return load(b, seg->gpa, b->kernel + seg->offset, seg->filesz, "loading kernel segment");
}

static int build_memory(struct build *b, const struct xl_start_rings *rings)
{
	uint8_t *paging = malloc(XL_PAGING_SIZE);
	struct xl_start_info si = {
		.domid = b->domid, .vcpus = b->c->vcpus, .mem_bytes = (uint64_t)b->c->mem_mib << 20,
		.bootargs = b->c->cmdline, .module_gpa = b->module_gpa,
		.module_size = b->ramdisk_len, .module_args = b->c->ramdisk, .rings = *rings,
	};
	size_t fdt_len = 0;
	void *fdt;
	int rc;

	if (!paging)
		return fail_rc(b, "page tables", -XL_ENOMEM);
	xl_build_paging(paging);
	rc = load(b, XL_PML4, paging, XL_PAGING_SIZE, "loading page tables and GDT");
	free(paging);
	if (!rc)
		rc = xl_elf_foreach(b->kernel, b->kernel_len, load_segment, b);
	if (!rc && b->ramdisk_len)
		rc = load(b, b->module_gpa, b->ramdisk, b->ramdisk_len, "loading ramdisk");
	if (rc)
		return rc;
	fdt = xl_build_fdt(&si, &fdt_len);
	if (!fdt)
		return fail_rc(b, "start info", -XL_ENOMEM);
	if (b->fdt_gpa + fdt_len > b->limit)
		rc = fail(b, "memory=%u MiB is too small for the start info", b->c->mem_mib);
	else
		rc = load(b, b->fdt_gpa, fdt, fdt_len, "loading start info (FDT)");
	free(fdt);
	return rc;
}

static int build_vcpus(struct build *b)
{
	struct bh_vcpu_start s;
	int rc;

	for (uint32_t i = 0; i < b->c->vcpus; i++) {
		memset(&s, 0, sizeof(s));
		s.vcpu = i;
		s.mode = 1;	/* long */
		s.rip = b->elf.entry;
		s.rsp = ((uint64_t)b->c->mem_mib << 20) - i * XL_STACK_PER_VCPU;
		s.cr3 = XL_PML4;
		s.gdt_base = XL_GDT;
		s.gdt_limit = 23;
		s.cs_sel = GDT_CODE64_SEL;
		s.rdi = b->fdt_gpa;
		rc = b->x->be->set_vcpu(b->x->be->ctx, b->domid, &s);
		if (rc)
			return fail_rc(b, "setting a vCPU's start state", rc);
	}
	XL_LOG(b->x, XL_DEBUG, b->domid, "entry 0x%llx, start info at 0x%llx",
	       (unsigned long long)b->elf.entry, (unsigned long long)b->fdt_gpa);
	return 0;
}

/* The guest's console ring: Dom0 binds the device model's new port to it. */
static int build_gcons(struct build *b, struct xl_start_rings *rings)
{
	const struct xl_backend *be = b->x->be;
	int rc;

	if (!be->gcons_add || !be->gcons_remove)
		return fail(b, "no guest console service in this build (serial=\"pty\")");
	rings->gcons_pfn = (uint32_t)(b->rings_gpa / PAGE) + RING_PAGES;
	rc = be->gcons_add(be->ctx, b->c->guest_domid, b->c->guest_name, b->domid, rings->gcons_pfn,
			   &rings->gcons_evtchn);
	if (rc)
		return fail_rc(b, "guest console set-up", rc);
	b->gcons = true;
	rings->gcons_present = true;
	return 0;
}

static int build_steps(struct build *b, bool paused)
{
	struct xl_start_rings rings;
	int rc = build_create(b);

	memset(&rings, 0, sizeof(rings));
	rings.store_pfn = (uint32_t)(b->rings_gpa / PAGE);
	rings.console_pfn = rings.store_pfn + 1;
	if (!rc && (rc = xl_builder_hook_xenstore(b->x, b->domid, b->c, &rings)))
		rc = fail_rc(b, "xenstore and console set-up", rc);
	if (!rc && b->c->guest_console)
		rc = build_gcons(b, &rings);
	if (!rc)
		rc = build_memory(b, &rings);
	if (!rc)
		rc = build_vcpus(b);
	if (!rc)
		rc = xl_pci_assign_all(b->x, b->domid, b->c->pci, b->c->npci);
	if (!rc && b->c->ndisks) {
		b->vbds = true;	/* a failure may have written some */
		rc = xl_vbd_write(b->x, b->c, b->domid, b->be);
	}
	if (!rc && b->c->nvifs) {
		b->vifs = true;
		rc = xl_vif_write(b->x, b->c, b->domid);
	}
	if (!rc && !paused && (rc = b->x->be->unpause(b->x->be->ctx, b->domid)))
		rc = fail_rc(b, "cannot unpause", rc);
	return rc;
}

int xl_build_domain(struct xl *x, const struct xl_build_cfg *c, bool paused, uint16_t *domid)
{
	struct build b = { .x = x, .c = c };
	int rc = build_prepare(&b);

	if (!rc)
		rc = build_steps(&b, paused);
	if (rc && b.created) {
		XL_LOG(x, XL_DEBUG, b.domid, "destroying the half-built domain");
		if (b.gcons)
			x->be->gcons_remove(x->be->ctx, c->guest_domid);
		if (b.vbds)
			xl_vbd_remove(x, b.domid);
		if (b.vifs)
			xl_vif_remove(x, b.domid);
		xl_builder_hook_xenstore_release(x, b.domid);
		if (x->be->destroy(x->be->ctx, b.domid))
			xl_fail(x, XL_FAIL, "Domain %u could not be destroyed: it is left paused\n",
				b.domid);
	}
	if (!rc)
		*domid = b.domid;
	free(b.kernel);
	free(b.ramdisk);
	return rc ? XL_FAIL : XL_OK;
}

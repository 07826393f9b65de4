/*
 * The start info tree (public/bulkhead.h) read with Debian's libfdt. This is
 * the only file that includes <libfdt.h> (it pulls in the host's libc
 * headers for declarations; the definitions are the runtime's).
 */
#include <libfdt.h>
#include "dom.h"
#include "dom/start.h"
#include "errno.h"

static int fail(char *err, size_t errlen, int rc, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return rc;
}

static bool prop_u32(const void *fdt, int node, const char *name, uint32_t *out)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p || len != 4)
		return false;
	*out = fdt32_to_cpu(*p);
	return true;
}

/* reg = <ADDR_HI ADDR_LO SIZE_HI SIZE_LO> (two address and two size cells). */
static bool prop_reg64(const void *fdt, int node, uint64_t *addr, uint64_t *size)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, "reg", &len);

	if (!p || len != 16)
		return false;
	*addr = (uint64_t)fdt32_to_cpu(p[0]) << 32 | fdt32_to_cpu(p[1]);
	*size = (uint64_t)fdt32_to_cpu(p[2]) << 32 | fdt32_to_cpu(p[3]);
	return true;
}

/* A string property, NUL-terminated inside its length, or "". */
static const char *prop_str(const void *fdt, int node, const char *name)
{
	int len;
	const char *s = fdt_getprop(fdt, node, name, &len);

	return s && len > 0 && memchr(s, '\0', (size_t)len) ? s : "";
}

static void parse_hypervisor(const void *fdt, struct dom_start_info *si)
{
	int node = fdt_path_offset(fdt, "/hypervisor");
	uint32_t v;

	if (node < 0)
		return;
	if (prop_u32(fdt, node, "bulkhead,store-pfn", &v)) {
		si->store_pfn = v;
		si->has_store = prop_u32(fdt, node, "bulkhead,store-evtchn", &si->store_evtchn);
	}
	if (prop_u32(fdt, node, "bulkhead,console-pfn", &v)) {
		si->console_pfn = v;
		si->has_console =
			prop_u32(fdt, node, "bulkhead,console-evtchn", &si->console_evtchn);
	}
	if (prop_u32(fdt, node, "bulkhead,guest-console-pfn", &v) &&
	    ((uint64_t)v + 1) << 12 <= si->mem_bytes) {
		si->guest_console_pfn = v;
		si->has_guest_console = prop_u32(fdt, node, "bulkhead,guest-console-evtchn",
						 &si->guest_console_evtchn);
	}
}

static int parse_modules(const void *fdt, struct dom_start_info *si, char *err, size_t errlen)
{
	int parent = fdt_path_offset(fdt, "/modules"), node;

	if (parent < 0)
		return 0;
	fdt_for_each_subnode(node, fdt, parent) {
		struct dom_module *m = &si->modules[si->nr_modules];

		if (si->nr_modules == DOM_MAX_MODULES)
			return fail(err, errlen, -E2BIG, "more than DOM_MAX_MODULES modules");
		if (!prop_reg64(fdt, node, &m->addr, &m->size))
			return fail(err, errlen, -EINVAL, "a module without a 64-bit reg");
		if (m->addr + m->size < m->addr || m->addr + m->size > si->mem_bytes)
			return fail(err, errlen, -EINVAL, "a module outside RAM");
		m->args = prop_str(fdt, node, "bootargs");
		si->nr_modules++;
	}
	return 0;
}

int dom_fdt_parse(const void *fdt, struct dom_start_info *si, char *err, size_t errlen)
{
	int chosen, mem, cpus, node;
	uint64_t base;

	memset(si, 0, sizeof(*si));
	si->fdt = fdt;
	if (fdt_check_header(fdt) != 0)
		return fail(err, errlen, -EINVAL, "no valid device tree at RDI");
	chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen < 0 || !prop_u32(fdt, chosen, "bulkhead,domid", &si->domid))
		return fail(err, errlen, -EINVAL, "no /chosen bulkhead,domid");
	si->bootargs = prop_str(fdt, chosen, "bootargs");
	si->privileged = fdt_getprop(fdt, chosen, "bulkhead,privileged", NULL) != NULL;
	mem = fdt_path_offset(fdt, "/memory@0");
	if (mem < 0 || !prop_reg64(fdt, mem, &base, &si->mem_bytes) || base != 0)
		return fail(err, errlen, -EINVAL, "no /memory@0 reg starting at 0");
	cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus >= 0)
		fdt_for_each_subnode(node, fdt, cpus)
			si->nr_vcpus++;
	if (!si->nr_vcpus)
		si->nr_vcpus = 1;
	parse_hypervisor(fdt, si);
	return parse_modules(fdt, si, err, errlen);
}

size_t dom_fdt_size(const void *fdt)
{
	return fdt_totalsize(fdt);
}

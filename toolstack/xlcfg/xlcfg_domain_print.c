/*
 * The normalized configuration `xl create -N' prints (format documented at
 * xlcfg_domain_print in xlcfg_domain.h): xl.cfg text that reads back into
 * the same struct xl_domain_config.
 */
#include "xlcfg_domain.h"

struct dprint {
	xlcfg_write_fn write;
	void *ctx;
};

static void dprint_puts(const struct dprint *p, const char *s)
{
	p->write(p->ctx, s, strlen(s));
}

static void dprint_key(const struct dprint *p, const char *key)
{
	dprint_puts(p, key);
	dprint_puts(p, " = ");
}

static void dprint_string(const struct dprint *p, const char *key,
			  const char *v)
{
	if (!v)
		return;
	dprint_key(p, key);
	xlcfg_print_string(v, p->write, p->ctx);
	dprint_puts(p, "\n");
}

static void dprint_number(const struct dprint *p, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	dprint_key(p, key);
	dprint_puts(p, buf);
}

/* A list of strings on one line; nothing when empty. */
static void dprint_strlist(const struct dprint *p, const char *key,
			   const struct xl_strlist *l)
{
	size_t i;

	if (!l->count)
		return;
	dprint_key(p, key);
	for (i = 0; i < l->count; i++) {
		dprint_puts(p, i ? ", " : "[ ");
		xlcfg_print_string(l->items[i], p->write, p->ctx);
	}
	dprint_puts(p, " ]\n");
}

/* Device specs, one quoted canonical spec per line. */
static void dprint_open_item(const struct dprint *p, struct xlcfg_sink *esc)
{
	dprint_puts(p, "    \"");
	esc->write = p->write;
	esc->ctx = p->ctx;
}

static void dprint_disks(const struct dprint *p,
			 const struct xl_domain_config *d)
{
	struct xlcfg_sink esc;
	size_t i;

	if (!d->ndisks)
		return;
	dprint_puts(p, "disk = [\n");
	for (i = 0; i < d->ndisks; i++) {
		dprint_open_item(p, &esc);
		xlspec_disk_print(&d->disks[i], xlcfg_write_escaped, &esc);
		dprint_puts(p, "\",\n");
	}
	dprint_puts(p, "]\n");
}

static void dprint_vifs(const struct dprint *p,
			const struct xl_domain_config *d)
{
	struct xlcfg_sink esc;
	size_t i;

	if (!d->nvifs)
		return;
	dprint_puts(p, "vif = [\n");
	for (i = 0; i < d->nvifs; i++) {
		dprint_open_item(p, &esc);
		xlspec_vif_print(&d->vifs[i], xlcfg_write_escaped, &esc);
		dprint_puts(p, "\",\n");
	}
	dprint_puts(p, "]\n");
}

void xlcfg_domain_print(const struct xl_domain_config *d, xlcfg_write_fn write,
			void *ctx)
{
	const struct dprint p = { write, ctx };
	size_t i;

	dprint_puts(&p, "# Normalized by Bulkhead's xl: every default filled "
			"in.\n");
	dprint_string(&p, "name", d->name);
	dprint_string(&p, "type", xlcfg_domain_type_name(d->type));
	dprint_number(&p, "memory", d->memory_mib);
	dprint_number(&p, "maxmem", d->maxmem_mib);
	dprint_number(&p, "vcpus", d->vcpus);
	dprint_number(&p, "maxvcpus", d->maxvcpus);
	dprint_string(&p, "kernel", d->kernel);
	dprint_string(&p, "ramdisk", d->ramdisk);
	dprint_string(&p, "cmdline", d->cmdline);
	dprint_string(&p, "bootloader", d->bootloader);
	dprint_string(&p, "firmware", d->firmware);
	dprint_string(&p, "on_poweroff", xlcfg_action_name(d->on_poweroff));
	dprint_string(&p, "on_reboot", xlcfg_action_name(d->on_reboot));
	dprint_string(&p, "on_crash", xlcfg_action_name(d->on_crash));
	dprint_number(&p, "driver_domain", d->driver_domain);
	dprint_string(&p, "boot", d->boot);
	dprint_number(&p, "vnc", d->vnc);
	if (d->type == XL_DOMAIN_HVM && !d->xen_platform_pci)	/* only when not the default */
		dprint_number(&p, "xen_platform_pci", 0);
	dprint_string(&p, "vnclisten", d->vnclisten);
	if (d->vncdisplay >= 0)
		dprint_number(&p, "vncdisplay", (uint64_t)d->vncdisplay);
	dprint_strlist(&p, "serial", &d->serial);
	dprint_strlist(&p, "usbdevice", &d->usbdevice);
	if (d->cpus_per_vcpu)
		dprint_strlist(&p, "cpus", &d->cpus);
	else if (d->cpus.count)
		dprint_string(&p, "cpus", d->cpus.items[0]);
	dprint_strlist(&p, "pci", &d->pci);
	dprint_disks(&p, d);
	dprint_vifs(&p, d);
	for (i = 0; i < d->ignored.count; i++) {
		dprint_puts(&p, i ? ", " : "# not interpreted: ");
		dprint_puts(&p, d->ignored.items[i]);
	}
	if (d->ignored.count)
		dprint_puts(&p, "\n");
}

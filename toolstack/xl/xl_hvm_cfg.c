/*
 * An HVM guest's config, from the parser's domain config (toolstack/xlcfg):
 * what the device model gets (disks, boot order, serial) and the actions
 * the lifecycle needs. Keys the device model does not emulate yet parse and
 * are reported once each, without failing the create (issue 7 §5).
 */
#include "xl_config.h"
#include "xl_hvm.h"
#include "xl_vbd.h"

#define HVM_MAX_VCPUS 64		/* the core's MAX_VCPUS */
#define HVM_MAX_MEM_MIB 65536		/* the core's limit per domain */
#define HVM_MIN_MEM_MIB 2		/* below 1 MiB nothing boots; SeaBIOS wants more */

static void warn(struct xl *x, const char *key)
{
	xl_fail(x, 0, "xl: warning: %s is not supported yet; ignored\n", key);
}

static bool ignored_key(const struct xl_domain_config *d, const char *key)
{
	for (size_t i = 0; i < d->ignored.count; i++)
		if (!strcmp(d->ignored.items[i], key))
			return true;
	return false;
}

/* vnc defaults to 1 for hvm: only a vnc= the user wrote is reported. */
static void warnings(struct xl *x, const struct xl_config *c)
{
	const struct xl_domain_config *d = &c->dom;

	if (d->vnc && xlcfg_find(c->tree, "vnc"))
		warn(x, "vnc");
	if (d->usbdevice.count)
		warn(x, "usbdevice");
	if (ignored_key(d, "sdl"))
		warn(x, "sdl");
	if (ignored_key(d, "soundhw"))
		warn(x, "soundhw");
	if (d->pci.count)
		warn(x, "pci");
}

/* IDE only: hda..hdd, the ids Xen gives them (xen/include/public/io/blkif.h's
 * encoding: 3 << 8 for hda/hdb, 22 << 8 for hdc/hdd, 64 per unit). */
static int ide_devid(const char *vdev, uint32_t *devid)
{
	static const uint32_t ids[4] = { 768, 832, 5632, 5696 };

	if (strlen(vdev) != 3 || strncmp(vdev, "hd", 2) || vdev[2] < 'a' || vdev[2] > 'd')
		return -1;
	*devid = ids[vdev[2] - 'a'];
	return 0;
}

static int disk(struct xl *x, const struct xlspec_disk *s, struct xl_hvm_cfg *h)
{
	struct xl_disk *k = &h->disks[h->ndisks];

	if (ide_devid(s->vdev, &k->devid))
		return xl_fail(x, XL_FAIL,
			       "disk vdev=%s: Bulkhead's device model has IDE disks hda-hdd only\n",
			       s->vdev);
	for (unsigned i = 0; i < h->ndisks; i++)
		if (h->disks[i].devid == k->devid)
			return xl_fail(x, XL_FAIL, "disk vdev=%s given twice\n", s->vdev);
	if (s->format != XLSPEC_DISK_RAW && s->format != XLSPEC_DISK_EMPTY)
		return xl_fail(x, XL_FAIL, "disk vdev=%s: format %s is not supported (raw only)\n",
			       s->vdev, xlspec_disk_format_name(s->format));
	if (xl_disk_fill(k, s))
		return xl_fail_rc(x, "create", -XL_ENOMEM);
	h->ndisks++;
	return 0;
}

static int check(struct xl *x, const struct xl_config *c)
{
	const struct xl_domain_config *d = &c->dom;
	const char *src = c->tree->source;

	if (!xl_name_valid(d->name) ||
	    strlen(d->name) + strlen(XL_HVM_DM_SUFFIX) >= sizeof(((struct bh_create *)0)->name))
		return xl_fail(x, XL_FAIL,
			       "%s: invalid domain name '%s' (1-60 characters for an HVM guest, no '/' or spaces, not all digits)\n",
			       src, d->name);
	if (d->vcpus > HVM_MAX_VCPUS || d->memory_mib > HVM_MAX_MEM_MIB ||
	    d->maxmem_mib > HVM_MAX_MEM_MIB)
		return xl_fail(x, XL_FAIL, "%s: Bulkhead domains have at most %u vCPUs and %u MiB\n",
			       src, HVM_MAX_VCPUS, HVM_MAX_MEM_MIB);
	if (d->memory_mib < HVM_MIN_MEM_MIB)
		return xl_fail(x, XL_FAIL, "%s: memory=%llu MiB is too small for an HVM guest\n",
			       src, (unsigned long long)d->memory_mib);
	if (d->ndisks > XL_HVM_MAX_DISKS)
		return xl_fail(x, XL_FAIL, "%s: at most %u disks (hda-hdd)\n", src,
			       XL_HVM_MAX_DISKS);
	if (d->nvifs > XL_HVM_MAX_VIFS)
		return xl_fail(x, XL_FAIL, "%s: at most %u vifs\n", src, XL_HVM_MAX_VIFS);
	if (d->boot && strlen(d->boot) >= sizeof(((struct xl_hvm_cfg *)0)->boot))
		return xl_fail(x, XL_FAIL, "%s: boot=\"%s\" is too long\n", src, d->boot);
	if (d->serial.count > 1 || (d->serial.count && strcmp(d->serial.items[0], "pty")))
		return xl_fail(x, XL_FAIL, "%s: serial: only \"pty\" is supported\n", src);
	return 0;
}

int xl_vif_fill(struct xl *x, const struct xlspec_vif *s, struct xl_vif *v)
{
	if ((s->bridge && strlen(s->bridge) >= sizeof(v->bridge)) ||
	    (s->backend && strlen(s->backend) >= sizeof(v->backend)) ||
	    (s->vifname && strlen(s->vifname) >= sizeof(v->vifname)))
		return xl_fail(x, XL_FAIL, "vif devid=%u: bridge=, backend= or vifname= is too long\n",
			       s->devid);
	v->devid = s->devid;
	memcpy(v->mac, s->mac, sizeof(v->mac));
	snprintf(v->bridge, sizeof(v->bridge), "%s", s->bridge ? s->bridge : "xenbr0");
	snprintf(v->backend, sizeof(v->backend), "%s", s->backend ? s->backend : "");
	snprintf(v->vifname, sizeof(v->vifname), "%s", s->vifname ? s->vifname : "");
	v->rate_bytes = s->rate ? s->rate_bytes_per_interval : 0;
	v->rate_us = s->rate ? s->rate_interval_us : 0;
	return 0;
}

/* The emulated NIC model= names: ours, and QEMU's spelling of the same
 * 82540EM (xl passes model= to QEMU upstream). NULL for any other. */
static const char *nic_model(const char *model)
{
	if (!strcmp(model, "rtl8139"))
		return "rtl8139";
	if (!strcmp(model, "e1000") || !strcmp(model, "e1000-82540em"))
		return "e1000";
	return NULL;
}

/* An HVM vif: type=ioemu (the default) is the device model's emulated NIC
 * as well as the PV one (xl.cfg(5)). model= picks the NIC: rtl8139 (the
 * default, as upstream's) or e1000 (82540EM); any other model is warned
 * about and gets the default. */
static int vif(struct xl *x, const struct xlspec_vif *s, struct xl_hvm_cfg *h)
{
	struct xl_vif *v = &h->vifs[h->nvifs];
	const char *model = s->model_given ? nic_model(s->model) : "rtl8139";
	int rc = xl_vif_fill(x, s, v);

	if (rc)
		return rc;
	v->emulated = s->type != XLSPEC_VIF_VIF;
	if (v->emulated && !model)
		xl_fail(x, 0, "xl: warning: vif %u model=%s: the device model emulates the rtl8139 "
			"and the e1000 only; the guest gets an rtl8139\n", s->devid, s->model);
	snprintf(v->model, sizeof(v->model), "%s", model ? model : "rtl8139");
	h->nvifs++;
	return 0;
}

int xl_hvm_config(struct xl *x, const struct xl_config *c, struct xl_hvm_cfg *h)
{
	const struct xl_domain_config *d = &c->dom;
	int rc = check(x, c);

	memset(h, 0, sizeof(*h));
	if (rc)
		return rc;
	warnings(x, c);
	strcpy(h->name, d->name);
	h->mem_mib = (uint32_t)d->memory_mib;
	h->max_mem_mib = (uint32_t)d->maxmem_mib;
	h->vcpus = d->vcpus;
	h->maxvcpus = d->maxvcpus > d->vcpus ? d->maxvcpus : d->vcpus;
	strcpy(h->boot, d->boot ? d->boot : "cd");
	h->serial_pty = d->serial.count == 1;
	h->no_platform = !d->xen_platform_pci;
	h->on_poweroff = d->on_poweroff;
	h->on_reboot = d->on_reboot;
	h->on_crash = d->on_crash;
	for (size_t i = 0; i < d->ndisks && !rc; i++)
		rc = disk(x, &d->disks[i], h);
	for (size_t i = 0; i < d->nvifs && !rc; i++)
		rc = vif(x, &d->vifs[i], h);
	if (rc)
		xl_hvm_cfg_free(h);
	return rc;
}

int xl_hvm_cfg_copy(struct xl_hvm_cfg *to, const struct xl_hvm_cfg *from)
{
	*to = *from;
	for (unsigned i = 0; i < from->ndisks; i++) {
		to->disks[i].target = strdup(from->disks[i].target);
		if (!to->disks[i].target) {
			to->ndisks = i;
			xl_hvm_cfg_free(to);
			return -XL_ENOMEM;
		}
	}
	return 0;
}

void xl_hvm_cfg_free(struct xl_hvm_cfg *h)
{
	for (unsigned i = 0; i < h->ndisks; i++)
		free(h->disks[i].target);
	memset(h, 0, sizeof(*h));
}

void xl_hvm_dm_args(const struct xl_hvm_cfg *h, uint16_t guest, bool pv_disks, char *buf,
		    size_t size)
{
	snprintf(buf, size,
		 "target=%u name=%s vcpus=%u mem_mib=%u boot=%s serial=%d pv_disks=%d platform=%d",
		 guest, h->name, h->vcpus, h->mem_mib, h->boot, h->serial_pty ? 1 : 0,
		 pv_disks ? 1 : 0, h->no_platform ? 0 : 1);
}

/*
 * Xen platform PCI device and its fixed ports 0x10-0x1f (Xen's
 * docs/misc/hvm-emulated-unplug.pandoc; Linux's
 * arch/x86/xen/platform-pci-unplug.c is the user):
 *   word  read  0x10  magic 0x49d2 (anything else: "blacklisted")
 *   byte  read  0x12  protocol version 1
 *   word  write 0x12  product number (Linux: 3)
 *   dword write 0x10  driver build number
 *   word  write 0x10  unplug mask
 *   byte  write 0x12  a log line, byte by byte
 *   byte  r/w   0x10  platform flags (bit 0 ROM lock)
 * No product is ever blacklisted (QEMU dropped that list as dead code), and
 * the order above is not enforced: QEMU does not either, and a guest that
 * unplugs without the handshake only loses its own emulated disks.
 */
#include "xenplatform.h"

#define XP_PORT 0x10
#define XP_MAGIC 0x49d2
#define XP_PROTOCOL 1
#define XP_BAR1_SIZE (16u << 20)
#define XP_LOG_MAX 256

struct dm_xenplatform {
	struct dm_pci_dev pci;
	struct dm_env *env;
	const struct dm_xenplatform_ops *ops;
	void *ctx;
	uint8_t flags;
	uint16_t product;
	bool mmio_logged, flags_logged;
	char line[XP_LOG_MAX];
	unsigned line_len;
	struct dm_region fixed;
};

static void xp_log_byte(struct dm_xenplatform *xp, uint8_t c)
{
	if (c != '\n' && xp->line_len < XP_LOG_MAX - 1) {
		xp->line[xp->line_len++] = (char)(c >= 0x20 && c < 0x7f ? c : '.');
		return;
	}
	xp->line[xp->line_len] = 0;
	if (xp->env->log)
		xp->env->log(xp->env->ctx, "xen-platform: guest: %s", xp->line);
	xp->line_len = 0;
	if (c != '\n')
		xp->line[xp->line_len++] = (char)(c >= 0x20 && c < 0x7f ? c : '.');
}

/* ROM lock asks for 0xc0000-0xfffff read-only; PAM (pci.c) owns those
 * pages' mode here, so the flag is only stored. */
static void xp_set_flags(struct dm_xenplatform *xp, uint8_t v)
{
	xp->flags = v & 1;
	if (!xp->flags_logged && xp->env->log)
		xp->env->log(xp->env->ctx, "xen-platform: platform flags %#x stored, not applied", v);
	xp->flags_logged = true;
}

static void xp_unplug(struct dm_xenplatform *xp, uint16_t mask)
{
	if (xp->env->log)
		xp->env->log(xp->env->ctx, "xen-platform: unplug 0x%x (%s%s%s%s)", mask,
			     mask & DM_XP_UNPLUG_IDE_DISKS ? " ide-disks" : "",
			     mask & DM_XP_UNPLUG_NICS ? " nics" : "",
			     mask & DM_XP_UNPLUG_AUX_IDE_DISKS ? " aux-ide-disks" : "",
			     mask & DM_XP_UNPLUG_NVME ? " nvme" : "");
	if (xp->ops && xp->ops->unplug)
		xp->ops->unplug(xp->ctx, mask);
}

static uint64_t xp_fixed_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_xenplatform *xp = dev;

	if (size == 2 && off == 0)
		return XP_MAGIC;
	if (size == 1 && off == 0)
		return xp->flags;
	if (size == 1 && off == 2)
		return XP_PROTOCOL;
	return DM_ALL_ONES(size);
}

static void xp_fixed_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_xenplatform *xp = dev;

	if (off == 0 && size == 2) {
		xp_unplug(xp, (uint16_t)val);
	} else if (off == 2 && size == 2) {
		xp->product = (uint16_t)val;
	} else if (off == 0 && size == 4) {
		if (xp->env->log)
			xp->env->log(xp->env->ctx, "xen-platform: PV drivers: product %u%s, build %u",
				     xp->product, xp->product == 3 ? " (Linux)" : "", (unsigned)val);
	} else if (off == 0 && size == 1) {
		xp_set_flags(xp, (uint8_t)val);
	} else if (off == 2 && size == 1) {
		xp_log_byte(xp, (uint8_t)val);
	}
}

static const struct dm_io_ops xp_fixed_ops = { xp_fixed_read, xp_fixed_write };

/* BAR0: byte 0 the platform flags, byte 8 the log port (as QEMU). */
static uint64_t xp_bar0_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_xenplatform *xp = dev;

	return off == 0 && size == 1 ? xp->flags : DM_ALL_ONES(size);
}

static void xp_bar0_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_xenplatform *xp = dev;

	if (size != 1)
		return;
	if (off == 0)
		xp_set_flags(xp, (uint8_t)val);
	else if (off == 8)
		xp_log_byte(xp, (uint8_t)val);
}

static const struct dm_io_ops xp_bar0_ops = { xp_bar0_read, xp_bar0_write };

/* BAR1 is where the guest maps grant frames; an access that reaches us
 * hit a page with nothing mapped. */
static void xp_bar1_note(struct dm_xenplatform *xp, uint64_t off)
{
	if (!xp->mmio_logged && xp->env->log)
		xp->env->log(xp->env->ctx, "xen-platform: access to unmapped BAR1 offset %#llx",
			     (unsigned long long)off);
	xp->mmio_logged = true;
}

static uint64_t xp_bar1_read(void *dev, uint64_t off, unsigned size)
{
	xp_bar1_note(dev, off);
	return DM_ALL_ONES(size);
}

static void xp_bar1_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)size;
	(void)val;
	xp_bar1_note(dev, off);
}

static const struct dm_io_ops xp_bar1_ops = { xp_bar1_read, xp_bar1_write };

struct dm_xenplatform *dm_xenplatform_init(struct dm_env *env, struct dm_bus *bus, uint8_t devfn,
					   const struct dm_xenplatform_ops *ops, void *ctx)
{
	struct dm_xenplatform *xp = calloc(1, sizeof(*xp));

	if (!xp)
		return NULL;
	xp->env = env;
	xp->ops = ops;
	xp->ctx = ctx;
	dm_pci_init_header(&xp->pci, 0x5853, 0x0001, 0xff8000, 0x01);
	xp->pci.cfg[0x2c] = 0x53;	/* subsystem 5853:0001 */
	xp->pci.cfg[0x2d] = 0x58;
	xp->pci.cfg[0x2e] = 0x01;
	xp->pci.cfg[0x2f] = 0x00;
	xp->pci.cfg[0x3d] = 1;		/* INTA */
	xp->pci.devfn = devfn;
	xp->pci.dev = xp;
	xp->pci.bar[0] = (struct dm_pci_bar){ .size = 256, .io = true,
		.region = { .ops = &xp_bar0_ops, .dev = xp, .name = "xen-platform-io" } };
	xp->pci.bar[1] = (struct dm_pci_bar){ .size = XP_BAR1_SIZE, .prefetchable = true,
		.region = { .ops = &xp_bar1_ops, .dev = xp, .name = "xen-platform-mmio" } };
	xp->fixed = (struct dm_region){ .space = DM_PIO, .base = XP_PORT, .len = 16,
		.ops = &xp_fixed_ops, .dev = xp, .name = "xen-platform-fixed" };
	if (dm_bus_add(bus, &xp->fixed) < 0) {
		free(xp);
		goto fail;
	}
	if (dm_pci_add(bus, &xp->pci) < 0) {
		dm_bus_remove(bus, &xp->fixed);
		free(xp);
		goto fail;
	}
	return xp;
fail:
	if (env->log)
		env->log(env->ctx, "xen-platform: cannot place it at devfn %#x", devfn);
	return NULL;
}

void dm_xenplatform_set_irq(struct dm_xenplatform *xp, int level)
{
	dm_pci_set_irq(&xp->pci, level);
}

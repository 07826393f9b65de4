/*
 * PCI bus 0 of the i440FX machine: configuration mechanism #1 (PCI Local
 * Bus 3.0 §3.2.2.3.2) at 0xcf8/0xcfc, the type-0 header every device shares
 * (§6.2), BARs that put their regions on the dm_bus while decoding, and the
 * i440FX host bridge with its PAM registers (82441FX datasheet §3.2.17).
 *
 * There is one bus 0 per device model, so its state is file-static.
 */
#include "pci.h"

#define PCI_EINVAL 22
#define PCI_EEXIST 17

#define PCI_ADDR_ENABLE 0x80000000u
#define PCI_ADDR_MASK 0x80fffffcu	/* bits 30:24 and 1:0 read 0 */

#define PCI_CMD_IO 0x0001
#define PCI_CMD_MEM 0x0002
#define PCI_CMD_INTX_DISABLE 0x0400
#define PCI_CMD_WRITABLE 0x0407	/* I/O, memory, bus master, INTx disable */
#define PCI_STS_INTX 0x08	/* status bit 3: the INTx line's state */

struct pci_bus0 {
	struct dm_bus *bus;
	struct dm_env *env;		/* NULL on a bridge-less bus (no log) */
	struct dm_pci_dev *devs;	/* sorted by devfn */
	uint32_t addr;			/* 0xcf8 */
	struct dm_region addr_region, data_region;
	struct dm_region *cf9;		/* PIIX3 RCR (piix.c) */
	unsigned conflicts_logged;
};

static struct pci_bus0 pci;

#define PCI_LOG(...)                                              \
	do {                                                      \
		if (pci.env && pci.env->log)                      \
			pci.env->log(pci.env->ctx, __VA_ARGS__);  \
	} while (0)

static uint32_t pci_get32(const uint8_t *c, unsigned off)
{
	return c[off] | c[off + 1] << 8 | c[off + 2] << 16 | (uint32_t)c[off + 3] << 24;
}

static void pci_put32(uint8_t *c, unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		c[off + i] = (uint8_t)(v >> (8 * i));
}

static uint16_t pci_command(const struct dm_pci_dev *p)
{
	return (uint16_t)(p->cfg[0x04] | p->cfg[0x05] << 8);
}

static struct dm_pci_dev *pci_find(unsigned devfn)
{
	for (struct dm_pci_dev *p = pci.devs; p; p = p->next)
		if (p->devfn == devfn)
			return p;
	return NULL;
}

/* ---- BARs ---------------------------------------------------------------- */

static uint32_t pci_bar_size(const struct dm_pci_bar *b)
{
	uint32_t min = b->io ? 4 : 16;

	return b->size < min ? min : b->size;
}

static uint32_t pci_bar_type(const struct dm_pci_bar *b)
{
	return b->io ? 0x1 : (b->prefetchable ? 0x8 : 0x0);
}

static uint32_t pci_bar_addr_mask(const struct dm_pci_bar *b)
{
	return ~(pci_bar_size(b) - 1) & (b->io ? ~3u : ~15u);
}

/* Where BAR i should decode now; 0 = nowhere. A BAR reading back as the
 * sizing pattern (all-ones written) is not an address. */
static uint64_t pci_bar_target(const struct dm_pci_dev *p, unsigned i)
{
	const struct dm_pci_bar *b = &p->bar[i];
	uint32_t base, mask;
	uint16_t cmd = pci_command(p);

	if (!b->size || !(cmd & (b->io ? PCI_CMD_IO : PCI_CMD_MEM)))
		return 0;
	mask = pci_bar_addr_mask(b);
	base = pci_get32(p->cfg, 0x10 + 4 * i) & mask;
	if (base == 0 || base == mask)
		return 0;
	if (b->io && (uint64_t)base + b->size > 0x10000)
		return 0;	/* x86 ports are 16 bits */
	return base;
}

/* Takes down every BAR whose place changed, then puts up the ones that
 * should decode: two passes, so a BAR moved onto the place another just
 * left finds it free. A BAR that overlaps something stays down (logged)
 * and is retried on the next remap. */
static void pci_remap(void)
{
	for (struct dm_pci_dev *p = pci.devs; p; p = p->next)
		for (unsigned i = 0; i < DM_PCI_MAX_BARS; i++) {
			struct dm_region *r = &p->bar[i].region;

			if (r->base && r->base != pci_bar_target(p, i)) {
				dm_bus_remove(pci.bus, r);
				r->base = 0;
			}
		}
	for (struct dm_pci_dev *p = pci.devs; p; p = p->next)
		for (unsigned i = 0; i < DM_PCI_MAX_BARS; i++) {
			struct dm_region *r = &p->bar[i].region;
			uint64_t t = pci_bar_target(p, i);

			if (!t || r->base)
				continue;
			r->base = t;
			if (dm_bus_add(pci.bus, r) < 0) {
				r->base = 0;
				if (pci.conflicts_logged++ < 8)
					PCI_LOG("pci: %02x.%x BAR%u at %#llx overlaps; not decoding",
						p->devfn >> 3, p->devfn & 7, i,
						(unsigned long long)t);
			}
		}
}

/* The BAR's bits after a write: address bits as written, type bits fixed. */
static void pci_bar_fix(struct dm_pci_dev *p, unsigned i)
{
	const struct dm_pci_bar *b = &p->bar[i];
	uint32_t v = 0;

	if (b->size)
		v = (pci_get32(p->cfg, 0x10 + 4 * i) & pci_bar_addr_mask(b)) | pci_bar_type(b);
	pci_put32(p->cfg, 0x10 + 4 * i, v);
}

/* ---- the header (0x00-0x3f) ---------------------------------------------- */

static bool pci_intx_out(const struct dm_pci_dev *p)
{
	return (p->cfg[0x06] & PCI_STS_INTX) && !(pci_command(p) & PCI_CMD_INTX_DISABLE);
}

static void pci_intx_update(struct dm_pci_dev *p, bool was)
{
	unsigned pin = p->cfg[0x3d];
	bool now = pci_intx_out(p);

	if (was != now && pin >= 1 && pin <= 4)
		dm_irq_set_pci(p->devfn, pin - 1, now);
}

/* Which bits of header byte off the guest may write. Status (0x06) has no
 * RW1C bits set ever (no errors are modelled), so it is read-only here. */
static uint8_t pci_header_wmask(unsigned off)
{
	switch (off) {
	case 0x04: return PCI_CMD_WRITABLE & 0xff;
	case 0x05: return PCI_CMD_WRITABLE >> 8;
	case 0x0c: case 0x0d: case 0x3c: return 0xff;	/* cache line, latency, line */
	default: return off >= 0x10 && off < 0x28 ? 0xff : 0;	/* BARs, fixed below */
	}
}

static void pci_header_write(struct dm_pci_dev *p, unsigned off, unsigned size, uint32_t val)
{
	uint16_t old_cmd = pci_command(p);
	bool was = pci_intx_out(p);
	unsigned bars = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t m = pci_header_wmask(o);

		p->cfg[o] = (uint8_t)((p->cfg[o] & ~m) | ((val >> (8 * i)) & m));
		if (o >= 0x10 && o < 0x28)
			bars |= 1u << ((o - 0x10) / 4);
	}
	for (unsigned i = 0; i < DM_PCI_MAX_BARS; i++)
		if (bars & (1u << i))
			pci_bar_fix(p, i);
	if (pci_command(p) != old_cmd)
		pci_intx_update(p, was);
	if (bars || ((pci_command(p) ^ old_cmd) & (PCI_CMD_IO | PCI_CMD_MEM)))
		pci_remap();
}

/* One naturally aligned access within the device's 256 bytes. */
static uint32_t pci_cfg_read(struct dm_pci_dev *p, unsigned off, unsigned size)
{
	uint32_t v = 0;

	if (off >= 0x40 && p->cfg_read)
		return p->cfg_read(p, off, size) & (uint32_t)DM_ALL_ONES(size);
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)p->cfg[off + i] << (8 * i);
	return v;
}

static void pci_cfg_write(struct dm_pci_dev *p, unsigned off, unsigned size, uint32_t val)
{
	if (off < 0x40) {
		pci_header_write(p, off, size, val);
	} else if (p->cfg_write) {
		p->cfg_write(p, off, size, val);
	} else {
		for (unsigned i = 0; i < size; i++)
			p->cfg[off + i] = (uint8_t)(val >> (8 * i));
	}
}

/* ---- 0xcf8 / 0xcfc --------------------------------------------------------- */

static uint64_t pci_addr_read(void *dev, uint64_t off, unsigned size)
{
	(void)dev;
	if (off == 0 && size == 4)
		return pci.addr;
	if (off == 1 && size == 1 && pci.cf9)
		return pci.cf9->ops->read(pci.cf9->dev, 0, 1);
	return DM_ALL_ONES(size);
}

static void pci_addr_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)dev;
	if (off == 0 && size == 4)
		pci.addr = (uint32_t)val & PCI_ADDR_MASK;
	else if (off == 1 && size == 1 && pci.cf9)
		pci.cf9->ops->write(pci.cf9->dev, 0, 1, val & 0xff);
}

/* The device the latched address selects, or NULL (bus != 0, absent,
 * or the enable bit clear: then 0xcfc is an ordinary, unclaimed port). */
static struct dm_pci_dev *pci_selected(void)
{
	if (!(pci.addr & PCI_ADDR_ENABLE) || ((pci.addr >> 16) & 0xff) != 0)
		return NULL;
	return pci_find((pci.addr >> 8) & 0xff);
}

static uint64_t pci_data_read(void *dev, uint64_t off, unsigned size)
{
	struct dm_pci_dev *p = pci_selected();
	unsigned reg = (pci.addr & 0xfc) + (unsigned)off;
	uint64_t v = 0;

	(void)dev;
	if (!p || size > 4)
		return DM_ALL_ONES(size);
	if (!(reg & (size - 1)))
		return pci_cfg_read(p, reg, size);
	for (unsigned i = 0; i < size; i++)	/* unaligned: byte by byte */
		v |= (uint64_t)(reg + i < 256 ? pci_cfg_read(p, reg + i, 1) : 0xff) << (8 * i);
	return v;
}

static void pci_data_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_pci_dev *p = pci_selected();
	unsigned reg = (pci.addr & 0xfc) + (unsigned)off;

	(void)dev;
	if (!p || size > 4)
		return;
	if (!(reg & (size - 1))) {
		pci_cfg_write(p, reg, size, (uint32_t)val);
		return;
	}
	for (unsigned i = 0; i < size && reg + i < 256; i++)
		pci_cfg_write(p, reg + i, 1, (uint32_t)(val >> (8 * i)) & 0xff);
}

static const struct dm_io_ops pci_addr_ops = { pci_addr_read, pci_addr_write };
static const struct dm_io_ops pci_data_ops = { pci_data_read, pci_data_write };

static int pci_bus_start(struct dm_env *env, struct dm_bus *bus)
{
	int rc;

	pci = (struct pci_bus0){ .bus = bus, .env = env };
	pci.addr_region = (struct dm_region){ .space = DM_PIO, .base = 0xcf8, .len = 4,
		.ops = &pci_addr_ops, .name = "pci-conf-addr" };
	pci.data_region = (struct dm_region){ .space = DM_PIO, .base = 0xcfc, .len = 4,
		.ops = &pci_data_ops, .name = "pci-conf-data" };
	rc = dm_bus_add(bus, &pci.addr_region);
	if (rc < 0)
		return rc;
	rc = dm_bus_add(bus, &pci.data_region);
	if (rc < 0)
		dm_bus_remove(bus, &pci.addr_region);
	return rc;
}

/* ---- the device API -------------------------------------------------------- */

void dm_pci_init_header(struct dm_pci_dev *p, uint16_t vendor, uint16_t device,
			uint32_t class_prog, uint8_t revision)
{
	memset(p->cfg, 0, 0x40);
	p->cfg[0x00] = (uint8_t)vendor;
	p->cfg[0x01] = (uint8_t)(vendor >> 8);
	p->cfg[0x02] = (uint8_t)device;
	p->cfg[0x03] = (uint8_t)(device >> 8);
	p->cfg[0x08] = revision;
	p->cfg[0x09] = (uint8_t)class_prog;
	p->cfg[0x0a] = (uint8_t)(class_prog >> 8);
	p->cfg[0x0b] = (uint8_t)(class_prog >> 16);
	p->cfg[0x2c] = 0xf4;	/* 1af4:1100, QEMU's subsystem IDs */
	p->cfg[0x2d] = 0x1a;
	p->cfg[0x2e] = 0x00;
	p->cfg[0x2f] = 0x11;
}

int dm_pci_add(struct dm_bus *bus, struct dm_pci_dev *p)
{
	struct dm_pci_dev **pp;

	if (pci.bus != bus) {
		int rc = pci_bus_start(NULL, bus);

		if (rc < 0)
			return rc;
	}
	if (pci_find(p->devfn))
		return -PCI_EEXIST;
	for (unsigned i = 0; i < DM_PCI_MAX_BARS; i++) {
		struct dm_pci_bar *b = &p->bar[i];

		if ((b->size & (b->size - 1)) || (b->size && !b->region.ops))
			return -PCI_EINVAL;
		b->region.space = b->io ? DM_PIO : DM_MMIO;
		b->region.base = 0;
		b->region.len = b->size;
		pci_put32(p->cfg, 0x10 + 4 * i, b->size ? pci_bar_type(b) : 0);
	}
	p->cfg[0x06] &= ~PCI_STS_INTX;
	pci_put32(p->cfg, 0x30, 0);	/* no expansion ROM */
	for (pp = &pci.devs; *pp && (*pp)->devfn < p->devfn; pp = &(*pp)->next)
		;
	p->next = *pp;
	*pp = p;
	pci_remap();	/* a device may come with its decode enabled */
	return 0;
}

void dm_pci_remove(struct dm_pci_dev *p)
{
	struct dm_pci_dev **pp;

	for (pp = &pci.devs; *pp && *pp != p; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	dm_pci_set_irq(p, 0);
	*pp = p->next;
	p->next = NULL;
	for (unsigned i = 0; i < DM_PCI_MAX_BARS; i++) {
		struct dm_region *r = &p->bar[i].region;

		if (r->base) {
			dm_bus_remove(pci.bus, r);
			r->base = 0;
		}
	}
}

void dm_pci_set_irq(struct dm_pci_dev *p, int level)
{
	bool was = pci_intx_out(p);

	if (level)
		p->cfg[0x06] |= PCI_STS_INTX;
	else
		p->cfg[0x06] &= ~PCI_STS_INTX;
	pci_intx_update(p, was);
}

void dm_pci_set_cf9(struct dm_region *r)
{
	pci.cf9 = r;
}

/* ---- i440FX host bridge 00.0 ----------------------------------------------- */

/* PAM (82441FX §3.2.17): 0x59 bits 5:4 the F segment 0xf0000-0xfffff,
 * 0x5a-0x5f a nibble per 16 KiB segment of 0xc0000-0xeffff, low nibble the
 * lower segment; in each nibble bit 0 RE, bit 1 WE. Our shadow is always
 * RAM (the builder copied the BIOS there), so reads always see RAM whatever
 * RE says, and WE alone decides: clear = read-only (env->mem_type), set =
 * read-write. Segment 12 is the F segment. */
#define PAM_SEGS 13

struct pci_host {
	struct dm_pci_dev pci;
	bool ro[PAM_SEGS];		/* what env->mem_type was last told */
};

static struct pci_host host;

static uint64_t pam_base(unsigned seg)
{
	return 0xc0000 + (uint64_t)seg * 0x4000;
}

static bool pam_we(unsigned seg)
{
	if (seg == 12)
		return host.pci.cfg[0x59] & 0x20;
	return host.pci.cfg[0x5a + seg / 2] & (seg & 1 ? 0x20 : 0x02);
}

/* Applies the PAM state, one mem_type call per run of segments that change
 * the same way (the 13 segments are contiguous, 0xc0000-0xfffff). */
static void pam_apply(struct dm_env *env)
{
	unsigned seg = 0;

	while (seg < PAM_SEGS) {
		bool ro = !pam_we(seg);
		unsigned end = seg;

		if (ro == host.ro[seg]) {
			seg++;
			continue;
		}
		while (end < PAM_SEGS && !pam_we(end) == ro && host.ro[end] != ro)
			host.ro[end++] = ro;
		if (env && env->mem_type)
			env->mem_type(env->ctx, pam_base(seg), pam_base(end) - pam_base(seg) +
				      (end == PAM_SEGS ? 0xc000 : 0), ro);
		seg = end;
	}
}

static void host_cfg_write(struct dm_pci_dev *p, unsigned off, unsigned size, uint32_t val)
{
	bool pam = false;

	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (o == 0x59) {
			b &= 0x30;	/* bits 3:0 reserved */
			pam = true;
		} else if (o >= 0x5a && o <= 0x5f) {
			b &= 0x33;
			pam = true;
		}
		p->cfg[o] = b;	/* SMRAM (0x72) and the rest just store */
	}
	if (pam)
		pam_apply(pci.env);
}

int dm_pci_host_init(struct dm_env *env, struct dm_bus *bus)
{
	int rc = pci_bus_start(env, bus);

	if (rc < 0)
		return rc;
	memset(&host, 0, sizeof(host));
	dm_pci_init_header(&host.pci, 0x8086, 0x1237, 0x060000, 0x02);
	host.pci.devfn = 0;
	host.pci.cfg[0x04] = PCI_CMD_IO | PCI_CMD_MEM;	/* a host bridge always decodes */
	host.pci.cfg[0x06] = 0x80;			/* status: fast back-to-back */
	host.pci.cfg[0x07] = 0x02;			/* DEVSEL medium */
	host.pci.cfg[0x72] = 0x02;			/* SMRAM reset value */
	host.pci.cfg_write = host_cfg_write;
	/* PAM reset value 0: no segment writable. */
	if (env && env->mem_type)
		env->mem_type(env->ctx, 0xc0000, 0x40000, true);
	for (unsigned s = 0; s < PAM_SEGS; s++)
		host.ro[s] = true;
	return dm_pci_add(bus, &host.pci);
}

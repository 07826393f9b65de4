/* The PC the device model emulates (machine.h). */
#include "machine.h"
#include "irq.h"
#include "pci.h"
#include "piix.h"
#include "pm.h"
#include "fwcfg.h"
#include "uart.h"
#include "ide.h"
#include "xenplatform.h"
#include "e1000.h"
#include "rtl8139.h"

#define LOW_MEM_END 0xe0000000ull	/* public/bulkhead.h: BH_HVM_LOW_MEM_END */
#define SPECIAL_BASE 0xfeffe000ull	/* BH_HVM_SPECIAL_BASE */
#define SPECIAL_LEN 0x2000ull		/* BH_HVM_SPECIAL_PAGES pages */
#define E820_RAM 1
#define E820_RESERVED 2

struct e820_entry {
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* fw_cfg `etc/e820`: RAM below the PCI hole and above 4 GiB, and the PV
 * rings' special pages reserved (the OS must neither use them as RAM nor put
 * a BAR there). SeaBIOS adds its own reservations (EBDA, the BIOS area). */
static int add_e820(struct dm_machine *m, uint64_t mem)
{
	struct e820_entry e[3] = { { 0, mem < LOW_MEM_END ? mem : LOW_MEM_END, E820_RAM },
				   { SPECIAL_BASE, SPECIAL_LEN, E820_RESERVED } };
	unsigned n = 2;

	if (mem > LOW_MEM_END)
		e[n++] = (struct e820_entry){ 1ull << 32, mem - LOW_MEM_END, E820_RAM };
	return dm_fwcfg_add_file(m->fw, "etc/e820", e, n * sizeof(e[0]));
}

/* `bootorder`: SeaBIOS's device paths for the IDE slots, in boot= order. */
static int add_bootorder(struct dm_machine *m, const char *boot)
{
	char buf[256];
	size_t len = 0;

	for (const char *b = boot; *b && len < sizeof(buf) - 64; b++) {
		const char *path = *b == 'c' ? "/pci@i0cf8/ide@1,1/drive@0/disk@0\n" :
				   *b == 'd' ? "/pci@i0cf8/ide@1,1/drive@1/disk@0\n" : NULL;

		if (path) {
			memcpy(buf + len, path, strlen(path));
			len += strlen(path);
		}
	}
	return len ? dm_fwcfg_add_file(m->fw, "bootorder", buf, len) : 0;
}

/* CMOS: memory sizes, boot order and CPU count, for firmware without fw_cfg. */
static void cmos_setup(struct dm_machine *m, const struct dm_machine_cfg *c)
{
	uint64_t low = c->mem_bytes < LOW_MEM_END ? c->mem_bytes : LOW_MEM_END;
	uint64_t ext_kib = low > (1u << 20) ? (low - (1u << 20)) >> 10 : 0;
	uint64_t above16 = low > (16u << 20) ? (low - (16u << 20)) >> 16 : 0;
	uint64_t high = c->mem_bytes > LOW_MEM_END ? (c->mem_bytes - LOW_MEM_END) >> 16 : 0;
	static const uint8_t nibble[128] = { ['a'] = 1, ['c'] = 2, ['d'] = 3, ['n'] = 4 };
	uint8_t order[3] = { 0 };

	ext_kib = ext_kib > 0xfc00 ? 0xfc00 : ext_kib;
	above16 = above16 > 0xffff ? 0xffff : above16;
	dm_rtc_set_cmos(&m->rtc, 0x15, 0x80);		/* 640 KiB base memory */
	dm_rtc_set_cmos(&m->rtc, 0x16, 0x02);
	for (unsigned r = 0; r < 2; r++) {
		dm_rtc_set_cmos(&m->rtc, r ? 0x30 : 0x17, (uint8_t)ext_kib);
		dm_rtc_set_cmos(&m->rtc, r ? 0x31 : 0x18, (uint8_t)(ext_kib >> 8));
	}
	dm_rtc_set_cmos(&m->rtc, 0x34, (uint8_t)above16);
	dm_rtc_set_cmos(&m->rtc, 0x35, (uint8_t)(above16 >> 8));
	dm_rtc_set_cmos(&m->rtc, 0x5b, (uint8_t)high);
	dm_rtc_set_cmos(&m->rtc, 0x5c, (uint8_t)(high >> 8));
	dm_rtc_set_cmos(&m->rtc, 0x5d, (uint8_t)(high >> 16));
	dm_rtc_set_cmos(&m->rtc, 0x5f, (uint8_t)(c->vcpus - 1));
	for (unsigned i = 0; i < 3 && c->boot[i]; i++)
		order[i] = nibble[c->boot[i] & 0x7f];
	dm_rtc_set_cmos(&m->rtc, 0x3d, (uint8_t)(order[1] << 4 | order[0]));
	dm_rtc_set_cmos(&m->rtc, 0x38, (uint8_t)(order[2] << 4));
}

static int firmware_setup(struct dm_machine *m, const struct dm_machine_cfg *c)
{
	uint8_t v16[2];
	int rc;

	if (!(m->fw = dm_fwcfg_init(m->env, m->bus)))
		return -12;
	rc = dm_fwcfg_add_i16(m->fw, DM_FWCFG_NB_CPUS, (uint16_t)c->vcpus);
	rc = rc ? rc : dm_fwcfg_add_i16(m->fw, DM_FWCFG_MAX_CPUS, (uint16_t)c->vcpus);
	rc = rc ? rc : dm_fwcfg_add_i64(m->fw, DM_FWCFG_RAM_SIZE, c->mem_bytes);
	rc = rc ? rc : add_e820(m, c->mem_bytes);
	rc = rc ? rc : add_bootorder(m, c->boot);
	le16(v16, 0);
	rc = rc ? rc : dm_fwcfg_add_file(m->fw, "etc/show-boot-menu", v16, 2);
	/* The MADT's IRQ0 -> GSI 2 override, as irq.c routes the PIT; no S3,
	 * S4 as power-off (QEMU's etc/system-states encoding). */
	rc = rc ? rc : dm_fwcfg_add_bytes(m->fw, DM_FWCFG_IRQ0_OVERRIDE, "\1", 1);
	rc = rc ? rc : dm_fwcfg_add_file(m->fw, "etc/system-states",
					 "\x80\0\0\x01\x80\x80", 6);
	le16(v16, 0x3f8);
	if (!rc && c->serial)	/* SeaBIOS's screen (banner, "Booting from") on COM1 */
		rc = dm_fwcfg_add_file(m->fw, "etc/sercon-port", v16, 2);
	cmos_setup(m, c);
	return rc;
}

/* A guest with PV drivers (Linux's platform_pci_unplug) unplugs its
 * emulated disks and NICs to use xen-blkfront and xen-netfront instead.
 * Where the toolstack offered no PV devices to switch to, they stay:
 * unplugging them would leave the guest without its disk or network
 * (upstream offers a PV twin of every device, so never meets this). */
static void unplug(void *ctx, unsigned mask)
{
	struct dm_machine *m = ctx;
	unsigned disks = DM_XP_UNPLUG_IDE_DISKS | DM_XP_UNPLUG_AUX_IDE_DISKS;

	if (!m->pv_disks && (mask & (disks | DM_XP_UNPLUG_NICS))) {
		if (m->env->log)
			m->env->log(m->env->ctx, "xen-platform: emulated disks and NICs kept: "
				    "this guest has no PV devices to unplug them for");
		mask &= ~(disks | DM_XP_UNPLUG_NICS);
	}
	dm_ide_unplug(m->ide, mask);
	for (unsigned i = 0; (mask & DM_XP_UNPLUG_NICS) && i < m->nnics; i++) {
		struct dm_machine_nic *n = &m->nics[i];

		if (!n->e1000 && !n->rtl8139)
			continue;
		if (n->e1000)
			dm_e1000_unplug(n->e1000);
		if (n->rtl8139)
			dm_rtl8139_unplug(n->rtl8139);
		n->e1000 = NULL;
		n->rtl8139 = NULL;
		if (n->unplugged)
			n->unplugged(n->ctx);
	}
}

static const struct dm_xenplatform_ops platform_ops = { unplug };

int dm_machine_init(struct dm_machine *m, struct dm_env *env, struct dm_bus *bus,
		    const struct dm_machine_cfg *cfg,
		    void (*uart_tx)(void *ctx, const uint8_t *buf, size_t n), void *ctx)
{
	static struct dm_uart_ops uart_ops;
	int rc;

	m->env = env;
	m->bus = bus;
	m->pv_disks = cfg->pv_disks;
	uart_ops.tx = uart_tx;
	if ((rc = dm_pic_init(&m->pic, env, bus)) || (rc = dm_ioapic_init(&m->ioapic, env, bus)))
		return rc;
	dm_irq_init(&m->pic, &m->ioapic);
	if ((rc = dm_pit_init(&m->pit, env, bus)) ||
	    (rc = dm_rtc_init(&m->rtc, env, bus, cfg->rtc_base)) ||
	    (rc = dm_misc_init(&m->misc, env, bus)) ||
	    (rc = dm_pci_host_init(env, bus)) || (rc = dm_piix_init(env, bus)))
		return rc;
	if (!(m->ide = dm_ide_init(env, bus, DM_MACHINE_DEVFN_IDE)) ||
	    !(m->pm = dm_pm_init(env, bus)) ||
	    !(m->uart = dm_uart_init(env, bus, 0x3f8, 4, &uart_ops, ctx)) ||
	    (!cfg->no_platform &&
	     !(m->xp = dm_xenplatform_init(env, bus, DM_MACHINE_DEVFN_PLATFORM, &platform_ops, m))))
		return -12;
	return firmware_setup(m, cfg);
}

int dm_machine_attach(struct dm_machine *m, unsigned vdev, struct dm_blk *blk)
{
	switch (vdev) {
	case 768: return dm_ide_attach(m->ide, 0, 0, blk);
	case 832: return dm_ide_attach(m->ide, 0, 1, blk);
	case 5632: return dm_ide_attach(m->ide, 1, 0, blk);
	case 5696: return dm_ide_attach(m->ide, 1, 1, blk);
	default: return -22;
	}
}

struct dm_machine_nic *dm_machine_add_nic(struct dm_machine *m, enum dm_nic_model model,
					  const uint8_t mac[6], const struct dm_nic_ops *ops,
					  void (*unplugged)(void *ctx), void *ctx)
{
	struct dm_machine_nic *n;

	if (m->nnics >= DM_MACHINE_MAX_NICS)
		return NULL;
	n = &m->nics[m->nnics];
	*n = (struct dm_machine_nic){ .model = model, .unplugged = unplugged, .ctx = ctx,
		.devfn = (uint8_t)(DM_MACHINE_DEVFN_NIC0 + m->nnics * 8) };
	if (model == DM_NIC_RTL8139)
		n->rtl8139 = dm_rtl8139_init(m->env, m->bus, n->devfn, mac, ops, ctx);
	else
		n->e1000 = dm_e1000_init(m->env, m->bus, n->devfn, mac, ops, ctx);
	if (!n->e1000 && !n->rtl8139)
		return NULL;
	m->nnics++;
	return n;
}

int dm_machine_nic_rx(struct dm_machine_nic *nic, const uint8_t *frame, size_t len)
{
	if (nic->rtl8139)
		return dm_rtl8139_rx(nic->rtl8139, frame, len);
	return nic->e1000 ? dm_e1000_rx(nic->e1000, frame, len) : 0;
}

void dm_machine_nic_tx_resume(struct dm_machine_nic *nic)
{
	if (nic->rtl8139)
		dm_rtl8139_tx_resume(nic->rtl8139);
	if (nic->e1000)
		dm_e1000_tx_resume(nic->e1000);
}

void dm_machine_serial_input(struct dm_machine *m, const uint8_t *buf, size_t n)
{
	dm_uart_rx(m->uart, buf, n);
}

void dm_machine_power_button(struct dm_machine *m)
{
	dm_pm_power_button(m->pm);
}

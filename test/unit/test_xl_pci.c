/*
 * xl's PCI passthrough (toolstack/xl/xl_pci.c), included by test_xl.c: a fake
 * core table of three devices, pci= on a runtime domain, the pci-* commands.
 */
static struct {
	struct bh_pci_dev dev[3];
	bool no_iommu;
	int assigns;
	bool assigned_paused;	/* every assignment came while the domain was paused */
} P;

static void pci_reset(void)
{
	static const struct { uint32_t sbdf; uint16_t ven, dev; uint32_t cls; } t[3] = {
		{ BH_PCI_SBDF(0, 0, 0), 0x8086, 0x29c0, 0x060000 },
		{ BH_PCI_SBDF(0, 0, 4 << 3), 0x1b36, 0x0010, 0x010802 },
		{ BH_PCI_SBDF(0, 0, 0x1f << 3 | 2), 0x8086, 0x2922, 0x010601 },
	};

	memset(&P, 0, sizeof(P));
	P.assigned_paused = true;
	for (int i = 0; i < 3; i++)
		P.dev[i] = (struct bh_pci_dev){ .sbdf = t[i].sbdf, .vendor = t[i].ven,
						.device = t[i].dev, .class_code = t[i].cls,
						.owner = BH_PCI_OWNER_NONE };
	P.dev[0].flags = BH_PCI_DEV_BAD;	/* never listed as assignable */
}

static int f_pci_list(void *ctx, struct bh_pci_dev *buf, uint32_t max, uint32_t *count)
{
	(void)ctx;
	for (uint32_t i = 0; i < 3 && i < max; i++)
		buf[i] = P.dev[i];
	*count = 3;
	return 0;
}

static int f_pci_assign(void *ctx, uint16_t domid, uint32_t sbdf)
{
	struct fake_dom *d = dom_by_id(domid);

	(void)ctx;
	if (!d)
		return -XL_ESRCH;
	if (P.no_iommu)
		return -XL_EPERM;
	for (int i = 0; i < 3; i++) {
		if (P.dev[i].sbdf != sbdf)
			continue;
		if (P.dev[i].owner != BH_PCI_OWNER_NONE)
			return -XL_EBUSY;
		P.dev[i].owner = domid;
		P.assigns++;
		P.assigned_paused &= (d->info.flags & BH_DOMINF_paused) != 0;
		return 0;
	}
	return -XL_ENODEV;
}

static const char driver_cfg[] =
	"name = \"guest\"\nmemory = 8\nkernel = \"/boot/guest.elf\"\n"
	"driver_domain = 1\npci = [ '00:04.0' ]\n";

static void test_pci_commands(void)
{
	reset();
	pci_reset();
	CHECK(xl("pci-assignable-list") == 0 && out_is("0000:00:04.0\n0000:00:1f.2\n"));
	CHECK(xl("pci-assignable-add 00:04.0") == 0 && err_is(""));
	CHECK(xl("pci-assignable-add 0000:00:1f.2") == 0 && err_is(""));
	CHECK(xl("pci-assignable-add 00:05.0") == 1 && err_is("No such PCI device: 00:05.0\n"));
	CHECK(xl("pci-assignable-add 00:4.0") == 0);	/* xl's short forms */
	CHECK(xl("pci-assignable-add zz:04.0") == 1 &&
	      err_is("pci-assignable-add: invalid BDF 'zz:04.0'\n"));
	CHECK(xl("pci-assignable-remove 00:04.0") == 0 &&
	      err_is("00:04.0 stays with the hypervisor: Dom0 has no drivers to give it to\n"));
	CHECK(xl("pci-list Domain-0") == 0 && out_is(""));
}

static void test_pci_create(void)
{
	reset();
	pci_reset();
	install_guest(driver_cfg);
	CHECK(xl("create /etc/xen/guest.cfg") == 0 && P.assigns == 1 && P.assigned_paused);
	CHECK(P.dev[1].owner == 1 && dom_by_id(1));
	CHECK(xl("pci-list guest") == 0 && out_is("Vdev Device\n00.0 0000:00:04.0\n"));
	CHECK(xl("pci-assignable-list") == 0 && out_is("0000:00:1f.2\n"));
	CHECK(xl("pci-assignable-add 00:04.0") == 1 &&
	      err_is("PCI device 00:04.0 is assigned to domain 1\n"));
	CHECK(xl("destroy guest") == 0);
	P.dev[1].owner = BH_PCI_OWNER_NONE;	/* the core's part of destroy */
	/* No IOMMU: refused with the reason, the domain destroyed. */
	P.no_iommu = true;
	CHECK(xl("create /etc/xen/guest.cfg") == 1 && live_domains() == 1);
	CHECK(strstr(F.err, "Failed to assign PCI device 0000:00:04.0 to domain 2: passthrough "
			    "needs an IOMMU (none enabled; see xl dmesg)\n"));
	P.no_iommu = false;
	/* Owned by someone else; a device that does not exist. */
	P.dev[1].owner = 7;
	CHECK(xl("create /etc/xen/guest.cfg") == 1 && live_domains() == 1 &&
	      strstr(F.err, "Failed to assign PCI device 0000:00:04.0 to domain 3: "));
	CHECK(xl("create /etc/xen/guest.cfg pci=['00:09.0']") == 1 && live_domains() == 1);
	/* Whole-slot and malformed specs are refused before anything is built. */
	CHECK(xl("create /etc/xen/guest.cfg pci=['00:04.*']") == 1 && live_domains() == 1 &&
	      strstr(F.err, "Bulkhead assigns single functions"));
	CHECK(xl("create /etc/xen/guest.cfg pci=['banana']") == 1 && live_domains() == 1);
	CHECK(P.assigns == 1);
}

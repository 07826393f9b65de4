/*
 * HVM guests in xl (issue 7 §5), included by test_xl.c (its fake backend):
 * the create sequence call by call, the xenstore nodes byte for byte, the
 * device model's start info, rollback after a failure at every step, the
 * warnings, the lifecycle (on_poweroff, on_reboot restart, on_crash
 * preserve, the device model's death), destroy in any state, shutdown and
 * reboot with and without -F.
 */

static const char linux_cfg[] =
	"name = \"linux\"\n"
	"builder = \"hvm\"\n"
	"memory = 32\n"
	"vcpus = 2\n"
	"disk = [ '/root/disk.img,raw,hda,w', '/root/linux.iso,raw,hdc:cdrom,r' ]\n"
	"serial = \"pty\"\n"
	"boot = \"d\"\n"
	"on_poweroff = \"destroy\"\n";

#define BIOS_SIZE (128 * 1024)

static void install_hvm(const char *cfg)
{
	uint8_t elf[0x200];
	size_t n = make_elf(elf, 0x100000, guest_code, sizeof(guest_code), 0x3000);
	static uint8_t bios[BIOS_SIZE];

	for (size_t i = 0; i < sizeof(bios); i++)
		bios[i] = (uint8_t)(i * 7 + (i >> 12));
	file_put(XL_HVM_BIOS, bios, sizeof(bios));
	file_put(XL_HVM_DM, elf, n);
	file_put("/etc/xen/linux.cfg", cfg, strlen(cfg));
}

static const char *xs_value(const char *path)
{
	struct fake_node *n = node_find(path);

	return n ? n->value : NULL;
}

/* Dom0's own parents of what was removed stay, as in xenstored. */
static bool shared_parents_only(void)
{
	static const char *const shared[] = {
		"/local", "/local/domain", "/local/domain/0", "/local/domain/0/backend",
		"/local/domain/0/backend/vbd", "/local/domain/0/device-model",
	};
	unsigned found = 0;

	for (unsigned i = 0; i < F.nxs; i++)
		for (unsigned k = 0; k < sizeof(shared) / sizeof(shared[0]); k++)
			found += !strcmp(F.xs[i].path, shared[k]);
	return found == F.nxs;
}

/* Only Domain-0 left, no node of theirs, no guest console, nothing tracked. */
static bool nothing_left(void)
{
	bool ok = live_domains() == 1 && shared_parents_only() && F.gcons_guest == -1 &&
		  xl_hvm_guest_of(1) < 0 && xl_hvm_guest_of(2) < 0;

	if (!ok)
		fprintf(stderr, "left behind: %d domains, nodes:\n%s", live_domains(), xs_dump());
	return ok;
}

static const char hvm_trace_golden[] =
	"create linux hvm vcpus=2 mem=32\n"
	"load d1 0xfffe0000+0x20000\n"
	"load d1 0xe0000+0x20000\n"
	"xs_write /local/domain/1\n"
	"xs_set_perms /local/domain/1\n"
	"xs_write /local/domain/1/name\n"
	"xs_write /local/domain/1/domid\n"
	"xs_write /local/domain/1/memory/target\n"
	"xs_write /local/domain/1/memory/static-max\n"
	"xs_write /local/domain/1/hvmloader/bios\n"
	"xs_write /local/domain/1/platform/acpi\n"
	"xs_write /local/domain/1/platform/acpi_s3\n"
	"xs_write /local/domain/1/platform/acpi_s4\n"
	"xs_write /local/domain/1/cpu/0/availability\n"
	"xs_write /local/domain/1/cpu/1/availability\n"
	"xs_write /local/domain/1/console/type\n"
	"xs_write /local/domain/1/console/output\n"
	"xs_write /local/domain/1/console/limit\n"
	"xs_write /local/domain/1/console/tty\n"
	"xs_write /local/domain/1/serial/0/tty\n"
	"xs_write /local/domain/1/device\n"
	"xs_set_perms /local/domain/1/device\n"
	"xs_write /local/domain/1/control\n"
	"xs_set_perms /local/domain/1/control\n"
	"xs_write /local/domain/1/data\n"
	"xs_set_perms /local/domain/1/data\n"
	"xs_write /local/domain/1/error\n"
	"xs_set_perms /local/domain/1/error\n"
	"xs_write /local/domain/1/drivers\n"
	"xs_set_perms /local/domain/1/drivers\n"
	"xs_write /local/domain/1/attr\n"
	"xs_set_perms /local/domain/1/attr\n"
	"xs_write /local/domain/1/messages\n"
	"xs_set_perms /local/domain/1/messages\n"
	"hvm_store d1 linux pfn=0xfeffe console=0xfefff\n"
	"create linux-dm vcpus=1 mem=4\n"
	"gcons_add d1 linux dm=d2 pfn=0x106\n"
	"load d2 0x1000+0x7000\n"
	"load d2 0x100000+0x7\n"
	"load d2 0x108000+0x%x\n"	/* the FDT's size */
	"set_vcpu d2 0\n"
	"set_dm d1 dm=d2\n"
	"xs_write /local/domain/1/image/device-model-domid\n"
	"xs_write /local/domain/2/target\n"
	"xs_write /local/domain/0/device-model/1\n"
	"xs_set_perms /local/domain/0/device-model/1\n"
	"xs_write /local/domain/0/backend/vbd/2/768\n"
	"xs_set_perms /local/domain/0/backend/vbd/2/768\n"
	"xs_write /local/domain/0/backend/vbd/2/768/frontend\n"
	"xs_write /local/domain/0/backend/vbd/2/768/frontend-id\n"
	"xs_write /local/domain/0/backend/vbd/2/768/params\n"
	"xs_write /local/domain/0/backend/vbd/2/768/type\n"
	"xs_write /local/domain/0/backend/vbd/2/768/mode\n"
	"xs_write /local/domain/0/backend/vbd/2/768/discard-enable\n"
	"xs_write /local/domain/0/backend/vbd/2/768/device-type\n"
	"xs_write /local/domain/0/backend/vbd/2/768/removable\n"
	"xs_write /local/domain/0/backend/vbd/2/768/online\n"
	"xs_write /local/domain/0/backend/vbd/2/768/dev\n"
	"xs_write /local/domain/0/backend/vbd/2/768/state\n"
	"xs_write /local/domain/2/device/vbd/768\n"
	"xs_set_perms /local/domain/2/device/vbd/768\n"
	"xs_write /local/domain/2/device/vbd/768/backend\n"
	"xs_write /local/domain/2/device/vbd/768/backend-id\n"
	"xs_write /local/domain/2/device/vbd/768/virtual-device\n"
	"xs_write /local/domain/2/device/vbd/768/device-type\n"
	"xs_write /local/domain/2/device/vbd/768/state\n"
	"xs_write /local/domain/0/backend/vbd/2/5632\n"
	"xs_set_perms /local/domain/0/backend/vbd/2/5632\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/frontend\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/frontend-id\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/params\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/type\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/mode\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/discard-enable\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/device-type\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/removable\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/online\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/dev\n"
	"xs_write /local/domain/0/backend/vbd/2/5632/state\n"
	"xs_write /local/domain/2/device/vbd/5632\n"
	"xs_set_perms /local/domain/2/device/vbd/5632\n"
	"xs_write /local/domain/2/device/vbd/5632/backend\n"
	"xs_write /local/domain/2/device/vbd/5632/backend-id\n"
	"xs_write /local/domain/2/device/vbd/5632/virtual-device\n"
	"xs_write /local/domain/2/device/vbd/5632/device-type\n"
	"xs_write /local/domain/2/device/vbd/5632/state\n"
	"xs_write /local/domain/0/backend/vbd/1/768\n"
	"xs_set_perms /local/domain/0/backend/vbd/1/768\n"
	"xs_write /local/domain/0/backend/vbd/1/768/frontend\n"
	"xs_write /local/domain/0/backend/vbd/1/768/frontend-id\n"
	"xs_write /local/domain/0/backend/vbd/1/768/params\n"
	"xs_write /local/domain/0/backend/vbd/1/768/type\n"
	"xs_write /local/domain/0/backend/vbd/1/768/mode\n"
	"xs_write /local/domain/0/backend/vbd/1/768/discard-enable\n"
	"xs_write /local/domain/0/backend/vbd/1/768/device-type\n"
	"xs_write /local/domain/0/backend/vbd/1/768/removable\n"
	"xs_write /local/domain/0/backend/vbd/1/768/online\n"
	"xs_write /local/domain/0/backend/vbd/1/768/dev\n"
	"xs_write /local/domain/0/backend/vbd/1/768/state\n"
	"xs_write /local/domain/1/device/vbd/768\n"
	"xs_set_perms /local/domain/1/device/vbd/768\n"
	"xs_write /local/domain/1/device/vbd/768/backend\n"
	"xs_write /local/domain/1/device/vbd/768/backend-id\n"
	"xs_write /local/domain/1/device/vbd/768/virtual-device\n"
	"xs_write /local/domain/1/device/vbd/768/device-type\n"
	"xs_write /local/domain/1/device/vbd/768/state\n"
	"xs_write /local/domain/0/backend/vbd/1/5632\n"
	"xs_set_perms /local/domain/0/backend/vbd/1/5632\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/frontend\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/frontend-id\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/params\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/type\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/mode\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/discard-enable\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/device-type\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/removable\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/online\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/dev\n"
	"xs_write /local/domain/0/backend/vbd/1/5632/state\n"
	"xs_write /local/domain/1/device/vbd/5632\n"
	"xs_set_perms /local/domain/1/device/vbd/5632\n"
	"xs_write /local/domain/1/device/vbd/5632/backend\n"
	"xs_write /local/domain/1/device/vbd/5632/backend-id\n"
	"xs_write /local/domain/1/device/vbd/5632/virtual-device\n"
	"xs_write /local/domain/1/device/vbd/5632/device-type\n"
	"xs_write /local/domain/1/device/vbd/5632/state\n"
	"unpause d2\n"
	"unpause d1\n";

/* Permissions: n = none, r = read, w = write, b = both; the first is the owner. */
static const char hvm_xs_golden[] =
	"/local = \"\" (n0)\n"
	"/local/domain = \"\" (n0)\n"
	"/local/domain/0 = \"\" (n0)\n"
	"/local/domain/0/backend = \"\" (n0)\n"
	"/local/domain/0/backend/vbd = \"\" (n0)\n"
	"/local/domain/0/backend/vbd/1 = \"\" (n0)\n"
	"/local/domain/0/backend/vbd/1/5632 = \"\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/dev = \"hdc\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/device-type = \"cdrom\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/discard-enable = \"0\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/frontend = \"/local/domain/1/device/vbd/5632\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/frontend-id = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/mode = \"r\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/online = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/params = \"/root/linux.iso\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/removable = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/state = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/5632/type = \"file\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768 = \"\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/dev = \"hda\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/device-type = \"disk\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/discard-enable = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/frontend = \"/local/domain/1/device/vbd/768\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/frontend-id = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/mode = \"w\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/online = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/params = \"/root/disk.img\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/removable = \"0\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/state = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/768/type = \"file\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/2 = \"\" (n0)\n"
	"/local/domain/0/backend/vbd/2/5632 = \"\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/dev = \"hdc\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/device-type = \"cdrom\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/discard-enable = \"0\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/frontend = \"/local/domain/2/device/vbd/5632\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/frontend-id = \"2\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/mode = \"r\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/online = \"1\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/params = \"/root/linux.iso\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/removable = \"1\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/state = \"1\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/5632/type = \"file\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768 = \"\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/dev = \"hda\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/device-type = \"disk\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/discard-enable = \"1\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/frontend = \"/local/domain/2/device/vbd/768\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/frontend-id = \"2\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/mode = \"w\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/online = \"1\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/params = \"/root/disk.img\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/removable = \"0\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/state = \"1\" (n0,r2)\n"
	"/local/domain/0/backend/vbd/2/768/type = \"file\" (n0,r2)\n"
	"/local/domain/0/device-model = \"\" (n0)\n"
	"/local/domain/0/device-model/1 = \"\" (n2,r0)\n"
	"/local/domain/0/device-model/1/state = \"running\" (n2,r0)\n"
	"/local/domain/1 = \"\" (n0,r1)\n"
	"/local/domain/1/attr = \"\" (n1,r0)\n"
	"/local/domain/1/console = \"\" (n0,r1)\n"
	"/local/domain/1/console/limit = \"1048576\" (n0,r1)\n"
	"/local/domain/1/console/output = \"pty\" (n0,r1)\n"
	"/local/domain/1/console/tty = \"xl-console\" (n0,r1)\n"
	"/local/domain/1/console/type = \"ioemu\" (n0,r1)\n"
	"/local/domain/1/control = \"\" (n1,r0)\n"
	"/local/domain/1/cpu = \"\" (n0,r1)\n"
	"/local/domain/1/cpu/0 = \"\" (n0,r1)\n"
	"/local/domain/1/cpu/0/availability = \"online\" (n0,r1)\n"
	"/local/domain/1/cpu/1 = \"\" (n0,r1)\n"
	"/local/domain/1/cpu/1/availability = \"online\" (n0,r1)\n"
	"/local/domain/1/data = \"\" (n1,r0)\n"
	"/local/domain/1/device = \"\" (n1,r0)\n"
	"/local/domain/1/device/vbd = \"\" (n1,r0)\n"
	"/local/domain/1/device/vbd/5632 = \"\" (n1,r0)\n"
	"/local/domain/1/device/vbd/5632/backend = \"/local/domain/0/backend/vbd/1/5632\" (n1,r0)\n"
	"/local/domain/1/device/vbd/5632/backend-id = \"0\" (n1,r0)\n"
	"/local/domain/1/device/vbd/5632/device-type = \"cdrom\" (n1,r0)\n"
	"/local/domain/1/device/vbd/5632/state = \"1\" (n1,r0)\n"
	"/local/domain/1/device/vbd/5632/virtual-device = \"5632\" (n1,r0)\n"
	"/local/domain/1/device/vbd/768 = \"\" (n1,r0)\n"
	"/local/domain/1/device/vbd/768/backend = \"/local/domain/0/backend/vbd/1/768\" (n1,r0)\n"
	"/local/domain/1/device/vbd/768/backend-id = \"0\" (n1,r0)\n"
	"/local/domain/1/device/vbd/768/device-type = \"disk\" (n1,r0)\n"
	"/local/domain/1/device/vbd/768/state = \"1\" (n1,r0)\n"
	"/local/domain/1/device/vbd/768/virtual-device = \"768\" (n1,r0)\n"
	"/local/domain/1/domid = \"1\" (n0,r1)\n"
	"/local/domain/1/drivers = \"\" (n1,r0)\n"
	"/local/domain/1/error = \"\" (n1,r0)\n"
	"/local/domain/1/hvmloader = \"\" (n0,r1)\n"
	"/local/domain/1/hvmloader/bios = \"seabios\" (n0,r1)\n"
	"/local/domain/1/image = \"\" (n0,r1)\n"
	"/local/domain/1/image/device-model-domid = \"2\" (n0,r1)\n"
	"/local/domain/1/memory = \"\" (n0,r1)\n"
	"/local/domain/1/memory/static-max = \"32768\" (n0,r1)\n"
	"/local/domain/1/memory/target = \"32768\" (n0,r1)\n"
	"/local/domain/1/messages = \"\" (n1,r0)\n"
	"/local/domain/1/name = \"linux\" (n0,r1)\n"
	"/local/domain/1/platform = \"\" (n0,r1)\n"
	"/local/domain/1/platform/acpi = \"1\" (n0,r1)\n"
	"/local/domain/1/platform/acpi_s3 = \"0\" (n0,r1)\n"
	"/local/domain/1/platform/acpi_s4 = \"0\" (n0,r1)\n"
	"/local/domain/1/serial = \"\" (n0,r1)\n"
	"/local/domain/1/serial/0 = \"\" (n0,r1)\n"
	"/local/domain/1/serial/0/tty = \"xl-console\" (n0,r1)\n"
	"/local/domain/2 = \"\" (n0)\n"
	"/local/domain/2/device = \"\" (n0)\n"
	"/local/domain/2/device/vbd = \"\" (n0)\n"
	"/local/domain/2/device/vbd/5632 = \"\" (n2,r0)\n"
	"/local/domain/2/device/vbd/5632/backend = \"/local/domain/0/backend/vbd/2/5632\" (n2,r0)\n"
	"/local/domain/2/device/vbd/5632/backend-id = \"0\" (n2,r0)\n"
	"/local/domain/2/device/vbd/5632/device-type = \"cdrom\" (n2,r0)\n"
	"/local/domain/2/device/vbd/5632/state = \"1\" (n2,r0)\n"
	"/local/domain/2/device/vbd/5632/virtual-device = \"5632\" (n2,r0)\n"
	"/local/domain/2/device/vbd/768 = \"\" (n2,r0)\n"
	"/local/domain/2/device/vbd/768/backend = \"/local/domain/0/backend/vbd/2/768\" (n2,r0)\n"
	"/local/domain/2/device/vbd/768/backend-id = \"0\" (n2,r0)\n"
	"/local/domain/2/device/vbd/768/device-type = \"disk\" (n2,r0)\n"
	"/local/domain/2/device/vbd/768/state = \"1\" (n2,r0)\n"
	"/local/domain/2/device/vbd/768/virtual-device = \"768\" (n2,r0)\n"
	"/local/domain/2/target = \"1\" (n0)\n";

#ifdef HAVE_LIBFDT
/* The device model's start info: its bootargs and the guest console ring. */
static void check_dm_fdt(const struct fake_dom *dm)
{
	const void *fdt = dm->ram + 0x108000;
	int hv = fdt_path_offset(fdt, "/hypervisor"), len;
	const fdt32_t *p;
	const char *s;

	CHECK(fdt_check_header(fdt) == 0);
	s = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", &len);
	CHECK(s && !strcmp(s, "target=1 name=linux vcpus=2 mem_mib=32 boot=d serial=1 pv_disks=1 platform=1"));
	p = fdt_getprop(fdt, hv, "bulkhead,guest-console-pfn", &len);
	CHECK(p && len == 4 && fdt32_to_cpu(*p) == 0x106);
	p = fdt_getprop(fdt, hv, "bulkhead,guest-console-evtchn", &len);
	CHECK(p && len == 4 && fdt32_to_cpu(*p) == 77);
}
#endif

static void test_hvm_create(void)
{
	struct fake_dom *g, *dm;
	char golden[sizeof(hvm_trace_golden) + 16];
	const struct fake_file *log;

	reset();
	install_hvm(linux_cfg);
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	CHECK(err_is("Parsing config from /etc/xen/linux.cfg\n") && F.out[0] == '\0');
	g = dom_by_id(1);
	dm = dom_by_id(2);
	CHECK(g && dm && g->hvm && !dm->hvm && !strcmp(g->info.name, "linux") &&
	      !strcmp(dm->info.name, "linux-dm"));
	CHECK(g && dm && !(g->info.flags & BH_DOMINF_paused) && !(dm->info.flags & BH_DOMINF_paused));
	CHECK(dm && dm->ram_size == XL_HVM_DM_MEM_MIB * MIB && dm->info.nr_vcpus == 1);
	/* SeaBIOS at the top of 4 GiB; its last 128 KiB also at 0xe0000. */
	CHECK(g && !memcmp(g->fw + sizeof(g->fw) - BIOS_SIZE, file_find(XL_HVM_BIOS)->data, BIOS_SIZE));
	CHECK(g && !memcmp(g->ram + 0xe0000, file_find(XL_HVM_BIOS)->data, BIOS_SIZE));
	snprintf(golden, sizeof(golden), hvm_trace_golden, 0);
	/* The FDT's length is the device model's business: compare around it. */
	{
		const char *at = strstr(F.trace, "load d2 0x108000+0x");
		const char *gat = strstr(golden, "load d2 0x108000+0x");
		size_t head = gat ? (size_t)(gat - golden) : 0;

		if (!at || !gat || strncmp(F.trace, golden, head) ||
		    strcmp(strchr(at, '\n'), strchr(gat, '\n')))
			fprintf(stderr, "trace:\n%s", F.trace);
		CHECK(at && gat && !strncmp(F.trace, golden, head));
		CHECK(at && !strcmp(strchr(at, '\n'), strchr(gat, '\n')));
	}
	if (strcmp(xs_dump(), hvm_xs_golden))
		fprintf(stderr, "store:\n%s", xs_dump());
	CHECK(!strcmp(xs_dump(), hvm_xs_golden));
	CHECK(F.gcons_guest == 1 && F.gcons_dm == 2 && F.gcons_pfn == 0x106);
	/* The guest's own store ring, at the core's special page (public/bulkhead.h). */
	CHECK(F.store_guest == 1 && F.store_pfn == BH_HVM_STORE_GPA >> 12);
#ifdef HAVE_LIBFDT
	if (dm)
		check_dm_fdt(dm);
#endif
	CHECK(dm && dm->nstart == 1 && dm->start[0].rdi == 0x108000);
	CHECK(xl_hvm_guest_of(2) == 1 && xl_hvm_dm_of(1) == 2);
	log = file_find("/var/log/xen/xl-linux.log");
	CHECK(log && strstr(log->data, "Loading BIOS: /usr/lib/xen/boot/bios.bin"));
	CHECK(log && strstr(log->data, ":wait_running: Domain 1:device model running\n"));
	CHECK(xl("list") == 0 &&
	      strstr(F.out, "linux                                        1    32     2     -b----") &&
	      strstr(F.out, "linux-dm                                     2     4     1     -b----"));
	/* Again under the same name: refused before anything is made. */
	CHECK(xl("create /etc/xen/linux.cfg") == 1 && F.creates == 2);
	CHECK(strstr(F.err, "A domain named 'linux' already exists (domid 1).\n"));
	/* xl block-list: the guest's PV disks and the device model's (whose
	 * IDE disks they back), Vdev order, upstream's columns (its "handle"
	 * is the frontend's domain). */
	CHECK(xl("block-list linux") == 0 &&
	      !strcmp(F.out, "Vdev  BE  handle state evt-ch ring-ref BE-path                       \n"
			     "768   0   1      1     -1     -1       /local/domain/0/backend/vbd/1/768\n"
			     "5632  0   1      1     -1     -1       /local/domain/0/backend/vbd/1/5632\n"));
	f_xs_write(NULL, "/local/domain/1/device/vbd/768/ring-ref", "8");
	f_xs_write(NULL, "/local/domain/1/device/vbd/768/event-channel", "11");
	f_xs_write(NULL, "/local/domain/1/device/vbd/768/state", "4");
	CHECK(xl("block-list nosuch linux-dm 1") == 0 &&
	      err_is("nosuch is an invalid domain identifier\n") &&
	      !strcmp(F.out, "Vdev  BE  handle state evt-ch ring-ref BE-path                       \n"
			     "768   0   2      1     -1     -1       /local/domain/0/backend/vbd/2/768\n"
			     "5632  0   2      1     -1     -1       /local/domain/0/backend/vbd/2/5632\n"
			     "768   0   1      4     11     8        /local/domain/0/backend/vbd/1/768\n"
			     "5632  0   1      1     -1     -1       /local/domain/0/backend/vbd/1/5632\n"));
	CHECK(xl("destroy linux") == 0 && nothing_left());
}

/* A failure at any step destroys both domains and removes every node. */
static void test_hvm_rollback(void)
{
	int total, ok = 0;

	reset();
	install_hvm(linux_cfg);
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	total = F.ops;
	CHECK(total > 80);
	for (int n = 1; n <= total; n++) {
		reset();
		install_hvm(linux_cfg);
		F.fail_op = n;
		if (xl("create /etc/xen/linux.cfg") == 1 && nothing_left() &&
		    strstr(F.err, "Failed to "))
			ok++;
		else
			fprintf(stderr, "failing operation %d of %d: [%s]\n", n, total, F.err);
	}
	CHECK(ok == total);
}

static void test_hvm_refusals(void)
{
	reset();
	install_hvm(linux_cfg);
	F.create_rc = -XL_ENOSYS;
	CHECK(xl("create /etc/xen/linux.cfg") == 1);
	CHECK(err_is("Parsing config from /etc/xen/linux.cfg\n"
		     "Failed to create HVM domain 'linux': the hypervisor refused BH_CREATE_hvm: "
		     "Function not implemented (rc=-38); it cannot run HVM guests yet\n"));
	CHECK(nothing_left());
	F.create_rc = 0;
	F.set_dm_rc = -XL_EINVAL;
	CHECK(xl("create /etc/xen/linux.cfg") == 1);
	CHECK(strstr(F.err, "Failed to create HVM domain 'linux': the hypervisor refused "
			    "BH_DOMCTL_set_dm: Invalid argument (rc=-22)"));
	CHECK(nothing_left());
	F.set_dm_rc = 0;
	/* A device model that never says "running": 10 s of its clock, then nothing left. */
	F.dm = DM_SILENT;
	CHECK(xl("create /etc/xen/linux.cfg") == 1 && nothing_left());
	CHECK(strstr(F.err, "the device model (domain 4) did not start within 10 s\n"));
	CHECK(F.clock_ns >= 10000000000ull && F.clock_ns < 10100000000ull);
	F.dm = DM_DIES;
	CHECK(xl("create /etc/xen/linux.cfg") == 1 && nothing_left());
	CHECK(strstr(F.err, "stopped before it was running\n"));
	F.dm = DM_RUNS;
	F.ops = 0;
	file_put("/etc/xen/bad.cfg", "name=\"b\"\nbuilder=\"hvm\"\ndisk=['/x,raw,sda,w']\n", 44);
	CHECK(xl("create /etc/xen/bad.cfg") == 1 && F.ops == 0 &&
	      strstr(F.err, "disk vdev=sda: Bulkhead's device model has IDE disks hda-hdd only\n"));
	free(F.files[0].data);		/* the BIOS */
	F.files[0].data = NULL;
	F.files[0].used = false;
	CHECK(xl("create /etc/xen/linux.cfg") == 1 && F.ops == 0 &&
	      strstr(F.err, "cannot read the BIOS /usr/lib/xen/boot/bios.bin: No such file"));
}

/* vnc, vif, usbdevice, sdl, soundhw, pci: one warning each, the create goes on. */
static void test_hvm_warnings(void)
{
	static const char cfg[] =
		"builder = \"hvm\"\nname = \"freebsd\"\nmemory = 16\n"
		"vif = [ 'mac=00:16:3E:74:34:32,bridge=bridge0', 'bridge=xenbr1' ]\n"
		"disk = [ '/dev/zvol/tank/xendisk0,raw,hda,rw', '/root/freebsd.iso,raw,hdc:cdrom,r' ]\n"
		"vnc = 1\nvnclisten = \"0.0.0.0\"\nserial = \"pty\"\nusbdevice = \"tablet\"\n"
		"sdl = 0\nsoundhw = \"hda\"\n";

	reset();
	install_hvm(cfg);
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	CHECK(err_is("Parsing config from /etc/xen/linux.cfg\n"
		     "xl: warning: vnc is not supported yet; ignored\n"
		     "xl: warning: usbdevice is not supported yet; ignored\n"
		     "xl: warning: sdl is not supported yet; ignored\n"
		     "xl: warning: soundhw is not supported yet; ignored\n"
		     "xl: warning: vif 0: the network driver domain 'netback' is not running "
		     "(xl create /etc/xen/netback.cfg); 'freebsd' has no network\n"
		     "xl: warning: vif 1: the network driver domain 'netback' is not running "
		     "(xl create /etc/xen/netback.cfg); 'freebsd' has no network\n"));
	CHECK(!strcmp(xs_value("/local/domain/0/backend/vbd/2/768/type"), "phy"));
	CHECK(!strcmp(xs_value("/local/domain/0/backend/vbd/2/768/params"),
		      "/dev/zvol/tank/xendisk0"));
	/* Not given: no vnc warning (its hvm default is 1); boot defaults to "cd". */
	install_hvm(linux_cfg);
	CHECK(xl("create /etc/xen/linux.cfg name=other boot=cd serial=[]") == 0);
	CHECK(err_is("Parsing config from /etc/xen/linux.cfg\n"));
	CHECK(F.gcons_guest == 1);	/* the first guest's; none for this one */
	CHECK(!xs_value("/local/domain/3/serial/0/tty"));
}

static void test_hvm_paused_destroy(void)
{
	struct fake_dom *g;

	reset();
	install_hvm(linux_cfg);
	CHECK(xl("create -p /etc/xen/linux.cfg") == 0);
	g = dom_by_id(1);
	CHECK(g && (g->info.flags & BH_DOMINF_paused) &&
	      !(dom_by_id(2)->info.flags & BH_DOMINF_paused));
	CHECK(xl("destroy linux") == 0 && err_is("") && nothing_left());
	/* Shut down (preserved) guests go too. */
	CHECK(xl("create /etc/xen/linux.cfg on_poweroff=preserve") == 0);
	g = dom_by_id(3);
	g->info.flags = BH_DOMINF_shutdown;
	g->info.shutdown_reason = SHUTDOWN_poweroff;
	{
		struct xl x = { .be = &BE, .threshold = XL_PROGRESS };

		CHECK(xl_hvm_reap(&x) == 1 && dom_by_id(3) && dom_by_id(4));
		CHECK(xl_hvm_reap(&x) == 0);
	}
	CHECK(xl("destroy 3") == 0 && nothing_left());
}

static void shut_guest(uint16_t domid, uint32_t reason)
{
	struct fake_dom *d = dom_by_id(domid);

	d->info.flags = BH_DOMINF_shutdown;
	d->info.shutdown_reason = reason;
}

static void test_hvm_lifecycle(void)
{
	struct xl x = { .be = &BE, .threshold = XL_PROGRESS };
	const struct fake_file *log;

	reset();
	install_hvm(linux_cfg);
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	F.err_len = 0;
	F.err[0] = '\0';
	CHECK(xl_hvm_reap(&x) == 0);
	/* Reboot: both destroyed, both created again, same name and disks. */
	shut_guest(1, SHUTDOWN_reboot);
	CHECK(xl_hvm_reap(&x) == 1);
	CHECK(!dom_by_id(1) && !dom_by_id(2) && dom_by_id(3) && dom_by_id(4));
	CHECK(!strcmp(dom_by_id(3)->info.name, "linux") && dom_by_id(3)->hvm &&
	      !strcmp(dom_by_id(4)->info.name, "linux-dm"));
	CHECK(xl_hvm_dm_of(3) == 4 && xl_hvm_dm_of(1) < 0);
	CHECK(err_is("Domain 1 has shut down, reason code 1 0x1\n"
		     "Action for shutdown reason code 1 is restart\n"
		     "Done. Rebooting now\n"
		     "xl: domain 'linux' restarted as domain 3\n"));
	CHECK(!xs_value("/local/domain/1/name") && !xs_value("/local/domain/2/target"));
	CHECK(!strcmp(xs_value("/local/domain/3/name"), "linux"));
	CHECK(!strcmp(xs_value("/local/domain/0/backend/vbd/4/768/params"), "/root/disk.img"));
	CHECK(F.gcons_guest == 3 && F.gcons_dm == 4);
	/* The device model dies: the guest is destroyed, said on the console and in the log. */
	F.err_len = 0;
	F.err[0] = '\0';
	shut_guest(4, SHUTDOWN_crash);
	CHECK(xl_hvm_reap(&x) == 1 && nothing_left());
	CHECK(err_is("xl: device model for domain 'linux' (d3) died (crash); domain destroyed\n"));
	log = file_find("/var/log/xen/xl-linux.log");
	CHECK(log && strstr(log->data,
			    "xl: device model for domain 'linux' (d3) died (crash); domain destroyed\n"));
	/* Power-off: on_poweroff="destroy". */
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	shut_guest(5, SHUTDOWN_poweroff);
	CHECK(xl_hvm_reap(&x) == 1 && nothing_left());
	CHECK(strstr(F.err, "Domain 5 needs to be cleaned up: destroying the domain\n"));
	/* The device model destroyed by hand: xl destroy says what became of the guest. */
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	CHECK(xl("destroy linux-dm") == 0 && nothing_left());
	CHECK(err_is("xl: device model for domain 'linux' (d7) died (destroyed); domain destroyed\n"));
	/* A crash with on_crash="restart" comes back too. */
	CHECK(xl("create /etc/xen/linux.cfg on_crash=restart") == 0);
	shut_guest(9, SHUTDOWN_crash);
	CHECK(xl_hvm_reap(&x) == 1 && dom_by_id(11) && dom_by_id(12) && live_domains() == 3);
	CHECK(xl("destroy linux") == 0 && nothing_left());
}

static void test_hvm_shutdown(void)
{
	reset();
	install_hvm(linux_cfg);
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	CHECK(xl("shutdown linux") == 1);
	CHECK(err_is("PV control interface not available: external graceful shutdown not possible.\n"
		     "Use \"-F\" to fallback to ACPI power event.\n"
		     "shutdown failed (rc=-8)\n"));
	CHECK(xl("reboot linux") == 1);
	CHECK(err_is("PV control interface not available: external graceful reboot not possible.\n"
		     "Use \"-F\" to fallback to ACPI reset event.\n"
		     "reboot failed (rc=-8)\n"));
	CHECK(!xs_value("/local/domain/0/device-model/1/command"));
	CHECK(xl("shutdown -F linux") == 0 &&
	      err_is("PV control interface not available: sending ACPI power button event.\n"));
	CHECK(!strcmp(xs_value("/local/domain/0/device-model/1/command"), "power-button"));
	CHECK(xl("reboot -F linux") == 0 &&
	      err_is("PV control interface not available: sending ACPI reset button event.\n"));
	CHECK(!strcmp(xs_value("/local/domain/0/device-model/1/command"), "reset"));
	CHECK(F.last_shutdown == 0 && dom_by_id(1));
	/* A feature key alone is not PV drivers (libxl asks the callback param). */
	f_xs_write(NULL, "/local/domain/1/control/feature-poweroff", "1");
	CHECK(xl("shutdown linux") == 1 && !xs_value("/local/domain/1/control/shutdown"));
	/* PV drivers in the guest set their event-channel callback (FreeBSD
	 * writes no feature key): the control node, as for PV guests. */
	F.callback_irq[1] = 2ull << 56 | 0xf3;
	CHECK(xl("shutdown linux") == 0 && err_is(""));
	CHECK(!strcmp(xs_value("/local/domain/1/control/shutdown"), "poweroff"));
	CHECK(xl("reboot -F linux") == 0 && err_is(""));
	CHECK(!strcmp(xs_value("/local/domain/1/control/shutdown"), "reboot"));
	CHECK(xl("help reboot") == 0 && strstr(F.out, "-F             fallback to ACPI reset"));
	/* xl trigger: the ACPI event whatever the PV drivers offer. */
	CHECK(xl("trigger linux reset") == 0 && err_is(""));
	CHECK(!strcmp(xs_value("/local/domain/0/device-model/1/command"), "reset"));
	CHECK(xl("trigger 1 power 0") == 0 && err_is(""));
	CHECK(!strcmp(xs_value("/local/domain/0/device-model/1/command"), "power-button"));
	CHECK(xl("trigger linux nmi") == 1 &&
	      err_is("trigger 'nmi' is not supported yet (power and reset are)\n"));
	CHECK(xl("trigger linux bogus") == 1 && err_is("Invalid trigger \"bogus\"\n"));
	CHECK(xl("trigger linux power 1") == 1 &&
	      err_is("trigger: only vCPU 0 takes ACPI events\n"));
	CHECK(xl("trigger Domain-0 power") == 1 &&
	      err_is("trigger: domain 0 is not an HVM guest\n"));
	CHECK(xl("trigger nosuch power") == 1);
	CHECK(!strcmp(xs_value("/local/domain/0/device-model/1/command"), "power-button"));
	CHECK(xl("destroy linux") == 0 && nothing_left());
}

/* create -c: the console attached is the guest's (its serial port). */
static void test_hvm_console(void)
{
	reset();
	install_hvm(linux_cfg);
	F.cons_out = "SeaBIOS (version 1.16.2-debian-1.16.2-1)\n";
	F.term_in = "\x1d";
	CHECK(xl("create -c /etc/xen/linux.cfg") == 0 && out_is(F.out) &&
	      strstr(F.out, "SeaBIOS (version"));
	CHECK(F.cons_opened && F.term_pos == 1 && dom_by_id(1));
	CHECK(xl("destroy linux") == 0 && nothing_left());
}

static void test_hvm_backends(void);
static void test_hvm_vifs(void);

static void test_hvm(void)
{
	test_hvm_create();
	test_hvm_rollback();
	test_hvm_refusals();
	test_hvm_warnings();
	test_hvm_paused_destroy();
	test_hvm_lifecycle();
	test_hvm_shutdown();
	test_hvm_console();
	test_hvm_backends();
	test_hvm_vifs();
}

/* vifs on the network driver domain (issue 9 §2): libxl's nodes on both
 * sides, rate= as "BYTES,USEC", vifname=; no netback: a warning, the guest
 * is created without that NIC; backend= must name a running domain; destroy
 * removes the backend's nodes, only where the frontend's own. */
static const char vif_cfg[] =
	"name = \"linux\"\nbuilder = \"hvm\"\nmemory = 32\n"
	"vif = [ 'mac=00:16:3E:74:34:32,bridge=bridge0', 'bridge=bridge0,rate=10Mb/s,vifname=web0' ]\n";

/* The model node of vif id of the device model of the (one) running guest. */
static const char *dm_vif_model(unsigned id)
{
	static char path[80];
	const char *dm;

	for (unsigned g = 1; g < 64; g++) {
		snprintf(path, sizeof(path), "/local/domain/%u/image/device-model-domid", g);
		if ((dm = xs_value(path))) {
			snprintf(path, sizeof(path), "/local/domain/%s/device/vif/%u/model", dm, id);
			dm = xs_value(path);
			return dm ? dm : "";
		}
	}
	return "";
}

#define NETLIST_HEAD \
	"Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       \n"

/* xl network-list (upstream's columns) of the guest test_hvm_vifs made:
 * what the frontend wrote as it connects, the MAC as the backend has it. */
static void test_network_list(void)
{
	const char *vif1 = "1   9  ";

	CHECK(xl("network-list linux") == 0 && err_is("") &&
	      strstr(F.out, NETLIST_HEAD "0   9  00:16:3e:74:34:32     0     1     -1    -1/-1"
			    "          /local/domain/9/backend/vif/1/0\n") == F.out &&
	      strstr(F.out, vif1) && strstr(F.out, "     1     1     -1    -1/-1          "
					     "/local/domain/9/backend/vif/1/1\n"));
	f_xs_write(NULL, "/local/domain/1/device/vif/0/event-channel", "14");
	f_xs_write(NULL, "/local/domain/1/device/vif/0/tx-ring-ref", "768");
	f_xs_write(NULL, "/local/domain/1/device/vif/0/rx-ring-ref", "769");
	f_xs_write(NULL, "/local/domain/1/device/vif/0/state", "4");
	CHECK(xl("network-list 1") == 0 &&
	      strstr(F.out, NETLIST_HEAD "0   9  00:16:3e:74:34:32     0     4     14   768/769"
			    "         /local/domain/9/backend/vif/1/0\n1   9  00:16:3e:"));
	/* The device model's emulated twins are its own vifs. */
	CHECK(xl("network-list linux-dm") == 0 &&
	      strstr(F.out, "     0     1     -1    -1/-1          /local/domain/9/backend/vif/2/0\n"));
	/* A MAC the backend's domain garbled is not printed as it is; an
	 * unknown id lists nothing, an unknown name is an error (upstream's). */
	f_xs_write(NULL, "/local/domain/9/backend/vif/1/0/mac", "\033[2J:00:00:00:00:0");
	CHECK(xl("network-list linux") == 0 &&
	      strstr(F.out, "\n0   9  00:00:00:00:00:00     0     4") && !strchr(F.out, 033));
	f_xs_write(NULL, "/local/domain/9/backend/vif/1/0/mac", "00:16:3E:74:34:32");
	CHECK(xl("network-list 77") == 0 && !strcmp(F.out, NETLIST_HEAD));
	CHECK(xl("network-list linux nosuch") == 1 &&
	      err_is("nosuch is an invalid domain identifier (rc=-6)\n") &&
	      strstr(F.out, "00:16:3e:74:34:32     0     4"));
	CHECK(xl("network-list") == 2 && err_is("'xl network-list' requires at least 1 argument.\n"));
}

static void test_hvm_vifs(void)
{
	const char *mac, *dm;

	reset();
	install_hvm(vif_cfg);
	add_dom(9, "netback", 16, 1, 0);
	CHECK(xl("create /etc/xen/linux.cfg") == 0 && err_is("Parsing config from /etc/xen/linux.cfg\n"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/1/0/mac"), "00:16:3e:74:34:32"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/1/0/bridge"), "bridge0"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/1/0/frontend"),
		      "/local/domain/1/device/vif/0"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/1/0/state"), "1"));
	CHECK(!strcmp(xs_value("/local/domain/1/device/vif/0/backend"),
		      "/local/domain/9/backend/vif/1/0"));
	CHECK(!strcmp(xs_value("/local/domain/1/device/vif/0/backend-id"), "9"));
	CHECK(!strcmp(xs_value("/local/domain/1/device/vif/0/mac"), "00:16:3e:74:34:32"));
	CHECK(!xs_value("/local/domain/9/backend/vif/1/0/rate"));
	/* 10 Mbit/s in libxl's 50 ms intervals: 62,500 bytes each. */
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/1/1/rate"), "62500,50000"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/1/1/vifname"), "web0"));
	mac = xs_value("/local/domain/1/device/vif/1/mac");
	CHECK(mac && !strncmp(mac, "00:16:3e:", 9) && strlen(mac) == 17);
	CHECK(strstr(xs_dump(), "/local/domain/1/device/vif/0 = \"\" (n1,r9)\n") &&
	      strstr(xs_dump(), "/local/domain/9/backend/vif/1/0 = \"\" (n9,r1)\n"));
	/* type=ioemu (the HVM default): the device model's e1000 is a frontend
	 * of the same backend, named as libxl names the emulated NIC's tap. */
	dm = xs_value("/local/domain/1/image/device-model-domid");
	CHECK(dm && !strcmp(dm, "2"));
	CHECK(dom_by_id(2)->ram_size == (XL_HVM_DM_MEM_MIB + 2 * XL_HVM_DM_NIC_MIB) * MIB);
	CHECK(!strcmp(xs_value("/local/domain/2/device/vif/0/mac"), "00:16:3e:74:34:32"));
	CHECK(!strcmp(xs_value("/local/domain/2/device/vif/0/backend"),
		      "/local/domain/9/backend/vif/2/0"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/2/0/vifname"), "vif1.0-emu"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/2/0/type"), "vif_ioemu"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/2/0/frontend-id"), "2"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/2/1/vifname"), "web0-emu"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/2/1/rate"), "62500,50000"));
	CHECK(!strcmp(xs_value("/local/domain/9/backend/vif/1/0/type"), "vif"));
	CHECK(strstr(xs_dump(), "/local/domain/2/device/vif/0 = \"\" (n2,r9)\n"));
	/* No model=: the device model's NIC is an rtl8139, as upstream's; the
	 * guest's own PV vif has no model node. */
	CHECK(!strcmp(xs_value("/local/domain/2/device/vif/0/model"), "rtl8139") &&
	      !strcmp(xs_value("/local/domain/2/device/vif/1/model"), "rtl8139"));
	CHECK(!xs_value("/local/domain/1/device/vif/0/model"));
	test_network_list();
	/* A hostile guest points a frontend at a node that is not its own. */
	f_xs_write(NULL, "/local/domain/9/backend/vif/5/0/mac", "decoy");
	f_xs_write(NULL, "/local/domain/1/device/vif/1/backend", "/local/domain/9/backend/vif/5/0");
	CHECK(xl("destroy linux") == 0);
	CHECK(!xs_value("/local/domain/9/backend/vif/1/0/mac") &&
	      xs_value("/local/domain/9/backend/vif/5/0/mac"));
	CHECK(!xs_value("/local/domain/9/backend/vif/2/0/mac") &&
	      !xs_value("/local/domain/9/backend/vif/2/1/mac"));
	/* type=vif: PV only, no emulated twin; model=rtl8139 and model=e1000
	 * (or QEMU's e1000-82540em) reach the device model, any other model
	 * is emulated as an rtl8139, with a warning; xen_platform_pci=0 reaches
	 * the device model. */
	CHECK(xl("create /etc/xen/linux.cfg vif=['bridge=bridge0,type=vif']") == 0 &&
	      strstr(xs_dump(), "/type = \"vif\"") && !strstr(xs_dump(), "vif_ioemu") &&
	      !strstr(xs_dump(), "/model = "));
	CHECK(xl("destroy linux") == 0);
	CHECK(xl("create /etc/xen/linux.cfg vif=['bridge=bridge0,model=rtl8139',"
		 "'bridge=bridge0,model=e1000-82540em','bridge=bridge0,model=virtio-net'] "
		 "xen_platform_pci=0") == 0 &&
	      err_is("Parsing config from /etc/xen/linux.cfg\n"
		     "xl: warning: vif 2 model=virtio-net: the device model emulates the rtl8139 "
		     "and the e1000 only; the guest gets an rtl8139\n") &&
	      strstr(xs_dump(), "/type = \"vif_ioemu\""));
	CHECK(!strcmp(dm_vif_model(0), "rtl8139") && !strcmp(dm_vif_model(1), "e1000") &&
	      !strcmp(dm_vif_model(2), "rtl8139"));
	{
		struct xl_hvm_cfg h = { .name = "linux", .vcpus = 1, .mem_mib = 32, .boot = "c",
					.no_platform = true };
		char args[256];

		xl_hvm_dm_args(&h, 5, true, args, sizeof(args));
		CHECK(!strcmp(args, "target=5 name=linux vcpus=1 mem_mib=32 boot=c serial=0 "
			      "pv_disks=1 platform=0"));
	}
	CHECK(xl("destroy linux") == 0);
	/* backend= must be running; a devid given twice is refused by the parser. */
	CHECK(xl("create /etc/xen/linux.cfg vif=['bridge=bridge0,backend=nosuch']") == 1 &&
	      strstr(F.err, "vif 0: backend domain 'nosuch' is not running"));
	CHECK(xl("create /etc/xen/linux.cfg vif=['devid=1','devid=1']") == 1 &&
	      strstr(F.err, "vif devid 1 used twice"));
	/* No netback: the guest comes up without its NICs, and says so. */
	reset();
	install_hvm(vif_cfg);
	CHECK(xl("create /etc/xen/linux.cfg") == 0 &&
	      strstr(F.err, "xl: warning: vif 0: the network driver domain 'netback' is not "
			    "running (xl create /etc/xen/netback.cfg); 'linux' has no network\n") &&
	      !xs_value("/local/domain/1/device/vif/0/mac"));
	CHECK(xl("destroy linux") == 0 && nothing_left());
	reset();
	install_hvm(vif_cfg);
	add_dom(9, "netback", 16, 1, 0);
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	/* netback dies and another comes up (issue 9 §4): the reaper moves both
	 * frontends of each vif to it, their directories made afresh. */
	{
		struct xl x = { .be = &BE, .threshold = XL_PROGRESS };

		CHECK(xl_hvm_reap(&x) == 0);	/* netback lives: nothing moves */
		dom_by_id(9)->used = false;
		add_dom(10, "netback", 16, 1, 0);
		F.err_len = 0;
		F.err[0] = '\0';
		/* The device model's at once; the guest's own removed, and written
		 * again only 2 s later (Linux must see it go first). */
		CHECK(xl_hvm_reap(&x) == 4);
		CHECK(!xs_value("/local/domain/1/device/vif/0/backend") &&
		      !xs_value("/local/domain/1/device/vif/1/mac"));
		F.clock_ns += 1000000000ull;
		CHECK(xl_hvm_reap(&x) == 0 && !xs_value("/local/domain/1/device/vif/0/backend"));
		F.clock_ns += 1000000000ull;
		CHECK(xl_hvm_reap(&x) == 2);
		CHECK(!strcmp(xs_value("/local/domain/1/device/vif/0/backend"),
			      "/local/domain/10/backend/vif/1/0"));
		CHECK(!strcmp(xs_value("/local/domain/2/device/vif/1/backend-id"), "10"));
		CHECK(!strcmp(xs_value("/local/domain/10/backend/vif/2/0/vifname"), "vif1.0-emu"));
		CHECK(!strcmp(xs_value("/local/domain/10/backend/vif/1/1/rate"), "62500,50000"));
		CHECK(!xs_value("/local/domain/2/device/vif/0/tx-ring-ref"));
		CHECK(strstr(F.err, "xl: vif 0 of 'linux' (frontend domain 2, emulated NIC) re-homed "
				    "from domain 9 to netback (domain 10)\n"));
		CHECK(strstr(F.err, "xl: vif 0 of 'linux' (frontend domain 1) re-homed to netback "
				    "(domain 10)\n"));
		CHECK(xl_hvm_reap(&x) == 0);	/* once */
		dom_by_id(10)->used = false;
		add_dom(9, "netback", 16, 1, 0);
		CHECK(xl_hvm_reap(&x) == 4);
		F.clock_ns += 2000000000ull;
		CHECK(xl_hvm_reap(&x) == 2);
	}
}

/* Disks on the storage driver domain (issue 8 §3): a volume that a running
 * "blkback" publishes goes to it, backend= names one, the rest stays Dom0's;
 * destroy removes the nodes in every backend, but only the frontend's own. */
static const char zvol_cfg[] =
	"name = \"linux\"\nbuilder = \"hvm\"\nmemory = 32\n"
	"disk = [ '/dev/zvol/tank/xendisk0,raw,hda,w', '/root/linux.iso,raw,hdc:cdrom,r' ]\n";

static void test_hvm_backends(void)
{
	reset();
	install_hvm(zvol_cfg);
	add_dom(9, "blkback", 16, 1, 0);
	f_xs_write(NULL, "/local/domain/9/data/volumes/tank/xendisk0", "131072");
	CHECK(xl("create /etc/xen/linux.cfg") == 0);
	CHECK(xs_value("/local/domain/9/backend/vbd/2/768/params") &&
	      !strcmp(xs_value("/local/domain/9/backend/vbd/2/768/params"),
		      "/dev/zvol/tank/xendisk0"));
	CHECK(xs_value("/local/domain/9/backend/vbd/1/768/frontend-id") &&
	      !strcmp(xs_value("/local/domain/9/backend/vbd/1/768/frontend-id"), "1"));
	CHECK(!strcmp(xs_value("/local/domain/2/device/vbd/768/backend-id"), "9"));
	CHECK(!strcmp(xs_value("/local/domain/1/device/vbd/768/backend"),
		      "/local/domain/9/backend/vbd/1/768"));
	CHECK(!strcmp(xs_value("/local/domain/1/device/vbd/5632/backend-id"), "0"));
	/* Each side reads the other's directory (a backend follows the frontend's state). */
	CHECK(strstr(xs_dump(), "/local/domain/1/device/vbd/768 = \"\" (n1,r9)\n") &&
	      strstr(xs_dump(), "/local/domain/9/backend/vbd/1/768 = \"\" (n9,r1)\n"));
	CHECK(xs_value("/local/domain/0/backend/vbd/2/5632/params") &&
	      !xs_value("/local/domain/0/backend/vbd/2/768/params"));
	/* A hostile guest points its frontend at a node that is not its own. */
	f_xs_write(NULL, "/local/domain/0/backend/vbd/5/768/params", "decoy");
	f_xs_write(NULL, "/local/domain/1/device/vbd/5632/backend",
		   "/local/domain/0/backend/vbd/5/768");
	CHECK(xl("destroy linux") == 0);
	CHECK(!xs_value("/local/domain/9/backend/vbd/2/768/params") &&
	      !xs_value("/local/domain/9/backend/vbd/1/768/params") &&
	      !xs_value("/local/domain/9/backend/vbd/1") && !xs_value("/local/domain/9/backend/vbd/2"));
	CHECK(xs_value("/local/domain/0/backend/vbd/5/768/params") &&
	      xs_value("/local/domain/9/data/volumes/tank/xendisk0"));
	/* backend= names the domain, which must be running. */
	CHECK(xl("create /etc/xen/linux.cfg disk=['/root/disk.img,raw,hda,w,backend=nosuch']") == 1);
	CHECK(strstr(F.err, "disk hda: backend domain 'nosuch' is not running"));
	CHECK(xl("create /etc/xen/linux.cfg disk=['/root/disk.img,raw,hda,w,backend=blkback']") == 0);
	CHECK(xs_value("/local/domain/9/backend/vbd/4/768/params"));
	CHECK(xl("destroy linux") == 0 && !xs_value("/local/domain/9/backend/vbd/4"));
	/* No blkback: a volume is Dom0's. */
	reset();
	install_hvm(zvol_cfg);
	CHECK(xl("create /etc/xen/linux.cfg") == 0 &&
	      xs_value("/local/domain/0/backend/vbd/1/768/params"));
	CHECK(xl("destroy linux") == 0 && nothing_left());
}

/*
 * A runtime (kernel=) domain's disks (toolstack/xl/xl_vbd.c), included by
 * test_xl.c (its fake backend): disk= becomes vbds with the new domain as
 * frontend, nodes byte for byte, the backend chosen as for HVM disks (a
 * volume of a running blkback, backend=, else Dom0), the xvd ids of Xen's
 * vbd-interface, refusals before anything is created, rollback at every
 * step, and destroy removing exactly this frontend's nodes.
 */
#include "xl_vbd.h"

static const char vbd_cfg[] =
	"name = \"blkhostile\"\n"
	"memory = 8\n"
	"kernel = \"/boot/guest.elf\"\n"
	"disk = [ '/dev/zvol/tank/hostile,raw,xvda,w', '/root/ro.img,raw,xvdp,r' ]\n";

/* The storage driver domain d9 publishes tank/hostile; /root/ro.img is Dom0's. */
static const char vbd_xs_golden[] =
	"/local = \"\" (n0)\n"
	"/local/domain = \"\" (n0)\n"
	"/local/domain/0 = \"\" (n0)\n"
	"/local/domain/0/backend = \"\" (n0)\n"
	"/local/domain/0/backend/vbd = \"\" (n0)\n"
	"/local/domain/0/backend/vbd/1 = \"\" (n0)\n"
	"/local/domain/0/backend/vbd/1/51952 = \"\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/dev = \"xvdp\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/device-type = \"disk\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/discard-enable = \"0\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/frontend = \"/local/domain/1/device/vbd/51952\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/frontend-id = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/mode = \"r\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/online = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/params = \"/root/ro.img\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/removable = \"0\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/state = \"1\" (n0,r1)\n"
	"/local/domain/0/backend/vbd/1/51952/type = \"file\" (n0,r1)\n"
	"/local/domain/1 = \"\" (n0)\n"
	"/local/domain/1/device = \"\" (n0)\n"
	"/local/domain/1/device/vbd = \"\" (n0)\n"
	"/local/domain/1/device/vbd/51712 = \"\" (n1,r9)\n"
	"/local/domain/1/device/vbd/51712/backend = \"/local/domain/9/backend/vbd/1/51712\" (n1,r9)\n"
	"/local/domain/1/device/vbd/51712/backend-id = \"9\" (n1,r9)\n"
	"/local/domain/1/device/vbd/51712/device-type = \"disk\" (n1,r9)\n"
	"/local/domain/1/device/vbd/51712/state = \"1\" (n1,r9)\n"
	"/local/domain/1/device/vbd/51712/virtual-device = \"51712\" (n1,r9)\n"
	"/local/domain/1/device/vbd/51952 = \"\" (n1,r0)\n"
	"/local/domain/1/device/vbd/51952/backend = \"/local/domain/0/backend/vbd/1/51952\" (n1,r0)\n"
	"/local/domain/1/device/vbd/51952/backend-id = \"0\" (n1,r0)\n"
	"/local/domain/1/device/vbd/51952/device-type = \"disk\" (n1,r0)\n"
	"/local/domain/1/device/vbd/51952/state = \"1\" (n1,r0)\n"
	"/local/domain/1/device/vbd/51952/virtual-device = \"51952\" (n1,r0)\n"
	"/local/domain/9 = \"\" (n0)\n"
	"/local/domain/9/backend = \"\" (n0)\n"
	"/local/domain/9/backend/vbd = \"\" (n0)\n"
	"/local/domain/9/backend/vbd/1 = \"\" (n0)\n"
	"/local/domain/9/backend/vbd/1/51712 = \"\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/dev = \"xvda\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/device-type = \"disk\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/discard-enable = \"1\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/frontend = \"/local/domain/1/device/vbd/51712\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/frontend-id = \"1\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/mode = \"w\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/online = \"1\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/params = \"/dev/zvol/tank/hostile\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/removable = \"0\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/state = \"1\" (n9,r1)\n"
	"/local/domain/9/backend/vbd/1/51712/type = \"phy\" (n9,r1)\n"
	"/local/domain/9/data = \"\" (n0)\n"
	"/local/domain/9/data/volumes = \"\" (n0)\n"
	"/local/domain/9/data/volumes/tank = \"\" (n0)\n"
	"/local/domain/9/data/volumes/tank/hostile = \"131072\" (n0)\n";

/* What destroy leaves: the shared parents and blkback's own data. */
static const char vbd_xs_after_golden[] =
	"/local = \"\" (n0)\n"
	"/local/domain = \"\" (n0)\n"
	"/local/domain/0 = \"\" (n0)\n"
	"/local/domain/0/backend = \"\" (n0)\n"
	"/local/domain/0/backend/vbd = \"\" (n0)\n"
	"/local/domain/1 = \"\" (n0)\n"
	"/local/domain/1/device = \"\" (n0)\n"
	"/local/domain/1/device/vbd = \"\" (n0)\n"
	"/local/domain/9 = \"\" (n0)\n"
	"/local/domain/9/backend = \"\" (n0)\n"
	"/local/domain/9/backend/vbd = \"\" (n0)\n"
	"/local/domain/9/data = \"\" (n0)\n"
	"/local/domain/9/data/volumes = \"\" (n0)\n"
	"/local/domain/9/data/volumes/tank = \"\" (n0)\n"
	"/local/domain/9/data/volumes/tank/hostile = \"131072\" (n0)\n";

static void vbd_setup(const char *cfg)
{
	reset();
	install_guest(cfg);
	add_dom(9, "blkback", 16, 1, 0);
	f_xs_write(NULL, "/local/domain/9/data/volumes/tank/hostile", "131072");
}

static void test_vbd_devid(void)
{
	static const char *const bad[] = { "xvd", "xvdq", "xvda1", "xvdaa", "hda", "sda", "xvdA",
					   "xvd`", "" };
	uint32_t id = 7;
	char name[8];
	int ok = 0;

	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "xvd%c", 'a' + i);
		ok += !xl_vbd_devid(name, &id) && id == (202u << 8 | (uint32_t)i * 16);
	}
	CHECK(ok == 16);
	CHECK(!xl_vbd_devid("xvda", &id) && id == 51712 && !xl_vbd_devid("xvdb", &id) &&
	      id == 51728);
	id = 7;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(xl_vbd_devid(bad[i], &id) == -1 && id == 7);
}

static void test_vbd_create_destroy(void)
{
	const struct fake_file *log;

	vbd_setup(vbd_cfg);
	CHECK(xl("create /etc/xen/guest.cfg") == 0 && err_is("Parsing config from /etc/xen/guest.cfg\n"));
	if (strcmp(xs_dump(), vbd_xs_golden))
		fprintf(stderr, "store:\n%s", xs_dump());
	CHECK(!strcmp(xs_dump(), vbd_xs_golden));
	/* The nodes exist before the domain first runs: written before unpause. */
	CHECK(strstr(F.trace, "xs_write /local/domain/1/device/vbd/51952/state\nunpause d1\n"));
	log = file_find("/var/log/xen/xl-blkhostile.log");
	CHECK(log && strstr(log->data,
			    "disk xvda (vbd 51712): /dev/zvol/tank/hostile on domain 9\n"));
	/* A hostile frontend points a vbd's backend at a node that is not its own. */
	f_xs_write(NULL, "/local/domain/0/backend/vbd/5/51712/params", "decoy");
	f_xs_write(NULL, "/local/domain/1/device/vbd/51952/backend",
		   "/local/domain/0/backend/vbd/5/51712");
	CHECK(xl("destroy blkhostile") == 0 && err_is(""));
	CHECK(xs_value("/local/domain/0/backend/vbd/5/51712/params"));
	F.nxs--;	/* the decoy, last made */
	f_xs_rm(NULL, "/local/domain/0/backend/vbd/5");
	if (strcmp(xs_dump(), vbd_xs_after_golden))
		fprintf(stderr, "store:\n%s", xs_dump());
	CHECK(!strcmp(xs_dump(), vbd_xs_after_golden));
	/* backend= names the domain; no blkback: a volume is Dom0's. */
	CHECK(xl("create /etc/xen/guest.cfg disk=['/root/a.img,raw,xvdc,w,backend=blkback']") == 0);
	CHECK(xs_value("/local/domain/9/backend/vbd/2/51744/params") &&
	      !strcmp(xs_value("/local/domain/2/device/vbd/51744/backend-id"), "9"));
	CHECK(xl("destroy 2") == 0 && !xs_value("/local/domain/9/backend/vbd/2") &&
	      !xs_value("/local/domain/2/device/vbd/51744"));
	dom_by_id(9)->used = false;
	CHECK(xl("create /etc/xen/guest.cfg") == 0);
	CHECK(!strcmp(xs_value("/local/domain/3/device/vbd/51712/backend"),
		      "/local/domain/0/backend/vbd/3/51712"));
	CHECK(xl("destroy blkhostile") == 0 && !xs_value("/local/domain/0/backend/vbd/3"));
	/* No disks: no node at all. */
	reset();
	install_guest(guest_cfg);
	CHECK(xl("create /etc/xen/guest.cfg") == 0 && F.nxs == 0);
}

/* Refused with one line before anything is created. */
static void test_vbd_refusals(void)
{
	static const struct {
		const char *disk, *err;
	} cases[] = {
		{ "['/x,raw,hda,w']", "disk vdev=hda: a kernel= domain's disks are xvda-xvdp\n" },
		{ "['/x,raw,xvdq,w']", "disk vdev=xvdq: a kernel= domain's disks are xvda-xvdp\n" },
		{ "['/x,raw,xvda1,w']", "disk vdev=xvda1: a kernel= domain's disks are xvda-xvdp\n" },
		{ "['/x,raw,xvdb,w','/y,raw,xvdb,r']", "disk vdev `xvdb' used twice\n" },
		{ "['/x,qcow2,xvda,w']", "disk vdev=xvda: format qcow2 is not supported (raw only)\n" },
		{ "['/x,raw,xvda,w,backend=nosuch']",
		  "Failed to build domain 'blkhostile': disk xvda: backend domain 'nosuch' is not running\n" },
	};
	char cmd[160];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vbd_setup(vbd_cfg);
		F.ops = 0;
		snprintf(cmd, sizeof(cmd), "create /etc/xen/guest.cfg disk=%s", cases[i].disk);
		CHECK(xl(cmd) == 1 && F.creates == 0 && F.ops == 0);
		if (!strstr(F.err, cases[i].err))
			fprintf(stderr, "%s: [%s]\n", cases[i].disk, F.err);
		CHECK(strstr(F.err, cases[i].err) != NULL);
	}
	vbd_setup(vbd_cfg);
	CHECK(xl("create /etc/xen/guest.cfg disk=['/x,raw,xvda,w','/x,raw,xvdb,w','/x,raw,xvdc,w',"
		 "'/x,raw,xvdd,w','/x,raw,xvde,w','/x,raw,xvdf,w','/x,raw,xvdg,w','/x,raw,xvdh,w',"
		 "'/x,raw,xvdi,w','/x,raw,xvdj,w','/x,raw,xvdk,w','/x,raw,xvdl,w','/x,raw,xvdm,w',"
		 "'/x,raw,xvdn,w','/x,raw,xvdo,w','/x,raw,xvdp,w','/x,raw,hda,w']") == 1);
	CHECK(strstr(F.err, "at most 16 disks (xvda-xvdp)\n") && F.creates == 0);
}

/* A failure at any step destroys the domain and removes every vbd node. */
static void test_vbd_rollback(void)
{
	int total, ok = 0;

	vbd_setup(vbd_cfg);
	F.ops = 0;
	CHECK(xl("create /etc/xen/guest.cfg") == 0);
	total = F.ops;
	CHECK(total >= 30);
	for (int n = 1; n <= total; n++) {
		vbd_setup(vbd_cfg);
		F.ops = 0;
		F.fail_op = n;
		if (xl("create /etc/xen/guest.cfg") == 1 && live_domains() == 2 &&
		    !xs_value("/local/domain/9/backend/vbd/1") &&
		    !xs_value("/local/domain/0/backend/vbd/1") &&
		    !xs_value("/local/domain/1/device/vbd/51712") &&
		    !xs_value("/local/domain/1/device/vbd/51952") && strstr(F.err, "Failed to "))
			ok++;
		else
			fprintf(stderr, "failing operation %d of %d: [%s]\n%s", n, total, F.err,
				xs_dump());
	}
	CHECK(ok == total);
}

/* vif= on a kernel= domain (nethostile/netgood): netif nodes on both
 * sides before it first runs, backend netback; destroy and a failed create
 * remove them; no netback: a warning, the domain still starts. */
static void test_vif_kernel_domain(void)
{
	static const char cfg[] =
		"name = \"netgood\"\n"
		"memory = 8\n"
		"kernel = \"/boot/guest.elf\"\n"
		"vif = [ 'mac=00:16:3e:00:00:0a,bridge=bridge0', 'mac=00:16:3e:00:00:0b' ]\n";
	int total, ok = 0;

	reset();
	install_guest(cfg);
	add_dom(9, "netback", 16, 1, 0);
	CHECK(xl("create /etc/xen/guest.cfg") == 0);
	CHECK(xs_value("/local/domain/9/backend/vif/1/0/mac") &&
	      !strcmp(xs_value("/local/domain/9/backend/vif/1/0/mac"), "00:16:3e:00:00:0a"));
	CHECK(xs_value("/local/domain/9/backend/vif/1/1/state") &&
	      !strcmp(xs_value("/local/domain/9/backend/vif/1/1/state"), "1"));
	CHECK(xs_value("/local/domain/1/device/vif/0/backend") &&
	      !strcmp(xs_value("/local/domain/1/device/vif/0/backend"),
		      "/local/domain/9/backend/vif/1/0"));
	CHECK(xs_value("/local/domain/1/device/vif/1/backend-id") &&
	      !strcmp(xs_value("/local/domain/1/device/vif/1/backend-id"), "9"));
	CHECK(strstr(F.trace, "xs_write /local/domain/1/device/vif/1/state\nunpause d1\n"));
	CHECK(xl("destroy netgood") == 0 && err_is(""));
	CHECK(!xs_value("/local/domain/9/backend/vif/1") && !xs_value("/local/domain/1/device/vif/0"));
	/* Rollback at every step of a create. */
	reset();
	install_guest(cfg);
	add_dom(9, "netback", 16, 1, 0);
	F.ops = 0;
	CHECK(xl("create /etc/xen/guest.cfg") == 0);
	total = F.ops;
	for (int n = 1; n <= total; n++) {
		reset();
		install_guest(cfg);
		add_dom(9, "netback", 16, 1, 0);
		F.ops = 0;
		F.fail_op = n;
		if (xl("create /etc/xen/guest.cfg") == 1 && live_domains() == 2 &&
		    !xs_value("/local/domain/9/backend/vif/1/0") &&
		    !xs_value("/local/domain/9/backend/vif/1/1") &&
		    !xs_value("/local/domain/1/device/vif/0") && strstr(F.err, "Failed to "))
			ok++;
		else
			fprintf(stderr, "vif: failing operation %d of %d: [%s]\n%s", n, total, F.err,
				xs_dump());
	}
	CHECK(ok == total);
	/* No netback: a warning per vif, no nodes, the domain runs. */
	reset();
	install_guest(cfg);
	CHECK(xl("create /etc/xen/guest.cfg") == 0 && strstr(F.err, "vif 0: the network driver "
							      "domain 'netback' is not running"));
	CHECK(!xs_value("/local/domain/1/device/vif/0"));
	/* Two vifs with one devid: refused before anything is created. */
	reset();
	install_guest(cfg);
	CHECK(xl("create /etc/xen/guest.cfg vif=['mac=00:16:3e:00:00:0a,devid=3',"
		 "'mac=00:16:3e:00:00:0b,devid=3']") == 1 && F.creates == 0);
}

static void test_vbd(void)
{
	test_vbd_devid();
	test_vbd_create_destroy();
	test_vbd_refusals();
	test_vbd_rollback();
	test_vif_kernel_domain();
}

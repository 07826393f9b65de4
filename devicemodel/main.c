/*
 * The device model domain (DESIGN §1): one per HVM guest, named NAME-dm.
 * Start of day: bootargs `target=G vcpus=N mem_mib=M boot=cd serial=1 pv_disks=1
 * platform=1`; maps the guest's ioreq page and ports (BH_DMOP_ioreq_setup),
 * builds the PC (machine.c), connects the disks the toolstack listed under its
 * device/vbd (blkfront) and a NIC per vif under its device/vif (netfront; the
 * node's model, e1000 or rtl8139, picks the model; absent: e1000),
 * writes /local/domain/0/device-model/G/state =
 * "running" and serves requests until the guest is gone. Commands from the
 * toolstack arrive in /local/domain/0/device-model/G/command.
 */
#include "dom.h"
#include "dom/console.h"
#include "dom/cpu.h"
#include "dom/evtchn.h"
#include "dom/gpa.h"
#include "dom/hypercall.h"
#include "dom/start.h"
#include "dom/time.h"
#include "dom/xs.h"
#include "public/dmop.h"
#include "public/hvm/ioreq.h"
#include "machine.h"
#include "ide.h"
#include "blkfront.h"
#include "netfront.h"
#include "gcons.h"

#define IO_BUF_SIZE 4096

static struct {
	uint16_t target;
	uint32_t nr_vcpus;
	struct bh_ioreq_page *page;
	uint32_t ports[BH_IOREQ_MAX_VCPUS];
	struct dm_machine m;
	struct dm_bus *bus;
	uint8_t buf[IO_BUF_SIZE];
	char node[96];
} dm;

/* ---- dm_env over the core's dm_op ------------------------------------- */

static long dmop(struct bh_dmop *op, uint32_t cmd)
{
	op->cmd = cmd;
	op->version = BULKHEAD_DMOP_VERSION;
	op->target = dm.target;
	return dom_hypercall5(__HYPERVISOR_bulkhead_dmop, (unsigned long)op, 0, 0, 0, 0);
}

static uint64_t env_now(void *ctx) { (void)ctx; return dom_now_ns(); }

static void timer_fire(struct dom_timer *t, void *arg)
{
	struct dm_timer *dt = arg;

	(void)t;
	dt->armed = false;
	dt->fn(dt, dt->arg);
}

static void env_timer_arm(void *ctx, struct dm_timer *t, uint64_t deadline)
{
	(void)ctx;
	if (!t->priv && !(t->priv = calloc(1, sizeof(struct dom_timer))))
		abort();
	t->deadline_ns = deadline;
	t->armed = true;
	dom_timer_set(t->priv, deadline, timer_fire, t);
}

static void env_timer_cancel(void *ctx, struct dm_timer *t)
{
	(void)ctx;
	if (t->priv)
		dom_timer_cancel(t->priv);
	t->armed = false;
}

static int copy(uint64_t gpa, void *buf, size_t len, uint32_t dir)
{
	struct bh_dmop op;

	while (len) {
		uint32_t n = len > BH_DMOP_COPY_MAX ? BH_DMOP_COPY_MAX : (uint32_t)len;
		long rc;

		memset(&op, 0, sizeof(op));
		op.u.copy = (struct bh_dmop_copy){ gpa, (uint64_t)(uintptr_t)buf, n, dir };
		if ((rc = dmop(&op, BH_DMOP_copy)))
			return (int)rc;
		gpa += n;
		buf = (uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

static int env_mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	return copy(gpa, buf, len, BH_DMOP_COPY_FROM_GUEST);
}

static int env_mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	return copy(gpa, (void *)buf, len, BH_DMOP_COPY_TO_GUEST);
}

static void env_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct bh_dmop op = { 0 };

	(void)ctx;
	op.u.msi.addr = addr;
	op.u.msi.data = data;
	dmop(&op, BH_DMOP_msi);
}

static void env_extint(void *ctx, uint8_t vector)
{
	struct bh_dmop op = { 0 };

	(void)ctx;
	op.u.extint.vector = vector;
	if (dmop(&op, BH_DMOP_extint))
		dom_printf("dm: ExtINT vector 0x%x dropped (queue full)\n", vector);
}

static void env_extint_cancel(void *ctx)
{
	struct bh_dmop op = { 0 };

	(void)ctx;
	op.u.extint.vector = BH_EXTINT_CANCEL;
	dmop(&op, BH_DMOP_extint);
}

static void env_shutdown(void *ctx, unsigned reason)
{
	struct bh_dmop op = { 0 };

	(void)ctx;
	dom_printf("dm: the guest asked for %s\n", reason == 1 ? "a reset" : "power-off");
	op.u.shutdown.reason = reason;
	dmop(&op, BH_DMOP_shutdown);
}

static void env_mem_type(void *ctx, uint64_t gpa, uint64_t len, bool ro)
{
	struct bh_dmop op = { 0 };

	(void)ctx;
	for (uint64_t gfn = gpa >> 12; gfn < (gpa + len + 4095) >> 12; gfn += 1024) {
		uint64_t end = (gpa + len + 4095) >> 12;

		op.u.mem.first_gfn = gfn;
		op.u.mem.nr = end - gfn > 1024 ? 1024 : end - gfn;
		op.u.mem.type = ro ? BH_MEM_RAM_RO : BH_MEM_RAM_RW;
		dmop(&op, BH_DMOP_set_mem_type);
	}
}

static void env_log(void *ctx, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dom_printf("dm: %s\n", line);
}

static struct dm_env env = {
	.now_ns = env_now, .timer_arm = env_timer_arm, .timer_cancel = env_timer_cancel,
	.mem_read = env_mem_read, .mem_write = env_mem_write, .msi = env_msi,
	.extint = env_extint, .extint_cancel = env_extint_cancel, .shutdown = env_shutdown, .mem_type = env_mem_type, .log = env_log,
};

/* ---- requests ------------------------------------------------------------ */

static uint64_t io_read(const struct ioreq *r, uint64_t addr, unsigned size)
{
	return dm_bus_read(dm.bus, r->type == IOREQ_TYPE_PIO ? DM_PIO : DM_MMIO, addr, size);
}

static void io_write(const struct ioreq *r, uint64_t addr, unsigned size, uint64_t val)
{
	dm_bus_write(dm.bus, r->type == IOREQ_TYPE_PIO ? DM_PIO : DM_MMIO, addr, size, val);
}

/* The IDE data ports move whole blocks at a time (REP INSW of a sector):
 * as much of the request as the drive's open data blocks hold, in order;
 * the rest (if any) goes through the port one element at a time. */
static size_t ide_bulk(const struct ioreq *r, bool in, size_t bytes)
{
	unsigned ch = r->addr == 0x1f0 ? 0 : r->addr == 0x170 ? 1 : 2;
	size_t done = 0, n;

	if (ch > 1 || r->type != IOREQ_TYPE_PIO || r->df || r->size < 2)
		return 0;
	while (done < bytes &&
	       (n = dm_ide_pio_string(dm.m.ide, ch, in, dm.buf + done, bytes - done)))
		done += n;
	return done - done % r->size;
}

/* data_is_ptr: count elements at guest-physical data (downwards with df). */
static void serve_ptr(struct ioreq *r)
{
	unsigned size = r->size;
	uint32_t count = r->count;
	uint64_t bytes = (uint64_t)count * size, base = r->data;
	bool in = r->dir == IOREQ_READ;

	if (!count || size > 8 || bytes > IO_BUF_SIZE)
		return;
	if (r->df)
		base -= bytes - size;	/* the lowest element */
	if (in) {
		for (uint32_t i = (uint32_t)(ide_bulk(r, true, bytes) / size); i < count; i++) {
			uint64_t v = io_read(r, r->addr, size);

			memcpy(dm.buf + (r->df ? count - 1 - i : i) * size, &v, size);
		}
		env_mem_write(NULL, base, dm.buf, bytes);
		return;
	}
	if (env_mem_read(NULL, base, dm.buf, bytes)) {
		memset(dm.buf, 0xff, bytes);
		env.log(NULL, "OUTS from guest 0x%lx: not RAM", (unsigned long)base);
	}
	for (uint32_t i = (uint32_t)(ide_bulk(r, false, bytes) / size); i < count; i++) {
		uint64_t v = 0;

		memcpy(&v, dm.buf + (r->df ? count - 1 - i : i) * size, size);
		io_write(r, r->addr, size, v);
	}
}

static void serve(struct ioreq *r)
{
	unsigned size = r->size;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || r->type > IOREQ_TYPE_COPY) {
		r->data = ~0ull;	/* malformed: the core never sends it */
	} else if (r->data_is_ptr) {
		serve_ptr(r);
	} else if (r->dir == IOREQ_READ) {
		r->data = io_read(r, r->addr, size);
	} else {
		io_write(r, r->addr, size, r->data);
	}
}

static bool serve_slots(void)
{
	bool any = false;

	for (uint32_t i = 0; i < dm.nr_vcpus; i++) {
		struct ioreq *r = &dm.page->vcpu_ioreq[i];
		uint8_t *st = (uint8_t *)r + 30;

		if ((__atomic_load_n(st, __ATOMIC_ACQUIRE) & 0xf) != STATE_IOREQ_READY)
			continue;
		serve(r);
		__atomic_store_n(st, (uint8_t)((*st & 0xf0) | STATE_IORESP_READY), __ATOMIC_RELEASE);
		dom_evtchn_notify(dm.ports[i]);
		any = true;
	}
	return any;
}

static void take_eois(void)
{
	for (unsigned w = 0; w < 4; w++) {
		uint64_t bits = __atomic_exchange_n(&dm.page->ext.eoi_vectors[w], 0, __ATOMIC_ACQ_REL);

		while (bits) {
			unsigned b = (unsigned)__builtin_ctzll(bits);

			bits &= bits - 1;
			dm_ioapic_eoi((uint8_t)(w * 64 + b));
		}
	}
}

/* ---- start of day --------------------------------------------------------- */

/* The value after "key" at the start of a word of args, or NULL. */
static const char *arg_find(const char *args, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = args; *p; p++)
		if ((p == args || p[-1] == ' ') && !strncmp(p, key, n))
			return p;
	return NULL;
}

static unsigned long arg_num(const char *args, const char *key, unsigned long dflt)
{
	const char *p = arg_find(args, key);

	return p ? strtoul(p + strlen(key), NULL, 0) : dflt;
}

static void arg_str(const char *args, const char *key, char *out, size_t n, const char *dflt)
{
	const char *p = arg_find(args, key);
	size_t i = 0;

	if (!p) {
		snprintf(out, n, "%s", dflt);
		return;
	}
	for (p += strlen(key); *p && *p != ' ' && i + 1 < n; p++)
		out[i++] = *p;
	out[i] = '\0';
}

static int ioreq_setup(void)
{
	static struct bh_dmop op;
	uint64_t gpa = dom_gpa_alloc(1);
	long rc;

	if (!gpa)
		return -12;
	memset(&op, 0, sizeof(op));
	op.u.setup.local_gpa = gpa;
	if ((rc = dmop(&op, BH_DMOP_ioreq_setup)))
		return (int)rc;
	dm.page = (struct bh_ioreq_page *)(uintptr_t)gpa;
	dm.nr_vcpus = op.u.setup.nr_vcpus;
	for (uint32_t i = 0; i < dm.nr_vcpus && i < BH_IOREQ_MAX_VCPUS; i++) {
		dm.ports[i] = op.u.setup.ports[i];
		dom_evtchn_set_handler(dm.ports[i], NULL, NULL);
	}
	return 0;
}

/* The guest's COM1 output. Its first byte (SeaBIOS's first line) is stamped
 * with the TSC, which the guest and every domain share: `make bench` takes
 * xl create -> SeaBIOS's first output from it. */
static void uart_tx(void *ctx, const uint8_t *buf, size_t n)
{
	static bool stamped;

	(void)ctx;
	if (!stamped && n) {
		stamped = true;
		dom_printf("dm: the guest's first serial output at TSC %llu\n",
			   (unsigned long long)dom_rdtsc());
	}
	dm_gcons_write(buf, n);
}

/* The disks the toolstack listed for us: /local/domain/SELF/device/vbd/V. */
static void attach_disks(uint32_t self)
{
	char path[64], **names = NULL;
	unsigned count = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/device/vbd", self);
	if (dom_xs_directory(0, path, &names, &count))
		return;
	for (unsigned i = 0; i < count; i++) {
		unsigned vdev = (unsigned)strtoul(names[i], NULL, 10);
		struct dm_blk *blk;
		int rc = dm_blkfront_open(vdev, &blk);

		if (!rc)
			rc = dm_machine_attach(&dm.m, vdev, blk);
		if (rc)
			dom_printf("dm: disk %u not attached (error %d)\n", vdev, rc);
		else
			dom_printf("dm: disk %u: %llu sectors%s\n", vdev,
				   (unsigned long long)blk->sectors, blk->cdrom ? " (CD-ROM)" : "");
	}
	free(names);
}

/* An emulated NIC and its link: the model's frames go out through
 * netfront, netfront's come in through the model. */
struct nic_link {
	struct dm_netfront *nf;
	struct dm_machine_nic *nic;
};

static int nic_tx(void *ctx, const uint8_t *frame, size_t len)
{
	return dm_netfront_tx(((struct nic_link *)ctx)->nf, frame, len);
}

static void nic_rx_ready(void *ctx)
{
	dm_netfront_rx_ready(((struct nic_link *)ctx)->nf);
}

static int link_rx(void *arg, const uint8_t *frame, size_t len)
{
	struct nic_link *l = arg;

	return l->nic ? dm_machine_nic_rx(l->nic, frame, len) : 0;
}

static void link_resume(void *arg)
{
	struct nic_link *l = arg;

	if (l->nic)
		dm_machine_nic_tx_resume(l->nic);
}

static void nic_unplugged(void *ctx)
{
	struct nic_link *l = ctx;

	l->nic = NULL;
	dm_netfront_close(l->nf);
}

static const struct dm_nic_ops nic_ops = { nic_tx, nic_rx_ready };

/* device/vif/ID/model, as the toolstack wrote it: absent (a toolstack
 * before models) is the e1000; an unknown one is said and an e1000 too. */
static enum dm_nic_model nic_model(uint32_t self, unsigned long id)
{
	enum dm_nic_model model = DM_NIC_E1000;
	char path[80], *name = NULL;

	snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%lu/model", self, id);
	if (dom_xs_read(0, path, &name, NULL) || !name)
		return model;
	if (dm_nic_model_parse(name, &model))
		dom_printf("dm: vif %lu: unknown model '%s': an e1000\n", id, name);
	free(name);
	return model;
}

/* The NICs the toolstack listed for us: /local/domain/SELF/device/vif/N,
 * in devid order (the first is 00:03.0, as QEMU places it). */
static void attach_nics(uint32_t self)
{
	char path[64], **names = NULL;
	unsigned count = 0;
	unsigned long ids[DM_MACHINE_MAX_NICS];
	unsigned n = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/device/vif", self);
	if (dom_xs_directory(0, path, &names, &count))
		return;
	for (unsigned i = 0; i < count; i++) {
		unsigned long id = strtoul(names[i], NULL, 10), t;
		unsigned j = n;

		if (n == DM_MACHINE_MAX_NICS) {
			dom_printf("dm: vif %s not emulated: at most %u NICs\n", names[i],
				   DM_MACHINE_MAX_NICS);
			continue;
		}
		for (ids[n++] = id; j > 0 && ids[j - 1] > ids[j]; j--)
			t = ids[j], ids[j] = ids[j - 1], ids[j - 1] = t;
	}
	free(names);
	for (unsigned i = 0; i < n; i++) {
		struct nic_link *l = calloc(1, sizeof(*l));
		enum dm_nic_model model = nic_model(self, ids[i]);
		uint8_t mac[6];
		int rc = l ? dm_netfront_open((unsigned)ids[i], mac, &l->nf) : -12;

		if (!rc && !(l->nic = dm_machine_add_nic(&dm.m, model, mac, &nic_ops, nic_unplugged, l))) {
			dm_netfront_close(l->nf);
			rc = -12;
		}
		if (rc) {
			dom_printf("dm: nic %lu not attached (error %d)\n", ids[i], rc);
			continue;	/* l is kept: a failed link may still be referenced */
		}
		dm_netfront_attach(l->nf, link_rx, link_resume, l);
		dom_printf("dm: nic %lu: %s %02x:%02x:%02x:%02x:%02x:%02x at 00:%02x.0\n", ids[i],
			   dm_nic_model_name(model), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
			   l->nic->devfn >> 3);
	}
}

static void on_command(const char *path, const char *token, void *arg)
{
	char *cmd = NULL;

	(void)token, (void)arg;
	if (dom_xs_read(0, path, &cmd, NULL) || !cmd)
		return;
	if (!strcmp(cmd, "power-button"))
		dm_machine_power_button(&dm.m);
	else if (!strcmp(cmd, "reset"))
		env_shutdown(NULL, 1);
	if (cmd[0])
		dom_xs_write(0, path, "");
	free(cmd);
}

static int machine_setup(const struct dom_start_info *si)
{
	struct dm_machine_cfg cfg = { 0 };
	int rc;

	cfg.vcpus = (unsigned)arg_num(si->bootargs, "vcpus=", 1);
	cfg.mem_bytes = (uint64_t)arg_num(si->bootargs, "mem_mib=", 16) << 20;
	cfg.serial = arg_num(si->bootargs, "serial=", 1) != 0;
	cfg.pv_disks = arg_num(si->bootargs, "pv_disks=", 0) != 0;
	cfg.no_platform = arg_num(si->bootargs, "platform=", 1) == 0;
	cfg.rtc_base = (int64_t)dom_wallclock_sec();	/* the host's time, as Xen's RTC */
	if (!cfg.rtc_base)
		cfg.rtc_base = 1704067200;	/* 2024-01-01: the core knows no time */
	arg_str(si->bootargs, "boot=", cfg.boot, sizeof(cfg.boot), "cd");
	if (!(dm.bus = dm_bus_new(&env)))
		return -12;
	if ((rc = dm_machine_init(&dm.m, &env, dm.bus, &cfg, uart_tx, NULL)))
		return rc;
	return 0;
}

static void serial_input(void)
{
	uint8_t in[256];
	size_t n;

	while ((n = dm_gcons_read(in, sizeof(in))))
		dm_machine_serial_input(&dm.m, in, n);
}

int dom_main(const struct dom_start_info *si)
{
	int rc;

	dm.target = (uint16_t)arg_num(si->bootargs, "target=", 0);
	dom_printf("dm: device model of domain %u (%s)\n", dm.target, si->bootargs);
	rc = dm_gcons_init(si);
	if (!dm.target || dom_xs_init() || (rc && rc != -2)) {
		dom_printf("dm: no target domain or no xenstore\n");
		return 3;
	}
	if ((rc = ioreq_setup()) || (rc = machine_setup(si))) {
		dom_printf("dm: cannot set up (error %d)\n", rc);
		return 3;
	}
	attach_disks(si->domid);
	attach_nics(si->domid);
	snprintf(dm.node, sizeof(dm.node), "/local/domain/0/device-model/%u/command", dm.target);
	dom_xs_watch(dm.node, "cmd", on_command, NULL);
	snprintf(dm.node, sizeof(dm.node), "/local/domain/0/device-model/%u/state", dm.target);
	dom_xs_write(0, dm.node, "running");
	/* The steps may wait inside (xenstore replies), and an event whose
	 * upcall ran there (a disk response, a request) woke only that wait:
	 * wait here only when no event came since this pass began. Without
	 * this a guest vCPU stayed in its port read for as long as nothing
	 * else woke us (40 s: a CD read behind an xenstore reply). */
	for (;;) {
		unsigned int seen = dom_evtchn_events();

		take_eois();
		dm_blkfront_poll();
		dm_netfront_poll();
		serial_input();
		dom_xs_poll();
		if (!serve_slots() && dom_evtchn_events() == seen)
			dom_wait_event();
	}
}

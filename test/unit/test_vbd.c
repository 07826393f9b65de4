/*
 * Dom0's vbd backend (dom0/vbd.c) on the host: the real xenstored store,
 * blkback's real mechanism, fakes of grants, event channels and disks. A
 * frontend is played by hand: the xenbus handshake, a request, closing and
 * reconnecting, a broken ring, the toolstack removing the device, and the
 * refusals (missing file, wrong protocol), with an empty CD drive.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "dom0.h"
#include "disk.h"
#include "dom/console.h"
#include "dom/evtchn.h"
#include "dom/gnttab.h"
#include "dom/error.h"
#include "xenstored.h"

#define FE_DOM 5
#define BE "/local/domain/0/backend/vbd/5/768"
#define FE "/local/domain/5/device/vbd/768"

/* ---- the store, as Dom0's xsd.c would hold it ---- */
static struct xs_store *store;
static struct xs_ctx ctx;

struct xs_ctx *dom0_xs(void) { return &ctx; }
int dom0_xs_write(const char *path, const char *value)
{
	return xs_op_write(&ctx, path, value, (uint32_t)strlen(value));
}

static const char *get(const char *path)
{
	static char buf[256];
	const struct xs_rec *r;

	if (xs_op_read(&ctx, path, &r))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)r->len, (const char *)xs_rec_value(r));
	return buf;
}

static bool is(const char *path, const char *want)
{
	const char *v = get(path);

	if (!v || strcmp(v, want))
		printf("%s = %s, want %s\n", path, v ? v : "(none)", want);
	return v && !strcmp(v, want);
}

/* ---- fakes: grants (ref = page index), event channels, disks, console ---- */
static _Alignas(4096) unsigned char pages[16][4096];
static int maps_live, port_bound = -1, notifies, pending, disks_open;
static unsigned char disk[64 * 512];

int dom_gnttab_map(uint16_t dom, uint32_t ref, bool ro, void **addr, uint32_t *handle)
{
	(void)ro;
	if (dom != FE_DOM || ref >= 16)
		return -EINVAL;
	*addr = pages[ref];
	*handle = ref;
	maps_live++;
	return 0;
}

int dom_gnttab_unmap(void *addr, uint32_t handle)
{
	CHECK(addr == pages[handle]);
	maps_live--;
	return 0;
}

int dom_evtchn_bind_interdomain(uint16_t dom, unsigned int port, dom_evtchn_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
	CHECK(dom == FE_DOM && port_bound < 0);
	if (port != 3)
		return -EINVAL;
	port_bound = 40;
	return 40;
}

int dom_evtchn_close(unsigned int port) { CHECK((int)port == port_bound); port_bound = -1; return 0; }
int dom_evtchn_notify(unsigned int port) { CHECK((int)port == port_bound); notifies++; return 0; }
unsigned int dom_evtchn_take(unsigned int port)
{
	unsigned n = (unsigned)pending;

	CHECK((int)port == port_bound);
	pending = 0;
	return n;
}

static int d_read(void *c, uint64_t off, void *buf, size_t len)
{
	(void)c;
	memcpy(buf, disk + off, len);
	return 0;
}

static int d_write(void *c, uint64_t off, const void *buf, size_t len)
{
	(void)c;
	memcpy(disk + off, buf, len);
	return 0;
}

static int d_flush(void *c) { (void)c; return 0; }
static void d_close(void *c) { (void)c; disks_open--; }
static const struct blkif_back_store_ops d_ops = {
	.read = d_read, .write = d_write, .flush = d_flush,
};

int dom0_disk_open(const char *path, bool readonly, struct dom0_disk *d)
{
	if (strcmp(path, "/root/disk.img"))
		return -ENOENT;
	disks_open++;
	*d = (struct dom0_disk){ &d_ops, NULL, 64, readonly, d_close };
	return 0;
}

void dom0_disk_close(struct dom0_disk *d) { d->close(d->ctx); }
int dom0_vol_register(void) { return 0; }
void dom0_modfiles_init(void) {}
const char *shell_strerror(int rc) { return rc == -ENOENT ? "No such file or directory" : "Error"; }

void dom_console_printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* ---- the toolstack's and the frontend's parts ---- */
static void toolstack_add(const char *be, const char *fe, const char *params, const char *type)
{
	char p[160];
	const char *keys[][2] = {
		{ "frontend", fe }, { "frontend-id", "5" }, { "params", params },
		{ "type", "file" }, { "mode", strcmp(type, "cdrom") ? "w" : "r" },
		{ "device-type", type }, { "removable", strcmp(type, "cdrom") ? "0" : "1" },
		{ "online", "1" }, { "state", "1" },
	};

	snprintf(p, sizeof(p), "%s/backend", fe);
	dom0_xs_write(p, be);
	snprintf(p, sizeof(p), "%s/state", fe);
	dom0_xs_write(p, "1");
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", be, keys[i][0]);
		dom0_xs_write(p, keys[i][1]);
	}
}

static struct blkif_front_ring fr;

static void frontend_connect(const char *proto)
{
	struct blkif_sring *s = (struct blkif_sring *)pages[8];

	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&fr, s, 4096);
	dom0_xs_write(FE "/ring-ref", "8");
	dom0_xs_write(FE "/event-channel", "3");
	dom0_xs_write(FE "/protocol", proto);
	dom0_xs_write(FE "/state", "3");
	dom0_vbd_poll();
}

static void test_life(void)
{
	struct blkif_request *r;
	struct blkif_response *rsp;

	toolstack_add(BE, FE, "/root/disk.img", "disk");
	CHECK(!dom0_vbd_poll());
	CHECK(is(BE "/state", "2") && is(BE "/sectors", "64") && is(BE "/sector-size", "512"));
	CHECK(is(BE "/info", "0") && is(BE "/feature-flush-cache", "1"));
	CHECK(is(BE "/feature-barrier", "1") && disks_open == 1);
	dom0_xs_write(BE "/state", "1");	/* a toolstack writing its state late */
	dom0_vbd_poll();
	CHECK(is(BE "/state", "2"));
	frontend_connect("x86_64-abi");
	CHECK(is(BE "/state", "4") && maps_live == 1 && port_bound == 40);
	/* One write of sector 3 from page 9. */
	memset(pages[9], 0xab, 4096);
	r = RING_GET_REQUEST(&fr, fr.req_prod_pvt++);
	*r = (struct blkif_request){ .operation = BLKIF_OP_WRITE, .nr_segments = 1, .id = 77,
				     .sector_number = 3 };
	r->seg[0] = (struct blkif_request_segment){ 9, 0, 0, 0 };
	RING_PUSH_REQUESTS(&fr);
	pending = 1;
	dom0_vbd_poll();
	CHECK(RING_HAS_UNCONSUMED_RESPONSES(&fr) == 1 && notifies == 1);
	rsp = RING_GET_RESPONSE(&fr, fr.rsp_cons++);
	CHECK(rsp->id == 77 && rsp->status == BLKIF_RSP_OKAY);
	CHECK(disk[3 * 512] == 0xab && disk[4 * 512] == 0 && maps_live == 1);
	/* Closing, Closed, starting over. */
	dom0_xs_write(FE "/state", "5");
	dom0_vbd_poll();
	CHECK(is(BE "/state", "5") && maps_live == 0 && port_bound < 0);
	dom0_xs_write(FE "/state", "6");
	dom0_vbd_poll();
	CHECK(is(BE "/state", "6"));
	dom0_xs_write(FE "/state", "1");
	dom0_vbd_poll();
	CHECK(is(BE "/state", "2"));
	frontend_connect("x86_64-abi");
	CHECK(is(BE "/state", "4") && maps_live == 1);
	/* A broken ring: the device closes with an error. */
	((struct blkif_sring *)pages[8])->req_prod = 1000;
	pending = 1;
	dom0_vbd_poll();
	CHECK(is(BE "/state", "6") && maps_live == 0 && port_bound < 0);
	CHECK(is(BE "/hotplug-status", "error"));
	CHECK(get("/local/domain/0/error/backend/vbd/5/768/error") != NULL);
	/* xl destroy: the nodes go, the disk is closed. */
	xs_op_rm(&ctx, BE);
	xs_op_rm(&ctx, "/local/domain/5");
	dom0_vbd_poll();
	CHECK(disks_open == 0);
}

static void test_refusals(void)
{
	toolstack_add(BE, FE, "/root/missing.iso", "disk");
	dom0_vbd_poll();
	CHECK(is(BE "/state", "6"));
	CHECK(is("/local/domain/0/error/backend/vbd/5/768/error",
		 "2 /root/missing.iso: No such file or directory"));
	CHECK(is(BE "/hotplug-error", "/root/missing.iso: No such file or directory"));
	xs_op_rm(&ctx, "/local/domain/0/backend");
	xs_op_rm(&ctx, "/local/domain/0/error");
	dom0_vbd_poll();
	/* An empty CD drive, then a frontend speaking another ABI. */
	toolstack_add("/local/domain/0/backend/vbd/5/5632", "/local/domain/5/device/vbd/5632", "",
		      "cdrom");
	toolstack_add(BE, FE, "/root/disk.img", "disk");
	dom0_vbd_poll();
	CHECK(is("/local/domain/0/backend/vbd/5/5632/state", "2"));
	CHECK(is("/local/domain/0/backend/vbd/5/5632/sectors", "0"));
	CHECK(is("/local/domain/0/backend/vbd/5/5632/info", "7"));	/* cdrom, removable, ro */
	frontend_connect("x86_32-abi");
	CHECK(is(BE "/state", "6") && maps_live == 0);
	xs_op_rm(&ctx, "/local/domain/0/backend");
	dom0_vbd_poll();
	CHECK(disks_open == 0);
}

int main(void)
{
	store = xs_store_new(NULL);
	CHECK(store);
	ctx = xs_store_ctx(store, NULL, NULL);
	dom0_vbd_init();
	test_life();
	test_refusals();
	CHECK_DONE("vbd");
	return 0;
}

/*
 * The console daemon: every domain's console ring is drained into
 * /var/log/xen/console/guest-NAME.log (like xenconsoled --log=guest), and
 * `xl console` follows that log and types into the ring. A device model's
 * own console (its messages, and the guest's debug ports 0x402/0xE9) goes
 * where upstream's QEMU writes: /var/log/xen/qemu-dm-GUEST.log.
 *
 * An HVM guest's console is its serial port, emulated by its device model
 * NAME-dm: a second console ring (public/io/console.h) in the device
 * model's RAM, with a port of the device model's that Dom0 binds. It is
 * served here as the console of the guest's domain id (the device model's
 * own ring stays NAME-dm's console). consback keys rings by the domain that
 * owns the page, so this second ring of the device model is mapped here.
 * An HVM guest's PV console (HVM_PARAM_CONSOLE_PFN: a page of its own, so
 * consback serves it) is a second console of the guest's domain id, logged
 * to guest-NAME-pv.log; xl reaches it as domid | XL_CONS_PV.
 */
#include "dom.h"
#include "dom0.h"
#include "dom/bytering.h"
#include "dom/consback.h"
#include "dom/evtchn.h"
#include "dom/fs.h"
#include "dom/gpa.h"
#include "dom/hypercall.h"
#include "dom/error.h"
#include "public/bulkhead.h"
#include "public/event_channel.h"
#include "public/io/console.h"

#define MAX_DOMS 64

struct cons {
	uint16_t domid;
	bool used;
	char log[96];
	bool pv;		/* an HVM guest's PV console (consback, its page) */
	/* An HVM guest's serial console, in its device model's page. */
	bool guest;
	uint16_t dm;
	uint64_t local_gpa;	/* the page, mapped here */
	unsigned int port;	/* our end */
	struct dom_bytering out, in;
};

static struct cons conses[MAX_DOMS];

#define CONS_PV 0x8000u		/* xl's XL_CONS_PV */

/* id: a domid, | CONS_PV for an HVM guest's PV console. */
static struct cons *find(uint16_t id)
{
	bool pv = id & CONS_PV;

	for (int i = 0; i < MAX_DOMS; i++)
		if (conses[i].used && conses[i].domid == (id & ~CONS_PV) && conses[i].pv == pv)
			return &conses[i];
	return NULL;
}

static struct cons *slot(void)
{
	for (int i = 0; i < MAX_DOMS; i++)
		if (!conses[i].used)
			return &conses[i];
	return NULL;
}

static void use(struct cons *c, uint16_t domid, const char *name, const char *dm_of)
{
	c->used = true;
	c->domid = domid;
	if (dm_of)
		snprintf(c->log, sizeof(c->log), "/var/log/xen/qemu-dm-%s.log", dm_of);
	else
		snprintf(c->log, sizeof(c->log), "/var/log/xen/console/guest-%s.log", name);
	dom_fs_mkdirs("/var/log/xen/console");
	dom_fs_write_file(c->log, "", 0, true);	/* append, as xenconsoled does */
}

/* A ring in domid's own page, served by consback. */
static int add(uint16_t domid, const char *name, const char *dm_of, uint64_t gfn,
	       uint32_t remote_port, bool pv)
{
	struct cons *c = slot();
	int rc;

	if (!c)
		return -ENOSPC;
	if ((rc = dom_consback_attach(domid, gfn, remote_port)))
		return rc;
	memset(c, 0, sizeof(*c));
	c->pv = pv;
	use(c, domid, name, dm_of);
	return 0;
}

int dom0_cons_add(uint16_t domid, const char *name, const char *dm_of, uint64_t gfn,
		  uint32_t remote_port)
{
	return add(domid, name, dm_of, gfn, remote_port, false);
}

int dom0_cons_add_pv(uint16_t guest, const char *name, uint64_t gfn, uint32_t remote_port)
{
	char pv_name[80];

	snprintf(pv_name, sizeof(pv_name), "%s-pv", name);
	return add(guest, pv_name, NULL, gfn, remote_port, true);
}

static int foreign(uint32_t cmd, uint16_t domid, uint64_t gpa, uint64_t local_gpa)
{
	struct bh_domctl d = { .cmd = cmd, .version = BULKHEAD_DOMCTL_VERSION, .domid = domid };

	d.u.foreign.gpa = gpa;
	d.u.foreign.local_gpa = local_gpa;
	return (int)dom_hypercall_domctl(&d);
}

/* The device model's page pfn, and a port of the device model's for Dom0. */
static int guest_ring(struct cons *c, uint16_t dm, uint64_t pfn, uint32_t *dm_port)
{
	struct evtchn_alloc_unbound op = { .dom = dm, .remote_dom = 0 };
	struct xencons_interface *r;
	int rc;

	if ((rc = (int)dom_hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op)))
		return rc;
	if (!(c->local_gpa = dom_gpa_alloc(1)))
		return -ENOSPC;
	if ((rc = foreign(BH_DOMCTL_map_foreign, dm, pfn << 12, c->local_gpa)))
		goto free_gpa;
	rc = dom_evtchn_bind_interdomain(dm, op.port, NULL, NULL);
	if (rc < 0)
		goto unmap;
	r = (struct xencons_interface *)(uintptr_t)c->local_gpa;
	c->port = (unsigned int)rc;
	c->out = (struct dom_bytering){ r->out, sizeof(r->out), &r->out_cons, &r->out_prod };
	c->in = (struct dom_bytering){ r->in, sizeof(r->in), &r->in_cons, &r->in_prod };
	*dm_port = op.port;
	return 0;
unmap:
	foreign(BH_DOMCTL_unmap_foreign, dm, 0, c->local_gpa);
free_gpa:
	dom_gpa_free(c->local_gpa, 1);
	return rc;
}

int dom0_cons_add_guest(uint16_t guest, const char *name, uint16_t dm, uint64_t pfn,
			uint32_t *dm_port)
{
	struct cons *c = slot();
	int rc;

	if (!c)
		return -ENOSPC;
	if (find(guest))
		return -EEXIST;
	memset(c, 0, sizeof(*c));
	if ((rc = guest_ring(c, dm, pfn, dm_port)))
		return rc;
	c->guest = true;
	c->dm = dm;
	use(c, guest, name, NULL);
	return 0;
}

static void release(struct cons *c)
{
	if (c->guest) {
		dom_evtchn_close(c->port);
		foreign(BH_DOMCTL_unmap_foreign, c->dm, 0, c->local_gpa);
		dom_gpa_free(c->local_gpa, 1);
	} else {
		dom_consback_close(c->domid);
	}
	c->used = false;
}

/* Every console of domid (an HVM guest: its serial port and PV console). */
void dom0_cons_remove(uint16_t domid)
{
	struct cons *c;

	dom0_cons_poll();
	if ((c = find(domid)))
		release(c);
	if ((c = find((uint16_t)(domid | CONS_PV))))
		release(c);
}

/* xl's gcons_remove: only the serial port (the PV console goes with the store). */
static void remove_serial(uint16_t guest)
{
	struct cons *c = find(guest);

	dom0_cons_poll();
	if (c && c->guest)
		release(c);
}

/* xl's backend (gcons_add / gcons_remove). */
int dom0_xl_gcons_add(void *ctx, uint16_t guest, const char *name, uint16_t dm, uint64_t pfn,
		      uint32_t *port)
{
	(void)ctx;
	return dom0_cons_add_guest(guest, name, dm, pfn, port);
}

void dom0_xl_gcons_remove(void *ctx, uint16_t guest)
{
	(void)ctx;
	remove_serial(guest);
}

/* Output waiting in c's ring, or a negative errno. */
static int ring_read(struct cons *c, char *buf, size_t size)
{
	size_t n;

	if (!c->guest)
		return dom_consback_read(c->domid, buf, size);
	n = dom_bytering_get(&c->out, buf, size);
	if (n)
		dom_evtchn_notify(c->port);	/* room again for its output */
	return (int)n;
}

const char *dom0_cons_log(uint16_t domid)
{
	struct cons *c = find(domid);

	return c ? c->log : NULL;
}

bool dom0_cons_poll(void)
{
	char buf[512];
	bool more = false;

	for (int i = 0; i < MAX_DOMS; i++) {
		int n;

		if (!conses[i].used)
			continue;
		n = ring_read(&conses[i], buf, sizeof(buf));
		if (n > 0) {
			dom_fs_write_file(conses[i].log, buf, (size_t)n, true);
			more |= n == (int)sizeof(buf);
		}
	}
	return more;
}

/*
 * `xl console`: shows the last 2 KiB of the domain's log (what its console
 * ring would still hold), then follows the log; typed input goes to its ring.
 */
#define CONSOLE_HISTORY 2048

static size_t follow_off;

int dom0_xl_cons_open(void *ctx, uint16_t domid)
{
	struct dom_fs_stat st;
	struct cons *c = find(domid);

	(void)ctx;
	if (!c)
		return -ENOENT;
	follow_off = dom_fs_stat(c->log, &st) || st.size < CONSOLE_HISTORY ? 0 : st.size - CONSOLE_HISTORY;
	return 0;
}

int dom0_xl_cons_read(void *ctx, uint16_t domid, char *buf, size_t size)
{
	struct cons *c = find(domid);
	char *data;
	size_t len, n = 0;

	(void)ctx;
	if (!c)
		return -ENOENT;	/* the domain is gone: xl console returns */
	dom0_cons_poll();
	if (dom_fs_read_file(c->log, &data, &len))
		return -EIO;
	if (len > follow_off) {
		n = len - follow_off < size ? len - follow_off : size;
		memcpy(buf, data + follow_off, n);
		follow_off += n;
	}
	free(data);
	return (int)n;
}

int dom0_xl_cons_write(void *ctx, uint16_t domid, const char *buf, size_t len)
{
	struct cons *c = find(domid);
	size_t n;

	(void)ctx;
	if (!c || !c->guest)
		return dom_consback_write((uint16_t)(domid & ~CONS_PV), buf, len);
	n = dom_bytering_put(&c->in, buf, len);
	if (n)
		dom_evtchn_notify(c->port);
	return (int)n;
}

void dom0_xl_cons_close(void *ctx, uint16_t domid)
{
	(void)ctx;
	(void)domid;
}

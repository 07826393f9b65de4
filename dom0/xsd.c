/* xenstored in Dom0: the library (toolstack/xenstored) over each domain's store ring. */
#include "dom.h"
#include "dom0.h"
#include "dom/evtchn.h"
#include "dom/gpa.h"
#include "dom/hypercall.h"
#include "dom/console.h"
#include "dom/error.h"
#include "public/bulkhead.h"
#include "xenstored.h"

#define MAX_DOMS 64

struct xsd_dom {
	uint16_t domid;
	struct xs_conn *conn;
	struct xenstore_domain_interface *intf;	/* the domain's page, mapped here */
	unsigned int port;			/* our end of its event channel */
};

static struct xs_store *store;
static struct xs_ctx ctx;
static struct xsd_dom doms[MAX_DOMS];

static int foreign(uint32_t cmd, uint16_t domid, uint64_t gpa, uint64_t local)
{
	struct bh_domctl op = { .cmd = cmd, .version = BULKHEAD_DOMCTL_VERSION, .domid = domid };

	op.u.foreign.gpa = gpa;
	op.u.foreign.local_gpa = local;
	return (int)dom_hypercall_domctl(&op);
}

struct xs_ctx *dom0_xs(void)
{
	return &ctx;
}

int dom0_xs_write(const char *path, const char *value)
{
	return xs_op_write(&ctx, path, value, (uint32_t)strlen(value));
}

int dom0_xsd_init(void)
{
	store = xs_store_new(NULL);
	if (!store)
		return -1;
	ctx = xs_store_ctx(store, NULL, NULL);
	dom0_xs_write("/local/domain/0/name", "Domain-0");
	dom0_xs_write("/local/domain/0/domid", "0");
	xs_op_mkdir(&ctx, "/vm");
	xs_op_mkdir(&ctx, "/tool");
	return 0;
}

static struct xsd_dom *find(uint16_t domid)
{
	for (int i = 0; i < MAX_DOMS; i++)
		if (doms[i].conn && doms[i].domid == domid)
			return &doms[i];
	return NULL;
}

int dom0_xsd_add(uint16_t domid, uint64_t store_gfn, uint32_t remote_port)
{
	struct xsd_dom *d = NULL;
	uint64_t gpa;
	int port;

	for (int i = 0; i < MAX_DOMS && !d; i++)
		if (!doms[i].conn)
			d = &doms[i];
	if (!d || !(gpa = dom_gpa_alloc(1)))
		return -ENOSPC;
	if (foreign(BH_DOMCTL_map_foreign, domid, store_gfn << 12, gpa)) {
		dom_gpa_free(gpa, 1);
		return -EINVAL;
	}
	port = dom_evtchn_bind_interdomain(domid, remote_port, NULL, NULL);
	d->conn = port < 0 ? NULL : xs_conn_new(store, domid);
	if (!d->conn) {
		foreign(BH_DOMCTL_unmap_foreign, 0, 0, gpa);
		dom_gpa_free(gpa, 1);
		return port < 0 ? port : -ENOMEM;
	}
	d->domid = domid;
	d->intf = (void *)(uintptr_t)gpa;
	d->port = (unsigned)port;
	xs_ring_attach(d->intf);
	xs_domain_introduce(store, domid);
	return 0;
}

static void drop(struct xsd_dom *d)
{
	uint64_t gpa = (uint64_t)(uintptr_t)d->intf;

	xs_domain_release(store, d->domid);
	xs_conn_free(d->conn);
	dom_evtchn_close(d->port);
	foreign(BH_DOMCTL_unmap_foreign, 0, 0, gpa);
	dom_gpa_free(gpa, 1);
	memset(d, 0, sizeof(*d));
}

void dom0_xsd_remove(uint16_t domid)
{
	struct xsd_dom *d = find(domid);
	char path[64];

	if (d)
		drop(d);
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xs_op_rm(&ctx, path);
}

bool dom0_xsd_poll(void)
{
	bool more = false;

	for (int i = 0; i < MAX_DOMS; i++) {
		struct xsd_dom *d = &doms[i];
		unsigned r;

		if (!d->conn)
			continue;
		dom_evtchn_take(d->port);
		r = xs_ring_process(d->conn, d->intf);
		if (r & XS_RING_CLOSED) {
			dom_printf("xenstored: domain %u: connection %s\n", d->domid,
				   "closed");
			drop(d);
			continue;
		}
		if (r & XS_RING_NOTIFY)
			dom_evtchn_notify(d->port);
		more |= (r & XS_RING_MORE) != 0;
	}
	/* Watch events queued for other connections while handling these. */
	for (int i = 0; i < MAX_DOMS; i++)
		if (doms[i].conn && doms[i].conn->out_head &&
		    xs_ring_write(doms[i].conn, doms[i].intf))
			dom_evtchn_notify(doms[i].port);
	return more;
}

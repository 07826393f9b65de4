/* Other domains' console rings, seen from Dom0 (dom/consback.h). */
#include "dom.h"
#include "dom/bytering.h"
#include "dom/consback.h"
#include "dom/evtchn.h"
#include "dom/gpa.h"
#include "dom/hypercall.h"
#include "dom/error.h"
#include "public/hvm.h"
#include "public/io/console.h"

struct cons {
	uint16_t domid;
	unsigned int opens;	/* 0: free slot */
	uint64_t local_gpa;	/* where its page is mapped here */
	unsigned int port;	/* our end of its console channel */
	struct dom_bytering out, in;
};

static struct cons conses[DOM_CONSBACK_MAX];

static struct cons *find(uint16_t domid)
{
	for (unsigned i = 0; i < DOM_CONSBACK_MAX; i++)
		if (conses[i].opens && conses[i].domid == domid)
			return &conses[i];
	return NULL;
}

static int foreign(uint32_t cmd, uint16_t domid, uint64_t gpa, uint64_t local_gpa)
{
	struct bh_domctl d;

	memset(&d, 0, sizeof(d));
	d.cmd = cmd;
	d.domid = domid;
	d.u.foreign.gpa = gpa;
	d.u.foreign.local_gpa = local_gpa;
	return (int)dom_hypercall_domctl(&d);
}

int dom_consback_attach(uint16_t domid, uint64_t gfn, uint32_t port)
{
	struct cons *c = find(domid);
	struct xencons_interface *r;
	uint64_t gpa;
	int rc;

	if (c) {
		c->opens++;
		return 0;
	}
	for (unsigned i = 0; i < DOM_CONSBACK_MAX && !c; i++)
		if (!conses[i].opens)
			c = &conses[i];
	if (!c)
		return -ENOSPC;
	if (!(gpa = dom_gpa_alloc(1)))
		return -ENOSPC;
	if ((rc = foreign(BH_DOMCTL_map_foreign, domid, gfn << 12, gpa))) {
		dom_gpa_free(gpa, 1);
		return rc;
	}
	if ((rc = dom_evtchn_bind_interdomain(domid, port, NULL, NULL)) < 0) {
		foreign(BH_DOMCTL_unmap_foreign, domid, 0, gpa);
		dom_gpa_free(gpa, 1);
		return rc;
	}
	r = (struct xencons_interface *)(uintptr_t)gpa;
	*c = (struct cons){
		.domid = domid,
		.opens = 1,
		.local_gpa = gpa,
		.port = (unsigned int)rc,
		.out = { r->out, sizeof(r->out), &r->out_cons, &r->out_prod },
		.in = { r->in, sizeof(r->in), &r->in_cons, &r->in_prod },
	};
	return 0;
}

static int get_param(uint16_t domid, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = domid, .index = index };
	long rc = dom_hypercall_hvm_op(HVMOP_get_param, &p);

	*value = p.value;
	return (int)rc;
}

int dom_consback_open(uint16_t domid)
{
	uint64_t pfn, port;
	int rc;

	if (find(domid))
		return dom_consback_attach(domid, 0, 0);
	if ((rc = get_param(domid, HVM_PARAM_CONSOLE_PFN, &pfn)) ||
	    (rc = get_param(domid, HVM_PARAM_CONSOLE_EVTCHN, &port)))
		return rc;
	if (!pfn || !port)
		return -ENOENT;	/* no console ring set up for it */
	return dom_consback_attach(domid, pfn, (uint32_t)port);
}

int dom_consback_read(uint16_t domid, char *buf, size_t size)
{
	struct cons *c = find(domid);
	size_t n;

	if (!c)
		return -EBADF;
	n = dom_bytering_get(&c->out, buf, size);
	if (n)
		dom_evtchn_notify(c->port);	/* room again for its output */
	return (int)n;
}

int dom_consback_write(uint16_t domid, const char *buf, size_t len)
{
	struct cons *c = find(domid);
	size_t n;

	if (!c)
		return -EBADF;
	n = dom_bytering_put(&c->in, buf, len);
	if (n)
		dom_evtchn_notify(c->port);
	return (int)n;
}

int dom_consback_port(uint16_t domid)
{
	struct cons *c = find(domid);

	return c ? (int)c->port : -EBADF;
}

void dom_consback_close(uint16_t domid)
{
	struct cons *c = find(domid);

	if (!c || --c->opens)
		return;
	dom_evtchn_close(c->port);
	foreign(BH_DOMCTL_unmap_foreign, domid, 0, c->local_gpa);
	dom_gpa_free(c->local_gpa, 1);
}

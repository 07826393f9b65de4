/*
 * Hooks left for the lead: the pieces of domain creation that belong to
 * xenstored and the console ring client, which are being written elsewhere.
 * Until they are wired, new domains get no xenstore entries and no console
 * ring (the FDT's /hypervisor node then has no bulkhead,store-* or
 * bulkhead,console-* properties).
 */
#include "xl_build.h"

/*
 * To do (lead): with domid created and paused, use (or replace) the pages
 * offered in rings->store_pfn / console_pfn, allocate an unbound event
 * channel for each (remote end: the new domain), write /local/domain/DOMID/
 * {name, domid, memory/target, console/ring-ref, console/port, store/...},
 * send XS_INTRODUCE to xenstored, fill the evtchns and set present = true.
 * Returning a negative errno fails the build (the domain is destroyed).
 */
__attribute__((weak)) int xl_builder_hook_xenstore(struct xl *x, uint16_t domid, const struct xl_build_cfg *c,
			     struct xl_start_rings *rings)
{
	(void)c;
	rings->present = false;
	XL_LOG(x, XL_DEBUG, domid, "no xenstore yet: the domain starts without store and console rings");
	return 0;
}

/* To do (lead): XS_RELEASE the domain and remove /local/domain/DOMID. */
__attribute__((weak)) void xl_builder_hook_xenstore_release(struct xl *x, uint16_t domid)
{
	(void)x;
	(void)domid;
}

/*
 * ipc-a: the granting side of the IPC test pair (ipc.h). Also checks its own
 * reservation (decrease, populate, the maximum) and that unprivileged
 * cross-domain requests are refused. arg= is B's domain id.
 */
#include "ipc.h"

const char guest_name[] = "ipc-a";

/* Pages of our RAM: three to be replaced by the core's pages or given back,
 * one to grant. Accessed only through volatile pointers once replaced. */
static uint8_t shinfo_page[4096] __attribute__((aligned(4096)));
static uint8_t gnttab_page[4096] __attribute__((aligned(4096)));
static uint8_t spare_page[4096] __attribute__((aligned(4096)));
static uint64_t granted[512] __attribute__((aligned(4096)));

#define EXTRA_GPA 0x800000ul	/* 8 MiB: above our 4 MiB of RAM */

static long reservation(unsigned int cmd, uint64_t *gfns, unsigned long n)
{
	struct xen_memory_reservation r = {
		.extent_start = (uint64_t)(uintptr_t)gfns, .nr_extents = n, .domid = DOMID_SELF,
	};

	return memory_op(cmd, &r);
}

static long current_pages(void)
{
	domid_t self = DOMID_SELF;

	return memory_op(XENMEM_current_reservation, &self);
}

/* Decrease / populate one page and past the maximum reservation. */
static int check_reservation(void)
{
	domid_t self = DOMID_SELF;
	uint64_t gfn = gfn_of(spare_page), extra[3];
	long max = memory_op(XENMEM_maximum_reservation, &self), now = current_pages(), rc;

	if (max != 1024 || now != 1022)	/* 4 MiB, less the two pages replaced */
		return ipc_fail("reservation before", now);
	/* A hypercall argument in the page: the core's copy goes through its
	 * translation of the frame, which must not outlive the frame. */
	*(volatile domid_t *)spare_page = DOMID_SELF;
	if ((rc = memory_op(XENMEM_current_reservation, spare_page)) != 1022)
		return ipc_fail("an argument in the spare page", rc);
	if ((rc = reservation(XENMEM_decrease_reservation, &gfn, 1)) != 1 ||
	    current_pages() != 1021)
		return ipc_fail("decrease_reservation", rc);
	if ((rc = memory_op(XENMEM_current_reservation, spare_page)) != -14)	/* -EFAULT */
		return ipc_fail("an argument in the page given back", rc);
	if ((rc = reservation(XENMEM_populate_physmap, &gfn, 1)) != 1 || current_pages() != 1022)
		return ipc_fail("populate_physmap", rc);
	((volatile uint8_t *)spare_page)[100] = 42;	/* fresh RAM, usable */
	*(volatile domid_t *)spare_page = DOMID_SELF;
	if ((rc = memory_op(XENMEM_current_reservation, spare_page)) != 1022)
		return ipc_fail("an argument in the page populated again", rc);
	for (int i = 0; i < 3; i++)
		extra[i] = (EXTRA_GPA >> 12) + (uint64_t)i;
	if ((rc = reservation(XENMEM_populate_physmap, extra, 3)) != 2)	/* the maximum stops it */
		return ipc_fail("populate past the maximum", rc);
	if ((rc = reservation(XENMEM_decrease_reservation, extra, 3)) != 2 ||
	    current_pages() != 1022)
		return ipc_fail("decrease of the extra pages", rc);
	if ((rc = reservation(XENMEM_decrease_reservation, &gfn, 0)) != 0)
		return ipc_fail("empty decrease", rc);
	return 0;
}

/* Requests about B's domain that only the privileged domain may make. */
static int check_refusals(uint16_t peer)
{
	struct evtchn_alloc_unbound au = { .dom = peer, .remote_dom = DOMID_SELF };
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_STORE_PFN, .value = 1 };
	struct evtchn_send bad = { .port = 77 };
	domid_t other = peer;
	long rc;

	if ((rc = evtchn_op(EVTCHNOP_alloc_unbound, &au)) != -1)	/* -EPERM */
		return ipc_fail("alloc_unbound for another domain", rc);
	if ((rc = hvm_op(HVMOP_set_param, &hp)) != -1)
		return ipc_fail("setting STORE_PFN", rc);
	if ((rc = memory_op(XENMEM_current_reservation, &other)) != -1)
		return ipc_fail("another domain's reservation", rc);
	if ((rc = evtchn_op(EVTCHNOP_send, &bad)) != -22)	/* -EINVAL: a free port */
		return ipc_fail("send on a free port", rc);
	if ((rc = evtchn_op(EVTCHNOP_init_control, &bad)) != -GUEST_ENOSYS)
		return ipc_fail("init_control", rc);
	return 0;
}

static int set_up_grant_table(void)
{
	struct gnttab_set_version sv = { .version = 1 };
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	uint64_t frame = 0;
	struct gnttab_setup_table st = {
		.dom = DOMID_SELF, .nr_frames = 1, .frame_list = (uint64_t)(uintptr_t)&frame,
	};
	long rc;

	if ((rc = gnttab_op(GNTTABOP_set_version, &sv, 1)) || sv.version != 1)
		return ipc_fail("set_version 1", rc);
	sv.version = 2;
	if ((rc = gnttab_op(GNTTABOP_set_version, &sv, 1)) != -GUEST_ENOSYS || sv.version != 1)
		return ipc_fail("set_version 2", rc);
	if ((rc = place_page(XENMAPSPACE_grant_table, 0, gnttab_page)))
		return ipc_fail("grant table frame 0", rc);
	if ((rc = gnttab_op(GNTTABOP_setup_table, &st, 1)) || st.status || frame != gfn_of(gnttab_page))
		return ipc_fail("setup_table", st.status);
	if ((rc = gnttab_op(GNTTABOP_query_size, &qs, 1)) || qs.nr_frames != 1 ||
	    qs.max_nr_frames != GNTTAB_MAX_FRAMES)
		return ipc_fail("query_size", (long)qs.nr_frames);
	return 0;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	volatile struct shared_info *sh = (volatile struct shared_info *)shinfo_page;
	volatile struct grant_entry_v1 *gt = (volatile struct grant_entry_v1 *)gnttab_page;
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF };
	struct evtchn_status es = { .dom = DOMID_SELF, .port = IPC_PORT };
	uint16_t peer = (uint16_t)ipc_peer, flags;
	long rc;
	int err;

	(void)vcpu;
	if ((rc = place_page(XENMAPSPACE_shared_info, 0, shinfo_page)))
		return ipc_fail("shared_info", rc);
	if ((err = set_up_grant_table()) || (err = check_reservation()) ||
	    (err = check_refusals(peer)))
		return err;

	/* The grant: frame and grantee first, then the flags (ABI). */
	for (unsigned int i = 0; i < 512; i++)
		granted[i] = IPC_PATTERN ^ i;
	gt[IPC_GREF].frame = (uint32_t)gfn_of(granted);
	gt[IPC_GREF].domid = peer;
	__atomic_store_n(&gt[IPC_GREF].flags, GTF_permit_access, __ATOMIC_RELEASE);

	au.remote_dom = peer;
	if ((rc = evtchn_op(EVTCHNOP_alloc_unbound, &au)) || au.port != IPC_PORT)
		return ipc_fail("alloc_unbound", rc ? rc : (long)au.port);

	for (unsigned int i = 0; i < IPC_ROUND_TRIPS; i++) {
		if ((rc = wait_port(sh, IPC_PORT)))
			return ipc_fail("ping-pong", rc);
		/* B is bound now, and stays so until the last round trip. */
		if (i == 0 && ((rc = evtchn_op(EVTCHNOP_status, &es)) ||
			       es.status != EVTCHNSTAT_interdomain || es.u.interdomain.dom != peer))
			return ipc_fail("status of the bound port", rc ? rc : (long)es.status);
		if ((rc = send(IPC_PORT)))
			return ipc_fail("ping-pong send", rc);
	}
	if ((rc = wait_port(sh, IPC_PORT)))	/* B has unmapped */
		return ipc_fail("last event", rc);

	/* B wrote through its mapping; its unmap cleared reading and writing. */
	flags = __atomic_load_n(&gt[IPC_GREF].flags, __ATOMIC_ACQUIRE);
	if (((volatile uint64_t *)granted)[511] != IPC_B_MARK ||
	    (flags & (GTF_reading | GTF_writing)))
		return ipc_fail("grant after B's unmap", flags);
	if (!__atomic_compare_exchange_n(&gt[IPC_GREF].flags, &flags, 0, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return ipc_fail("revoking the grant", flags);
	print("ipc: %u round trips ok (A, d%u granted to d%u)\n", IPC_ROUND_TRIPS, domid, peer);
	return SHUTDOWN_poweroff;
}

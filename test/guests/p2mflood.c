/*
 * p2mflood: a domain that makes the core build second-level tables at
 * scattered guest-physical addresses (XSA-410's shape). First 100000
 * populate+decrease and grant map+unmap pairs, each at a fresh gfn far from
 * the last: the core must give the emptied tables back, or the host runs
 * out of memory. Then scattered populates that it keeps: the domain's own
 * table pool (P2M_POOL in kernel/domain.h) must stop them before its
 * reservation does. Powers off when all is well, crashes otherwise.
 */
#include "ipc.h"

const char guest_name[] = "p2mflood";

#define PAIRS 100000ul
#define GIVEN_BACK 256ul		/* pages of our RAM handed back to make room */
#define GIVEN_GFN 0x200ul		/* from 2 MiB: above the image, below the stack */
#define FAR_GFN 0x100000ul		/* 4 GiB up: never our RAM */
#define GFN_SPAN ((1ul << 36) - FAR_GFN)	/* gfns a p2m maps: 48-bit addresses */
#define SELF_GREF GNTTAB_NR_RESERVED_ENTRIES

static uint8_t gnttab_page[4096] __attribute__((aligned(4096)));
static uint8_t granted[4096] __attribute__((aligned(4096)));

static int fail(const char *what, unsigned long i, long got)
{
	print("p2mflood: %s FAILED at %lu (got %ld)\n", what, i, got);
	return SHUTDOWN_crash;
}

/* A gfn far from the previous one: usually its own top-level table slot. */
static uint64_t scattered(unsigned long i)
{
	return FAR_GFN + (i * 0x9e3779b97f4a7c15ull >> 20) % GFN_SPAN;
}

/* populate_physmap or decrease_reservation of 2^order pages at gfn: the
 * number of extents done (1, or 0 when refused). */
static long reservation(unsigned int op, uint64_t gfn, unsigned int order)
{
	struct xen_memory_reservation r = {
		.extent_start = (uint64_t)(uintptr_t)&gfn, .nr_extents = 1,
		.extent_order = order, .domid = DOMID_SELF,
	};

	return memory_op(op, &r);
}

static long reservation_size(unsigned int op)
{
	domid_t self = DOMID_SELF;

	return memory_op(op, &self);
}

/* Our grant table, and a read-only grant of one of our pages to ourselves. */
static long self_grant(uint16_t domid)
{
	return self_grant_readonly(gnttab_page, domid, SELF_GREF, granted);
}

/* Maps our grant at gfn and unmaps it: 0, or the failing status. */
static long grant_pair(uint16_t domid, uint64_t gfn)
{
	struct gnttab_map_grant_ref m = { .host_addr = gfn << 12, .ref = SELF_GREF, .dom = domid,
					  .flags = GNTMAP_host_map | GNTMAP_readonly };
	struct gnttab_unmap_grant_ref u = { .host_addr = gfn << 12 };
	long rc;

	if ((rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1)) || (rc = m.status))
		return rc ? rc : -1000;
	u.handle = m.handle;
	if ((rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1)) || (rc = u.status))
		return rc ? rc : -1001;
	return 0;
}

/* Half the pairs populate and decrease, half map and unmap a grant. */
static int flood(uint16_t domid)
{
	long rc;

	for (unsigned long i = 0; i < PAIRS; i++) {
		uint64_t gfn = scattered(i);

		if (i % 2) {
			if ((rc = grant_pair(domid, gfn)))
				return fail("grant map+unmap", i, rc);
		} else if ((rc = reservation(XENMEM_populate_physmap, gfn, 0)) != 1) {
			return fail("populate", i, rc);
		} else if ((rc = reservation(XENMEM_decrease_reservation, gfn, 0)) != 1) {
			return fail("decrease", i, rc);
		}
	}
	print("p2mflood: %lu scattered map+unmap pairs ok\n", PAIRS);
	return 0;
}

/* Scattered pages kept until the pool refuses: before the reservation. */
static int pool(void)
{
	unsigned long n = 0;
	long rc, cur;

	while (n < GIVEN_BACK && reservation(XENMEM_populate_physmap, scattered(PAIRS + n), 0) == 1)
		n++;
	cur = reservation_size(XENMEM_current_reservation);
	if (n == GIVEN_BACK || cur >= reservation_size(XENMEM_maximum_reservation))
		return fail("table pool: the reservation ran out first", n, cur);
	print("p2mflood: the table pool stopped scattered pages at %lu\n", n);
	while (n--)
		if ((rc = reservation(XENMEM_decrease_reservation, scattered(PAIRS + n), 0)) != 1)
			return fail("decrease kept", n, rc);
	/* Tables given back, dense RAM fits again. */
	if ((rc = reservation(XENMEM_populate_physmap, GIVEN_GFN, 8)) != 1)
		return fail("populate our RAM back", 0, rc);
	return 0;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	long rc;
	int err;

	(void)vcpu;
	if ((rc = self_grant((uint16_t)domid)))
		return fail("grant table", 0, rc);
	if ((rc = reservation(XENMEM_decrease_reservation, GIVEN_GFN, 8)) != 1)
		return fail("giving RAM back", 0, rc);
	if ((err = flood((uint16_t)domid)) || (err = pool()))
		return err;
	print("p2mflood: all checks passed\n");
	return SHUTDOWN_poweroff;
}

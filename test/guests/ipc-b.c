/*
 * ipc-b: the mapping side of the IPC test pair (ipc.h). Besides polling, it
 * takes its events as HVM callback-vector upcalls, with its vcpu_info moved
 * by VCPUOP_register_vcpu_info. arg= is A's domain id.
 */
#include "ipc.h"

const char guest_name[] = "ipc-b";

#define CALLBACK_VECTOR 0xf3
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SVR 0x80f
#define SVR_ENABLE (1u << 8)
#define VINFO_OFFSET 64
#define EBUSY 16
#define ENOENT 2

static uint8_t shinfo_page[4096] __attribute__((aligned(4096)));
static uint8_t vinfo_page[4096] __attribute__((aligned(4096)));
static uint64_t copied[8] __attribute__((aligned(64)));
static unsigned int upcalls, flagged_upcalls;	/* written by the handler */

static volatile struct vcpu_info *vinfo(void)
{
	return (volatile struct vcpu_info *)(vinfo_page + VINFO_OFFSET);
}

/* The upcall: acknowledge it; the main loop takes the ports itself. */
static void on_upcall(struct trap_frame *frame)
{
	(void)frame;
	upcalls++;
	if (__atomic_exchange_n(&vinfo()->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST))
		flagged_upcalls++;	/* raised with the flag in the registered area */
	__atomic_store_n(&vinfo()->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	cpu_wrmsr(MSR_X2APIC_EOI, 0);
}

static int set_up_upcalls(void)
{
	struct vcpu_register_vcpu_info ri = { .mfn = gfn_of(vinfo_page), .offset = VINFO_OFFSET };
	struct xen_hvm_param cb = {
		.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
		.value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT |
			 CALLBACK_VECTOR,
	};
	long rc;

	if ((rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &ri)))
		return ipc_fail("register_vcpu_info", rc);
	if ((rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &ri)) != -EBUSY)
		return ipc_fail("second register_vcpu_info", rc);
	if ((rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &ri)) != -ENOENT)
		return ipc_fail("register_vcpu_info of a vCPU we lack", rc);
	trap_set_handler(CALLBACK_VECTOR, on_upcall);
	cpu_wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | 0xff);
	if ((rc = hvm_op(HVMOP_set_param, &cb)))
		return ipc_fail("setting the callback vector", rc);
	cb.value = 0;
	if ((rc = hvm_op(HVMOP_get_param, &cb)) || (cb.value & 0xff) != CALLBACK_VECTOR)
		return ipc_fail("reading the callback back", rc);
	__asm__ __volatile__("sti" ::: "memory");
	return 0;
}

static long map(uint64_t gpa, uint32_t flags, uint32_t ref, uint16_t dom, uint32_t *handle)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = gpa, .flags = flags, .ref = ref, .dom = dom,
	};
	long rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1);

	*handle = m.handle;
	return rc ? rc : m.status;
}

static long unmap(uint64_t gpa, uint32_t handle)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = gpa, .handle = handle };
	long rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);

	return rc ? rc : u.status;
}

static long copy_from_grant(uint16_t peer, uint16_t src_offset, uint16_t len)
{
	struct gnttab_copy c = {
		.source = { .u.ref = IPC_GREF, .domid = peer, .offset = src_offset },
		.dest = { .u.gmfn = gfn_of(copied), .domid = DOMID_SELF,
			  .offset = (uint16_t)((uintptr_t)copied & 4095) },
		.len = len,
		.flags = GNTCOPY_source_gref,
	};
	long rc = gnttab_op(GNTTABOP_copy, &c, 1);

	return rc ? rc : c.status;
}

/* Maps A's grant, checks and writes it; a read-only second mapping, a copy,
 * and the refusals. Returns the writable mapping's handle in *handle. */
static int use_grant(uint16_t peer, uint32_t *handle)
{
	volatile uint64_t *w = (volatile uint64_t *)IPC_MAP_GPA;
	volatile uint64_t *r = (volatile uint64_t *)(IPC_MAP_GPA + 4096);
	uint32_t ro, h;
	long rc;

	if ((rc = map(IPC_MAP_GPA, GNTMAP_host_map, IPC_GREF, peer, handle)))
		return ipc_fail("map_grant_ref", rc);
	for (unsigned int i = 0; i < 512; i++)
		if (w[i] != (IPC_PATTERN ^ i))
			return ipc_fail("pattern in the granted page", (long)i);
	w[511] = IPC_B_MARK;
	if ((rc = map(IPC_MAP_GPA + 4096, GNTMAP_host_map | GNTMAP_readonly, IPC_GREF, peer, &ro)))
		return ipc_fail("read-only map_grant_ref", rc);
	if (r[0] != IPC_PATTERN || r[511] != IPC_B_MARK)
		return ipc_fail("read-only mapping", (long)r[0]);
	if ((rc = unmap(IPC_MAP_GPA + 4096, ro)) || (rc = unmap(IPC_MAP_GPA + 4096, ro)) !=
							    GNTST_bad_handle)
		return ipc_fail("read-only unmap, twice", rc);
	if ((rc = map((uint64_t)(uintptr_t)vinfo_page, GNTMAP_host_map, IPC_GREF, peer, &h)) !=
	    GNTST_general_error)
		return ipc_fail("map over our RAM", rc);
	if ((rc = map(IPC_MAP_GPA + 8192, GNTMAP_host_map, 9999, peer, &h)) != GNTST_bad_gntref)
		return ipc_fail("map of a ref beyond the table", rc);
	if ((rc = map(IPC_MAP_GPA + 8192, GNTMAP_host_map, IPC_GREF, 0x7ff5, &h)) !=
	    GNTST_bad_domain)
		return ipc_fail("map from no domain", rc);
	if ((rc = copy_from_grant(peer, 8, sizeof(copied))))
		return ipc_fail("grant copy", rc);
	for (unsigned int i = 0; i < 8; i++)
		if (((volatile uint64_t *)copied)[i] != (IPC_PATTERN ^ (i + 1)))
			return ipc_fail("copied bytes", (long)i);
	if ((rc = copy_from_grant(peer, 4090, 64)) != GNTST_bad_copy_arg)
		return ipc_fail("copy past the page", rc);
	return 0;
}

int guest_main(unsigned int vcpu, unsigned int domid)
{
	volatile struct shared_info *sh = (volatile struct shared_info *)shinfo_page;
	struct evtchn_bind_interdomain bi = { .remote_dom = (uint16_t)ipc_peer,
					      .remote_port = IPC_PORT };
	uint16_t peer = (uint16_t)ipc_peer;
	uint32_t handle, port;
	long rc = -1;
	int err;

	(void)vcpu;
	if ((rc = place_page(XENMAPSPACE_shared_info, 0, shinfo_page)))
		return ipc_fail("shared_info", rc);
	if ((err = set_up_upcalls()))
		return err;
	/* A offers the port when it is ready: until then, -EINVAL. */
	for (unsigned int i = 0; i < IPC_BIND_TRIES; i++) {
		if (!(rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)))
			break;
		hypercall_sched_op(SCHEDOP_yield, 0);
	}
	if (rc)
		return ipc_fail("bind_interdomain", rc);
	port = bi.local_port;
	if (!take(sh, port))	/* a bind raises the new port once (Xen) */
		return ipc_fail("event at bind", (long)port);
	if ((err = use_grant(peer, &handle)))
		return err;

	for (unsigned int i = 0; i < IPC_ROUND_TRIPS; i++)
		if ((rc = send(port)) || (rc = wait_port(sh, port)))
			return ipc_fail("ping-pong", rc);
	if ((rc = unmap(IPC_MAP_GPA, handle)))
		return ipc_fail("unmap_grant_ref", rc);
	if ((rc = send(port)))
		return ipc_fail("last event", rc);
	__asm__ __volatile__("cli" ::: "memory");
	if (!flagged_upcalls)
		return ipc_fail("upcalls through the registered vcpu_info", (long)upcalls);
	print("ipc: %u round trips ok (B, d%u mapped d%u's grant, %u upcalls)\n", IPC_ROUND_TRIPS,
	      domid, peer, upcalls);
	return SHUTDOWN_poweroff;
}

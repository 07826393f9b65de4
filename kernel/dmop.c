/*
 * dm_op (public/dmop.h): what a device model may do to the one guest it
 * serves. Every command first checks the caller is that guest's device
 * model (hvm.h); Dom0 gets -EPERM like anyone else.
 */
#include "dmop.h"
#include "hvm.h"
#include "domain.h"
#include "guestmem.h"
#include "errno.h"
#include "lib.h"
#include "public/dmop.h"

typedef long (*dmop_fn)(struct vcpu *v, struct domain *g, struct bh_dmop *op);

static long op_ioreq_setup(struct vcpu *v, struct domain *g, struct bh_dmop *op)
{
	op->u.setup.nr_vcpus = g->nr_vcpus;
	return hvm_ioreq_setup(g, v->domain, op->u.setup.local_gpa, op->u.setup.ports);
}

/* Guest RAM <-> the caller's buffer, through a bounce of one chunk. */
static long op_copy(struct vcpu *v, struct domain *g, struct bh_dmop *op)
{
	struct bh_dmop_copy *c = &op->u.copy;
	u8 buf[512];

	if (c->len > BH_DMOP_COPY_MAX || c->dir > BH_DMOP_COPY_TO_GUEST)
		return -EINVAL;
	for (u32 done = 0; done < c->len;) {
		u32 n = MIN(c->len - done, (u32)sizeof(buf));

		if (c->dir == BH_DMOP_COPY_TO_GUEST) {
			if (copy_from_guest(v, buf, c->buf + done, n) ||
			    gpa_write(g, c->guest_gpa + done, buf, n))
				return -EFAULT;
		} else if (gpa_read(g, c->guest_gpa + done, buf, n) ||
			   copy_to_guest(v, c->buf + done, buf, n)) {
			return -EFAULT;
		}
		done += n;
	}
	return 0;
}

static long op_msi(struct vcpu *v, struct domain *g, struct bh_dmop *op)
{
	(void)v;
	hvm_msi(g, op->u.msi.addr, op->u.msi.data);
	return 0;
}

static long op_extint(struct vcpu *v, struct domain *g, struct bh_dmop *op)
{
	(void)v;
	if (op->u.extint.vector == BH_EXTINT_CANCEL) {
		hvm_extint_cancel(g);
		return 0;
	}
	if (op->u.extint.vector > 0xff)
		return -EINVAL;
	return hvm_extint_push(g, (u8)op->u.extint.vector);
}

/* RAM pages of the guest become read-only (writes reach the device model)
 * or writable again. Only the guest's own RAM. */
static long op_mem_type(struct vcpu *v, struct domain *g, struct bh_dmop *op)
{
	struct bh_dmop_mem *m = &op->u.mem;

	(void)v;
	if (m->type > BH_MEM_RAM_RO || m->nr > 1024 || m->first_gfn + m->nr > (1ull << 40))
		return -EINVAL;
	return hvm_set_mem_ro(g, m->first_gfn, m->nr, m->type == BH_MEM_RAM_RO);
}

static long op_shutdown(struct vcpu *v, struct domain *g, struct bh_dmop *op)
{
	u32 r = op->u.shutdown.reason;

	(void)v;
	if (r != SHUTDOWN_poweroff && r != SHUTDOWN_reboot && r != SHUTDOWN_crash)
		return -EINVAL;
	domain_shutdown(g, (int)r);
	return 0;
}

static const dmop_fn dmop_table[] = {
	[BH_DMOP_ioreq_setup] = op_ioreq_setup,
	[BH_DMOP_copy] = op_copy,
	[BH_DMOP_msi] = op_msi,
	[BH_DMOP_extint] = op_extint,
	[BH_DMOP_set_mem_type] = op_mem_type,
	[BH_DMOP_shutdown] = op_shutdown,
};

long dmop_hypercall(struct vcpu *v, const u64 *a)
{
	struct bh_dmop op;
	struct domain *g;
	long rc;

	if (copy_from_guest(v, &op, a[0], sizeof(op)))
		return -EFAULT;
	if (op.version != BULKHEAD_DMOP_VERSION || op.cmd >= ARRAY_SIZE(dmop_table) ||
	    !dmop_table[op.cmd])
		return -EINVAL;
	if (!(g = domain_get(op.target)))
		return -ESRCH;
	rc = hvm_is_dm_of(g, v->domain) && !READ_ONCE(g->dying) ? dmop_table[op.cmd](v, g, &op)
							      : -EPERM;
	domain_put(g);
	if (!rc && copy_to_guest(v, a[0], &op, sizeof(op)))
		rc = -EFAULT;
	return rc;
}

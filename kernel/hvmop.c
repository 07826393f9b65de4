/*
 * hvm_op (hvmop.h): HVM parameters. A domain reads its own and sets its own
 * CALLBACK_IRQ; the privileged domain reads and sets anyone's, including the
 * xenstore and console page / port parameters its toolstack hands out.
 */
#include "hvmop.h"
#include "ipc.h"
#include "evtchn.h"
#include "guestmem.h"
#include "public/hvm.h"
#include "lib.h"

/* The callback: 0 (none), a GSI or PCI INTx line (kept, not delivered yet:
 * that needs the device model's interrupt controller), or a vector >= 16. */
static bool callback_ok(u64 val)
{
	u64 type = val >> HVM_PARAM_CALLBACK_TYPE_SHIFT;

	if (type == HVM_PARAM_CALLBACK_TYPE_VECTOR)
		return (u8)val >= 16;
	return type == HVM_PARAM_CALLBACK_TYPE_GSI || type == HVM_PARAM_CALLBACK_TYPE_PCI_INTX;
}

static long set_param(struct domain *me, struct domain *d, u32 index, u64 val)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
		if (!callback_ok(val))
			return -EINVAL;
		break;
	case HVM_PARAM_STORE_PFN:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_PFN:
	case HVM_PARAM_CONSOLE_EVTCHN:
		if (!me->privileged)
			return -EPERM;	/* the toolstack's to hand out */
		break;
	default:
		return -EINVAL;		/* not a parameter Bulkhead keeps */
	}
	spin_lock(&d->lock);
	__atomic_store_n(&d->hvm_params[index], val, __ATOMIC_RELEASE);
	spin_unlock(&d->lock);
	if (index == HVM_PARAM_CALLBACK_IRQ)
		evtchn_callback_changed(d);	/* events already pending get their upcall */
	return 0;
}

static long param(struct vcpu *v, bool set, u64 arg)
{
	struct xen_hvm_param p;
	struct domain *d;
	long rc;

	if (copy_from_guest(v, &p, arg, sizeof(p)))
		return -EFAULT;
	if (p.index >= HVM_NR_PARAMS)
		return -EINVAL;
	if ((rc = ipc_target(v->domain, p.domid, &d)))
		return rc;
	if (set) {
		rc = set_param(v->domain, d, p.index, p.value);
	} else {
		spin_lock(&d->lock);
		p.value = d->hvm_params[p.index];
		spin_unlock(&d->lock);
	}
	ipc_untarget(v->domain, d);
	if (rc || set)
		return rc;
	return copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
}

long hvmop_hypercall(struct vcpu *v, const u64 *a)
{
	switch (a[0]) {
	case HVMOP_set_param:
	case HVMOP_get_param:
		return param(v, a[0] == HVMOP_set_param, a[1]);
	default:
		return -ENOSYS;
	}
}

/*
 * hvm_op(cmd, arg) (hypercall 34): HVM parameters. Written from the
 * published layouts (x86-64).
 *
 * A domain may read its own parameters and set its own CALLBACK_IRQ; the
 * privileged domain may read and set any domain's (STORE_* and CONSOLE_*
 * are the toolstack's to set). Others get -EPERM; an index at or beyond
 * HVM_NR_PARAMS, or a parameter Bulkhead does not keep, gets -EINVAL.
 */
#ifndef PUBLIC_HVM_H
#define PUBLIC_HVM_H

#include "shared_info.h"

#define HVMOP_set_param 0
#define HVMOP_get_param 1

/*
 * How event-channel upcalls reach the domain: value bits 63:56 are the type.
 * Type 2 (vector): bits 7:0 are an x86 vector (16-255) raised in the notified
 * vCPU's local APIC. Types 0 (GSI) and 1 (PCI INTx) are accepted and kept but
 * deliver nothing yet (they need the device model's interrupt controller).
 * 0 = no upcall.
 */
#define HVM_PARAM_CALLBACK_IRQ 0
#define HVM_PARAM_STORE_PFN 1		/* xenstore ring page (GFN) */
#define HVM_PARAM_STORE_EVTCHN 2	/* xenstore event channel (port) */
#define HVM_PARAM_CONSOLE_PFN 17	/* console ring page (GFN) */
#define HVM_PARAM_CONSOLE_EVTCHN 18	/* console event channel (port) */
#define HVM_NR_PARAMS 39

#define HVM_PARAM_CALLBACK_TYPE_SHIFT 56
#define HVM_PARAM_CALLBACK_TYPE_GSI 0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct xen_hvm_param {
	domid_t domid;		/* IN: DOMID_SELF, or another (privileged) */
	uint16_t pad;
	uint32_t index;		/* IN: HVM_PARAM_* */
	uint64_t value;		/* IN (set) / OUT (get) */
};

_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param");
_Static_assert(__builtin_offsetof(struct xen_hvm_param, value) == 8, "hvm_param.value");
#endif

#endif

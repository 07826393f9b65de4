/* xl vcpu-list: one row per vCPU, upstream's columns (REFERENCE §1). */
#include "xl.h"

#define VCPU_STATE_RUNNING 0
#define VCPU_STATE_RUNNABLE 1
#define VCPU_STATE_BLOCKED 2
#define VCPU_STATE_DOWN 3

/*
 * Online vCPUs show their pCPU and r/b then '-'; offline ones '-' and "--p".
 * Bulkhead has no pinning yet, so every affinity is "all / all".
 */
static void vcpu_row(struct xl *x, const char *name, uint16_t domid,
		     const struct bh_vcpuinfo *v)
{
	char secs[24];

	xl_fmt_secs(secs, sizeof(secs), v->cpu_time_ns, 9);
	xl_out(x, "%-32s %5u %5u", name, domid, v->vcpu);
	if (v->state == VCPU_STATE_DOWN)
		xl_out(x, "%5s   --p ", "-");
	else
		xl_out(x, "%5u   %c%c- ", v->pcpu, v->state == VCPU_STATE_RUNNING ? 'r' : '-',
		       v->state == VCPU_STATE_BLOCKED ? 'b' : '-');
	xl_out(x, "%s  all / all\n", secs);
}

static int vcpu_domain(struct xl *x, const struct bh_dominfo *d)
{
	uint32_t max = d->nr_vcpus ? d->nr_vcpus : 1, count = 0;
	struct bh_vcpuinfo *v = calloc(max, sizeof(*v));
	char name[65];
	int rc;

	if (!v)
		return xl_fail_rc(x, "vcpu-list", -XL_ENOMEM);
	rc = x->be->vcpu_list(x->be->ctx, d->domid, v, max, &count);
	if (rc) {
		free(v);
		return xl_fail_rc(x, "vcpu-list", rc);
	}
	xl_name(name, d->name, sizeof(d->name));
	for (uint32_t i = 0; i < count && i < max; i++)
		vcpu_row(x, name, d->domid, &v[i]);
	free(v);
	return 0;
}

int xl_cmd_vcpu_list(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo *d = NULL, one;
	uint32_t n = 0;
	int rc = 0;

	if (a->n) {
		rc = xl_find_domain(x, a->pos[0], &one);
		d = &one;
		n = 1;
	} else {
		rc = xl_list_all(x, &d, &n);
	}
	if (rc)
		return rc;
	xl_out(x, "%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State",
	       "Time(s)", "Affinity (Hard / Soft)");
	for (uint32_t i = 0; !rc && i < n; i++)
		rc = vcpu_domain(x, &d[i]);
	if (d != &one)
		free(d);
	return rc;
}

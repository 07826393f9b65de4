/* xl info, dmesg, uptime: the host and the hypervisor (REFERENCE §1). */
#include "xl.h"

#define DMESG_BUF (64 * 1024)

/* xl info's keys, in upstream's order. */
enum {
	K_HOST, K_RELEASE, K_VERSION, K_MACHINE, K_NR_CPUS, K_MAX_CPU_ID, K_NR_NODES,
	K_CORES, K_THREADS, K_CPU_MHZ, K_HW_CAPS, K_VIRT_CAPS, K_TOTAL_MEM, K_FREE_MEM,
	K_SHARING_FREED, K_SHARING_USED, K_CLAIMS, K_FREE_CPUS, K_MAJOR, K_MINOR, K_EXTRA,
	K_XEN_VERSION, K_CAPS, K_SCHED, K_PAGESIZE, K_PLATFORM, K_CHANGESET, K_CMDLINE,
	K_CC, K_CC_BY, K_CC_DOMAIN, K_CC_DATE, K_BUILD_ID, K_XEND, NKEYS
};

static const char *const info_keys[NKEYS] = {
	"host", "release", "version", "machine", "nr_cpus", "max_cpu_id", "nr_nodes",
	"cores_per_socket", "threads_per_core", "cpu_mhz", "hw_caps", "virt_caps",
	"total_memory", "free_memory", "sharing_freed_memory", "sharing_used_memory",
	"outstanding_claims", "free_cpus", "xen_major", "xen_minor", "xen_extra",
	"xen_version", "xen_caps", "xen_scheduler", "xen_pagesize", "platform_params",
	"xen_changeset", "xen_commandline", "cc_compiler", "cc_compile_by",
	"cc_compile_domain", "cc_compile_date", "build_id", "xend_config_format",
};

struct info {
	struct bh_physinfo pi;
	struct xl_version v;
	char num[NKEYS][24];
	const char *val[NKEYS];
};

/* What xl reports when the backend cannot say (no XENVER_compile_info yet). */
static void version_defaults(struct xl_version *v)
{
	memset(v, 0, sizeof(*v));
	strcpy(v->host, "bulkhead");
	strcpy(v->release, "0.1");
	strcpy(v->version, "Bulkhead drivers-dom runtime");
	strcpy(v->machine, "x86_64");
	strcpy(v->cc_compiler, "unavailable");
	strcpy(v->changeset, "unavailable");
}

static void set_num(struct info *in, int k, unsigned long long n)
{
	snprintf(in->num[k], sizeof(in->num[k]), "%llu", n);
	in->val[k] = in->num[k];
}

/*
 * Bulkhead's fixed answers: the Xen 4.17 interface it implements, HVM only,
 * its own round-robin scheduler (named for what it is, not "credit2"), one
 * NUMA node, no memory sharing or claims.
 */
static void info_fill(struct info *in)
{
	const struct bh_physinfo *pi = &in->pi;

	in->pi.cmdline[sizeof(in->pi.cmdline) - 1] = '\0';
	in->val[K_HOST] = in->v.host;
	in->val[K_RELEASE] = in->v.release;
	in->val[K_VERSION] = in->v.version;
	in->val[K_MACHINE] = in->v.machine;
	set_num(in, K_NR_CPUS, pi->nr_cpus);
	set_num(in, K_MAX_CPU_ID, pi->nr_cpus ? pi->nr_cpus - 1 : 0);
	set_num(in, K_NR_NODES, 1);
	set_num(in, K_CORES, pi->nr_cpus);
	set_num(in, K_THREADS, 1);
	set_num(in, K_CPU_MHZ, pi->cpu_khz / 1000);
	in->val[K_HW_CAPS] = "00000000:00000000:00000000:00000000:00000000:00000000:"
			     "00000000:00000000";
	in->val[K_VIRT_CAPS] = "hvm hap gnttab-v1";
	set_num(in, K_TOTAL_MEM, pi->total_pages >> 8);	/* 4 KiB frames -> MiB */
	set_num(in, K_FREE_MEM, pi->free_pages >> 8);
	for (int k = K_SHARING_FREED; k <= K_FREE_CPUS; k++)
		set_num(in, k, 0);
	set_num(in, K_MAJOR, BULKHEAD_XEN_MAJOR);
	set_num(in, K_MINOR, BULKHEAD_XEN_MINOR);
	in->val[K_EXTRA] = ".0-bulkhead";
	in->val[K_XEN_VERSION] = "4.17.0-bulkhead";
	in->val[K_CAPS] = "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64";
	in->val[K_SCHED] = "bulkhead-rr";
	set_num(in, K_PAGESIZE, 4096);
	in->val[K_PLATFORM] = "virt_start=0x0";
	in->val[K_CHANGESET] = in->v.changeset;
	in->val[K_CMDLINE] = in->pi.cmdline;
	in->val[K_CC] = in->v.cc_compiler;
	in->val[K_CC_BY] = in->v.cc_compile_by;
	in->val[K_CC_DOMAIN] = in->v.cc_compile_domain;
	in->val[K_CC_DATE] = in->v.cc_compile_date;
	in->val[K_BUILD_ID] = in->v.build_id;
	set_num(in, K_XEND, 4);
}

static int info_get(struct xl *x, struct info *in)
{
	int rc = x->be->physinfo(x->be->ctx, &in->pi);

	if (rc)
		return xl_fail_rc(x, "physinfo", rc);
	version_defaults(&in->v);
	if (x->be->version && x->be->version(x->be->ctx, &in->v))
		version_defaults(&in->v);
	info_fill(in);
	return 0;
}

int xl_cmd_info(struct xl *x, const struct xl_args *a)
{
	struct info *in = calloc(1, sizeof(*in));
	int rc = in ? info_get(x, in) : xl_fail_rc(x, "info", -XL_ENOMEM);
	int k = 0;

	if (!rc && a->n) {	/* xl info KEY: the value alone (REFERENCE §1) */
		while (k < NKEYS && strcmp(a->pos[0], info_keys[k]))
			k++;
		if (k == NKEYS)
			rc = xl_fail(x, XL_FAIL, "xl info: unknown key '%s'\n", a->pos[0]);
		else
			xl_out(x, "%s\n", in->val[k]);
	} else if (!rc) {
		for (k = 0; k < NKEYS; k++)
			xl_out(x, "%-23s: %s\n", info_keys[k], in->val[k]);
	}
	free(in);
	return rc;
}

int xl_cmd_dmesg(struct xl *x, const struct xl_args *a)
{
	char *buf = malloc(DMESG_BUF);
	bool clear = a->on['c'] && !x->dryrun;
	uint32_t len = 0;
	int rc;

	if (!buf)
		return xl_fail_rc(x, "dmesg", -XL_ENOMEM);
	rc = x->be->console_read(x->be->ctx, buf, DMESG_BUF, clear, &len);
	if (rc) {
		free(buf);
		return xl_fail_rc(x, "dmesg", rc);
	}
	xl_outs(x, buf, len < DMESG_BUF ? len : DMESG_BUF);
	free(buf);
	return XL_OK;
}

/* Upstream's long form: "H:MM:SS" (hours in 2), "1 day, ...", "N days, ...". */
static void uptime_str(char *buf, size_t size, uint64_t secs)
{
	unsigned days = (unsigned)(secs / 86400), h = (unsigned)(secs % 86400 / 3600);
	unsigned m = (unsigned)(secs % 3600 / 60), s = (unsigned)(secs % 60);

	if (days > 1)
		snprintf(buf, size, "%u days, %2u:%02u:%02u", days, h, m, s);
	else if (days == 1)
		snprintf(buf, size, "1 day, %2u:%02u:%02u", h, m, s);
	else
		snprintf(buf, size, "%2u:%02u:%02u", h, m, s);
}

/* Dom0 has been up as long as the host; others since their creation, when
 * the backend knows it (otherwise the host's uptime is the best bound). */
static void uptime_row(struct xl *x, const struct bh_dominfo *d, uint64_t host_ns)
{
	uint64_t start = 0;
	char name[65], up[48];

	if (d->domid && x->be->start_time && !x->be->start_time(x->be->ctx, d->domid, &start) &&
	    start <= host_ns)
		host_ns -= start;
	xl_name(name, d->name, sizeof(d->name));
	uptime_str(up, sizeof(up), host_ns / 1000000000ull);
	xl_out(x, "%-33s %4u %s\n", name, d->domid, up);
}

/* The named domains, or all of them; a malloc'd array. 0 or a status. */
static int uptime_domains(struct xl *x, const struct xl_args *a, struct bh_dominfo **d,
			  uint32_t *n)
{
	int rc;

	if (!a->n)
		return xl_list_all(x, d, n);
	*d = calloc((size_t)a->n, sizeof(**d));
	if (!*d)
		return xl_fail_rc(x, "uptime", -XL_ENOMEM);
	for (*n = 0; *n < (uint32_t)a->n; ++*n) {
		rc = xl_find_domain(x, a->pos[*n], &(*d)[*n]);
		if (rc) {
			free(*d);
			return rc;
		}
	}
	return 0;
}

int xl_cmd_uptime(struct xl *x, const struct xl_args *a)
{
	struct bh_physinfo *pi = calloc(1, sizeof(*pi));
	struct bh_dominfo *d;
	uint32_t n;
	int rc = pi ? x->be->physinfo(x->be->ctx, pi) : -XL_ENOMEM;

	if (rc) {
		free(pi);
		return xl_fail_rc(x, "uptime", rc);
	}
	rc = uptime_domains(x, a, &d, &n);
	if (!rc) {
		xl_out(x, "%-33s %4s %s\n", "Name", "ID", "Uptime");
		for (uint32_t i = 0; i < n; i++)
			uptime_row(x, &d[i], pi->uptime_ns);
		free(d);
	}
	free(pi);
	return rc;
}

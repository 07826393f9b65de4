/*
 * Host unit test for toolstack/xl: every command against a fake backend.
 * Golden outputs byte for byte (REFERENCE §1, upstream xl's formats), every
 * error path's line and status, and the domain builder's work checked in the
 * fake domain's RAM (page tables, GDT, segments, the FDT through libfdt).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_LIBFDT
#include <libfdt.h>
#endif

#include "check.h"
#include "xl.h"
#include "xl_build.h"
#include "xl_elf.h"
#include "xl_hvm.h"
#include "public/hvm.h"

#define MAX_DOMS 16
#define MAX_FILES 64
#define MIB (1ull << 20)

struct fake_dom {
	bool used;
	bool hvm;
	uint8_t fw[256 * 1024];		/* HVM: BH_HVM_FIRMWARE_BASE .. 4 GiB */
	struct bh_dominfo info;
	uint8_t *ram;
	uint64_t ram_size;
	struct bh_vcpu_start start[8];
	uint32_t nstart;
	struct bh_vcpuinfo vcpus[8];
	uint32_t nvcpus;
	uint64_t start_ns;
	uint64_t max_mem_mib;
};

struct fake_file {
	bool used;
	char path[160];
	char *data;
	size_t len;
};

static struct fake {
	struct fake_dom dom[MAX_DOMS];
	struct fake_file files[MAX_FILES];
	struct bh_physinfo pi;
	uint16_t next_domid;
	char out[65536], err[16384];
	size_t out_len, err_len;
	char dmesg[128];
	bool dmesg_cleared;
	int creates, loads, destroys, waits;
	int fail_load_after;		/* fail the Nth load (1-based); 0: never */
	int fail_destroy;		/* errno for destroy, 0: succeed */
	int shutdown_after_waits;	/* -1: never */
	uint32_t last_shutdown;
	/* console */
	const char *cons_out;
	const char *term_in;
	size_t term_pos;
	char cons_in[64];
	size_t cons_in_len;
	bool cons_opened, cons_closed;
	/* HVM: the store, the call trace, failure injection, the device model's behaviour */
	struct fake_node {
		char path[128], value[160];
		struct xl_xs_perm perms[4];
		unsigned nperms;
	} xs[256];
	unsigned nxs;
	char trace[8192];
	size_t trace_len;
	int ops, fail_op;		/* fail the Nth traced operation (1-based); 0: never */
	int create_rc, set_dm_rc;	/* forced errors */
	enum { DM_RUNS, DM_SILENT, DM_DIES } dm;
	uint64_t clock_ns;
	int gcons_guest;		/* -1: none registered */
	uint64_t gcons_pfn;
	int store_guest;		/* hvm_store's last guest, -1: none */
	uint64_t store_pfn;
	uint16_t gcons_dm;
	uint64_t callback_irq[8];	/* HVM_PARAM_CALLBACK_IRQ by domid */
} F;

/* ---- fake backend ---- */

static struct fake_dom *dom_by_id(uint16_t id)
{
	for (int i = 0; i < MAX_DOMS; i++)
		if (F.dom[i].used && F.dom[i].info.domid == id)
			return &F.dom[i];
	return NULL;
}

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(F.trace + F.trace_len, sizeof(F.trace) - F.trace_len, fmt, ap);
	va_end(ap);
	if (n > 0 && F.trace_len + (size_t)n < sizeof(F.trace))
		F.trace_len += (size_t)n;
}

/* Every traced operation counts; the fail_op-th one fails. */
static bool inject(void)
{
	return ++F.ops == F.fail_op;
}

static int f_list(void *ctx, uint16_t first, struct bh_dominfo *buf, uint32_t max,
		  uint32_t *count)
{
	(void)ctx;
	*count = 0;
	for (uint32_t id = first; id < 0x10000 && *count < max; id++) {
		struct fake_dom *d = dom_by_id((uint16_t)id);

		if (d)
			buf[(*count)++] = d->info;
	}
	return 0;
}

static int f_physinfo(void *ctx, struct bh_physinfo *pi)
{
	(void)ctx;
	*pi = F.pi;
	return 0;
}

static int f_version(void *ctx, struct xl_version *v)
{
	(void)ctx;
	strcpy(v->host, "testhost");
	strcpy(v->release, "0.1");
	strcpy(v->version, "Bulkhead drivers-dom runtime");
	strcpy(v->machine, "x86_64");
	strcpy(v->cc_compiler, "gcc (Debian 12.2.0-14) 12.2.0");
	strcpy(v->cc_compile_by, "bulkhead");
	strcpy(v->cc_compile_domain, "example.org");
	strcpy(v->cc_compile_date, "Sun Nov 24 12:00:00 UTC 2024");
	strcpy(v->changeset, "unavailable");
	strcpy(v->build_id, "");
	return 0;
}

static struct fake_dom *add_dom(uint16_t id, const char *name, uint64_t mib, uint32_t vcpus,
				uint32_t flags)
{
	for (int i = 0; i < MAX_DOMS; i++) {
		struct fake_dom *d = &F.dom[i];

		if (d->used)
			continue;
		memset(d, 0, sizeof(*d));
		d->used = true;
		d->info.domid = id;
		d->info.flags = flags;
		d->info.nr_vcpus = d->info.online_vcpus = vcpus;
		d->info.mem_kib = d->info.max_mem_kib = mib * 1024;
		snprintf(d->info.name, sizeof(d->info.name), "%s", name);
		return d;
	}
	abort();
}

static int f_create(void *ctx, const struct bh_create *req, uint16_t *domid)
{
	struct fake_dom *d;

	(void)ctx;
	trace("create %s%s vcpus=%u mem=%u\n", req->name, req->flags & BH_CREATE_hvm ? " hvm" : "",
	      req->nr_vcpus, req->mem_mib);
	if (inject())
		return -XL_ENOMEM;
	if ((req->flags & BH_CREATE_hvm) && F.create_rc)
		return F.create_rc;
	F.creates++;
	d = add_dom(F.next_domid++, req->name, req->mem_mib, req->nr_vcpus, BH_DOMINF_paused);
	d->hvm = req->flags & BH_CREATE_hvm;
	d->ram_size = (uint64_t)req->mem_mib * MIB;
	d->ram = calloc(1, d->ram_size);
	d->max_mem_mib = req->max_mem_mib;
	*domid = d->info.domid;
	return 0;
}

static int f_load(void *ctx, uint16_t domid, uint64_t gpa, const void *buf, uint64_t len)
{
	struct fake_dom *d = dom_by_id(domid);

	(void)ctx;
	F.loads++;
	trace("load d%u 0x%llx+0x%llx\n", domid, (unsigned long long)gpa, (unsigned long long)len);
	if (inject())
		return -XL_EFAULT;
	if (F.fail_load_after && F.loads == F.fail_load_after)
		return -XL_EFAULT;
	if (d && d->hvm && gpa >= BH_HVM_FIRMWARE_BASE && gpa + len <= 0x100000000ull) {
		memcpy(d->fw + (gpa - BH_HVM_FIRMWARE_BASE), buf, len);
		return 0;
	}
	if (!d || !d->ram || gpa + len > d->ram_size)
		return -XL_EFAULT;
	memcpy(d->ram + gpa, buf, len);
	return 0;
}

static int f_set_vcpu(void *ctx, uint16_t domid, const struct bh_vcpu_start *s)
{
	struct fake_dom *d = dom_by_id(domid);

	(void)ctx;
	trace("set_vcpu d%u %u\n", domid, s->vcpu);
	if (inject())
		return -XL_EINVAL;
	if (!d || d->nstart >= 8)
		return -XL_EINVAL;
	d->start[d->nstart++] = *s;
	return 0;
}

static int set_paused(uint16_t domid, bool paused)
{
	struct fake_dom *d = dom_by_id(domid);

	if (!d)
		return -XL_ESRCH;
	if (paused)
		d->info.flags |= BH_DOMINF_paused;
	else
		d->info.flags = (d->info.flags & ~BH_DOMINF_paused) | BH_DOMINF_blocked;
	return 0;
}

static int f_pause(void *ctx, uint16_t domid)
{
	(void)ctx;
	return set_paused(domid, true);
}

static void fake_dm_start(uint16_t domid);

static int f_unpause(void *ctx, uint16_t domid)
{
	int rc;

	(void)ctx;
	trace("unpause d%u\n", domid);
	if (inject())
		return -XL_EBUSY;
	rc = set_paused(domid, false);
	if (!rc)
		fake_dm_start(domid);
	return rc;
}

static int f_shutdown(void *ctx, uint16_t domid, uint32_t reason)
{
	(void)ctx;
	if (!dom_by_id(domid))
		return -XL_ESRCH;
	F.last_shutdown = reason;
	return 0;
}

static int f_destroy(void *ctx, uint16_t domid)
{
	struct fake_dom *d = dom_by_id(domid);

	(void)ctx;
	F.destroys++;
	trace("destroy d%u\n", domid);
	if (F.fail_destroy)
		return -F.fail_destroy;
	if (!d)
		return -XL_ESRCH;
	free(d->ram);
	d->ram = NULL;
	d->used = false;
	return 0;
}

static int f_console_read(void *ctx, char *buf, uint32_t size, bool clear, uint32_t *len)
{
	(void)ctx;
	*len = (uint32_t)strlen(F.dmesg);
	if (*len > size)
		*len = size;
	memcpy(buf, F.dmesg, *len);
	if (clear) {
		F.dmesg[0] = '\0';
		F.dmesg_cleared = true;
	}
	return 0;
}

static int f_rename(void *ctx, uint16_t domid, const char *name)
{
	struct fake_dom *d = dom_by_id(domid);

	(void)ctx;
	if (!d)
		return -XL_ESRCH;
	snprintf(d->info.name, sizeof(d->info.name), "%s", name);
	return 0;
}

static int f_set_max_mem(void *ctx, uint16_t domid, uint64_t mib)
{
	struct fake_dom *d = dom_by_id(domid);

	(void)ctx;
	if (!d)
		return -XL_ESRCH;
	if (mib * 1024 < d->info.mem_kib)
		return -XL_EINVAL;
	d->max_mem_mib = mib;
	d->info.max_mem_kib = mib * 1024;
	return 0;
}

static int f_vcpu_list(void *ctx, uint16_t domid, struct bh_vcpuinfo *buf, uint32_t max,
		       uint32_t *count)
{
	struct fake_dom *d = dom_by_id(domid);

	(void)ctx;
	if (!d)
		return -XL_ESRCH;
	*count = d->nvcpus < max ? d->nvcpus : max;
	memcpy(buf, d->vcpus, *count * sizeof(*buf));
	return 0;
}

static int f_start_time(void *ctx, uint16_t domid, uint64_t *ns)
{
	struct fake_dom *d = dom_by_id(domid);

	(void)ctx;
	if (!d)
		return -XL_ESRCH;
	*ns = d->start_ns;
	return 0;
}

static void f_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(0x10 + i);
}

static struct fake_file *file_find(const char *path)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (F.files[i].used && !strcmp(F.files[i].path, path))
			return &F.files[i];
	return NULL;
}

static void file_put(const char *path, const void *data, size_t len)
{
	struct fake_file *f = file_find(path);

	for (int i = 0; !f && i < MAX_FILES; i++)
		if (!F.files[i].used)
			f = &F.files[i];
	if (!f)
		abort();
	free(f->used ? f->data : NULL);
	f->used = true;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->data = malloc(len + 1);
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
}

static int f_file_read(void *ctx, const char *path, char **data, size_t *len)
{
	struct fake_file *f = file_find(path);

	(void)ctx;
	if (!f)
		return -XL_ENOENT;
	*data = malloc(f->len + 1);
	memcpy(*data, f->data, f->len + 1);
	*len = f->len;
	return 0;
}

static int f_file_write(void *ctx, const char *path, const void *data, size_t len, bool append)
{
	struct fake_file *f = file_find(path);

	(void)ctx;
	if (append && f) {
		char *both = malloc(f->len + len);

		memcpy(both, f->data, f->len);
		memcpy(both + f->len, data, len);
		file_put(path, both, f->len + len);
		free(both);
		return 0;
	}
	file_put(path, data, len);
	return 0;
}

static bool f_file_exists(void *ctx, const char *path)
{
	(void)ctx;
	return file_find(path) != NULL;
}

static int f_file_rename(void *ctx, const char *from, const char *to)
{
	struct fake_file *f = file_find(from), *old = file_find(to);

	(void)ctx;
	if (!f)
		return -XL_ENOENT;
	if (old) {
		free(old->data);
		old->used = false;
	}
	snprintf(f->path, sizeof(f->path), "%s", to);
	return 0;
}

static int f_cons_open(void *ctx, uint16_t domid)
{
	(void)ctx;
	F.cons_opened = true;
	return dom_by_id(domid) ? 0 : -XL_ESRCH;
}

static int f_cons_read(void *ctx, uint16_t domid, char *buf, size_t size)
{
	size_t n = F.cons_out ? strlen(F.cons_out) : 0;

	(void)ctx;
	(void)domid;
	if (n > size)
		n = size;
	if (n)
		memcpy(buf, F.cons_out, n);
	F.cons_out = NULL;
	return (int)n;
}

static int f_cons_write(void *ctx, uint16_t domid, const char *buf, size_t len)
{
	(void)ctx;
	(void)domid;
	memcpy(F.cons_in + F.cons_in_len, buf, len);
	F.cons_in_len += len;
	return (int)len;
}

static void f_cons_close(void *ctx, uint16_t domid)
{
	(void)ctx;
	(void)domid;
	F.cons_closed = true;
}

/* One key per call: keys after Ctrl-] must never be read. */
static int f_term_read(void *ctx, char *buf, size_t size)
{
	(void)ctx;
	if (!F.term_in || !F.term_in[F.term_pos] || !size)
		return 0;
	buf[0] = F.term_in[F.term_pos++];
	return 1;
}

static void f_wait(void *ctx, uint32_t ms)
{
	(void)ctx;
	F.clock_ns += (uint64_t)ms * 1000000;
	F.waits++;
	if (F.shutdown_after_waits >= 0 && F.waits >= F.shutdown_after_waits) {
		struct fake_dom *d = dom_by_id(1);

		if (d) {
			d->info.flags = BH_DOMINF_shutdown;
			d->info.shutdown_reason = SHUTDOWN_poweroff;
		}
	}
}

static void f_out(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	if (F.out_len + len < sizeof(F.out)) {
		memcpy(F.out + F.out_len, s, len);
		F.out_len += len;
		F.out[F.out_len] = '\0';
	}
}

static void f_err(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	if (F.err_len + len < sizeof(F.err)) {
		memcpy(F.err + F.err_len, s, len);
		F.err_len += len;
		F.err[F.err_len] = '\0';
	}
}

#include "test_xl_fake_hvm.c"
/* test_xl_pci.c */
static int f_pci_list(void *ctx, struct bh_pci_dev *buf, uint32_t max, uint32_t *count);
static int f_pci_assign(void *ctx, uint16_t domid, uint32_t sbdf);

static struct xl_backend BE = {
	.list = f_list, .physinfo = f_physinfo, .create = f_create, .load = f_load,
	.set_vcpu = f_set_vcpu, .pause = f_pause, .unpause = f_unpause, .shutdown = f_shutdown,
	.destroy = f_destroy, .console_read = f_console_read, .rename = f_rename,
	.set_max_mem = f_set_max_mem, .vcpu_list = f_vcpu_list, .version = f_version,
	.start_time = f_start_time, .random = f_random, .file_read = f_file_read,
	.file_write = f_file_write, .file_exists = f_file_exists, .file_rename = f_file_rename,
	.cons_open = f_cons_open, .cons_read = f_cons_read, .cons_write = f_cons_write,
	.cons_close = f_cons_close, .term_read = f_term_read, .wait = f_wait, .out = f_out,
	.err = f_err, .set_dm = f_set_dm, .now_ns = f_now_ns, .xs_write = f_xs_write,
	.xs_read = f_xs_read, .xs_rm = f_xs_rm, .xs_dir = f_xs_dir, .xs_set_perms = f_xs_set_perms,
	.gcons_add = f_gcons_add, .gcons_remove = f_gcons_remove, .hvm_store = f_hvm_store,
	.hvm_param = f_hvm_param,
	.pci_list = f_pci_list, .pci_assign = f_pci_assign,
};

/* ---- harness ---- */

/* A machine with Domain-0 (1024 MiB, 2 vCPUs, running, 1.2 s). */
static void reset(void)
{
	for (int i = 0; i < MAX_DOMS; i++)
		free(F.dom[i].ram);
	for (int i = 0; i < MAX_FILES; i++)
		free(F.files[i].data);
	xl_hvm_forget_all();
	memset(&F, 0, sizeof(F));
	F.gcons_guest = -1;
	F.store_guest = -1;
	F.next_domid = 1;
	F.shutdown_after_waits = -1;
	F.pi.nr_cpus = 2;
	F.pi.cpu_khz = 2994000;
	F.pi.total_pages = 512 * 256;	/* 512 MiB */
	F.pi.free_pages = 300 * 256;
	F.pi.virt_caps = 2;
	F.pi.uptime_ns = 3723ull * 1000000000ull;
	strcpy(F.pi.cmdline, "dom0_mem=1024M dom0_max_vcpus=2 console=com1");
	strcpy(F.pi.vendor, "AuthenticAMD");
	struct fake_dom *d0 = add_dom(0, "Domain-0", 1024, 2,
				      BH_DOMINF_running | BH_DOMINF_privileged);
	d0->info.cpu_time_ns = 1234567890ull;
	d0->nvcpus = 2;
	d0->vcpus[0] = (struct bh_vcpuinfo){ .vcpu = 0, .pcpu = 0, .state = 0,
					     .cpu_time_ns = 3700000000ull };
	d0->vcpus[1] = (struct bh_vcpuinfo){ .vcpu = 1, .pcpu = 1, .state = 2,
					     .cpu_time_ns = 2800000000ull };
}

/* Runs "xl ARGS" split at spaces; the exit status. */
static int xl(const char *line)
{
	char buf[512], *argv[32];
	int argc = 0;

	F.out_len = F.err_len = 0;
	F.out[0] = F.err[0] = '\0';
	snprintf(buf, sizeof(buf), "xl %s", line);
	for (char *p = strtok(buf, " "); p && argc < 31; p = strtok(NULL, " "))
		argv[argc++] = p;
	argv[argc] = NULL;
	return xl_main(&BE, argc, argv);
}

static int xl_argv(int argc, char **argv)
{
	F.out_len = F.err_len = 0;
	F.out[0] = F.err[0] = '\0';
	return xl_main(&BE, argc, argv);
}

static bool out_is(const char *s)
{
	if (strcmp(F.out, s))
		fprintf(stderr, "stdout was:\n[%s]\nexpected:\n[%s]\n", F.out, s);
	return !strcmp(F.out, s);
}

static bool err_is(const char *s)
{
	if (strcmp(F.err, s))
		fprintf(stderr, "stderr was:\n[%s]\nexpected:\n[%s]\n", F.err, s);
	return !strcmp(F.err, s);
}

static int live_domains(void)
{
	int n = 0;

	for (int i = 0; i < MAX_DOMS; i++)
		n += F.dom[i].used;
	return n;
}

/* ---- list ---- */

static void test_list(void)
{
	struct fake_dom *g;

	reset();
	CHECK(xl("list") == 0);
	CHECK(out_is("Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
		     "Domain-0                                     0  1024     2     r-----       1.2\n"));
	CHECK(F.err[0] == '\0');
	g = add_dom(1, "freebsd", 128, 1, BH_DOMINF_paused | BH_DOMINF_shutdown);
	g->info.cpu_time_ns = 21600000000ull;
	g->info.shutdown_reason = SHUTDOWN_poweroff;
	CHECK(xl("list freebsd") == 0);
	CHECK(out_is("Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
		     "freebsd                                      1   128     1     --ps--      21.6\n"));
	CHECK(xl("list 1 0") == 0);
	CHECK(strstr(F.out, "freebsd") < strstr(F.out, "Domain-0"));
	CHECK(xl("list nosuch") == 1);
	CHECK(err_is("nosuch is an invalid domain identifier (rc=-6)\n") && F.out[0] == '\0');
	CHECK(xl("list 7") == 1);
	CHECK(err_is("Error: Domain '7' does not exist.\n"));
	CHECK(xl("list -l") == 0);
	CHECK(strstr(F.out, "\"name\": \"Domain-0\"") && strstr(F.out, "\"domid\": 1,"));
	CHECK(F.out[0] == '[' && !strcmp(F.out + F.out_len - 2, "]\n"));
	CHECK(xl("li") == 0 && strstr(F.out, "Domain-0"));	/* prefix */
}

/* Every flag combination and shutdown reason gives the expected letters. */
static void test_states(void)
{
	static const char reasons[] = "-rscwS";
	struct bh_dominfo d;
	char s[7];
	int bad = 0;

	for (uint32_t flags = 0; flags < 32; flags++) {
		for (uint32_t why = 0; why < 7; why++) {
			memset(&d, 0, sizeof(d));
			d.flags = flags;
			d.shutdown_reason = why;
			xl_state_str(&d, s);
			bad += s[0] != (flags & BH_DOMINF_running ? 'r' : '-');
			bad += s[1] != (flags & BH_DOMINF_blocked ? 'b' : '-');
			bad += s[2] != (flags & BH_DOMINF_paused ? 'p' : '-');
			bad += s[3] != (flags & BH_DOMINF_shutdown ? 's' : '-');
			bad += s[4] != (!(flags & BH_DOMINF_shutdown) ? '-' : why < 6 ? reasons[why] : '?');
			bad += s[5] != (flags & BH_DOMINF_dying ? 'd' : '-');
			bad += s[6] != '\0';
		}
	}
	CHECK(bad == 0);
	d.flags = BH_DOMINF_shutdown;
	d.shutdown_reason = SHUTDOWN_crash;
	xl_state_str(&d, s);
	CHECK(!strcmp(s, "---sc-"));
	d.flags = BH_DOMINF_running | BH_DOMINF_dying;
	xl_state_str(&d, s);
	CHECK(!strcmp(s, "r----d"));
	d.flags = BH_DOMINF_blocked | BH_DOMINF_paused | BH_DOMINF_shutdown;
	d.shutdown_reason = SHUTDOWN_soft_reset;
	xl_state_str(&d, s);
	CHECK(!strcmp(s, "-bpsS-"));
}

/* ---- info ---- */

static const char info_golden[] =
	"host                   : testhost\n"
	"release                : 0.1\n"
	"version                : Bulkhead drivers-dom runtime\n"
	"machine                : x86_64\n"
	"nr_cpus                : 2\n"
	"max_cpu_id             : 1\n"
	"nr_nodes               : 1\n"
	"cores_per_socket       : 2\n"
	"threads_per_core       : 1\n"
	"cpu_mhz                : 2994\n"
	"hw_caps                : 00000000:00000000:00000000:00000000:00000000:00000000:00000000:00000000\n"
	"virt_caps              : hvm hap gnttab-v1\n"
	"total_memory           : 512\n"
	"free_memory            : 300\n"
	"sharing_freed_memory   : 0\n"
	"sharing_used_memory    : 0\n"
	"outstanding_claims     : 0\n"
	"free_cpus              : 0\n"
	"xen_major              : 4\n"
	"xen_minor              : 17\n"
	"xen_extra              : .0-bulkhead\n"
	"xen_version            : 4.17.0-bulkhead\n"
	"xen_caps               : hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64\n"
	"xen_scheduler          : bulkhead-rr\n"
	"xen_pagesize           : 4096\n"
	"platform_params        : virt_start=0x0\n"
	"xen_changeset          : unavailable\n"
	"xen_commandline        : dom0_mem=1024M dom0_max_vcpus=2 console=com1\n"
	"cc_compiler            : gcc (Debian 12.2.0-14) 12.2.0\n"
	"cc_compile_by          : bulkhead\n"
	"cc_compile_domain      : example.org\n"
	"cc_compile_date        : Sun Nov 24 12:00:00 UTC 2024\n"
	"build_id               : \n"
	"xend_config_format     : 4\n";

static void test_info(void)
{
	reset();
	CHECK(xl("info") == 0);
	CHECK(out_is(info_golden));
	CHECK(xl("info xen_version") == 0 && out_is("4.17.0-bulkhead\n"));
	CHECK(xl("info total_memory") == 0 && out_is("512\n"));
	CHECK(xl("info xend_config_format") == 0 && out_is("4\n"));
	CHECK(xl("info xen_commandline") == 0 &&
	      out_is("dom0_mem=1024M dom0_max_vcpus=2 console=com1\n"));
	CHECK(xl("info nosuch") == 1 && err_is("xl info: unknown key 'nosuch'\n"));
	CHECK(xl("info a b") == 2 && err_is("'xl info' takes at most 1 argument.\n"));
	BE.version = NULL;	/* a backend that cannot say: defaults */
	CHECK(xl("info host") == 0 && out_is("bulkhead\n"));
	BE.version = f_version;
}

/* ---- vcpu-list, uptime, vm-list, domid, domname ---- */

static void test_vcpu_list(void)
{
	struct fake_dom *g;

	reset();
	CHECK(xl("vcpu-list") == 0);
	/* The rows as observed from Xen 4.17 (REFERENCE §1). */
	CHECK(out_is("Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)\n"
		     "Domain-0                             0     0    0   r--       3.7  all / all\n"
		     "Domain-0                             0     1    1   -b-       2.8  all / all\n"));
	g = add_dom(3, "web", 64, 2, BH_DOMINF_blocked);
	g->nvcpus = 2;
	g->vcpus[0] = (struct bh_vcpuinfo){ .vcpu = 0, .pcpu = 1, .state = 1,
					    .cpu_time_ns = 12345000000000ull };
	g->vcpus[1] = (struct bh_vcpuinfo){ .vcpu = 1, .pcpu = 0, .state = 3 };
	CHECK(xl("vcpu-l web") == 0);
	CHECK(out_is("Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)\n"
		     "web                                  3     0    1   ---   12345.0  all / all\n"
		     "web                                  3     1    -   --p       0.0  all / all\n"));
	CHECK(xl("vcpu-list nosuch") == 1 &&
	      err_is("nosuch is an invalid domain identifier (rc=-6)\n"));
}

static void test_uptime(void)
{
	struct fake_dom *g;

	reset();
	g = add_dom(1, "web", 64, 1, BH_DOMINF_blocked);
	g->start_ns = 3600ull * 1000000000ull;	/* up 123 s */
	CHECK(xl("uptime") == 0);
	CHECK(out_is("Name                                ID Uptime\n"
		     "Domain-0                             0  1:02:03\n"
		     "web                                  1  0:02:03\n"));
	F.pi.uptime_ns = (86400ull + 7 * 3600 + 5 * 60 + 9) * 1000000000ull;
	CHECK(xl("uptime 0") == 0);
	CHECK(out_is("Name                                ID Uptime\n"
		     "Domain-0                             0 1 day,  7:05:09\n"));
	F.pi.uptime_ns = (3 * 86400ull + 12 * 3600 + 34 * 60 + 56) * 1000000000ull;
	CHECK(xl("uptime Domain-0") == 0);
	CHECK(out_is("Name                                ID Uptime\n"
		     "Domain-0                             0 3 days, 12:34:56\n"));
	CHECK(xl("uptime nosuch") == 1 && F.out[0] == '\0');
}

static void test_names(void)
{
	reset();
	add_dom(2, "web", 64, 1, BH_DOMINF_blocked);
	CHECK(xl("vm-list") == 0);
	CHECK(out_is("UUID                                  ID    name\n"
		     "00000000-0000-0000-0000-000000000002  2    web                           \n"));
	CHECK(xl("domid web") == 0 && out_is("2\n"));
	CHECK(xl("domid Domain-0") == 0 && out_is("0\n"));
	CHECK(xl("domid nosuch") == 1 &&
	      err_is("Can't get domid of domain name 'nosuch', maybe this domain does not exist.\n"));
	CHECK(xl("domname 2") == 0 && out_is("web\n"));
	CHECK(xl("domname 9") == 1 &&
	      err_is("Can't get domain name of domain id '9', maybe this domain does not exist.\n"));
	CHECK(xl("domname abc") == 1 && err_is("Invalid domain id.\n"));
	CHECK(xl("domid") == 2 && err_is("'xl domid' requires at least 1 argument.\n"));
	CHECK(strstr(F.out, "Usage: xl [-vN] domid <DomainName>"));	/* usage follows, on stdout */
}

/* ---- command table, options, help ---- */

static void test_dispatch(void)
{
	bool amb;

	reset();
	CHECK(xl_cmd_lookup("list", &amb) && !strcmp(xl_cmd_lookup("list", &amb)->name, "list"));
	CHECK(!strcmp(xl_cmd_lookup("vcpu", &amb)->name, "vcpu-list"));
	CHECK(!strcmp(xl_cmd_lookup("un", &amb)->name, "unpause"));
	CHECK(!strcmp(xl_cmd_lookup("sh", &amb)->name, "shutdown"));
	CHECK(!strcmp(xl_cmd_lookup("dom", &amb) ? "x" : "ambiguous", "ambiguous") && amb);
	CHECK(!strcmp(xl_cmd_lookup("domn", &amb)->name, "domname"));
	CHECK(!xl_cmd_lookup("zzz", &amb) && !amb);
	CHECK(xl("re web") == 1 && err_is("ambiguous command 're': could be reboot, rename\n"));
	CHECK(xl("d") == 1 &&
	      err_is("ambiguous command 'd': could be destroy, dmesg, domid, domname\n"));
	CHECK(xl("frobnicate") == 1 && err_is("command not implemented\n"));
	CHECK(xl("") == 1 && strstr(F.out, "Usage xl [-vfNtT] <subcommand> [args]"));
	CHECK(xl("help") == 0 && strstr(F.out, "\n create              Create a domain"));
	CHECK(strstr(F.out, "\n vm-list             "));
	CHECK(xl("help destroy") == 0);
	CHECK(out_is("Usage: xl [-vf] destroy [options] <Domain>\n\n"
		     "Terminate a domain immediately.\n\n"
		     "Options:\n\n-f             allow domain 0 to be destroyed\n"));
	CHECK(xl("destroy -h") == 0 && strstr(F.out, "Usage: xl [-vf] destroy"));
	CHECK(xl("destroy --help") == 0 && strstr(F.out, "Usage: xl [-vf] destroy"));
	CHECK(xl("help nosuch") == 1 && err_is("command \"nosuch\" not implemented\n"));
	CHECK(xl("help cr") == 0 && strstr(F.out, "Usage: xl [-vfN] create"));
	CHECK(xl("-z list") == 2 && err_is("unknown global option\n"));
	CHECK(xl("-vvvNf -t list") == 0 && strstr(F.out, "Domain-0"));
	CHECK(xl("-N destroy web") == 1 &&
	      err_is("command does not implement -N (dryrun) option\n"));
	CHECK(xl("list -z") == 2 && err_is("option `z' not supported.\n"));
	CHECK(xl("list --bogus") == 2 && err_is("option `--bogus' not supported.\n"));
	CHECK(xl("console -t") == 2 && err_is("option `t' requires an argument.\n"));
	CHECK(xl("destroy") == 2 && err_is("'xl destroy' requires at least 1 argument.\n"));
	CHECK(xl("rename a") == 2 && err_is("'xl rename' requires at least 2 arguments.\n"));
	CHECK(xl("destroy a b") == 2 && err_is("'xl destroy' takes at most 1 argument.\n"));
	CHECK(xl("vm-list x") == 2 && err_is("'xl vm-list' takes at most 0 arguments.\n"));
	CHECK(xl_parse_mem_kb("512") == 512 * 1024 && xl_parse_mem_kb("1g") == 1 << 20);
	CHECK(xl_parse_mem_kb("2048k") == 2048 && xl_parse_mem_kb("1T") == 1ll << 30);
	CHECK(xl_parse_mem_kb("4096b") == 4 && xl_parse_mem_kb("12x") == -1);
	CHECK(xl_parse_mem_kb("") == -1 && xl_parse_mem_kb("-1") == -1 &&
	      xl_parse_mem_kb("1mb") == -1);
}

/* ---- domain control ---- */

static void test_control(void)
{
	reset();
	add_dom(1, "web", 64, 1, BH_DOMINF_blocked);
	CHECK(xl("destroy nosuch") == 1 &&
	      err_is("nosuch is an invalid domain identifier (rc=-6)\n"));
	CHECK(F.destroys == 0);
	CHECK(xl("destroy 5") == 1 && err_is("Error: Domain '5' does not exist.\n"));
	CHECK(xl("destroy Domain-0") == 1 && err_is("Not destroying domain 0; use -f to force.\n"));
	F.fail_destroy = XL_EPERM;
	CHECK(xl("destroy -f 0") == 1 &&
	      err_is("destroy failed (rc=-1: Operation not permitted)\n"));
	CHECK(xl("-f destroy 0") == 1 && F.destroys == 2);
	F.fail_destroy = 0;
	CHECK(xl("pause web") == 0 && (dom_by_id(1)->info.flags & BH_DOMINF_paused));
	CHECK(xl("list web") == 0 && strstr(F.out, "     -bp---"));
	CHECK(xl("unpause 1") == 0 && !(dom_by_id(1)->info.flags & BH_DOMINF_paused));
	CHECK(xl("pause nosuch") == 1 && err_is("nosuch is an invalid domain identifier (rc=-6)\n"));
	CHECK(xl("shutdown web") == 0 && F.last_shutdown == SHUTDOWN_poweroff && F.err[0] == 0);
	CHECK(xl("reboot web") == 0 && F.last_shutdown == SHUTDOWN_reboot);
	F.shutdown_after_waits = 2;
	CHECK(xl("shutdown -w web") == 0 && F.waits == 2);
	CHECK(err_is("Waiting for 1 domains\nDomain 1 has been shut down, reason code 0\n"));
	CHECK(xl("destroy web") == 0 && F.err[0] == '\0' && !dom_by_id(1));
	add_dom(1, "web", 64, 1, BH_DOMINF_blocked);
	F.waits = 0;
	F.shutdown_after_waits = -1;
	BE.wait = NULL;
	CHECK(xl("shutdown --wait web") == 1 &&
	      strstr(F.err, "cannot wait for events"));
	BE.wait = f_wait;
}

static void test_rename_memmax(void)
{
	reset();
	add_dom(1, "web", 64, 1, BH_DOMINF_blocked);
	add_dom(2, "db", 64, 1, BH_DOMINF_blocked);
	CHECK(xl("rename web www") == 0 && xl("domid www") == 0 && out_is("1\n"));
	CHECK(xl("rename www db") == 1 &&
	      err_is("Can't rename domain 'www': a domain named 'db' already exists.\n"));
	CHECK(xl("rename www a/b") == 1 &&
	      err_is("Can't rename domain 'www': invalid name 'a/b'.\n"));
	CHECK(xl("rename www 123") == 1);
	CHECK(xl("rename nosuch x") == 1 &&
	      err_is("nosuch is an invalid domain identifier (rc=-6)\n"));
	CHECK(xl("mem-max www 512") == 0 && dom_by_id(1)->max_mem_mib == 512);
	CHECK(xl("mem-max www 1g") == 0 && dom_by_id(1)->max_mem_mib == 1024);
	CHECK(xl("mem-max www 100000k") == 0 && dom_by_id(1)->max_mem_mib == 98);
	CHECK(xl("mem-max www 12x") == 1 && err_is("invalid memory size: 12x\n"));
	CHECK(xl("mem-max www 1") == 1 &&
	      err_is("cannot set domid 1 static max memory to : 1\n"));
	CHECK(xl("mem-max nosuch 512") == 1);
}

static void test_dmesg(void)
{
	reset();
	strcpy(F.dmesg, "(XEN) Bulkhead 0.1\n(XEN) d0: created\n");
	CHECK(xl("dmesg") == 0 && out_is("(XEN) Bulkhead 0.1\n(XEN) d0: created\n"));
	CHECK(!F.dmesg_cleared);
	CHECK(xl("-N dmesg -c") == 0 && !F.dmesg_cleared && F.out_len > 0);
	CHECK(xl("dmesg --clear") == 0 && F.dmesg_cleared && F.out_len > 0);
	CHECK(xl("dmesg") == 0 && F.out_len == 0);
}

/* ---- create ---- */

/* A static ELF64 x86-64 executable: one PT_LOAD at load with BSS after it. */
static size_t make_elf(uint8_t *buf, uint64_t load, const uint8_t *code, size_t len, uint64_t bss)
{
	uint8_t *ph = buf + 64;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	memset(buf, 0, 0x100 + len);
	memcpy(buf, "\177ELF\2\1\1", 7);
	v16 = 2, memcpy(buf + 16, &v16, 2);		/* ET_EXEC */
	v16 = 62, memcpy(buf + 18, &v16, 2);		/* EM_X86_64 */
	v32 = 1, memcpy(buf + 20, &v32, 4);
	v64 = load, memcpy(buf + 24, &v64, 8);		/* entry */
	v64 = 64, memcpy(buf + 32, &v64, 8);		/* phoff */
	v16 = 64, memcpy(buf + 52, &v16, 2);		/* ehsize */
	v16 = 56, memcpy(buf + 54, &v16, 2);		/* phentsize */
	v16 = 1, memcpy(buf + 56, &v16, 2);		/* phnum */
	v32 = 1, memcpy(ph, &v32, 4);			/* PT_LOAD */
	v32 = 7, memcpy(ph + 4, &v32, 4);
	v64 = 0x100, memcpy(ph + 8, &v64, 8);		/* offset */
	v64 = load, memcpy(ph + 16, &v64, 8);
	memcpy(ph + 24, &v64, 8);			/* paddr */
	v64 = len, memcpy(ph + 32, &v64, 8);		/* filesz */
	v64 = len + bss, memcpy(ph + 40, &v64, 8);	/* memsz */
	memcpy(buf + 0x100, code, len);
	return 0x100 + len;
}

static const uint8_t guest_code[] = { 0xf4, 0xeb, 0xfd, 'B', 'U', 'L', 'K' };

static void install_guest(const char *cfg_text)
{
	uint8_t elf[0x200];
	size_t n = make_elf(elf, 0x100000, guest_code, sizeof(guest_code), 0x3000);

	file_put("/boot/guest.elf", elf, n);
	file_put("/etc/xen/guest.cfg", cfg_text, strlen(cfg_text));
}

static const char guest_cfg[] =
	"# a runtime domain\n"
	"name = \"guest\"\n"
	"memory = 8\n"
	"vcpus = 2\n"
	"kernel = \"/boot/guest.elf\"\n"
	"cmdline = \"console=hvc0 loglvl=all\"\n";

static uint64_t ram64(const struct fake_dom *d, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, d->ram + gpa, 8);
	return v;
}

static void check_memory(const struct fake_dom *d)
{
	int bad = 0;

	CHECK(ram64(d, 0x1000) == (0x2000 | 3));
	for (uint64_t i = 0; i < 4; i++)
		bad += ram64(d, 0x2000 + i * 8) != ((0x3000 + i * 0x1000) | 3);
	for (uint64_t i = 0; i < 2048; i++)
		bad += ram64(d, 0x3000 + i * 8) != ((i << 21) | 0x83);
	CHECK(bad == 0);
	CHECK(ram64(d, 0x7000) == 0 && ram64(d, 0x7008) == 0x00af9a000000ffffull &&
	      ram64(d, 0x7010) == 0x00cf92000000ffffull);
	CHECK(!memcmp(d->ram + 0x100000, guest_code, sizeof(guest_code)));
}

static void check_vcpus(const struct fake_dom *d, uint64_t fdt_gpa)
{
	CHECK(d->nstart == 2);
	CHECK(d->start[0].vcpu == 0 && d->start[0].mode == 1 && d->start[0].rip == 0x100000);
	CHECK(d->start[0].rsp == 8 * MIB && d->start[1].rsp == 8 * MIB - 0x10000);
	CHECK(d->start[0].cr3 == 0x1000 && d->start[0].gdt_base == 0x7000 &&
	      d->start[0].gdt_limit == 23 && d->start[0].cs_sel == 0x08);
	CHECK(d->start[0].rdi == fdt_gpa && d->start[1].rdi == fdt_gpa);
}

#ifdef HAVE_LIBFDT
static void check_fdt(const void *fdt, uint32_t domid, uint64_t mem, uint32_t vcpus)
{
	const char *s;
	const fdt32_t *p;
	int off, len;

	CHECK(fdt_check_header(fdt) == 0 && fdt_version(fdt) == 17);
	off = fdt_path_offset(fdt, "/chosen");
	s = fdt_getprop(fdt, off, "bootargs", &len);
	CHECK(s && !strcmp(s, "console=hvc0 loglvl=all"));
	p = fdt_getprop(fdt, off, "bulkhead,domid", &len);
	CHECK(p && len == 4 && fdt32_to_cpu(*p) == domid);
	CHECK(!fdt_getprop(fdt, off, "bulkhead,privileged", &len));
	p = fdt_getprop(fdt, fdt_path_offset(fdt, "/memory@0"), "reg", &len);
	CHECK(p && len == 16 && fdt32_to_cpu(p[0]) == 0 && fdt32_to_cpu(p[1]) == 0 &&
	      fdt32_to_cpu(p[2]) == (uint32_t)(mem >> 32) && fdt32_to_cpu(p[3]) == (uint32_t)mem);
	CHECK(fdt_path_offset(fdt, "/cpus/cpu@0") >= 0);
	CHECK((fdt_path_offset(fdt, "/cpus/cpu@1") >= 0) == (vcpus > 1));
	CHECK(fdt_node_check_compatible(fdt, fdt_path_offset(fdt, "/hypervisor"), "xen,xen") == 0);
}
#endif

static void test_create(void)
{
	struct fake_dom *d;
	const struct fake_file *log;

	reset();
	install_guest(guest_cfg);
	CHECK(xl("create /etc/xen/guest.cfg") == 0);
	CHECK(err_is("Parsing config from /etc/xen/guest.cfg\n") && F.out[0] == '\0');
	d = dom_by_id(1);
	CHECK(d && !strcmp(d->info.name, "guest") && d->ram_size == 8 * MIB);
	CHECK(d && !(d->info.flags & BH_DOMINF_paused));
	CHECK(d->max_mem_mib == 8 && d->info.nr_vcpus == 2);
	check_memory(d);
	/* FDT: after the image (0x100000 + 7 + BSS, page-aligned) and two ring pages. */
	check_vcpus(d, 0x104000 + 0x2000);
#ifdef HAVE_LIBFDT
	check_fdt(d->ram + 0x106000, 1, 8 * MIB, 2);
#endif
	log = file_find("/var/log/xen/xl-guest.log");
	CHECK(log && strstr(log->data, "Parsing config from /etc/xen/guest.cfg\n"));
	CHECK(log && strstr(log->data, "libxl: debug: xl_build.c:"));
	CHECK(log && strstr(log->data, ":build_create: Domain 1:created paused: 2 vCPU(s), 8 MiB\n"));
	CHECK(xl("list guest") == 0 &&
	      strstr(F.out, "guest                                        1     8     2     -b----       0.0\n"));
	/* Same name again: refused, nothing created. */
	CHECK(xl("create /etc/xen/guest.cfg") == 1 && F.creates == 1);
	CHECK(err_is("Parsing config from /etc/xen/guest.cfg\n"
		     "A domain named 'guest' already exists (domid 1).\n"));
	CHECK(file_find("/var/log/xen/xl-guest.log.1"));	/* rotated */
	CHECK(xl("destroy guest") == 0 && live_domains() == 1);
}

static void test_create_options(void)
{
	struct fake_dom *d;

	reset();
	install_guest(guest_cfg);
	CHECK(xl("-vvv create -p /etc/xen/guest.cfg memory=16 name=small") == 0);
	d = dom_by_id(1);
	CHECK(d && !strcmp(d->info.name, "small") && d->ram_size == 16 * MIB);
	CHECK(d && (d->info.flags & BH_DOMINF_paused));
	CHECK(strstr(F.err, "libxl: debug: xl_build.c:") &&
	      strstr(F.err, ":build_create: Domain 1:created paused"));
	CHECK(file_find("/var/log/xen/xl-small.log"));
	/* -N: the normalized config, nothing created. */
	CHECK(xl("create -N /etc/xen/guest.cfg vcpus=1") == 0 && F.creates == 1);
	CHECK(err_is("Parsing config from /etc/xen/guest.cfg\n"));
	CHECK(strstr(F.out, "name = \"guest\"\n") && strstr(F.out, "memory = 8\n"));
	CHECK(strstr(F.out, "vcpus = 1\n") && strstr(F.out, "kernel = \"/boot/guest.elf\"\n"));
	/* An override whose value has spaces, as the shell hands it over. */
	char *argv[] = { "xl", "create", "-N", "/etc/xen/guest.cfg", "cmdline=console=hvc0 ro",
			 NULL };
	CHECK(xl_argv(5, argv) == 0 && strstr(F.out, "cmdline = \"console=hvc0 ro\"\n"));
	CHECK(xl("-N create /etc/xen/guest.cfg") == 0 && F.creates == 1 &&
	      strstr(F.out, "name = \"guest\""));
}

static const char freebsd_cfg[] =
	"builder = \"hvm\"\n"
	"name = \"freebsd\"\n"
	"memory = 1024\n"
	"vcpus = 2\n"
	"vif = [ 'mac=00:16:3E:74:34:32,bridge=bridge0' ]\n"
	"disk = [\n"
	"'/dev/zvol/tank/xendisk0,raw,hda,rw',\n"
	"'/root/freebsd.iso,raw,hdc:cdrom,r'\n"
	"  ]\n"
	"vnc = 1\n"
	"vnclisten = \"0.0.0.0\"\n"
	"serial = \"pty\"\n"
	"usbdevice = \"tablet\"\n";

static void test_create_errors(void)
{
	reset();
	file_put("/root/freebsd.cfg", freebsd_cfg, strlen(freebsd_cfg));
	CHECK(xl("create /root/freebsd.cfg") == 1);
	CHECK(err_is("Parsing config from /root/freebsd.cfg\n"
		     "xl: warning: vnc is not supported yet; ignored\n"
		     "xl: warning: usbdevice is not supported yet; ignored\n"
		     "Failed to create HVM domain 'freebsd': cannot read the BIOS "
		     "/usr/lib/xen/boot/bios.bin: No such file or directory\n"));
	CHECK(F.creates == 0 && live_domains() == 1);
	CHECK(xl("create -N /root/freebsd.cfg") == 0 && strstr(F.out, "type = \"hvm\""));
	CHECK(xl("create /nope.cfg") == 1);
	CHECK(err_is("Parsing config from /nope.cfg\n"
		     "Failed to read config file: /nope.cfg: No such file or directory\n"));
	file_put("/bad.cfg", "name = \"x\"\nmemory = = 4\n", 24);
	CHECK(xl("create /bad.cfg") == 1 && strstr(F.err, "/bad.cfg:2: config parsing error near `='"));
	file_put("/noname.cfg", "memory = 4\n", 11);
	CHECK(xl("create /noname.cfg") == 1 && F.creates == 0);
	file_put("/nokernel.cfg", "name = \"k\"\n", 11);
	CHECK(xl("create /nokernel.cfg") == 1 && F.creates == 0 &&
	      strstr(F.err, "/nokernel.cfg: Neither kernel nor bootloader specified"));
	file_put("/bootloader.cfg", "name = \"k\"\nbootloader = \"pygrub\"\n", 33);
	CHECK(xl("create /bootloader.cfg") == 1 &&
	      strstr(F.err, "/bootloader.cfg: no kernel= given"));
	install_guest(guest_cfg);
	CHECK(xl("create /etc/xen/guest.cfg kernel=/boot/none.elf") == 1);
	CHECK(strstr(F.err, "Failed to build domain 'guest': cannot read kernel /boot/none.elf: "
			    "No such file or directory\n") && F.creates == 0);
	CHECK(xl("create /etc/xen/guest.cfg kernel=/etc/xen/guest.cfg") == 1);
	CHECK(strstr(F.err, "is not a static ELF64 x86-64 executable\n") && F.creates == 0);
	CHECK(xl("create /etc/xen/guest.cfg memory=1") == 1 && F.creates == 0);
	CHECK(strstr(F.err, "Failed to build domain 'guest': memory=1 MiB is too small"));
	CHECK(xl("create") == 2 && err_is("'xl create' requires at least 1 argument.\n"));
	CHECK(xl("create /etc/xen/guest.cfg memory=2 vcpus=64") == 1 && F.creates == 0);
	CHECK(strstr(F.err, "memory=2 MiB is too small"));
	CHECK(xl("create /etc/xen/guest.cfg vcpus=100") == 1 && F.creates == 0);
	CHECK(strstr(F.err, "at most 64 vCPUs"));
	CHECK(xl("create /etc/xen/guest.cfg name=bad/name") == 1 && F.creates == 0);
	/* type "pv" (the parser's default) and "pvh" both build a runtime domain. */
	CHECK(xl("create /etc/xen/guest.cfg type=pvh name=k") == 0 && F.creates == 1);
	CHECK(xl("create /etc/xen/guest.cfg type=pv name=k2") == 0 && F.creates == 2);
}

/* A failure half-way destroys the half-built domain: nothing is left. */
static void test_create_rollback(void)
{
	reset();
	install_guest(guest_cfg);
	F.fail_load_after = 2;	/* page tables load, the kernel segment fails */
	CHECK(xl("create /etc/xen/guest.cfg") == 1);
	CHECK(err_is("Parsing config from /etc/xen/guest.cfg\n"
		     "Failed to build domain 'guest': loading kernel segment: Bad address (rc=-14)\n"));
	CHECK(F.creates == 1 && F.destroys == 1 && live_domains() == 1 && !dom_by_id(1));
	CHECK(file_find("/var/log/xen/xl-guest.log"));
	F.fail_load_after = 3;	/* the FDT */
	F.loads = 0;
	CHECK(xl("create /etc/xen/guest.cfg") == 1 && live_domains() == 1);
	CHECK(strstr(F.err, "loading start info (FDT): Bad address (rc=-14)"));
	F.fail_load_after = 1;
	F.loads = 0;
	F.fail_destroy = XL_EBUSY;
	CHECK(xl("create /etc/xen/guest.cfg") == 1);
	CHECK(strstr(F.err, "Domain 3 could not be destroyed: it is left paused\n"));
}

/* Twelve creates of one name: xl-NAME.log and .1 ... .10, no .11. */
static void test_log_rotation(void)
{
	const struct fake_file *f;
	int ok = 0;

	reset();
	install_guest(guest_cfg);
	for (int i = 0; i < 12; i++) {
		char arg[64];

		snprintf(arg, sizeof(arg), "create /etc/xen/guest.cfg vcpus=%d", i % 3 + 1);
		ok += xl(arg) == 0;
		ok += xl("destroy guest") == 0;
	}
	CHECK(ok == 24 && live_domains() == 1);
	CHECK(file_find("/var/log/xen/xl-guest.log.10") && !file_find("/var/log/xen/xl-guest.log.11"));
	for (int i = 1; i <= 10; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/var/log/xen/xl-guest.log.%d", i);
		ok += file_find(path) != NULL;
	}
	CHECK(ok == 34);
	/* The newest log is the last create (vcpus=3), the oldest kept the third. */
	f = file_find("/var/log/xen/xl-guest.log");
	CHECK(f && strstr(f->data, "created paused: 3 vCPU(s)"));
	f = file_find("/var/log/xen/xl-guest.log.10");
	CHECK(f && strstr(f->data, "created paused: 2 vCPU(s)"));
}

/* ---- console ---- */

static void test_console(void)
{
	reset();
	add_dom(1, "web", 64, 1, BH_DOMINF_blocked);
	F.cons_out = "login: ";
	F.term_in = "ab\x1dzz";
	CHECK(xl("console web") == 0);
	CHECK(out_is("login: ") && F.cons_in_len == 2 && !memcmp(F.cons_in, "ab", 2));
	CHECK(F.cons_opened && F.cons_closed && F.term_pos == 3);
	CHECK(xl("console nosuch") == 1 &&
	      err_is("nosuch is an invalid domain identifier (rc=-6)\n"));
	CHECK(xl("console -t vga web") == 2 &&
	      err_is("console type must be 'pv' or 'serial', not 'vga'\n"));
	CHECK(xl("-N console web") == 1);
	/* create -c: attached once the domain runs, left with Ctrl-]. */
	install_guest(guest_cfg);
	F.next_domid = 2;
	F.cons_out = "hello from guest\n";
	F.term_in = "\x1d";
	F.term_pos = 0;
	CHECK(xl("create -c /etc/xen/guest.cfg") == 0 && out_is("hello from guest\n"));
	CHECK(dom_by_id(F.next_domid - 1) && F.term_pos == 1);
	BE.cons_open = NULL;
	CHECK(xl("console -t pv web") == 1 &&
	      err_is("Unable to attach console of domain 1: no console ring client in this build\n"));
	BE.cons_open = f_cons_open;
}

/* ---- builder pieces ---- */

static void test_elf(void)
{
	uint8_t elf[0x200];
	struct xl_elf info;
	size_t n = make_elf(elf, 0x100000, guest_code, sizeof(guest_code), 0x10);

	CHECK(xl_elf_check(elf, n, &info) == 0 && info.entry == 0x100000 &&
	      info.lowest == 0x100000 && info.highest == 0x100000 + sizeof(guest_code) + 0x10);
	CHECK(xl_elf_check(elf, 63, &info) == -XL_EINVAL);
	elf[4] = 1;	/* ELFCLASS32 */
	CHECK(xl_elf_check(elf, n, &info) == -XL_EINVAL);
	n = make_elf(elf, 0x4000, guest_code, sizeof(guest_code), 0);
	CHECK(xl_elf_check(elf, n, &info) == 0 && info.lowest == 0x4000);
	reset();
	file_put("/boot/low.elf", elf, n);
	install_guest(guest_cfg);
	CHECK(xl("create /etc/xen/guest.cfg kernel=/boot/low.elf") == 1 && F.creates == 0);
	CHECK(strstr(F.err, "kernel /boot/low.elf loads at 0x4000, below 0x8000 (page tables and GDT)"));
}

static void test_fdt(void)
{
	struct xl_start_info si = {
		.domid = 7, .vcpus = 1, .mem_bytes = 64 * MIB, .bootargs = "quiet",
		.module_gpa = 0x200000, .module_size = 0x1234, .module_args = "/boot/initrd",
		.rings = { true, 0x3f0, 5, 0x3f1, 6 },
	};
	size_t len = 0;
	uint8_t *fdt = xl_build_fdt(&si, &len);

	CHECK(fdt && len > 40 && fdt[0] == 0xd0 && fdt[1] == 0x0d && fdt[2] == 0xfe &&
	      fdt[3] == 0xed);
#ifdef HAVE_LIBFDT
	int hv = fdt_path_offset(fdt, "/hypervisor"), m = fdt_path_offset(fdt, "/modules/module@0");
	const fdt32_t *p;
	int plen;

	CHECK(fdt_check_header(fdt) == 0 && fdt_totalsize(fdt) == len);
	p = fdt_getprop(fdt, hv, "bulkhead,store-pfn", &plen);
	CHECK(p && fdt32_to_cpu(*p) == 0x3f0);
	p = fdt_getprop(fdt, hv, "bulkhead,console-evtchn", &plen);
	CHECK(p && fdt32_to_cpu(*p) == 6);
	p = fdt_getprop(fdt, m, "reg", &plen);
	CHECK(p && plen == 16 && fdt32_to_cpu(p[1]) == 0x200000 && fdt32_to_cpu(p[3]) == 0x1234);
	CHECK(!strcmp(fdt_getprop(fdt, m, "bootargs", &plen), "/boot/initrd"));
	CHECK(fdt_path_offset(fdt, "/cpus/cpu@1") < 0);
#endif
	free(fdt);
}

#include "test_xl_hvm.c"
#include "test_xl_pci.c"
#include "test_xl_vbd.c"

int main(void)
{
	test_list();
	test_pci_commands();
	test_pci_create();
	test_states();
	test_info();
	test_vcpu_list();
	test_uptime();
	test_names();
	test_dispatch();
	test_control();
	test_rename_memmax();
	test_dmesg();
	test_create();
	test_create_options();
	test_create_errors();
	test_create_rollback();
	test_log_rotation();
	test_console();
	test_elf();
	test_fdt();
	test_hvm();
	test_vbd();
	reset();
	CHECK_DONE("xl");
	return 0;
}

/* xl list, vm-list, domid, domname: output byte for byte as upstream xl (REFERENCE §1). */
#include "xl.h"

static void list_row(struct xl *x, const struct bh_dominfo *d)
{
	char name[65], state[7], secs[24];

	xl_name(name, d->name, sizeof(d->name));
	xl_state_str(d, state);
	xl_fmt_secs(secs, sizeof(secs), d->cpu_time_ns, 8);
	xl_out(x, "%-40s %5u %5llu %5u     %s  %s\n", name, d->domid,
	       (unsigned long long)(d->mem_kib / 1024), d->online_vcpus, state, secs);
}

static void json_str(struct xl *x, const char *s)
{
	xl_outs(x, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			xl_out(x, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			xl_out(x, "\\u%04x", (unsigned char)*s);
		else
			xl_outs(x, s, 1);
	}
	xl_outs(x, "\"", 1);
}

/* -l: a JSON array in the shape of upstream's libxl_domain_config. */
static void list_long(struct xl *x, const struct bh_dominfo *d, uint32_t n)
{
	char name[65];

	xl_outs(x, "[\n", 2);
	for (uint32_t i = 0; i < n; i++) {
		xl_name(name, d[i].name, sizeof(d[i].name));
		xl_out(x, "    {\n        \"domid\": %u,\n        \"config\": {\n", d[i].domid);
		xl_out(x, "            \"c_info\": {\n                \"type\": \"pvh\",\n"
			  "                \"name\": ");
		json_str(x, name);
		xl_out(x, "\n            },\n            \"b_info\": {\n"
			  "                \"max_vcpus\": %u,\n"
			  "                \"max_memkb\": %llu,\n"
			  "                \"target_memkb\": %llu\n            }\n        }\n    }%s\n",
		       d[i].nr_vcpus, (unsigned long long)d[i].max_mem_kib,
		       (unsigned long long)d[i].mem_kib, i + 1 < n ? "," : "");
	}
	xl_outs(x, "]\n", 2);
}

static void list_print(struct xl *x, const struct xl_args *a, const struct bh_dominfo *d,
		       uint32_t n)
{
	if (a->on['l']) {
		list_long(x, d, n);
		return;
	}
	xl_out(x, "Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
	for (uint32_t i = 0; i < n; i++)
		list_row(x, &d[i]);
}

int xl_cmd_list(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo *d;
	uint32_t n;
	int rc;

	if (!a->n) {
		rc = xl_list_all(x, &d, &n);
		if (rc)
			return rc;
	} else {
		d = calloc((size_t)a->n, sizeof(*d));
		if (!d)
			return xl_fail_rc(x, "list", -XL_ENOMEM);
		for (n = 0; n < (uint32_t)a->n; n++) {
			rc = xl_find_domain(x, a->pos[n], &d[n]);
			if (rc) {
				free(d);
				return rc;
			}
		}
	}
	list_print(x, a, d, n);
	free(d);
	return XL_OK;
}

/*
 * Guests only (not Dom0), as upstream. Bulkhead domains have no UUID yet:
 * the column shows a placeholder made from the domain id.
 */
int xl_cmd_vm_list(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo *d;
	char name[65];
	uint32_t n;
	int rc = xl_list_all(x, &d, &n);

	(void)a;
	if (rc)
		return rc;
	xl_out(x, "UUID                                  ID    name\n");
	for (uint32_t i = 0; i < n; i++) {
		if (d[i].domid == 0)
			continue;
		xl_name(name, d[i].name, sizeof(d[i].name));
		xl_out(x, "00000000-0000-0000-0000-%012x  %u    %-30s\n", d[i].domid, d[i].domid,
		       name);
	}
	free(d);
	return XL_OK;
}

int xl_cmd_domid(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo *d;
	char name[65];
	uint32_t n;
	int rc = xl_list_all(x, &d, &n);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		xl_name(name, d[i].name, sizeof(d[i].name));
		if (!strcmp(name, a->pos[0])) {
			xl_out(x, "%u\n", d[i].domid);
			free(d);
			return XL_OK;
		}
	}
	free(d);
	return xl_fail(x, XL_FAIL,
		       "Can't get domid of domain name '%s', maybe this domain does not exist.\n",
		       a->pos[0]);
}

int xl_cmd_domname(struct xl *x, const struct xl_args *a)
{
	struct bh_dominfo *d;
	char name[65], *end;
	long id = strtol(a->pos[0], &end, 10);
	uint32_t n;
	int rc;

	if (end == a->pos[0] || *end || id < 0)
		return xl_fail(x, XL_FAIL, "Invalid domain id.\n");
	rc = xl_list_all(x, &d, &n);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		if (d[i].domid == id) {
			xl_name(name, d[i].name, sizeof(d[i].name));
			xl_out(x, "%s\n", name);
			free(d);
			return XL_OK;
		}
	}
	free(d);
	return xl_fail(x, XL_FAIL,
		       "Can't get domain name of domain id '%ld', maybe this domain does not exist.\n",
		       id);
}

/* Domains as the user names them: by id or name, and their state letters. */
#include "xl.h"

#define LIST_BATCH 64

/* Every domain, ordered by id, in a malloc'd array. 0 or a status. */
int xl_list_all(struct xl *x, struct bh_dominfo **out, uint32_t *n)
{
	struct bh_dominfo *all = NULL, *grown;
	uint32_t total = 0, count;
	uint16_t first = 0;
	int rc;

	for (;;) {
		grown = realloc(all, (total + LIST_BATCH) * sizeof(*all));
		if (!grown) {
			free(all);
			return xl_fail_rc(x, "list", -XL_ENOMEM);
		}
		all = grown;
		rc = x->be->list(x->be->ctx, first, all + total, LIST_BATCH, &count);
		if (rc) {
			free(all);
			return xl_fail_rc(x, "list", rc);
		}
		total += count;
		if (count < LIST_BATCH || all[total - 1].domid == 0xffff)
			break;
		first = (uint16_t)(all[total - 1].domid + 1);
	}
	*out = all;
	*n = total;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * As upstream's find_domain: digits are a domain id, anything else a name.
 * An unknown name gets upstream's message verbatim (rc -6 is libxl's
 * ERROR_INVAL, which libxl_name_to_domid returns); an unknown id gets the
 * message upstream `xl list ID` prints.
 */
int xl_find_domain(struct xl *x, const char *q, struct bh_dominfo *out)
{
	struct bh_dominfo *all;
	bool by_id = all_digits(q);
	unsigned long id = by_id ? strtoul(q, NULL, 10) : 0;
	uint32_t n;
	char name[65];
	int rc = xl_list_all(x, &all, &n);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		xl_name(name, all[i].name, sizeof(all[i].name));
		if (by_id ? all[i].domid == id : !strcmp(name, q)) {
			*out = all[i];
			free(all);
			return 0;
		}
	}
	free(all);
	if (by_id)
		return xl_fail(x, XL_FAIL, "Error: Domain '%s' does not exist.\n", q);
	return xl_fail(x, XL_FAIL, "%s is an invalid domain identifier (rc=-6)\n", q);
}

int xl_domain_named(struct xl *x, const char *name)
{
	struct bh_dominfo *all;
	char field[65];
	uint32_t n;
	int id = -1;

	if (xl_list_all(x, &all, &n))
		return -1;
	for (uint32_t i = 0; i < n && id < 0; i++) {
		xl_name(field, all[i].name, sizeof(all[i].name));
		/* A dying domain is on its way out: its name is free again. */
		if (!strcmp(field, name) && !(all[i].flags & BH_DOMINF_dying))
			id = all[i].domid;
	}
	free(all);
	return id;
}

/* r b p s, the shutdown reason, d (xl(1) "STATES"); '-' where not set. */
void xl_state_str(const struct bh_dominfo *d, char out[7])
{
	static const char reasons[] = "-rscwS";	/* SHUTDOWN_poweroff .. soft_reset */
	bool down = d->flags & BH_DOMINF_shutdown;
	uint32_t why = down ? d->shutdown_reason : 0;

	out[0] = d->flags & BH_DOMINF_running ? 'r' : '-';
	out[1] = d->flags & BH_DOMINF_blocked ? 'b' : '-';
	out[2] = d->flags & BH_DOMINF_paused ? 'p' : '-';
	out[3] = down ? 's' : '-';
	out[4] = why < sizeof(reasons) - 1 ? reasons[why] : '?';
	out[5] = d->flags & BH_DOMINF_dying ? 'd' : '-';
	out[6] = '\0';
}

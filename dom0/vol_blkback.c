/*
 * The `zfs` command's volumes when the storage driver domain runs (issue 8
 * §3): the domain named "blkback" keeps them on its disk (GPT partitions by
 * name) and publishes /local/domain/B/data/volumes/POOL/NAME = "<sectors>".
 * Dom0 asks it over its control node, one request at a time:
 *   control/volume-request  = "<seq> create <POOL/NAME> <bytes>" | "<seq> destroy <POOL/NAME>"
 *   control/volume-response = "<seq> 0" | "<seq> -<errno> <message>"  (written by blkback)
 * The wait for the answer is bounded (VOL_REPLY_MS: blkback zeroes a new
 * volume before it answers) and keeps Dom0's
 * xenstored running (dom_wait_event_timeout runs the idle hooks).
 */
#include "dom.h"
#include "dom0.h"
#include "disk.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/hypercall.h"
#include "dom/time.h"
#include "public/bulkhead.h"
#include "xenstored.h"

#define BLKBACK_NAME "blkback"
#define VOL_REPLY_MS 120000u	/* creating zeroes the volume: a large one on a slow disk takes a while */
#define PATH_LEN 192

int dom0_blkback_domid(void)
{
	static struct bh_dominfo info[32];
	struct bh_domctl op = { .cmd = BH_DOMCTL_list, .version = BULKHEAD_DOMCTL_VERSION };

	op.u.list.first_domid = 1;
	op.u.list.max = 32;
	op.u.list.buf = (uint64_t)(uintptr_t)info;
	if (dom_hypercall_domctl(&op))
		return -1;
	for (uint32_t i = 0; i < op.u.list.count; i++)
		if (!strcmp(info[i].name, BLKBACK_NAME) &&
		    !(info[i].flags & (BH_DOMINF_shutdown | BH_DOMINF_dying)))
			return info[i].domid;
	return -1;
}

/* A node's value as a malloc'd string, or NULL. */
static char *value(const char *path)
{
	const struct xs_rec *r;

	if (xs_op_read(dom0_xs(), path, &r))
		return NULL;
	return strndup((const char *)xs_rec_value(r), r->len);
}

/* Sends req (without its sequence number), waits for the answer; 0 or the
 * -errno blkback gave, with its message in msg. */
int dom0_blkback_vol_request(int domid, const char *req, char *msg, size_t len)
{
	static unsigned seq;
	char path[PATH_LEN], line[PATH_LEN], *r = NULL, *end;
	uint64_t deadline = dom_now_ns() + VOL_REPLY_MS * 1000000ull;
	long rc;

	msg[0] = '\0';
	snprintf(line, sizeof(line), "%u %s", ++seq, req);
	snprintf(path, sizeof(path), "/local/domain/%d/control/volume-request", domid);
	if (dom0_xs_write(path, line))
		return -EIO;
	snprintf(path, sizeof(path), "/local/domain/%d/control/volume-response", domid);
	for (;;) {
		free(r);
		r = value(path);
		if (r && strtoul(r, &end, 10) == seq && end != r && *end == ' ')
			break;
		if (dom_now_ns() >= deadline) {
			free(r);
			snprintf(msg, len, "the storage domain (d%d) did not answer within %u s",
				 domid, VOL_REPLY_MS / 1000);
			return -ETIMEDOUT;
		}
		dom_wait_event_timeout(10);
	}
	rc = strtol(end + 1, &end, 10);
	snprintf(msg, len, "%s", *end == ' ' ? end + 1 : "");
	free(r);
	return rc > 0 || rc < -4095 ? -EIO : (int)rc;
}

/* One "POOL/NAME  SIZE" line per volume: calls fn for each; the count. */
int dom0_blkback_vol_each(int domid, void (*fn)(const char *name, uint64_t bytes, void *ctx),
			  void *ctx)
{
	char path[PATH_LEN], name[PATH_LEN], *pools, *vols, *v;
	uint32_t plen, vlen;
	int n = 0;

	snprintf(path, sizeof(path), "/local/domain/%d/data/volumes", domid);
	pools = xs_op_children(dom0_xs(), path, &plen);
	for (uint32_t p = 0; pools && p < plen; p += (uint32_t)strlen(pools + p) + 1) {
		snprintf(path, sizeof(path), "/local/domain/%d/data/volumes/%s", domid, pools + p);
		vols = xs_op_children(dom0_xs(), path, &vlen);
		for (uint32_t o = 0; vols && o < vlen; o += (uint32_t)strlen(vols + o) + 1) {
			snprintf(name, sizeof(name), "%s/%s", pools + p, vols + o);
			snprintf(path, sizeof(path), "/local/domain/%d/data/volumes/%s", domid, name);
			if (!(v = value(path)))
				continue;
			fn(name, strtoull(v, NULL, 10) * 512, ctx);
			free(v);
			n++;
		}
		free(vols);
	}
	free(pools);
	return n;
}

/*
 * The console daemon: every domain's console ring is drained into
 * /var/log/xen/console/guest-NAME.log (like xenconsoled --log=guest), and
 * `xl console` follows that log and types into the ring.
 */
#include "dom.h"
#include "dom0.h"
#include "dom/consback.h"
#include "dom/fs.h"
#include "dom/error.h"

#define MAX_DOMS 64

struct cons {
	uint16_t domid;
	bool used;
	char log[96];
};

static struct cons conses[MAX_DOMS];

static struct cons *find(uint16_t domid)
{
	for (int i = 0; i < MAX_DOMS; i++)
		if (conses[i].used && conses[i].domid == domid)
			return &conses[i];
	return NULL;
}

int dom0_cons_add(uint16_t domid, const char *name, uint64_t gfn, uint32_t remote_port)
{
	struct cons *c = NULL;
	int rc;

	for (int i = 0; i < MAX_DOMS && !c; i++)
		if (!conses[i].used)
			c = &conses[i];
	if (!c)
		return -ENOSPC;
	if ((rc = dom_consback_attach(domid, gfn, remote_port)))
		return rc;
	c->used = true;
	c->domid = domid;
	snprintf(c->log, sizeof(c->log), "/var/log/xen/console/guest-%s.log", name);
	dom_fs_mkdirs("/var/log/xen/console");
	dom_fs_write_file(c->log, "", 0, true);	/* append, as xenconsoled does */
	return 0;
}

void dom0_cons_remove(uint16_t domid)
{
	struct cons *c = find(domid);

	if (!c)
		return;
	dom0_cons_poll();
	dom_consback_close(domid);
	c->used = false;
}

const char *dom0_cons_log(uint16_t domid)
{
	struct cons *c = find(domid);

	return c ? c->log : NULL;
}

bool dom0_cons_poll(void)
{
	char buf[512];
	bool more = false;

	for (int i = 0; i < MAX_DOMS; i++) {
		int n;

		if (!conses[i].used)
			continue;
		n = dom_consback_read(conses[i].domid, buf, sizeof(buf));
		if (n > 0) {
			dom_fs_write_file(conses[i].log, buf, (size_t)n, true);
			more |= n == (int)sizeof(buf);
		}
	}
	return more;
}

/*
 * `xl console`: shows the last 2 KiB of the domain's log (what its console
 * ring would still hold), then follows the log; typed input goes to its ring.
 */
#define CONSOLE_HISTORY 2048

static size_t follow_off;

int dom0_xl_cons_open(void *ctx, uint16_t domid)
{
	struct dom_fs_stat st;
	struct cons *c = find(domid);

	(void)ctx;
	if (!c)
		return -ENOENT;
	follow_off = dom_fs_stat(c->log, &st) || st.size < CONSOLE_HISTORY ? 0 : st.size - CONSOLE_HISTORY;
	return 0;
}

int dom0_xl_cons_read(void *ctx, uint16_t domid, char *buf, size_t size)
{
	struct cons *c = find(domid);
	char *data;
	size_t len, n = 0;

	(void)ctx;
	if (!c)
		return -ENOENT;	/* the domain is gone: xl console returns */
	dom0_cons_poll();
	if (dom_fs_read_file(c->log, &data, &len))
		return -EIO;
	if (len > follow_off) {
		n = len - follow_off < size ? len - follow_off : size;
		memcpy(buf, data + follow_off, n);
		follow_off += n;
	}
	free(data);
	return (int)n;
}

int dom0_xl_cons_write(void *ctx, uint16_t domid, const char *buf, size_t len)
{
	(void)ctx;
	return dom_consback_write(domid, buf, len);
}

void dom0_xl_cons_close(void *ctx, uint16_t domid)
{
	(void)ctx;
	(void)domid;
}

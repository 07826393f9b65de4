/* Dom0's sparse volumes (dom0/vol.c) on the host: the zfs command, sparse
 * reads and writes across chunks, a full heap, destroy while in use. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "disk.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/heap.h"
#include "dom/shell.h"

static struct heap fake_heap;
static shell_fn zfs;
static char out[8192];
static size_t out_len;

struct heap *dom_heap(void) { return &fake_heap; }

int shell_register(const char *name, shell_fn fn, const char *help)
{
	(void)help;
	CHECK(!strcmp(name, "zfs"));
	zfs = fn;
	return 0;
}

const char *shell_strerror(int rc) { (void)rc; return "Error"; }

int dom_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + out_len, sizeof(out) - out_len, fmt, ap);
	va_end(ap);
	out_len += (size_t)n;
	CHECK(out_len < sizeof(out));
	return n;
}

/* A fake storage driver domain (dom0/vol_blkback.c's calls): absent
 * (domid -1) unless a test sets it; records the last request, answers
 * with blk.rc / blk.msg, and lists blk.names. */
static struct {
	int domid;
	char req[256];
	int rc;
	const char *msg;
	const char *names[4];
	uint64_t bytes[4];
} blk = { .domid = -1 };

int dom0_blkback_domid(void) { return blk.domid; }

int dom0_blkback_vol_request(int domid, const char *req, char *msg, size_t len)
{
	CHECK(domid == blk.domid);
	snprintf(blk.req, sizeof(blk.req), "%s", req);
	snprintf(msg, len, "%s", blk.msg ? blk.msg : "");
	return blk.rc;
}

int dom0_blkback_vol_each(int domid, void (*fn)(const char *name, uint64_t bytes, void *ctx),
			  void *ctx)
{
	int n = 0;

	CHECK(domid == blk.domid);
	for (; n < 4 && blk.names[n]; n++)
		fn(blk.names[n], blk.bytes[n], ctx);
	return n;
}

/* Runs "zfs ..." split at blanks; returns its status with the output in out. */
static int run(const char *line)
{
	char buf[256], *argv[16];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && argc < 15; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	out_len = 0;
	out[0] = 0;
	return zfs(argc, argv);
}

static void set_heap_free(size_t bytes)
{
	fake_heap.start = 0x100000;
	fake_heap.end = fake_heap.start + (256u << 20);
	fake_heap.used_bytes = (256u << 20) - bytes;
}

static void test_command(void)
{
	CHECK(run("zfs list") == 0 && strstr(out, "no datasets"));
	CHECK(run("zfs create -V20G -o volmode=dev zroot/xendisk0") == 0);
	CHECK(run("zfs create -V 20G zroot/xendisk0") == 1 && strstr(out, "already exists"));
	CHECK(run("zfs create -V 1M zroot/small") == 0);
	CHECK(run("zfs create -s -V 1.5T -ovolmode=dev tank/big") == 0);
	CHECK(run("zfs create -V 0 zroot/zero") == 1);
	CHECK(run("zfs create -V 12Q zroot/bad") == 1);
	CHECK(run("zfs create -V 17T zroot/huge") == 1 && strstr(out, "out of range"));
	CHECK(run("zfs create -V 1G noslash") == 1 && strstr(out, "invalid"));
	CHECK(run("zfs create -V 1G zroot/a b") == 2);		/* two names */
	CHECK(run("zfs create -V 1G zroot//x") == 1);
	CHECK(run("zfs create -V 1G zroot/bad$") == 1);
	CHECK(run("zfs create zroot/nosize") == 2 && strstr(out, "usage"));
	CHECK(run("zfs create -x -V 1G zroot/opt") == 2);
	CHECK(run("zfs") == 2 && run("zfs frobnicate") == 2);
	CHECK(run("zfs list") == 0);
	CHECK(strstr(out, "NAME") && strstr(out, "MOUNTPOINT"));
	CHECK(strstr(out, "zroot/xendisk0") && strstr(out, " 20G "));
	CHECK(strstr(out, "zroot/small") && strstr(out, " 1M "));
	CHECK(strstr(out, "tank/big") && strstr(out, "1.50T"));
	CHECK(strstr(out, "/zroot") && strstr(out, "/tank"));
	CHECK(dom0_vol_exists("zroot/small") && !dom0_vol_exists("zroot/nope"));
}

static void test_io(void)
{
	static unsigned char buf[3 * 65536], zero[65536];
	struct dom0_disk d;

	CHECK(dom0_vol_open("zroot/nope", false, &d) == -ENOENT);
	CHECK(dom0_vol_open("zroot/small", false, &d) == 0);
	CHECK(d.sectors == 2048 && !d.readonly);
	memset(buf, 0xee, sizeof(buf));
	CHECK(d.ops->read(d.ctx, 0, buf, sizeof(buf)) == 0);
	CHECK(!memcmp(buf, zero, sizeof(zero)));			/* unwritten: zeros */
	CHECK(d.ops->write(d.ctx, 65536, zero, 65536) == 0);		/* zeros stay sparse */
	CHECK(run("zfs list") == 0 && strstr(out, " 0B "));
	memset(buf, 0x5a, 1024);
	CHECK(d.ops->write(d.ctx, 65536 - 512, buf, 1024) == 0);	/* across two chunks */
	CHECK(run("zfs list") == 0 && strstr(out, " 128K "));
	memset(buf, 0, sizeof(buf));
	CHECK(d.ops->read(d.ctx, 65536 - 1024, buf, 2048) == 0);
	CHECK(buf[0] == 0 && buf[511] == 0 && buf[512] == 0x5a && buf[1535] == 0x5a &&
	      buf[1536] == 0);
	/* A full heap: the write fails, nothing is allocated, reads still work. */
	set_heap_free(1u << 20);
	memset(buf, 1, 4096);
	CHECK(d.ops->write(d.ctx, 5 * 65536, buf, 4096) == -ENOSPC);
	CHECK(d.ops->write(d.ctx, 65536, buf, 512) == 0);		/* an allocated chunk */
	set_heap_free(128u << 20);
	CHECK(d.ops->read(d.ctx, 5 * 65536, buf, 4096) == 0 && buf[0] == 0);
	/* Discard: the whole second chunk freed, part of the first zeroed. */
	CHECK(d.ops->discard(d.ctx, 65536 - 512, 65536 + 512) == 0);
	CHECK(run("zfs list") == 0 && strstr(out, " 64K "));
	CHECK(d.ops->read(d.ctx, 65536 - 512, buf, 1024) == 0 && buf[0] == 0 && buf[600] == 0);
	CHECK(d.ops->flush(d.ctx) == 0);
	/* Destroy: refused while open, fine once closed; data gone with it. */
	CHECK(run("zfs destroy zroot/small") == 1 && strstr(out, "busy"));
	d.close(d.ctx);
	CHECK(run("zfs destroy zroot/small") == 0);
	CHECK(run("zfs destroy zroot/small") == 1 && strstr(out, "does not exist"));
	CHECK(run("zfs destroy") == 2);
	CHECK(run("zfs destroy zroot/xendisk0") == 0 && run("zfs destroy tank/big") == 0);
	CHECK(run("zfs list") == 0 && strstr(out, "no datasets"));
}

/* With the storage domain running, zfs goes to it (issue 8 §3). */
static void test_blkback(void)
{
	blk.domid = 5;
	CHECK(run("zfs list") == 0 && !strcmp(out, "no datasets available\n"));
	CHECK(run("zfs create -V 64M tank/xendisk0") == 0 && !strcmp(out, ""));
	CHECK(!strcmp(blk.req, "create tank/xendisk0 67108864"));
	blk.rc = -17;
	blk.msg = "dataset already exists";
	CHECK(run("zfs create -V 1G tank/xendisk0") == 1 &&
	      !strcmp(out, "cannot create 'tank/xendisk0': dataset already exists\n"));
	blk.names[0] = "tank/xendisk0";
	blk.bytes[0] = 64ull << 20;
	CHECK(run("zfs list") == 0 && strstr(out, "NAME ") &&
	      strstr(out, "tank/xendisk0               64M      -      -  -\n"));
	blk.rc = -16;
	blk.msg = "volume in use";
	CHECK(run("zfs destroy tank/xendisk0") == 1 &&
	      !strcmp(out, "cannot destroy 'tank/xendisk0': volume in use\n"));
	CHECK(!strcmp(blk.req, "destroy tank/xendisk0"));
	blk.rc = 0;
	CHECK(run("zfs destroy tank/xendisk0") == 0 && !strcmp(out, ""));
	CHECK(run("zfs create -V banana tank/x") == 1 && !strcmp(blk.req, "destroy tank/xendisk0"));
	blk.domid = -1;
}

int main(void)
{
	set_heap_free(128u << 20);
	CHECK(dom0_vol_register() == 0 && zfs);
	test_command();
	test_io();
	test_blkback();
	CHECK_DONE("vol");
	return 0;
}

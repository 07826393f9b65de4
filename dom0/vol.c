/*
 * Sparse volumes held by Dom0 (/dev/zvol/POOL/NAME), made and listed with a
 * `zfs` shell command as on FreeBSD (`zfs create -V20G -o volmode=dev
 * zroot/xendisk0`, `zfs list`, `zfs destroy`). A volume's bytes live in
 * 64 KiB chunks from Dom0's heap, allocated on first write (an all-zero
 * write allocates nothing); unwritten chunks read as zeros. Volumes last
 * as long as Dom0: a guest destroyed and created again finds its disk.
 * A write that would leave the heap under VOL_HEAP_RESERVE fails with
 * -ENOSPC, so a full disk never starves xenstored or the shell.
 * While the storage driver domain "blkback" runs, create, destroy and list
 * go to the volumes on its disk instead (vol_blkback.c); Dom0's own stay
 * listed and usable.
 */
#include "dom.h"
#include "disk.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/heap.h"
#include "dom/shell.h"
#include "dom0.h"

#define CHUNK (64u * 1024)
#define LEAF 512u			/* chunk pointers per leaf table: 32 MiB */
#define VOL_MAX_BYTES (16ull << 40)	/* 16 TiB: a 4 MiB top table */
#define VOL_NAME_MAX 200
#define VOL_HEAP_RESERVE (16u << 20)

struct vol {
	struct vol *next;
	char name[VOL_NAME_MAX + 1];	/* POOL/NAME */
	uint64_t size;			/* bytes, a multiple of 512 */
	uint8_t ***top;			/* top[i][j]: chunk i * LEAF + j, NULL = zeros */
	size_t ntop;
	uint64_t chunks;		/* allocated */
	unsigned int users;		/* open by backends */
};

static struct vol *vols;

static struct vol *find(const char *name)
{
	for (struct vol *v = vols; v; v = v->next)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

bool dom0_vol_exists(const char *name)
{
	return find(name) != NULL;
}

static uint8_t **chunk_slot(struct vol *v, uint64_t idx, bool make)
{
	uint8_t ***leaf = &v->top[idx / LEAF];

	if (!*leaf) {
		if (!make || !(*leaf = calloc(LEAF, sizeof(**leaf))))
			return NULL;
	}
	return &(*leaf)[idx % LEAF];
}

static bool heap_has_room(size_t n)
{
	const struct heap *h = dom_heap();
	size_t free_bytes = (h->end - h->start) - h->used_bytes;

	return free_bytes > n + VOL_HEAP_RESERVE;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* The piece of [o, end) inside o's chunk: its length; *in = offset in the chunk. */
static size_t piece(uint64_t o, uint64_t end, size_t *in)
{
	*in = (size_t)(o % CHUNK);
	return CHUNK - *in < end - o ? CHUNK - *in : (size_t)(end - o);
}

static int vol_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct vol *v = ctx;
	uint8_t *out = buf;
	size_t in, n;

	for (uint64_t o = off, end = off + len; o < end; o += n) {
		uint8_t **slot = chunk_slot(v, o / CHUNK, false);

		n = piece(o, end, &in);
		if (slot && *slot)
			memcpy(out, *slot + in, n);
		else
			memset(out, 0, n);
		out += n;
	}
	return 0;
}

static int vol_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct vol *v = ctx;
	const uint8_t *src = buf;
	size_t in, n;

	for (uint64_t o = off, end = off + len; o < end; o += n) {
		uint8_t **slot = chunk_slot(v, o / CHUNK, false);

		n = piece(o, end, &in);
		if (!(slot && *slot) && all_zero(src, n)) {
			src += n;
			continue;	/* already zeros: stay sparse */
		}
		if (!(slot && *slot)) {
			/* A new chunk (and maybe its leaf table), if the heap can spare it. */
			if (!heap_has_room(CHUNK + LEAF * sizeof(void *)) ||
			    !(slot = chunk_slot(v, o / CHUNK, true)) ||
			    !(*slot = calloc(1, CHUNK)))
				return -ENOSPC;
			v->chunks++;
		}
		memcpy(*slot + in, src, n);
		src += n;
	}
	return 0;
}

static int vol_flush(void *ctx)
{
	(void)ctx;
	return 0;	/* RAM: stored once written */
}

/* Whole chunks are freed, partial ones zeroed. */
static int vol_discard(void *ctx, uint64_t off, uint64_t len)
{
	struct vol *v = ctx;
	size_t in, n;

	for (uint64_t o = off, end = off + len; o < end; o += n) {
		uint8_t **slot = chunk_slot(v, o / CHUNK, false);

		n = piece(o, end, &in);
		if (!slot || !*slot)
			continue;
		if (n == CHUNK) {
			free(*slot);
			*slot = NULL;
			v->chunks--;
		} else {
			memset(*slot + in, 0, n);
		}
	}
	return 0;
}

static const struct blkif_back_store_ops vol_ops = {
	.read = vol_read, .write = vol_write, .flush = vol_flush, .discard = vol_discard,
};

static void vol_close(void *ctx)
{
	struct vol *v = ctx;

	if (v->users)
		v->users--;
}

int dom0_vol_open(const char *name, bool readonly, struct dom0_disk *d)
{
	struct vol *v = find(name);

	if (!v)
		return -ENOENT;
	v->users++;
	*d = (struct dom0_disk){ .ops = &vol_ops, .ctx = v, .sectors = v->size / 512,
				 .readonly = readonly, .close = vol_close };
	return 0;
}

/* ---- management ------------------------------------------------------ */

/* POOL/NAME[/...]: components of letters, digits and _ - . : (ZFS's rules). */
static bool valid_name(const char *name)
{
	size_t len = strlen(name), comp = 0;
	int parts = 1;

	if (!len || len > VOL_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++) {
		if (*p == '/') {
			if (!comp)
				return false;
			comp = 0;
			parts++;
		} else if (isalnum((unsigned char)*p) || strchr("_-.:", *p)) {
			comp++;
		} else {
			return false;
		}
	}
	return comp && parts >= 2;
}

static int vol_create(const char *name, uint64_t size)
{
	struct vol *v, **pp;

	if (!valid_name(name))
		return -EINVAL;
	if (find(name))
		return -EEXIST;
	if (!size || size > VOL_MAX_BYTES)
		return -ERANGE;
	if (!(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	v->size = (size + 511) & ~511ull;
	v->ntop = (size_t)((v->size + (uint64_t)CHUNK * LEAF - 1) / ((uint64_t)CHUNK * LEAF));
	if (!(v->top = calloc(v->ntop, sizeof(*v->top)))) {
		free(v);
		return -ENOMEM;
	}
	strcpy(v->name, name);
	/* Kept in name order, as zfs list prints them. */
	for (pp = &vols; *pp && strcmp((*pp)->name, name) < 0; pp = &(*pp)->next)
		;
	v->next = *pp;
	*pp = v;
	return 0;
}

static int vol_destroy(const char *name)
{
	struct vol **pp, *v;

	for (pp = &vols; *pp && strcmp((*pp)->name, name); pp = &(*pp)->next)
		;
	if (!(v = *pp))
		return -ENOENT;
	if (v->users)
		return -EBUSY;
	*pp = v->next;
	for (size_t i = 0; i < v->ntop; i++) {
		for (unsigned j = 0; v->top[i] && j < LEAF; j++)
			free(v->top[i][j]);
		free(v->top[i]);
	}
	free(v->top);
	free(v);
	return 0;
}

/* ---- the zfs command ------------------------------------------------- */

/* "20G", "512M", "1.5T", "4096": bytes, or 0 if malformed. */
static uint64_t parse_size(const char *s)
{
	static const char units[] = "BKMGTP";
	uint64_t whole = 0, frac = 0, fdiv = 1;
	const char *u;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return 0;
	for (; isdigit((unsigned char)*s); s++)
		whole = whole * 10 + (uint64_t)(*s - '0');
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s) && fdiv < 1000000; s++, fdiv *= 10)
			frac = frac * 10 + (uint64_t)(*s - '0');
	if (*s && (u = strchr(units, toupper((unsigned char)*s)))) {
		shift = (int)(u - units) * 10;
		s++;
		if (toupper((unsigned char)*s) == 'B' && shift)
			s++;
	}
	if (*s || whole >> (63 - shift))
		return 0;
	return (whole << shift) + ((frac << shift) / fdiv);
}

/* zfs's nicenum: three significant digits and a unit ("20.6G", "56K", "0B"). */
static void nicenum(uint64_t n, char *buf, size_t size)
{
	static const char units[] = "BKMGTPE";
	int u = 0;
	uint64_t div = 1;

	while (n / div >= 1024 && u < 6) {
		div <<= 10;
		u++;
	}
	if (u == 0 || n % div == 0) {
		snprintf(buf, size, "%llu%c", (unsigned long long)(n / div), units[u]);
		return;
	}
	uint64_t hundredths = n * 100 / div;	/* n < 2^60 here: no overflow for 1024 * 100 */

	if (hundredths < 1000)
		snprintf(buf, size, "%llu.%02llu%c", (unsigned long long)(hundredths / 100),
			 (unsigned long long)(hundredths % 100), units[u]);
	else if (hundredths < 10000)
		snprintf(buf, size, "%llu.%llu%c", (unsigned long long)(hundredths / 100),
			 (unsigned long long)(hundredths % 100 / 10), units[u]);
	else
		snprintf(buf, size, "%llu%c", (unsigned long long)(hundredths / 100), units[u]);
}

static int zfs_create(int argc, char **argv)
{
	const char *name = NULL, *size_arg = NULL;
	char req[256], msg[160];
	uint64_t size;
	int rc, blk;

	for (int i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "-V", 2))
			size_arg = argv[i][2] ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : NULL);
		else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "-b"))
			i++;		/* volmode=dev and friends: nothing to choose here */
		else if (!strncmp(argv[i], "-o", 2) || !strcmp(argv[i], "-s") ||
			 !strcmp(argv[i], "-p") || !strncmp(argv[i], "-b", 2))
			continue;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else {
			size_arg = NULL;	/* an unknown option: usage */
			break;
		}
	}
	if (!name || !size_arg) {
		dom_printf("usage: zfs create -V <size> [-o property=value] POOL/NAME\n"
			   "(only volumes: -V is required)\n");
		return 2;
	}
	if (!(size = parse_size(size_arg))) {
		dom_printf("cannot create '%s': bad volume size '%s'\n", name, size_arg);
		return 1;
	}
	if ((blk = dom0_blkback_domid()) >= 0) {	/* the storage domain's disk */
		snprintf(req, sizeof(req), "create %s %llu", name, (unsigned long long)size);
		if ((rc = dom0_blkback_vol_request(blk, req, msg, sizeof(msg)))) {
			dom_printf("cannot create '%s': %s\n", name, msg[0] ? msg : shell_strerror(rc));
			return 1;
		}
		return 0;
	}
	if ((rc = vol_create(name, size))) {
		dom_printf("cannot create '%s': %s\n", name,
			   rc == -EEXIST ? "dataset already exists"
			   : rc == -EINVAL ? "invalid dataset name (want POOL/NAME)"
			   : rc == -ERANGE ? "volume size out of range (up to 16T)"
					    : shell_strerror(rc));
		return 1;
	}
	return 0;
}

/* NAME USED AVAIL REFER MOUNTPOINT: a pool line per pool, then its volumes
 * (USED = volsize, as a volume reserves it; REFER = bytes written). */
static void count_one(const char *name, uint64_t bytes, void *ctx)
{
	(void)name, (void)bytes, (void)ctx;
}

/* A volume on the storage domain's disk: its size; the rest is blkback's. */
static void print_remote(const char *name, uint64_t bytes, void *ctx)
{
	char used[16];

	(void)ctx;
	nicenum(bytes, used, sizeof(used));
	dom_printf("%-24s %6s %6s %6s  -\n", name, used, "-", "-");
}

static int zfs_list(void)
{
	int blk = dom0_blkback_domid();
	const struct heap *h = dom_heap();
	uint64_t avail = (h->end - h->start) - h->used_bytes;
	char used[16], av[16], refer[16];

	nicenum(avail > VOL_HEAP_RESERVE ? avail - VOL_HEAP_RESERVE : 0, av, sizeof(av));
	if (!vols && (blk < 0 || !dom0_blkback_vol_each(blk, count_one, NULL))) {
		dom_printf("no datasets available\n");
		return 0;
	}
	dom_printf("%-24s %6s %6s %6s  %s\n", "NAME", "USED", "AVAIL", "REFER", "MOUNTPOINT");
	if (blk >= 0)
		dom0_blkback_vol_each(blk, print_remote, NULL);
	for (struct vol *p = vols; p; p = p->next) {
		size_t plen = (size_t)(strchr(p->name, '/') - p->name);
		uint64_t pool_used = 0;
		bool first = true;

		for (struct vol *q = vols; q != p && first; q = q->next)
			first = strncmp(q->name, p->name, plen + 1) != 0;
		if (!first)
			continue;	/* pool printed already */
		for (struct vol *v = p; v; v = v->next)
			if (!strncmp(v->name, p->name, plen + 1))
				pool_used += v->size;
		char pool[VOL_NAME_MAX + 1];

		snprintf(pool, sizeof(pool), "%s", p->name);
		pool[plen] = '\0';	/* the runtime's printf has no "%.*s" */
		nicenum(pool_used, used, sizeof(used));
		dom_printf("%-24s %6s %6s %6s  /%s\n", pool, used, av, "96K", pool);
		for (struct vol *v = p; v; v = v->next) {
			if (strncmp(v->name, p->name, plen + 1))
				continue;
			nicenum(v->size, used, sizeof(used));
			nicenum(v->chunks * CHUNK, refer, sizeof(refer));
			dom_printf("%-24s %6s %6s %6s  -\n", v->name, used, av, refer);
		}
	}
	return 0;
}

static int zfs_destroy(int argc, char **argv)
{
	char req[256], msg[160];
	int rc, blk;

	if (argc != 3) {
		dom_printf("usage: zfs destroy POOL/NAME\n");
		return 2;
	}
	if (!find(argv[2]) && (blk = dom0_blkback_domid()) >= 0) {
		snprintf(req, sizeof(req), "destroy %s", argv[2]);
		if ((rc = dom0_blkback_vol_request(blk, req, msg, sizeof(msg)))) {
			dom_printf("cannot destroy '%s': %s\n", argv[2],
				   msg[0] ? msg : shell_strerror(rc));
			return 1;
		}
		return 0;
	}
	if ((rc = vol_destroy(argv[2]))) {
		dom_printf("cannot destroy '%s': %s\n", argv[2],
			   rc == -EBUSY ? "dataset is busy (a guest's disk)"
					: "dataset does not exist");
		return 1;
	}
	return 0;
}

static int zfs_cmd(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return zfs_create(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return zfs_list();
	if (argc >= 2 && !strcmp(argv[1], "destroy"))
		return zfs_destroy(argc, argv);
	dom_printf("usage: zfs create -V <size> [-o volmode=dev] POOL/NAME\n"
		   "       zfs list\n"
		   "       zfs destroy POOL/NAME\n");
	return 2;
}

int dom0_vol_register(void)
{
	return shell_register("zfs", zfs_cmd,
			      "volumes for guest disks (/dev/zvol/POOL/NAME): create -V, list, destroy");
}

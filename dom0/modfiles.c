/*
 * Files as disks. Boot modules first: a Dom0 module whose command line names
 * an absolute path after its own (`-initrd 'build/guests/live.iso
 * /root/linux.iso'`) becomes that file. The RAM file system can only hold
 * data it owns, so a module up to MODFILE_COPY_MAX is copied into it (ls and
 * cat see it); a larger one, or one the heap cannot hold, is served in place,
 * read-only, from where the loader put it (kept for Dom0's life, dom/start.h)
 * and is visible to the disk backend only. Then any file of the RAM file
 * system (dom/fs.h), read and written through an open descriptor.
 */
#include "dom.h"
#include "disk.h"
#include "dom/console.h"
#include "dom/error.h"
#include "dom/fs.h"
#include "dom/shell.h"
#include "dom/start.h"

#define MODFILE_COPY_MAX (32u << 20)

struct modfile {
	char *path;
	const uint8_t *data;
	uint64_t size;
};

static struct modfile mods[DOM_MAX_MODULES];
static unsigned int nr_mods;

static const struct modfile *find_mod(const char *path)
{
	for (unsigned int i = 0; i < nr_mods; i++)
		if (!strcmp(mods[i].path, path))
			return &mods[i];
	return NULL;
}

/* The first word after the module's own path that is an absolute path, malloc'd. */
static char *target_path(const char *args)
{
	const char *p = args;
	size_t len;

	while (*p && !isspace((unsigned char)*p))
		p++;
	for (;; p += len) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			return NULL;
		for (len = 0; p[len] && !isspace((unsigned char)p[len]); len++)
			;
		if (*p == '/' && len > 1 && len < DOM_FS_PATH_MAX)
			return strndup(p, len);
	}
}

static int copy_in(const char *path, const void *data, size_t size)
{
	const char *slash = strrchr(path, '/');
	char *dir = strndup(path, (size_t)(slash - path));
	int rc;

	if (!dir)
		return -ENOMEM;
	rc = slash == path ? 0 : dom_fs_mkdirs(dir);
	free(dir);
	return rc ? rc : dom_fs_write_file(path, data, size, false);
}

void dom0_modfiles_init(void)
{
	const struct dom_start_info *si = dom_start_info();

	for (unsigned int i = 0; si && i < si->nr_modules; i++) {
		const struct dom_module *m = &si->modules[i];
		char *path = target_path(m->args);
		int rc = -EFBIG;

		if (!path)
			continue;
		if (m->size <= MODFILE_COPY_MAX &&
		    !(rc = copy_in(path, (const void *)(uintptr_t)m->addr, (size_t)m->size))) {
			dom_printf("modfiles: %s: %llu bytes\n", path, (unsigned long long)m->size);
			free(path);
			continue;
		}
		mods[nr_mods++] = (struct modfile){ path, (const uint8_t *)(uintptr_t)m->addr,
						    m->size };
		dom_printf("modfiles: %s: %llu bytes, served in place to guests (read-only; "
			   "not in the file system: %s)\n", path, (unsigned long long)m->size,
			   rc == -EFBIG ? "too large to copy" : shell_strerror(rc));
	}
}

/* ---- storage over a module in place ---------------------------------- */

static int mod_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct modfile *m = ctx;

	if (off > m->size || len > m->size - off)
		return -EIO;
	memcpy(buf, m->data + off, len);
	return 0;
}

static int mod_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	return -EACCES;		/* opened read-only: the backend never asks */
}

static int nothing(void *ctx)
{
	(void)ctx;
	return 0;
}

static void mod_close(void *ctx)
{
	(void)ctx;
}

static const struct blkif_back_store_ops mod_ops = {
	.read = mod_read, .write = mod_write, .flush = nothing,
};

/* ---- storage over a RAM file system file ------------------------------ */

static int fs_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = (int)(intptr_t)ctx;
	long n;

	if (dom_fs_seek(fd, (size_t)off) || (n = dom_fs_read(fd, buf, len)) < 0)
		return -EIO;
	memset((char *)buf + n, 0, len - (size_t)n);	/* truncated meanwhile: zeros */
	return 0;
}

static int fs_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	int fd = (int)(intptr_t)ctx;
	long n;

	if (dom_fs_seek(fd, (size_t)off))
		return -EIO;
	n = dom_fs_write(fd, buf, len);
	return n == (long)len ? 0 : n < 0 ? (int)n : -EIO;
}

static void fs_close(void *ctx)
{
	dom_fs_close((int)(intptr_t)ctx);
}

static const struct blkif_back_store_ops fs_ops = {
	.read = fs_read, .write = fs_write, .flush = nothing,
};

int dom0_file_open(const char *path, bool readonly, struct dom0_disk *d)
{
	const struct modfile *m = find_mod(path);
	struct dom_fs_stat st;
	int fd, rc;

	if (m) {
		*d = (struct dom0_disk){ .ops = &mod_ops, .ctx = (void *)m, .sectors = m->size / 512,
					 .readonly = true, .close = mod_close };
		return 0;
	}
	if ((rc = dom_fs_stat(path, &st)))
		return rc;
	if (st.is_dir)
		return -EISDIR;
	fd = dom_fs_open(path, DOM_FS_READ | (readonly ? 0 : DOM_FS_WRITE));
	if (fd < 0)
		return fd;
	*d = (struct dom0_disk){ .ops = &fs_ops, .ctx = (void *)(intptr_t)fd,
				 .sectors = st.size / 512, .readonly = readonly,
				 .close = fs_close };
	return 0;
}

bool dom0_file_exists(const char *path)
{
	struct dom_fs_stat st;

	return find_mod(path) || (dom_fs_stat(path, &st) == 0 && !st.is_dir);
}

/* ---- the dispatch ------------------------------------------------------ */

int dom0_disk_open(const char *path, bool readonly, struct dom0_disk *d)
{
	size_t n = strlen(DOM0_ZVOL_PREFIX);

	if (!strncmp(path, DOM0_ZVOL_PREFIX, n))
		return dom0_vol_open(path + n, readonly, d);
	return dom0_file_open(path, readonly, d);
}

void dom0_disk_close(struct dom0_disk *d)
{
	if (d->close)
		d->close(d->ctx);
	d->close = NULL;
}

bool dom0_disk_exists(const char *path)
{
	size_t n = strlen(DOM0_ZVOL_PREFIX);

	if (!strncmp(path, DOM0_ZVOL_PREFIX, n))
		return dom0_vol_exists(path + n);
	return dom0_file_exists(path);
}

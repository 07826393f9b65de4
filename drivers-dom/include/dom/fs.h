/*
 * Dom0's RAM file system: directories and files in the heap, filled at boot
 * from the ustar archive module marked "rootfs" (so the /etc/xen/NAME.cfg files exist),
 * readable, writable, creatable, truncatable and removable afterwards.
 * Paths are absolute ("/etc/xen/a.cfg"); a relative path starts at "/";
 * "." and ".." work; names are at most 255 bytes, paths 1023.
 * Errors are negative Xen errno values (dom/error.h).
 * Mechanism only: builds on the host for unit tests.
 */
#ifndef DOM_FS_H
#define DOM_FS_H

#include <stdbool.h>
#include <stddef.h>

#define DOM_FS_NAME_MAX 255
#define DOM_FS_PATH_MAX 1024
#define DOM_FS_MAX_OPEN 32

/* dom_fs_open flags */
#define DOM_FS_READ 1u
#define DOM_FS_WRITE 2u
#define DOM_FS_CREATE 4u	/* create the file if missing (its directory must exist) */
#define DOM_FS_TRUNC 8u		/* empty it on open */
#define DOM_FS_APPEND 16u	/* every write goes to the end */

struct dom_fs_stat {
	bool is_dir;
	size_t size;		/* bytes for a file, entries for a directory */
};

/* Called by dom_fs_list per entry, in name order; non-zero stops the walk
 * and becomes dom_fs_list's result. */
typedef int (*dom_fs_list_fn)(void *arg, const char *name, const struct dom_fs_stat *st);

/* Loads an archive (dom/tar.h) into the tree, creating parent directories
 * as needed and replacing existing files. Returns entries loaded or -errno. */
int dom_fs_load_tar(const void *buf, size_t len);

int dom_fs_open(const char *path, unsigned int flags);
long dom_fs_read(int fd, void *buf, size_t len);
long dom_fs_write(int fd, const void *buf, size_t len);
/* Sets the position for the next read or write; past the end is allowed
 * (a write there fills the gap with zeros). */
int dom_fs_seek(int fd, size_t pos);
int dom_fs_close(int fd);

int dom_fs_stat(const char *path, struct dom_fs_stat *st);
int dom_fs_truncate(const char *path, size_t size);
/* Removes a file, or an empty directory. Open files stay readable until closed. */
int dom_fs_unlink(const char *path);
/* Makes one directory; its parent must exist (-EEXIST if it does already). */
int dom_fs_mkdir(const char *path);
/* mkdir -p: every missing directory on the way; 0 if it exists already. */
int dom_fs_mkdirs(const char *path);
int dom_fs_list(const char *dir, dom_fs_list_fn fn, void *arg);

/* Whole-file helpers: *data is malloc'd, NUL-terminated (not counted in *len). */
int dom_fs_read_file(const char *path, char **data, size_t *len);
/* Creates or replaces the file (append: adds to its end). */
int dom_fs_write_file(const char *path, const void *data, size_t len, bool append);

/* Frees everything and starts again with an empty root (tests). */
void dom_fs_reset(void);

#endif

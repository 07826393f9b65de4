/*
 * Reading a ustar archive (POSIX.1-1988 headers, with the GNU long-name
 * 'L' entries and the pax 'x' path records GNU tar writes for long names).
 * Mechanism only: builds on the host for unit tests.
 */
#ifndef DOM_TAR_H
#define DOM_TAR_H

#include <stddef.h>

#define DOM_TAR_PATH_MAX 512

struct dom_tar_entry {
	const char *path;	/* without leading "./" or "/" and trailing "/"; never "" */
	char type;		/* '0' file, '5' directory, '1' hard link, '2' symlink, ... */
	const void *data;	/* size bytes inside the archive */
	size_t size;
	unsigned int mode;	/* permission bits */
	const char *link;	/* link target for '1' and '2' */
};

/* Returns 0 to go on, non-zero to stop the walk with that value. */
typedef int (*dom_tar_fn)(void *arg, const struct dom_tar_entry *e);

/* Calls fn for each entry in order. Returns the number of entries, fn's
 * non-zero value, or -EINVAL for a damaged archive (bad checksum, truncated
 * data, unparsable number); *bad (if not NULL) then gets its offset. */
int dom_tar_walk(const void *buf, size_t len, dom_tar_fn fn, void *arg, size_t *bad);
/* True if buf starts with a ustar header with a valid checksum. */
int dom_tar_is_archive(const void *buf, size_t len);

#endif

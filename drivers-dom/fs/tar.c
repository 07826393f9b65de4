/*
 * ustar reader (POSIX.1-1988 "ustar Interchange Format"): 512-byte headers,
 * numbers in octal text, name = prefix "/" name, data padded to 512 bytes,
 * ended by a zero block. GNU 'L' (long name) and pax 'x' (path= record)
 * entries carry the name of the entry after them.
 */
#include "dom.h"
#include "dom/tar.h"
#include "dom/error.h"

#define BLOCK 512

/* Header field offsets and sizes (POSIX ustar). */
#define H_NAME 0
#define H_MODE 100
#define H_SIZE 124
#define H_CHKSUM 148
#define H_TYPE 156
#define H_LINK 157
#define H_MAGIC 257
#define H_PREFIX 345

struct walk {
	char path[DOM_TAR_PATH_MAX];
	char link[DOM_TAR_PATH_MAX];
	char next_path[DOM_TAR_PATH_MAX];	/* from an 'L' or 'x' entry, for the next one */
	bool have_next;
	int count;				/* entries handed to fn */
};

/* Octal text, space or NUL terminated, leading spaces allowed. */
static int octal(const unsigned char *f, size_t n, size_t *out)
{
	size_t v = 0, i = 0;
	bool any = false;

	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (f[i] - '0');
		any = true;
	}
	if (i < n && f[i] != ' ' && f[i] != '\0')
		return -1;
	*out = any ? v : 0;
	return 0;
}

/* The checksum counts the header with its checksum field as spaces. */
static bool checksum_ok(const unsigned char *h)
{
	size_t want, sum = 0;

	if (octal(h + H_CHKSUM, 8, &want))
		return false;
	for (int i = 0; i < BLOCK; i++)
		sum += (i >= H_CHKSUM && i < H_CHKSUM + 8) ? ' ' : h[i];
	return sum == want;
}

static bool zero_block(const unsigned char *h)
{
	for (int i = 0; i < BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

/* Copies a fixed-width field (NUL-terminated or full) into dst. */
static void field(char *dst, size_t size, const unsigned char *f, size_t n)
{
	size_t len = strnlen((const char *)f, n);

	if (len >= size)
		len = size - 1;
	memcpy(dst, f, len);
	dst[len] = '\0';
}

/* Strips "./" and "/" from the front and "/" from the back, in place. */
static char *normalize(char *p)
{
	size_t n;

	for (;;) {
		if (p[0] == '/')
			p++;
		else if (p[0] == '.' && p[1] == '/')
			p += 2;
		else
			break;
	}
	if (p[0] == '.' && p[1] == '\0')
		p++;
	n = strlen(p);
	while (n && p[n - 1] == '/')
		p[--n] = '\0';
	return p;
}

/* Finds "path=" in a pax extended header: records are "LEN key=value\n". */
static void pax_path(struct walk *w, const char *d, size_t size)
{
	size_t off = 0;

	while (off < size) {
		size_t len = 0, i = off;

		while (i < size && d[i] >= '0' && d[i] <= '9')
			len = len * 10 + (size_t)(d[i++] - '0');
		if (len == 0 || off + len > size || i >= size || d[i] != ' ')
			return;
		i++;
		if (off + len - i > 5 && !memcmp(d + i, "path=", 5)) {
			size_t vlen = off + len - 1 - (i + 5);	/* without the '\n' */

			if (vlen < sizeof(w->next_path)) {
				memcpy(w->next_path, d + i + 5, vlen);
				w->next_path[vlen] = '\0';
				w->have_next = true;
			}
		}
		off += len;
	}
}

static void entry_path(struct walk *w, const unsigned char *h)
{
	char name[101], prefix[156];

	if (w->have_next) {
		memcpy(w->path, w->next_path, sizeof(w->path));
		w->have_next = false;
		return;
	}
	field(name, sizeof(name), h + H_NAME, 100);
	field(prefix, sizeof(prefix), h + H_PREFIX, 155);
	if (!memcmp(h + H_MAGIC, "ustar", 5) && prefix[0])
		snprintf(w->path, sizeof(w->path), "%s/%s", prefix, name);
	else
		snprintf(w->path, sizeof(w->path), "%s", name);
}

int dom_tar_is_archive(const void *buf, size_t len)
{
	const unsigned char *h = buf;

	return len >= BLOCK && !memcmp(h + H_MAGIC, "ustar", 5) && checksum_ok(h);
}

/* Handles one header at h (data follows); returns 0, fn's value, or -EINVAL. */
static int one(struct walk *w, const unsigned char *h, size_t size, dom_tar_fn fn, void *arg)
{
	struct dom_tar_entry e;
	size_t mode;
	char type = (char)h[H_TYPE];

	if (type == 'L') {	/* GNU: the data is the next entry's name */
		field(w->next_path, sizeof(w->next_path), h + BLOCK, size);
		w->have_next = true;
		return 0;
	}
	if (type == 'x') {
		pax_path(w, (const char *)h + BLOCK, size);
		return 0;
	}
	if (type == 'g' || type == 'K')	/* global pax header, GNU long link name */
		return 0;
	entry_path(w, h);
	if (octal(h + H_MODE, 8, &mode))
		return -EINVAL;
	field(w->link, sizeof(w->link), h + H_LINK, 100);
	e.path = normalize(w->path);
	e.type = type == '\0' || type == '7' ? '0' : type;
	e.data = h + BLOCK;
	e.size = e.type == '0' ? size : 0;
	e.mode = (unsigned int)(mode & 07777);
	e.link = w->link;
	if (!e.path[0])
		return 0;	/* "./": the root itself */
	w->count++;
	return fn(arg, &e);
}

int dom_tar_walk(const void *buf, size_t len, dom_tar_fn fn, void *arg, size_t *bad)
{
	const unsigned char *b = buf;
	struct walk *w = calloc(1, sizeof(*w));
	size_t off = 0, size;
	int rc = 0;

	if (!w)
		return -ENOMEM;
	while (off + BLOCK <= len && !zero_block(b + off)) {
		const unsigned char *h = b + off;

		if (!checksum_ok(h) || octal(h + H_SIZE, 12, &size) ||
		    size > len - off - BLOCK) {
			rc = -EINVAL;
			break;
		}
		rc = one(w, h, size, fn, arg);
		if (rc)
			break;
		off += BLOCK + (size + BLOCK - 1) / BLOCK * BLOCK;
	}
	if (rc == -EINVAL && bad)
		*bad = off;
	if (!rc)
		rc = w->count;
	free(w);
	return rc;
}

/* A minimal ustar writer for the unit tests: builds archives in memory. */
#ifndef TEST_TAR_WRITER_H
#define TEST_TAR_WRITER_H

#include <stdio.h>
#include <string.h>

struct tar_buf {
	unsigned char data[64 * 1024];
	size_t len;
};

/* One header (name <= 99 bytes, or prefix/name split by the caller) and data. */
static inline void tar_add(struct tar_buf *t, const char *name, const char *prefix, char type,
			   const void *data, size_t size)
{
	unsigned char *h = t->data + t->len;
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	if (prefix)
		snprintf((char *)h + 345, 155, "%s", prefix);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	t->len += 512;
	if (size) {
		memset(t->data + t->len, 0, (size + 511) / 512 * 512);
		memcpy(t->data + t->len, data, size);
		t->len += (size + 511) / 512 * 512;
	}
}

static inline void tar_end(struct tar_buf *t)
{
	memset(t->data + t->len, 0, 1024);
	t->len += 1024;
}

#endif

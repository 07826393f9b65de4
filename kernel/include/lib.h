/*
 * The core's small C library: string functions under their standard names
 * (so the host build of a mechanism uses libc's), and a formatter with its
 * own name (so it never collides with libc's printf family).
 */
#ifndef BULKHEAD_LIB_H
#define BULKHEAD_LIB_H

#include <stdarg.h>
#include "types.h"
#include "compiler.h"

#ifdef BULKHEAD_HOST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

/* vsnprintf subset: %d %i %u %x %X %p %s %c %%, flags '-' '0', width,
 * precision for %s, length modifiers l, ll, z, h, hh. Returns the length the
 * full output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Parse an unsigned number in base 10, 16 (0x) or 8 (leading 0) when base is
 * 0. *end points after the last digit used. */
u64 lib_strtou64(const char *s, const char **end, int base);

#endif

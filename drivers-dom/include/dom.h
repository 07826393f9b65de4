/*
 * The C environment of domain code (doc/dom0-plan.md): exactly these standard
 * names, with standard semantics. Freestanding builds get them from the
 * drivers-dom runtime; host builds (BULKHEAD_HOST) from the host's libc.
 * The compiler's <stddef.h> <stdint.h> <stdbool.h> <stdarg.h> come with it.
 * There is no errno: the strto* functions saturate on overflow.
 */
#ifndef DOM_H
#define DOM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef BULKHEAD_HOST
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#else

/* string.h */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strdup(const char *s);
char *strndup(const char *s, size_t n);

/* stdlib.h */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
void qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *));
__attribute__((noreturn)) void abort(void);

/* ctype.h */
int isdigit(int c);
int isspace(int c);
int isalpha(int c);
int isalnum(int c);
int isxdigit(int c);
int isupper(int c);
int islower(int c);
int tolower(int c);
int toupper(int c);

/* stdio.h: formatting only (%d %i %u %x %X %s %c %p %%, l/ll/z/h, width, precision, '-' '0') */
__attribute__((format(printf, 3, 4))) int snprintf(char *buf, size_t size, const char *fmt, ...);
__attribute__((format(printf, 3, 0))) int vsnprintf(char *buf, size_t size, const char *fmt,
						    va_list ap);

#endif /* BULKHEAD_HOST */

#endif

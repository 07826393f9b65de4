/* Every compiler attribute and builtin the core uses, in one place. */
#ifndef BULKHEAD_COMPILER_H
#define BULKHEAD_COMPILER_H

#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define __section(s) __attribute__((section(s)))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __weak __attribute__((weak))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#define container_of(p, type, member) \
	((type *)((char *)(p) - __builtin_offsetof(type, member)))

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
/* Hides a pointer's origin from the optimizer: for fixed physical addresses
 * (BIOS data area, firmware tables) GCC would otherwise treat as bogus. */
#define OPAQUE(p) ({ __typeof__(p) __p = (p); __asm__("" : "+r"(__p)); __p; })
#define barrier() __asm__ __volatile__("" ::: "memory")

#endif

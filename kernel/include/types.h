/* Fixed-width types for the core and for host builds of its mechanisms. */
#ifndef BULKHEAD_TYPES_H
#define BULKHEAD_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef u64 paddr_t;	/* host-physical address */
typedef u64 gpaddr_t;	/* guest-physical address */

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#endif

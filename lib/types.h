/*
 * Basic types and helpers used everywhere, kernel and host alike.  Only
 * compiler-provided freestanding headers are included, so pure-logic files
 * compile unchanged in the kernel and in the host unit tests.  Linux:
 * include/linux/types.h, and ARRAY_SIZE/ALIGN from include/linux/kernel.h.
 */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;	/* a physical address */
typedef uint64_t vaddr_t;	/* a virtual address */

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + ((__typeof__(x))(a) - 1), (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define __packed __attribute__((packed))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused __attribute__((unused))
/* Code that only runs while booting (Linux's __init; ours is never freed). */
#define __init __attribute__((section(".init.text")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif

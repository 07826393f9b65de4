/* Domains: memory (p2m), vCPUs, lifecycle. */
#ifndef BULKHEAD_DOMAIN_H
#define BULKHEAD_DOMAIN_H

#include "types.h"
#include "spinlock.h"
#include "p2m.h"
#include "vcpu.h"

#define MAX_VCPUS 64
#define MAX_DOMAINS 256
#define DOMAIN_NAME_LEN 64
#define CONSOLE_LINE 256

/* Legend: (I) immutable after creation; (L) under d->lock; (A) atomic. */
struct domain {
	u16 id;					/* (I) */
	char name[DOMAIN_NAME_LEN];		/* (I) */
	u32 nr_vcpus;				/* (I) */
	u64 mem_pages;				/* (I) RAM frames mapped from 0 */
	struct vcpu *vcpus[MAX_VCPUS];		/* (I) */
	struct p2m p2m;				/* (L) */
	spinlock_t lock;
	bool killed;				/* (A) set once by domain_kill */
	bool dying;				/* (A) set once; vCPUs then stop */
	int shutdown_reason;			/* (L) SHUTDOWN_*, or -1 */
	u32 vcpus_live;				/* (A) vCPUs not yet torn down, + holds */
	u64 hypercall_page_gpa;			/* (L) 0 = none */
	char con_line[CONSOLE_LINE];		/* (L) console_io line buffer */
	u32 con_len;				/* (L) */
	struct domain *next;			/* under domain_list_lock */
};

struct domain_config {
	const char *name;
	u32 nr_vcpus;
	u64 mem_mib;
	enum vcpu_start_mode mode;
	gpaddr_t load_addr;
	const void *image;
	size_t image_size;
	u64 arg;		/* handed to every vCPU in RDX (test/guests/ABI.md) */
};

/* Builds and starts a domain; 0 or a negative errno (nothing left behind). */
int domain_create(const struct domain_config *cfg, struct domain **out);
/* Stops the domain with a reason; its vCPUs are torn down on their pCPUs
 * and its memory returned when the last one is gone. */
void domain_kill(struct domain *d, const char *why);
void domain_shutdown(struct domain *d, int reason);
/* Stops v's domain for a fault of its own, logging why ("dN: ..."). */
void domain_crash(struct vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Called once when the last domain is gone. */
extern void (*domain_all_gone)(void);
/* Called by a pCPU when it has torn down one vCPU of a dying domain. */
void domain_vcpu_gone(struct domain *d);
unsigned domain_count(void);

/* Guest-physical memory access through the p2m. 0, or -EFAULT when a byte
 * is not guest RAM. */
int gpa_read(struct domain *d, gpaddr_t gpa, void *buf, size_t len);
int gpa_write(struct domain *d, gpaddr_t gpa, const void *buf, size_t len);

#endif

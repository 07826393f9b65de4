/* Domains: memory (p2m), vCPUs, life cycle and references. */
#ifndef BULKHEAD_DOMAIN_H
#define BULKHEAD_DOMAIN_H

#include "types.h"
#include "spinlock.h"
#include "p2m.h"
#include "vcpu.h"
#include "public/hvm.h"
/* Split out of domain.c; included for the callers that found them here. */
#include "domain_build.h"
#include "foreign.h"
#include "guestmem.h"

struct hvm_domain;

#define MAX_VCPUS 64
#define MAX_DOMAINS 256
#define DOMAIN_NAME_LEN 64
#define CONSOLE_LINE 256
#define FOREIGN_MAPS 64

/* Legend: (I) immutable after creation; (L) under d->lock; (A) atomic. */
struct domain {
	u16 id;					/* (I) */
	char name[DOMAIN_NAME_LEN];		/* (I) */
	u32 nr_vcpus;				/* (I) */
	u64 mem_pages;				/* (L) RAM frames it owns (memop.c changes it) */
	u32 pci_devices;			/* (L) devices passed through to it (pci_op.c):
						 * its RAM is fixed while it has any, as the
						 * IOMMU's tables mirror it from the assignment */
	struct vcpu *vcpus[MAX_VCPUS];		/* (L) set before it first runs, then fixed;
						 * freed with the domain, not at reap */
	struct p2m p2m;				/* (L) map/unmap; its tables are counted
						 * in its own pool (P2M_POOL) */
	spinlock_t lock;
	bool privileged;			/* (I) Dom0: may use bulkhead_domctl */
	bool killed;				/* (A) set once by domain_kill */
	bool dying;				/* (A) set once, under d->lock; vCPUs then stop */
	bool started;				/* (L) unpaused at least once; never once dying */
	u32 pause_count;			/* (L) runs only at 0 */
	int shutdown_reason;			/* (L) SHUTDOWN_*, or -1 */
	u32 refs;				/* (A) live vCPUs + holders (domlist.h): never
						 * rises again from 0 */
	u64 max_pages;				/* (L) populate limit */
	u64 created_tsc;			/* (I) */
	bool toolstack_ref;			/* (A) held by the toolstack until destroy */
	u64 p2m_gen;				/* (A) bumped when a p2m entry is removed */
	struct foreign_map {			/* (L) other domains' frames mapped here (foreign.c) */
		u64 local_gpa;
		paddr_t hpa;			/* the owner's frame */
		struct domain *owner;		/* holds a reference; NULL: free slot */
		bool unmapping;			/* unmapped, its vCPUs not yet flushed */
	} foreign[FOREIGN_MAPS];
	u32 nr_foreign;				/* (L) slots in use: foreign_here's shortcut */
	/* IPC (evtchn_op.c, gnttab_op.c, hvmop.c): set up in domain_new, closed
	 * in domain_kill, freed in domain_free. */
	u64 hvm_params[HVM_NR_PARAMS];		/* (L) written under d->lock, read atomically */
	struct evtchn_domain *evtchn;		/* (I) ports, shared_info; its own lock */
	struct gnttab_domain *gnttab;		/* (I) grants and grant mappings; its own lock */
	u64 hypercall_page_gpa;			/* (L) 0 = none */
	char con_line[CONSOLE_LINE];		/* (L) console_io line buffer */
	u32 con_len;				/* (L) */
	struct hvm_domain *hvm;			/* (I) HVM guests only (hvm.h); NULL otherwise */
	u16 dm_target;				/* (L) the HVM guest it is device model of; 0 none */
	u64 dm_iopage_gpa;			/* (L) where that guest's ioreq page is mapped
						 * here (not this domain's RAM: memop.c); 0 none */
	struct domain *next;			/* the registry's (domlist.c), under its lock */
};

/* Flags of domain_new. */
#define DOMAIN_PRIVILEGED 1u
#define DOMAIN_HVM 2u		/* PC memory map and reset-state vCPUs (hvm.c) */

/* A domain's p2m table pool, as Xen sizes the HVM paging pool (libxl: 1 MiB
 * per vCPU and 8 KiB per MiB of RAM): dense RAM of up to 4x mem_mib, plus
 * grant, foreign and other scattered mappings, with room to spare. */
#define P2M_POOL(nr_vcpus, mem_mib) (256ull * (nr_vcpus) + 2ull * (mem_mib) + 64)

/* A paused domain with mem_mib of RAM and no vCPU yet; domid < 0 picks the
 * next free id. NULL and *err on failure. The caller holds a reference. */
struct domain *domain_new(const char *name, u32 nr_vcpus, u64 mem_mib, u32 flags, int domid,
			  int *err);
/* Maps pages fresh zeroed frames of RAM at first_gfn on (d new, not running). */
int domain_populate(struct domain *d, u64 first_gfn, u64 pages);
/* Creates vCPU id with its start state and argument registers; only before
 * the domain first runs (-EEXIST after, -ESRCH once it is dying). */
int domain_vcpu_start(struct domain *d, u32 id, const struct vcpu_start *s, u64 rdi, u64 rsi,
		      u64 rdx);
int domain_pause(struct domain *d);
/* -EINVAL when not paused, a vCPU has no start state, or d is dying. */
int domain_unpause(struct domain *d);
/* After removing or narrowing p2m entries: every vCPU of d flushes its
 * second-level translations before it next runs (virt.h), and running ones
 * are made to exit now. memop_flush_wait also waits for them. */
void domain_p2m_changed(struct domain *d);
/* Finds a domain by id (dying ones included) and takes a reference; NULL if
 * none, or if its last reference is already gone. */
struct domain *domain_get(u16 domid);
/* Drops a reference; the last frees the domain (its vCPUs are gone then). */
void domain_put(struct domain *d);
/* Calls fn for each domain (under the list lock: fn must not block or create). */
void domain_foreach(void (*fn)(struct domain *d, void *ctx), void *ctx);
/* Stops the domain with a reason; its vCPUs are torn down on their pCPUs
 * and its memory returned when the last reference is gone. */
void domain_kill(struct domain *d, const char *why);
void domain_shutdown(struct domain *d, int reason);
/* Stops v's domain for a fault of its own, logging why ("dN: ..."). */
void domain_crash(struct vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Called once when the last domain is gone. */
extern void (*domain_all_gone)(void);
/* Called by a pCPU when it has torn down one vCPU of a dying domain. */
void domain_vcpu_gone(struct domain *d);
/* Called when Dom0 shuts down: the machine follows. */
extern void (*domain_dom0_shutdown)(int reason);
unsigned domain_count(void);

#endif

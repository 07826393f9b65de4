/*
 * Domains the core builds itself from boot modules: the test guests
 * (test/guests/ABI.md) and the start state Dom0 shares with them.
 */
#ifndef BULKHEAD_DOMAIN_BUILD_H
#define BULKHEAD_DOMAIN_BUILD_H

#include "types.h"
#include "virt.h"

struct domain;

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
/* Identity page tables for 0-4 GiB and a flat GDT, for a long-mode start. */
int domain_build_long_mode(struct domain *d, struct vcpu_start *s, u32 vcpu);
/* Writes bytes into the domain's RAM (elf_load's callback); 0 or -EFAULT. */
int domain_load(void *d, u64 gpa, const void *src, size_t len);

#endif

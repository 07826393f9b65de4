/*
 * Guest memory: by guest-physical address through the p2m, and by
 * guest-virtual address with a walk of the guest's own page tables
 * (whatever mode it is in) first. The only way the core reads or writes
 * guest memory, whether a guest passes it by pointer or a builder loads it.
 */
#ifndef BULKHEAD_GUESTMEM_H
#define BULKHEAD_GUESTMEM_H

#include "types.h"
#include "virt.h"
#include "insn.h"

struct vcpu;
struct domain;

/* Copies to or from d's guest-physical memory; 0, or -EFAULT when a byte is
 * not mapped (or, written, not writable). They walk d's p2m without its
 * lock, so call them on one of d's vCPUs (memop_flush_wait waits for those
 * before a retired table is freed, p2m.h) or before d first runs. */
int gpa_read(struct domain *d, gpaddr_t gpa, void *buf, size_t len);
int gpa_write(struct domain *d, gpaddr_t gpa, const void *buf, size_t len);

/* Translate a linear address; -EFAULT when unmapped or not permitted. */
int guest_translate(struct vcpu *v, const struct guest_mode *m, u64 gva, bool write, gpaddr_t *gpa);
/* Up to len instruction bytes at CS:rip; the count fetched (> 0) or -EFAULT. */
int guest_fetch(struct vcpu *v, const struct guest_mode *m, u64 rip, u8 *buf, size_t len);
/* 0 or -EFAULT. */
int copy_from_guest(struct vcpu *v, void *dst, u64 gva, size_t len);
int copy_to_guest(struct vcpu *v, u64 gva, const void *src, size_t len);
/* The decoder's mode for the guest's code segment. */
enum insn_mode guest_insn_mode(const struct guest_mode *m);
/* True when the guest runs 64-bit code. */
bool guest_mode_is64(const struct guest_mode *m);

#endif

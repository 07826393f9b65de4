/*
 * Guest memory by guest-virtual address: a walk of the guest's own page
 * tables (whatever mode it is in), then the p2m. The only way the core
 * reads or writes what a guest passes by pointer.
 */
#ifndef BULKHEAD_GUESTMEM_H
#define BULKHEAD_GUESTMEM_H

#include "types.h"
#include "virt.h"
#include "insn.h"

struct vcpu;

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

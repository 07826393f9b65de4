/*
 * Node permissions (xenstore.txt GET_PERMS/SET_PERMS, the XenBus wiki): the
 * first entry names the owner and the access everyone else gets by default;
 * later entries grant one domain its own access. Text form: one nul-terminated
 * string per entry, a letter (n none, r read, w write, b both) and a domid.
 */
#ifndef XS_PERMS_H
#define XS_PERMS_H

#include "dom.h"

#define XS_PERM_NONE 0u
#define XS_PERM_READ 1u
#define XS_PERM_WRITE 2u
#define XS_PERM_BOTH (XS_PERM_READ | XS_PERM_WRITE)
#define XS_PERM_OWNER 8u	/* never stored: what perms_for() adds for the owner */

#define XS_DOMID_NONE 0x7ff4u	/* DOMID_INVALID: "no target" */

struct xs_perm {
	uint32_t id;	/* domid */
	uint32_t perms;	/* XS_PERM_NONE/READ/WRITE/BOTH */
};

/* Who is asking: a domain, which may be privileged and may target another. */
struct xs_who {
	uint32_t domid;
	uint32_t target;	/* XS_DOMID_NONE, or the domain it acts for (SET_TARGET) */
	bool privileged;	/* Dom0: every access */
};

/*
 * Parse n nul-terminated entries starting at text (len bytes, all of them
 * consumed, the last ending in a nul) into p[0..max). Returns the number of
 * entries, or -XSD_EINVAL for bad text, -XSD_ENOSPC for more than max.
 */
int xs_perms_parse(const char *text, size_t len, struct xs_perm *p, uint32_t max);

/* Format n entries into buf (size bytes); returns the bytes written
 * (every entry nul-terminated) or 0 when buf is too small. */
size_t xs_perms_format(const struct xs_perm *p, uint32_t n, char *buf, size_t size);

/* The access who has to a node with these permissions: XS_PERM_* bits, with
 * XS_PERM_OWNER for its owner (or the owner's targeting domain). */
uint32_t xs_perms_for(const struct xs_perm *p, uint32_t n, const struct xs_who *who);

#endif

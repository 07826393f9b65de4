/*
 * Domains as xenstored sees them: introduced (it talks to them), released,
 * shut down; the special watches that announce it; and the Dom0-only
 * requests that drive it (INTRODUCE, RELEASE, RESUME, SET_TARGET, CONTROL).
 */
#ifndef XS_DOMAIN_H
#define XS_DOMAIN_H

#include "dom.h"

struct xs_store;
struct xs_req;

/* The daemon connected to domid (its xs_conn exists): mark it introduced and
 * fire @introduceDomain. Returns 0 or XSD_ENOMEM. */
int xs_domain_introduce(struct xs_store *st, uint32_t domid);
/* domid shut down or crashed: fire @releaseDomain, once until RESUME. */
void xs_domain_shutdown(struct xs_store *st, uint32_t domid);
/* domid is gone (destroyed, or RELEASE): close its connection (the daemon
 * frees it), forget it and fire @releaseDomain. */
void xs_domain_release(struct xs_store *st, uint32_t domid);
/* Whether the daemon talks to domid (Dom0 always). */
bool xs_domain_is_introduced(struct xs_store *st, uint32_t domid);

/* Request handlers (xs_proto.c's table). */
int xs_domain_req_introduce(struct xs_req *r);
int xs_domain_req_release(struct xs_req *r);
int xs_domain_req_resume(struct xs_req *r);
int xs_domain_req_set_target(struct xs_req *r);
int xs_domain_req_is_introduced(struct xs_req *r);
int xs_domain_req_get_path(struct xs_req *r);
int xs_domain_req_control(struct xs_req *r);

#endif

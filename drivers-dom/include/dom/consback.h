/*
 * Dom0's side of other domains' console rings (public/io/console.h), for the
 * console daemon and `xl console`: the domain's console page is mapped into
 * the GPA window with BH_DOMCTL_map_foreign and its console event channel is
 * bound. dom_consback_open finds both through the domain's HVM parameters
 * CONSOLE_PFN and CONSOLE_EVTCHN (which the domain builder sets, as Xen's
 * does); dom_consback_attach takes them explicitly. Opening an open domain
 * again just counts. Errors: negative Xen errno values.
 */
#ifndef DOM_CONSBACK_H
#define DOM_CONSBACK_H

#include <stddef.h>
#include <stdint.h>

#define DOM_CONSBACK_MAX 64	/* domains open at once */

int dom_consback_open(uint16_t domid);
int dom_consback_attach(uint16_t domid, uint64_t gfn, uint32_t port);
/* What the domain printed and nobody read yet: up to size bytes, 0 if none. */
int dom_consback_read(uint16_t domid, char *buf, size_t size);
/* Typed input for the domain; returns the bytes that fitted in its ring. */
int dom_consback_write(uint16_t domid, const char *buf, size_t len);
/* The local event channel port (events: output arrived or input consumed). */
int dom_consback_port(uint16_t domid);
void dom_consback_close(uint16_t domid);

#endif

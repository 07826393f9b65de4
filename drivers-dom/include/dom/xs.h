/*
 * A xenstore client over the domain's store ring page (public/io/xs_wire.h),
 * for driver domains and device models (Dom0 runs xenstored itself and has
 * no ring). One request at a time, waiting for its reply with
 * dom_wait_event(); watch events that arrive meanwhile are queued and handed
 * to their callbacks by dom_xs_poll(), which the domain's main loop calls
 * after each wake-up (never from an interrupt handler).
 * tx is a transaction id, 0 for none. Errors: negative Xen errno values
 * (the reply's "ENOENT" becomes -ENOENT), -ETIMEDOUT, -ENODEV (no store).
 */
#ifndef DOM_XS_H
#define DOM_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOM_XS_TIMEOUT_MS 30000

typedef void (*dom_xs_watch_fn)(const char *path, const char *token, void *arg);

/* Connects to the ring named in the start info. */
int dom_xs_init(void);

/* The value as a malloc'd NUL-terminated string (*len without the NUL, may be NULL). */
int dom_xs_read(uint32_t tx, const char *path, char **value, size_t *len);
int dom_xs_write(uint32_t tx, const char *path, const char *value);
__attribute__((format(printf, 3, 4))) int dom_xs_printf(uint32_t tx, const char *path,
							 const char *fmt, ...);
/* Reads an unsigned number; -EINVAL if the value is not one. */
int dom_xs_read_u64(uint32_t tx, const char *path, uint64_t *value);
int dom_xs_mkdir(uint32_t tx, const char *path);
int dom_xs_rm(uint32_t tx, const char *path);
/* The children's names as *count malloc'd strings in one malloc'd array
 * (free(*names) frees all). */
int dom_xs_directory(uint32_t tx, const char *path, char ***names, unsigned int *count);
/* "/local/domain/N", malloc'd. */
int dom_xs_get_domain_path(uint16_t domid, char **path);

int dom_xs_transaction_start(uint32_t *tx);
/* commit false aborts; -EAGAIN: a conflict, run the transaction again. */
int dom_xs_transaction_end(uint32_t tx, bool commit);

/* fn(path, token, arg) runs from dom_xs_poll() for every change under path
 * (and once right after registering, as xenstored fires new watches). */
int dom_xs_watch(const char *path, const char *token, dom_xs_watch_fn fn, void *arg);
int dom_xs_unwatch(const char *path, const char *token);
/* Reads what xenstored sent and runs the watch callbacks. */
void dom_xs_poll(void);

/* Any request: payload of len bytes (the strings with their NULs as the
 * protocol wants); the reply body malloc'd, NUL-terminated, in *reply. */
int dom_xs_request(uint32_t type, uint32_t tx, const void *payload, size_t len, char **reply,
		   size_t *reply_len);

#endif

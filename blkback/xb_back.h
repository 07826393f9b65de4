/*
 * A backend's devices on xenbus (REFERENCE §4, xenbus states), whatever
 * their kind: the toolstack writes SELF/backend/KIND/F/ID (frontend,
 * frontend-id, state 1, the kind's own keys) and the frontend's node; this
 * file finds the devices, follows each frontend's state and asks the kind
 * (struct xb_back_type: vbd_back.c, vif_back.c) to start, connect and
 * disconnect them:
 *   new node          type->start: read our node, publish, InitWait (2);
 *                     a node it refuses: xb_back_fatal, d->refused
 *   frontend 3/4      type->connect while we are InitWait: Connected (4)
 *   frontend 5        disconnect, Closing (5); frontend 6 or gone: Closed (6)
 *   frontend 1 again after Closed: InitWait (a reconnect), unless refused
 *   node removed      disconnect, type->release, the slot freed.
 * Errors follow Linux's xenbus_dev_fatal: "<errno> <what>: <text>" in
 * SELF/error/backend/KIND/F/ID/error, libxl's hotplug-status "error" and
 * hotplug-error in our node, then Closed.
 *
 * Devices live in the owner's array (stride bytes apart, each starting with
 * a struct xb_back_dev). No allocation and no libc beyond <string.h>: it
 * builds on the host (test_vbd_back.c, test_vif_back.c). Threading: none.
 */
#ifndef BLKBACK_XB_BACK_H
#define BLKBACK_XB_BACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XB_BACK_PATH 128
#define XB_BACK_VAL 128		/* the longest value we read */

/* The store: read the value NUL-terminated (longer: -E2BIG); directory the
 * children's names, each NUL-terminated, one after the other, *used bytes
 * in all (-E2BIG if they do not fit); write. 0 or -errno (-ENOENT: no such
 * node). watch (optional): follow a frontend's state node. log optional. */
struct xb_back_store {
	void *ctx;
	int (*read)(void *ctx, const char *path, char *buf, size_t len);
	int (*directory)(void *ctx, const char *path, char *buf, size_t len, size_t *used);
	int (*write)(void *ctx, const char *path, const char *value);
	void (*watch)(void *ctx, const char *path, bool on);
	void (*log)(void *ctx, const char *msg);
};

struct xb_back_dev {
	bool used, seen, started, watching;
	bool refused;			/* our own node is wrong: stays Closed */
	uint16_t fe_dom;
	uint32_t id;
	char be[XB_BACK_PATH];		/* our node */
	char fe[XB_BACK_PATH];		/* the frontend's, from our "frontend" */
	int state;			/* enum xenbus_state, as we last wrote it */
};

struct xb_back_set;

struct xb_back_type {
	/* A new device (d->fe known): see xb_back.h's table; leave d->started
	 * false to be asked again at the next scan (the toolstack still writes). */
	void (*start)(struct xb_back_set *s, struct xb_back_dev *d);
	void (*connect)(struct xb_back_set *s, struct xb_back_dev *d);
	/* Undo connect; safe when nothing is connected. */
	void (*disconnect)(struct xb_back_set *s, struct xb_back_dev *d);
	/* Optional: release what start took (after disconnect). */
	void (*release)(struct xb_back_set *s, struct xb_back_dev *d);
	/* A fresh or freed slot's own fields to their idle values (ports -1). */
	void (*reset)(struct xb_back_dev *d);
};

struct xb_back_set {
	const struct xb_back_store *st;
	const struct xb_back_type *type;
	char self[32];			/* "/local/domain/N" */
	char root[64];			/* self + "/backend/KIND" */
	void *devs;
	size_t stride;
	unsigned max;
};

void xb_back_init(struct xb_back_set *s, const struct xb_back_store *st,
		  const struct xb_back_type *type, uint16_t self, const char *kind, void *devs,
		  size_t stride, unsigned max);
/* Rereads the backend tree: new devices start, every device follows its
 * frontend, removed ones are released. */
void xb_back_scan(struct xb_back_set *s);
void xb_back_release_all(struct xb_back_set *s);
struct xb_back_dev *xb_back_dev(const struct xb_back_set *s, unsigned i);
struct xb_back_dev *xb_back_find(const struct xb_back_set *s, uint16_t fe_dom, uint32_t id);

/* The store relative to a node, for the kinds. */
int xb_back_get(const struct xb_back_set *s, const char *dir, const char *key,
		char val[XB_BACK_VAL]);
bool xb_back_get_u32(const struct xb_back_set *s, const char *dir, const char *key,
		     uint32_t *out);
void xb_back_put(const struct xb_back_set *s, const char *dir, const char *key, const char *val);
void xb_back_put_u64(const struct xb_back_set *s, const char *dir, const char *key, uint64_t v);
void xb_back_set_state(const struct xb_back_set *s, struct xb_back_dev *d, int state);
void xb_back_fatal(const struct xb_back_set *s, struct xb_back_dev *d, int err, const char *what);
void xb_back_log(const struct xb_back_set *s, const char *msg);

/* Small strings without libc: append s (truncating), append v in decimal;
 * a whole decimal number <= max. */
void xb_back_cat(char *buf, size_t cap, const char *s);
void xb_back_cat_u64(char *buf, size_t cap, uint64_t v);
bool xb_back_number(const char *s, uint64_t max, uint64_t *out);

#endif

/*
 * Dom0's own daemons, run from the runtime's idle hook between shell
 * commands: xenstored over each domain's store ring, the console daemon that
 * logs every domain's console ring, and the reaper that destroys domains
 * that shut themselves down (on_poweroff="destroy", xl's default).
 */
#ifndef DOM0_H
#define DOM0_H

#include <stdbool.h>
#include <stdint.h>

struct xs_ctx;

int dom0_xsd_init(void);
/* Serve domid's store ring (its page store_gfn, its unbound port remote_port). */
int dom0_xsd_add(uint16_t domid, uint64_t store_gfn, uint32_t remote_port);
void dom0_xsd_remove(uint16_t domid);
/* One pass over every ring; true if work is left. */
bool dom0_xsd_poll(void);
/* The store as Dom0 itself sees it (privileged, no transaction). */
struct xs_ctx *dom0_xs(void);
int dom0_xs_write(const char *path, const char *value);

/* Console daemon: domid's ring is logged to /var/log/xen/console/guest-NAME.log,
 * or, for the device model of guest dm_of (non-NULL), to /var/log/xen/qemu-dm-DM_OF.log. */
/* An HVM guest's PV console ring (its page gfn, its port remote_port),
 * logged to guest-NAME-pv.log; removed with dom0_cons_remove(guest). */
int dom0_cons_add_pv(uint16_t guest, const char *name, uint64_t gfn, uint32_t remote_port);
int dom0_cons_add(uint16_t domid, const char *name, const char *dm_of, uint64_t gfn,
		  uint32_t remote_port);
void dom0_cons_remove(uint16_t domid);
/* An HVM guest's serial console: the console ring in its device model dm's
 * page pfn, logged to guest-NAME.log and shown by `xl console NAME`; a new
 * port of dm's, which Dom0 binds, goes to *dm_port (the device model's
 * start info). Removed with dom0_cons_remove(guest). */
int dom0_cons_add_guest(uint16_t guest, const char *name, uint16_t dm, uint64_t pfn,
			uint32_t *dm_port);
bool dom0_cons_poll(void);
const char *dom0_cons_log(uint16_t domid);

/* The console entries of xl's Dom0 backend (toolstack/xl/backend_dom0.h). */
int dom0_xl_cons_open(void *ctx, uint16_t domid);
int dom0_xl_cons_read(void *ctx, uint16_t domid, char *buf, size_t size);
int dom0_xl_cons_write(void *ctx, uint16_t domid, const char *buf, size_t len);
void dom0_xl_cons_close(void *ctx, uint16_t domid);

/* Destroys domains that shut down by themselves; called from idle. */
void dom0_reap(void);

/* Block backend (vbd.c): serves /local/domain/0/backend/vbd from files and
 * volumes (disk.h). init at start of day (zfs command, boot modules as
 * files); poll from idle: true if requests are left over. */
void dom0_vbd_init(void);
bool dom0_vbd_poll(void);

/* vol_blkback.c: the storage driver domain's volumes (the zfs command). */
int dom0_blkback_domid(void);		/* the running "blkback", or -1 */
int dom0_blkback_vol_request(int domid, const char *req, char *msg, size_t len);
int dom0_blkback_vol_each(int domid, void (*fn)(const char *name, uint64_t bytes, void *ctx),
			  void *ctx);

#endif

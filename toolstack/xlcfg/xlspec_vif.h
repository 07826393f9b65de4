/*
 * One NET_SPEC_STRING of xl.cfg's `vif = [ ... ]' (facts from Xen's
 * docs/man/xl-network-configuration.5.pod.in and xl's parse_nic_config;
 * REFERENCE §2): comma-separated KEY=VALUE or flags, all optional, blanks
 * around each skipped, empty items ignored, a key given twice keeps the
 * last value (as xl). Keys and defaults:
 *
 *   mac=XX:XX:XX:XX:XX:XX   random under Xen's OUI, 00:16:3e:(r&7f):r:r
 *   bridge=NAME             xenbr0
 *   type=ioemu|vif          the domain's: ioemu (emulated + PV) for hvm,
 *                           vif (PV only) for pv and pvh, which may not
 *                           have ioemu (libxl's nic defaults); left
 *                           XLSPEC_VIF_DEFAULT here, set by the builder
 *   model=NAME              rtl8139 (e.g. e1000)
 *   mtu=N                   1500 (68..65535)
 *   rate=RATE/s[@INTERVAL]  unlimited; RATE is N[GMK](B|b) (b: bits),
 *                           INTERVAL N[s|ms|us], default 50ms
 *   devid=N                 the spec's index in the list, given by the
 *                           caller; N decimal, 0..XLSPEC_VIF_DEVID_MAX
 *   trusted | untrusted     whether the frontend may trust the backend;
 *                           not given: trusted (libxl's default)
 *   ip= script= backend= vifname= gatewaydev= (netdev= is its old name)
 *   forwarddev=             unset; backend unset means the default backend
 *                           domain (Bulkhead: netback); forwarddev names
 *                           the host device COLO fault tolerance forwards
 *                           through
 */
#ifndef XLSPEC_VIF_H
#define XLSPEC_VIF_H

#include "xlcfg.h"

/* Randomness for default MAC addresses; tests supply a fixed sequence. */
struct xlspec_rng {
	void (*fill)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;
};

/* XLSPEC_VIF_DEFAULT: no type= given, the domain's type decides. */
enum xlspec_vif_type { XLSPEC_VIF_DEFAULT, XLSPEC_VIF_IOEMU, XLSPEC_VIF_VIF };

#define XLSPEC_VIF_RATE_INTERVAL_US 50000u	/* default replenish period */
#define XLSPEC_VIF_DEVID_MAX 2147483647u	/* libxl_devid is an int */

struct xlspec_vif {
	unsigned int devid;
	bool devid_given;		/* devid= was in the spec */
	uint8_t mac[6];
	char *bridge;
	enum xlspec_vif_type type;
	char *model;
	bool model_given;		/* model= was in the spec (else the default) */
	unsigned int mtu;
	char *ip, *script, *backend, *vifname, *gatewaydev;	/* NULL: unset */
	char *forwarddev;		/* NULL: unset */
	enum xlspec_flag trusted;	/* trusted / untrusted */
	char *rate;			/* as given; NULL: unlimited */
	uint64_t rate_bytes_per_interval;
	uint32_t rate_interval_us;
};

/*
 * Parses `spec' into `vif' (which need not be initialised); `devid' is the
 * device id unless the spec gives devid=. `rng' is used only when no mac=
 * is given. Returns 0, or -1 with `err' holding
 * "invalid vif spec `SPEC': WHAT" and `vif' empty.
 */
int xlspec_vif_parse(const char *spec, unsigned int devid,
		     const struct xlspec_rng *rng, struct xlspec_vif *vif,
		     struct xlcfg_err *err);

void xlspec_vif_free(struct xlspec_vif *vif);

/*
 * Writes the canonical spec, defaults filled in, e.g.
 *   mac=00:16:3e:74:34:32, bridge=xenbr0, type=ioemu, model=rtl8139, mtu=1500
 * (type= left out while XLSPEC_VIF_DEFAULT) followed by whichever of
 * devid ip script backend vifname gatewaydev forwarddev rate trusted
 * untrusted are given or set. Parsing it gives the same vif.
 */
void xlspec_vif_print(const struct xlspec_vif *vif, xlcfg_write_fn write,
		      void *ctx);

#endif

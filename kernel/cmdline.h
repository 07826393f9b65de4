/*
 * The hypervisor command line, in Xen's syntax (REFERENCE §3; the facts come
 * from Xen's docs/misc/xen-command-line.pandoc). Options are separated by
 * blanks; a later option overrides an earlier one; "--" ends the line (Xen
 * hands what follows to Dom0). The caller strips the boot image's own path,
 * which multiboot1 loaders put first.
 *
 * Parsing never fails: a bad value is reported through the warn callback and
 * the affected setting goes back to its built-in default.
 */
#ifndef BULKHEAD_CMDLINE_H
#define BULKHEAD_CMDLINE_H

#include "types.h"

enum log_level { LOG_NONE, LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_ALL };

/*
 * One dom0_mem= amount: `[-]SIZE`, `[-]FRAC%` or `[-]SIZE+FRAC%`, FRAC < 100.
 * It stands for bytes + percent% of host memory; negative means host memory
 * minus that. SIZE takes the suffixes B, K, M, G, T (either case); a bare
 * number is KiB, as Xen's "Size" parameter type says.
 */
struct dom0_mem_spec {
	bool set;
	bool negative;
	u8 percent;		/* 0..99 */
	u64 bytes;
};

/* com1= / com2=: BAUD[/BASEBAUD][,DPS[,IOBASE[,IRQ]]]; an empty field keeps
 * its value. Xen's PCI forms (pci, amt, msi, BDFs) and name=value fields are
 * warned about: Bulkhead drives only legacy ISA UARTs. */
struct com_opts {
	u32 baud;		/* 0: "auto", keep what firmware programmed */
	u32 clock_hz;		/* UART input clock, 16 x BASEBAUD; default 1843200 */
	u8 data_bits;		/* 5..8, default 8 */
	u8 stop_bits;		/* 1..2, default 1 */
	char parity;		/* 'n', 'o', 'e', 'm', 's'; default 'n' */
	u8 irq;			/* 0: poll; default 4 (com1), 3 (com2) */
	u16 io_base;		/* default 0x3f8 (com1), 0x2f8 (com2) */
};

struct cmdline_opts {
	/* dom0_mem=[min:|max:]AMOUNT,... Unset: all but min(1/16, 128 MiB). */
	struct dom0_mem_spec dom0_mem, dom0_mem_min, dom0_mem_max;
	/* dom0_max_vcpus=N (min = max = N) or MIN-MAX, either side optional.
	 * 0 = no bound; both 0 (default) = one vCPU per pCPU. */
	u32 dom0_vcpus_min, dom0_vcpus_max;
	/* dom0=pvh|pv,verbose. Always PVH: Bulkhead has no PV mode, so "pv" is
	 * only warned about. */
	bool dom0_pvh, dom0_verbose;
	/* console=com1,com2,vga,none; default com1,vga. "none" only alone;
	 * Xen's comNH/comNL, dbgp, ehci, xhci and pv are warned about. */
	bool console_com1, console_com2, console_vga, console_none;
	struct com_opts com1, com2;
	/* LEVEL[/RATELIMITED]: messages up to LEVEL always print, those up to
	 * RATELIMITED (never below LEVEL) print rate-limited.
	 * Defaults: loglvl=info/info, guest_loglvl=none/warning. */
	int loglvl, loglvl_rate;
	int guest_loglvl, guest_loglvl_rate;
	bool sync_console;	/* default off */
	/* iommu=<bool>,force|required,verbose,debug (debug also sets verbose).
	 * Default: enabled, nothing else. */
	bool iommu_enable, iommu_force, iommu_verbose, iommu_debug;
	bool idle_poweroff;	/* Bulkhead only: power off when the last domain dies */
	bool idle_poll;		/* Bulkhead only: idle pCPUs spin (sched.h), default off */
	char raw[1024];		/* the line as given, truncated; `xl info` shows it */
};

/* Sink for diagnostics: the core passes its logger, the tests a recorder.
 * msg is one line without a newline, valid only during the call. */
typedef void (*cmdline_warn_fn)(void *ctx, const char *msg);

void cmdline_defaults(struct cmdline_opts *o);

/*
 * Parse s into o, which already holds defaults (or an earlier parse). Bad
 * values are reported as "cmdline: OPT=VALUE: what, using default (X)",
 * unknown options as "cmdline: unknown option 'foo=bar' ignored". Booleans
 * take OPT, no-OPT, OPT=yes|on|true|enable|1 and OPT=no|off|false|disable|0;
 * names and values are case-sensitive, as in Xen. warn may be NULL.
 */
void cmdline_parse(struct cmdline_opts *o, const char *s, cmdline_warn_fn warn,
		   void *ctx);

/*
 * Dom0's memory in bytes on a host with `total` bytes of RAM: dom0_mem= (or
 * the default), raised to min:, lowered to max:, then capped at total, and
 * rounded down to a page. An amount that works out to 0 counts as not given.
 */
u64 cmdline_dom0_mem(const struct cmdline_opts *o, u64 total);

/* Dom0's vCPU count on a host with nr_cpus pCPUs; at least 1. */
u32 cmdline_dom0_vcpus(const struct cmdline_opts *o, u32 nr_cpus);

/* "none", "error", "warning", "info", "debug", "all"; "?" if out of range. */
const char *cmdline_log_level_name(int level);

#endif

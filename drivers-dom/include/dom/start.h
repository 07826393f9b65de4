/*
 * Start of day of a runtime domain (public/bulkhead.h, end): the entry code
 * clears BSS, points FS at a TLS block holding the stack-protector canary
 * (%fs:0x28), loads the IDT, reads the flattened device tree into struct
 * dom_start_info, starts the console, heap, clock and event channels, then
 * runs dom_main() on vCPU 0; its return value is the SCHEDOP_shutdown reason
 * (SHUTDOWN_poweroff = 0). Other vCPUs block forever.
 *
 * Memory (guest-physical = virtual, the start page tables identity-map 0-4 GiB):
 *   0 - 0x8000                page tables, GDT (the core's)
 *   image, modules, the tree  as the core placed them (kept)
 *   heap                      from above the highest of those ...
 *   guard (unmapped), stack   ... to DOM_STACK_SIZE below the top of RAM
 *   above RAM                 dom/gpa.h: shared_info, grant frames, mapping window
 */
#ifndef DOM_START_H
#define DOM_START_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOM_MAX_MODULES 16
#define DOM_STACK_SIZE (256 * 1024)	/* vCPU 0's stack, below the top of RAM */

struct dom_module {
	uint64_t addr;		/* guest-physical (= virtual) address */
	uint64_t size;		/* bytes */
	const char *args;	/* its command line (path first, as given to the boot loader) */
};

struct dom_start_info {
	uint32_t domid;
	bool privileged;		/* Dom0 */
	uint32_t nr_vcpus;
	uint64_t mem_bytes;		/* RAM is 0 .. mem_bytes */
	const char *bootargs;		/* "" if none */
	bool has_store, has_console;	/* absent for Dom0 */
	uint64_t store_pfn, console_pfn;
	uint32_t store_evtchn, console_evtchn;
	/* Device models: the guest's serial console ring (bulkhead,guest-console-pfn
	 * and -evtchn in /hypervisor): a page of this domain, a port of its own
	 * that Dom0 binds. */
	bool has_guest_console;
	uint64_t guest_console_pfn;
	uint32_t guest_console_evtchn;
	unsigned int nr_modules;
	struct dom_module modules[DOM_MAX_MODULES];
	const void *fdt;		/* the tree itself, for anything else in it */
	uint64_t heap_start, heap_size;	/* what malloc manages */
};

/* Defined by the program that links the runtime. */
int dom_main(const struct dom_start_info *si);

/* The start info (NULL before the tree is read). */
const struct dom_start_info *dom_start_info(void);

/* True if word is one of the whitespace-separated words of args. */
bool dom_args_has_word(const char *args, const char *word);
/* The first module whose arguments after the path include word, or NULL. */
const struct dom_module *dom_find_module(const char *word);

/* Reads the tree into si (and the heap bounds are not set); 0 or -errno,
 * with a message in err. */
int dom_fdt_parse(const void *fdt, struct dom_start_info *si, char *err, size_t errlen);
/* The tree's total size in bytes (its header's totalsize). */
size_t dom_fdt_size(const void *fdt);

/* vCPU 0's stack guard (start of day): guard_size bytes below bottom unmapped,
 * #PF/#SS/#DF on their own stack so that an overflow is reported. */
void dom_stack_guard_init(uint64_t bottom, uint64_t guard_size);
/* True if addr lies in the guard (a fault there is a stack overflow). */
bool dom_stack_guard_hit(uint64_t addr);
/* Aborts with a message if vCPU 0's stack pointer is below its stack (called while waiting). */
void dom_stack_check(void);

#endif

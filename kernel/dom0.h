/* Dom0: built by the core at boot from the first boot module when it is an ELF image. */
#ifndef BULKHEAD_DOM0_H
#define BULKHEAD_DOM0_H

#include "multiboot.h"

struct cmdline_opts;

/* True if the boot modules describe a Dom0 (the first is an ELF executable). */
bool dom0_present(const struct boot_info *bi);
/* Builds and starts Dom0; panics with a clear message if it cannot. */
void dom0_build(const struct boot_info *bi, const struct cmdline_opts *o);

#endif

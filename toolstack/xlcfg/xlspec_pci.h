/*
 * One PCI_SPEC_STRING of xl.cfg's `pci = [ ... ]' (Xen's
 * docs/man/xl-pci-configuration.5.pod): [DDDD:]BB:DD.F[@VSLOT][,OPTIONS],
 * the function a digit 0-7 or `*' (all functions), numbers in hex.
 */
#ifndef XLSPEC_PCI_H
#define XLSPEC_PCI_H

#include "xlcfg.h"

/*
 * Returns a malloc'd copy of `spec' with the BDF spelled in full
 * (03:00.0 -> 0000:03:00.0) and what follows it (@VSLOT, options) kept
 * as given; NULL if the BDF is malformed or out of range (or on no
 * memory).
 */
char *xlspec_pci_normalize(const char *spec);

#endif

/* lwIP's sources include <stdlib.h>: the runtime declares what they use in dom.h. */
#ifndef NETBACK_LWIP_LIBC_STDLIB_H
#define NETBACK_LWIP_LIBC_STDLIB_H
#include "dom.h"
void abort(void);
/* netif_find()'s only use; the runtime has strtol, not atoi. */
#define atoi(s) ((int)strtol((s), NULL, 10))
#endif

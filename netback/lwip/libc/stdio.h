/* lwIP's sources include <stdio.h>: the runtime declares what they use in dom.h. */
#ifndef NETBACK_LWIP_LIBC_STDIO_H
#define NETBACK_LWIP_LIBC_STDIO_H
#include "dom.h"

#endif

/* lwIP's sources include <string.h>: the runtime declares what they use in dom.h. */
#ifndef NETBACK_LWIP_LIBC_STRING_H
#define NETBACK_LWIP_LIBC_STRING_H
#include "dom.h"

#endif

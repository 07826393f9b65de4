/*
 * Error numbers of domain code: Xen's errno values (kernel/include/errno.h,
 * the hypercall ABI's), plus the few file-system ones it does not list, with
 * Xen's (and Linux's) numbers.
 */
#ifndef DOM_ERRNO_H
#define DOM_ERRNO_H

#include "errno.h"

#ifndef ENOTDIR
#define ENOTDIR 20
#endif
#ifndef EISDIR
#define EISDIR 21
#endif
#ifndef EMFILE
#define EMFILE 24
#endif
#ifndef EFBIG
#define EFBIG 27
#endif
#ifndef ENAMETOOLONG
#define ENAMETOOLONG 36
#endif

#endif

/* Xen's errno values: the only error codes at the hypercall ABI and inside the core. */
#ifndef BULKHEAD_ERRNO_H
#define BULKHEAD_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENOTEMPTY 39
#define ETIME 62
#define EPROTO 71
#define EMSGSIZE 90
#define EOPNOTSUPP 95
#define ENOBUFS 105
#define ENOTCONN 107
#define ETIMEDOUT 110

#endif

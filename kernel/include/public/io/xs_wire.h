/*
 * The xenstore wire protocol: message header, message types, error names and
 * the shared ring page between a domain and xenstored. Written from Xen's
 * docs/misc/xenstore.txt and docs/misc/xenstore-ring.txt; the numbers and the
 * page layout are Xen's (a guest's xenbus driver uses them unchanged).
 */
#ifndef PUBLIC_IO_XS_WIRE_H
#define PUBLIC_IO_XS_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Message types (xsd_sockmsg.type). Requests are answered with the same type,
 * or with XS_ERROR; XS_WATCH_EVENT is unsolicited. 20 (RESTRICT) is retired. */
enum xsd_sockmsg_type {
	XS_CONTROL = 0,
	XS_DEBUG = XS_CONTROL,	/* the old name */
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT,		/* one past the highest type */
	XS_INVALID = 0xffff	/* never a valid type */
};

/* Every message, both directions: this header, then len bytes of payload. */
struct xsd_sockmsg {
	uint32_t type;		/* enum xsd_sockmsg_type */
	uint32_t req_id;	/* IN: chosen by the client; OUT: echoed */
	uint32_t tx_id;		/* transaction id, 0 outside a transaction; echoed */
	uint32_t len;		/* payload bytes, at most XENSTORE_PAYLOAD_MAX */
};

/* Limits. Exceeding the payload limit costs the client its connection;
 * the path limits just earn an error reply. */
#define XENSTORE_PAYLOAD_MAX 4096
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

/*
 * Errors travel as their names ("ENOENT"), never as numbers: the payload of
 * an XS_ERROR reply is the name and a nul. The numbers here are Xen's (and
 * Linux's) errno values, for code that needs one.
 */
enum xsd_errno {
	XSD_EPERM = 1,
	XSD_ENOENT = 2,
	XSD_EIO = 5,
	XSD_E2BIG = 7,
	XSD_EAGAIN = 11,
	XSD_ENOMEM = 12,
	XSD_EACCES = 13,
	XSD_EBUSY = 16,
	XSD_EEXIST = 17,
	XSD_EISDIR = 21,
	XSD_EINVAL = 22,
	XSD_ENOSPC = 28,
	XSD_EROFS = 30,
	XSD_ENOSYS = 38,
	XSD_ENOTEMPTY = 39,
	XSD_EISCONN = 106,
};

struct xsd_errors {
	int errnum;
	const char *errstring;
};

/* Initialiser for a table of struct xsd_errors, in Xen's order (EINVAL
 * first: it is the fallback for an unknown number). */
#define XSD_ERRORS_INIT                                                              \
	{                                                                            \
		{ XSD_EINVAL, "EINVAL" }, { XSD_EACCES, "EACCES" },                 \
		{ XSD_EEXIST, "EEXIST" }, { XSD_EISDIR, "EISDIR" },                 \
		{ XSD_ENOENT, "ENOENT" }, { XSD_ENOMEM, "ENOMEM" },                 \
		{ XSD_ENOSPC, "ENOSPC" }, { XSD_EIO, "EIO" },                       \
		{ XSD_ENOTEMPTY, "ENOTEMPTY" }, { XSD_ENOSYS, "ENOSYS" },           \
		{ XSD_EROFS, "EROFS" }, { XSD_EBUSY, "EBUSY" },                     \
		{ XSD_EAGAIN, "EAGAIN" }, { XSD_EISCONN, "EISCONN" },               \
		{ XSD_E2BIG, "E2BIG" }, { XSD_EPERM, "EPERM" },                     \
	}

/* XS_WATCH_EVENT payload: the strings at these indices. */
enum xs_watch_type {
	XS_WATCH_PATH = 0,
	XS_WATCH_TOKEN = 1,
};

/*
 * The shared page (docs/misc/xenstore-ring.txt). The domain produces into
 * req and consumes from rsp; xenstored the reverse. Indices are free-running
 * and masked on use; producer - consumer never exceeds XENSTORE_RING_SIZE.
 */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE];	/* domain -> xenstored */
	char rsp[XENSTORE_RING_SIZE];	/* xenstored -> domain: replies, watch events */
	XENSTORE_RING_IDX req_cons;	/* written by xenstored */
	XENSTORE_RING_IDX req_prod;	/* written by the domain */
	XENSTORE_RING_IDX rsp_cons;	/* written by the domain */
	XENSTORE_RING_IDX rsp_prod;	/* written by xenstored */
	uint32_t server_features;	/* XENSTORE_SERVER_FEATURE_*, set by xenstored */
	uint32_t connection;		/* XENSTORE_CONNECTED / XENSTORE_RECONNECT */
	uint32_t error;			/* XENSTORE_ERROR_*, with FEATURE_ERROR */
};

#define XENSTORE_SERVER_FEATURE_RECONNECTION 1	/* honours connection = RECONNECT */
#define XENSTORE_SERVER_FEATURE_ERROR 2		/* reports in the error field */

#define XENSTORE_CONNECTED 0	/* steady state */
#define XENSTORE_RECONNECT 1	/* the domain asks for a reset; xenstored answers CONNECTED */

#define XENSTORE_ERROR_NONE 0
#define XENSTORE_ERROR_COMM 1		/* communication problem */
#define XENSTORE_ERROR_RINGIDX 2	/* a ring index out of range */
#define XENSTORE_ERROR_PROTO 3		/* protocol violation (payload too long) */

_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg is four u32");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp) == 1024, "rsp @1024");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 2048,
	       "req_cons @2048");
_Static_assert(offsetof(struct xenstore_domain_interface, req_prod) == 2052,
	       "req_prod @2052");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_cons) == 2056,
	       "rsp_cons @2056");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 2060,
	       "rsp_prod @2060");
_Static_assert(offsetof(struct xenstore_domain_interface, server_features) == 2064,
	       "server_features @2064");
_Static_assert(offsetof(struct xenstore_domain_interface, connection) == 2068,
	       "connection @2068");
_Static_assert(offsetof(struct xenstore_domain_interface, error) == 2072,
	       "error @2072");

#endif

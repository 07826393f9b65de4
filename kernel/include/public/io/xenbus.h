/*
 * The states a split device's frontend and backend publish in their
 * xenstore "state" nodes (Xen's io/xenbus.h values; REFERENCE §4). Each side
 * writes only its own node and watches the other's.
 */
#ifndef PUBLIC_IO_XENBUS_H
#define PUBLIC_IO_XENBUS_H

enum xenbus_state {
	XenbusStateUnknown = 0,
	XenbusStateInitialising = 1,	/* the toolstack created the nodes */
	XenbusStateInitWait = 2,	/* backend: details written, waiting for the frontend */
	XenbusStateInitialised = 3,	/* frontend: ring details written */
	XenbusStateConnected = 4,
	XenbusStateClosing = 5,		/* going away (or a fatal error) */
	XenbusStateClosed = 6,
	XenbusStateReconfiguring = 7,
	XenbusStateReconfigured = 8,
};

#endif

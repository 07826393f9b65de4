/*
 * Transactions (xenstore.txt TRANSACTION_START/END). A transaction keeps a
 * private copy of every node it looks at, with the committed generation it
 * saw; its writes land in the copies. Commit re-checks those generations:
 * if any node it read or wrote has changed since (or appeared, or gone), the
 * commit fails with EAGAIN; otherwise every changed copy replaces the
 * committed node at once, and the watches fire.
 */
#ifndef XS_TX_H
#define XS_TX_H

#include "dom.h"
#include "xs_table.h"

struct xs_conn;

struct xs_tx {
	struct xs_tx *next;	/* the connection's open transactions */
	uint32_t id;		/* never 0 */
	uint32_t domid;		/* the connection's domain */
	int32_t own_delta;	/* nodes domid gains on commit (created - deleted) */
	struct xs_table nodes;	/* every path it looked at */
};

/* Open a transaction on c; its id in *id. Returns 0, XSD_ENOSPC (quota) or XSD_ENOMEM. */
int xs_tx_start(struct xs_conn *c, uint32_t *id);

/* c's open transaction with this id, or NULL. */
struct xs_tx *xs_tx_find(struct xs_conn *c, uint32_t id);

/* Commit (or abort) and free tx. Returns 0, XSD_EAGAIN on a conflict,
 * XSD_ENOSPC when the commit would put c's domain over its node quota,
 * XSD_ENOMEM; the transaction is gone in every case. */
int xs_tx_end(struct xs_conn *c, struct xs_tx *tx, bool commit);

/* Abort every transaction of c. */
void xs_tx_abort_all(struct xs_conn *c);

#endif

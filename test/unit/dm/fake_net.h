/* The network side of a NIC model under test (nic.h's dm_nic_ops): frames
 * the guest sends land in a log, -EAGAIN on demand, rx_ready counted. ctx
 * is &ntx. Included by one test file each (the state is its own). */
#ifndef DM_TEST_FAKE_NET_H
#define DM_TEST_FAKE_NET_H

#include "check.h"
#include "nic.h"

#define TXLOG 16
static uint8_t txf[TXLOG][2048];
static size_t txlen[TXLOG];
static unsigned ntx;		/* frames taken */
static unsigned tx_accept = ~0u;	/* take this many more, then -EAGAIN */
static unsigned tx_refused, rx_readies;

static int net_tx(void *ctx, const uint8_t *f, size_t len)
{
	CHECK(ctx == &ntx);
	CHECK(len >= 14 && len <= DM_NIC_FRAME_MAX);
	if (!tx_accept) {
		tx_refused++;
		return -DM_NIC_EAGAIN;
	}
	tx_accept--;
	if (ntx < TXLOG) {
		memcpy(txf[ntx], f, len);
		txlen[ntx] = len;
	}
	ntx++;
	return 0;
}

static void net_rx_ready(void *ctx)
{
	CHECK(ctx == &ntx);
	rx_readies++;
}

static const struct dm_nic_ops ops = { net_tx, net_rx_ready };

#endif

/*
 * The xenstore and event-channel callbacks of a backend's env (vbd_back_env,
 * vif_back_env) in a runtime domain: the store through the runtime's
 * xenstore client, into the caller's buffers; watches that set the bool the
 * ctx points to (the owner rescans when it is set); event channels bound
 * interdomain. blkback and netback link it.
 */
#ifndef BLKBACK_XS_ENV_H
#define BLKBACK_XS_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int xs_env_read(void *ctx, const char *path, char *buf, size_t len);
int xs_env_directory(void *ctx, const char *path, char *buf, size_t len, size_t *used);
int xs_env_write(void *ctx, const char *path, const char *value);
/* ctx: a bool *, set on every change under path. */
void xs_env_watch(void *ctx, const char *path, bool on);
int xs_env_bind(void *ctx, uint16_t domid, uint32_t remote_port);
void xs_env_unbind(void *ctx, unsigned port);
void xs_env_notify(void *ctx, unsigned port);
unsigned xs_env_take(void *ctx, unsigned port);

#endif

/*
 * From an xl.cfg file to what the builder needs. Parsing and every key's
 * checks and defaults are the xl.cfg parser's (toolstack/xlcfg); this file
 * adds what Bulkhead's builder can and cannot do.
 */
#ifndef XL_CONFIG_H
#define XL_CONFIG_H

#include "xl_build.h"
#include "xlcfg_domain.h"

struct xl_config {
	struct xlcfg *tree;
	struct xl_domain_config dom;
	bool have_dom;
};

/* Reads FILE, parses it, applies the KEY=VALUE overrides and builds the
 * domain config; one error line and XL_FAIL on failure (*c then empty). */
int xl_config_load(struct xl *x, const char *file, char *const *overrides, int n,
		   struct xl_config *c);
/* What the builder takes; refuses what it cannot build (HVM, PV). */
int xl_config_to_build(struct xl *x, const struct xl_config *c, struct xl_build_cfg *b);
void xl_build_cfg_free(struct xl_build_cfg *b);
/* The normalized config on stdout: what create -N shows. */
void xl_config_print(struct xl *x, const struct xl_config *c);
void xl_config_free(struct xl_config *c);

#endif

/*
 * A sequential flattened-device-tree writer (DTSpec v0.4 §5, version 17):
 * nodes and properties are appended in order into growing buffers, then
 * xl_fdt_finish() lays out header, empty reservation map, structure and
 * strings blocks. The reader is libfdt, in the new domain.
 */
#ifndef XL_FDT_H
#define XL_FDT_H

#include "dom.h"

struct xl_fdt {
	uint8_t *st;		/* structure block */
	size_t st_len, st_cap;
	char *str;		/* strings block (property names, shared) */
	size_t str_len, str_cap;
	int depth;		/* open nodes */
	bool bad;		/* out of memory or unbalanced: finish fails */
};

void xl_fdt_init(struct xl_fdt *f);
void xl_fdt_begin_node(struct xl_fdt *f, const char *name);
void xl_fdt_end_node(struct xl_fdt *f);
void xl_fdt_prop(struct xl_fdt *f, const char *name, const void *val, uint32_t len);
void xl_fdt_prop_u32(struct xl_fdt *f, const char *name, uint32_t v);
void xl_fdt_prop_str(struct xl_fdt *f, const char *name, const char *s);
/* <addr_hi addr_lo size_hi size_lo>: #address-cells = #size-cells = 2. */
void xl_fdt_prop_reg64(struct xl_fdt *f, const char *name, uint64_t addr, uint64_t size);
/* The blob (malloc'd, *len bytes) or NULL; frees the writer's buffers. */
void *xl_fdt_finish(struct xl_fdt *f, size_t *len);

#endif

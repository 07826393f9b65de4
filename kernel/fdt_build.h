/*
 * A minimal flattened-device-tree writer (DTSpec v0.4 §5): the core builds
 * Dom0's start info with it. Nodes and properties are appended in order into
 * a caller-supplied buffer; the reader side is libfdt, in the domains.
 */
#ifndef BULKHEAD_FDT_BUILD_H
#define BULKHEAD_FDT_BUILD_H

#include "types.h"

struct fdt_writer {
	u8 *buf;
	size_t size;
	size_t struct_len;	/* bytes of the structure block so far */
	size_t strings_len;	/* bytes of the strings block so far */
	u8 strings[1024];	/* property names, copied at the end */
	bool overflow;
};

void fdt_build_begin(struct fdt_writer *w, void *buf, size_t size);
void fdt_build_node_begin(struct fdt_writer *w, const char *name);
void fdt_build_node_end(struct fdt_writer *w);
void fdt_build_prop(struct fdt_writer *w, const char *name, const void *val, u32 len);
void fdt_build_prop_u32(struct fdt_writer *w, const char *name, u32 v);
void fdt_build_prop_str(struct fdt_writer *w, const char *name, const char *s);
/* <hi lo> pairs for a 64-bit address and size (#address-cells = #size-cells = 2). */
void fdt_build_prop_reg64(struct fdt_writer *w, const char *name, u64 addr, u64 size);
/* Finishes the blob; its total size, or 0 if the buffer was too small. */
size_t fdt_build_finish(struct fdt_writer *w);

#endif

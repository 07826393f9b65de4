/* Flattened device tree writer: header, empty reservation map, structure, strings. */
#include "fdt_build.h"
#include "lib.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_END 9
#define HEADER_SIZE 40
#define RSVMAP_SIZE 16	/* one terminating {0, 0} entry */
#define STRUCT_OFF (HEADER_SIZE + RSVMAP_SIZE)

static u32 be32(u32 v)
{
	return __builtin_bswap32(v);
}

static void put(struct fdt_writer *w, const void *p, size_t n)
{
	size_t at = STRUCT_OFF + w->struct_len;

	if (w->overflow || at + n > w->size) {
		w->overflow = true;
		return;
	}
	if (n)
		memcpy(w->buf + at, p, n);
	w->struct_len += n;
}

static void put_u32(struct fdt_writer *w, u32 v)
{
	v = be32(v);
	put(w, &v, 4);
}

static void pad4(struct fdt_writer *w)
{
	static const u8 zero[4];

	put(w, zero, ALIGN_UP(w->struct_len, 4) - w->struct_len);
}

void fdt_build_begin(struct fdt_writer *w, void *buf, size_t size)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->size = size;
	if (size < STRUCT_OFF)
		w->overflow = true;
	else
		memset(buf, 0, STRUCT_OFF);
}

void fdt_build_node_begin(struct fdt_writer *w, const char *name)
{
	put_u32(w, FDT_BEGIN_NODE);
	put(w, name, strlen(name) + 1);
	pad4(w);
}

void fdt_build_node_end(struct fdt_writer *w)
{
	put_u32(w, FDT_END_NODE);
}

/* Offset of name in the strings block, adding it when new. */
static u32 string_off(struct fdt_writer *w, const char *name)
{
	size_t n = strlen(name) + 1;

	for (size_t off = 0; off < w->strings_len; off += strlen((char *)w->strings + off) + 1)
		if (!strcmp((char *)w->strings + off, name))
			return (u32)off;
	if (w->strings_len + n > sizeof(w->strings)) {
		w->overflow = true;
		return 0;
	}
	memcpy(w->strings + w->strings_len, name, n);
	w->strings_len += n;
	return (u32)(w->strings_len - n);
}

void fdt_build_prop(struct fdt_writer *w, const char *name, const void *val, u32 len)
{
	u32 off = string_off(w, name);

	put_u32(w, FDT_PROP);
	put_u32(w, len);
	put_u32(w, off);
	put(w, val, len);
	pad4(w);
}

void fdt_build_prop_u32(struct fdt_writer *w, const char *name, u32 v)
{
	v = be32(v);
	fdt_build_prop(w, name, &v, 4);
}

void fdt_build_prop_str(struct fdt_writer *w, const char *name, const char *s)
{
	fdt_build_prop(w, name, s, (u32)strlen(s) + 1);
}

void fdt_build_prop_reg64(struct fdt_writer *w, const char *name, u64 addr, u64 size)
{
	u32 cells[4] = { be32((u32)(addr >> 32)), be32((u32)addr), be32((u32)(size >> 32)),
			 be32((u32)size) };

	fdt_build_prop(w, name, cells, sizeof(cells));
}

size_t fdt_build_finish(struct fdt_writer *w)
{
	u32 *h = (u32 *)w->buf;
	size_t strings_off, total;

	put_u32(w, FDT_END);
	strings_off = STRUCT_OFF + w->struct_len;
	total = strings_off + w->strings_len;
	if (w->overflow || total > w->size)
		return 0;
	memcpy(w->buf + strings_off, w->strings, w->strings_len);
	h[0] = be32(FDT_MAGIC);
	h[1] = be32((u32)total);
	h[2] = be32(STRUCT_OFF);		/* off_dt_struct */
	h[3] = be32((u32)strings_off);		/* off_dt_strings */
	h[4] = be32(HEADER_SIZE);		/* off_mem_rsvmap */
	h[5] = be32(17);			/* version */
	h[6] = be32(16);			/* last_comp_version */
	h[7] = 0;				/* boot_cpuid_phys */
	h[8] = be32((u32)w->strings_len);	/* size_dt_strings */
	h[9] = be32((u32)w->struct_len);	/* size_dt_struct */
	return total;
}

/* Flattened device tree writer (DTSpec v0.4 §5). All header and structure
 * words are big-endian; tokens and property values are padded to 4 bytes. */
#include "xl.h"
#include "xl_fdt.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_END 9u
#define FDT_HEADER_SIZE 40u
#define FDT_RSVMAP_SIZE 16u	/* the terminating empty entry only */

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool grow(struct xl_fdt *f, void **buf, size_t *cap, size_t need)
{
	size_t want = *cap ? *cap : 256;
	void *p;

	if (need <= *cap)
		return true;
	while (want < need)
		want *= 2;
	p = realloc(*buf, want);
	if (!p) {
		f->bad = true;
		return false;
	}
	*buf = p;
	*cap = want;
	return true;
}

/* Appends len bytes (data may be NULL: zeros) and pads to 4 bytes. */
static void put(struct xl_fdt *f, const void *data, size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;

	if (f->bad || !grow(f, (void **)&f->st, &f->st_cap, f->st_len + padded))
		return;
	memset(f->st + f->st_len, 0, padded);
	if (data)
		memcpy(f->st + f->st_len, data, len);
	f->st_len += padded;
}

static void put32(struct xl_fdt *f, uint32_t v)
{
	uint8_t b[4];

	be32(b, v);
	put(f, b, 4);
}

/* Offset of name in the strings block, added once. */
static uint32_t string_off(struct xl_fdt *f, const char *name)
{
	size_t len = strlen(name) + 1;

	for (size_t off = 0; off < f->str_len; off += strlen(f->str + off) + 1)
		if (!strcmp(f->str + off, name))
			return (uint32_t)off;
	if (!grow(f, (void **)&f->str, &f->str_cap, f->str_len + len))
		return 0;
	memcpy(f->str + f->str_len, name, len);
	f->str_len += len;
	return (uint32_t)(f->str_len - len);
}

void xl_fdt_init(struct xl_fdt *f)
{
	memset(f, 0, sizeof(*f));
}

void xl_fdt_begin_node(struct xl_fdt *f, const char *name)
{
	put32(f, FDT_BEGIN_NODE);
	put(f, name, strlen(name) + 1);
	f->depth++;
}

void xl_fdt_end_node(struct xl_fdt *f)
{
	if (f->depth-- <= 0)
		f->bad = true;
	put32(f, FDT_END_NODE);
}

void xl_fdt_prop(struct xl_fdt *f, const char *name, const void *val, uint32_t len)
{
	uint32_t off = string_off(f, name);

	put32(f, FDT_PROP);
	put32(f, len);
	put32(f, off);
	put(f, val, len);
}

void xl_fdt_prop_u32(struct xl_fdt *f, const char *name, uint32_t v)
{
	uint8_t b[4];

	be32(b, v);
	xl_fdt_prop(f, name, b, 4);
}

void xl_fdt_prop_str(struct xl_fdt *f, const char *name, const char *s)
{
	xl_fdt_prop(f, name, s, (uint32_t)strlen(s) + 1);
}

void xl_fdt_prop_reg64(struct xl_fdt *f, const char *name, uint64_t addr, uint64_t size)
{
	uint8_t b[16];

	be32(b, (uint32_t)(addr >> 32));
	be32(b + 4, (uint32_t)addr);
	be32(b + 8, (uint32_t)(size >> 32));
	be32(b + 12, (uint32_t)size);
	xl_fdt_prop(f, name, b, sizeof(b));
}

static void header(uint8_t *h, size_t total, size_t st_len, size_t str_len)
{
	size_t off_st = FDT_HEADER_SIZE + FDT_RSVMAP_SIZE;

	be32(h, FDT_MAGIC);
	be32(h + 4, (uint32_t)total);
	be32(h + 8, (uint32_t)off_st);			/* off_dt_struct */
	be32(h + 12, (uint32_t)(off_st + st_len));	/* off_dt_strings */
	be32(h + 16, FDT_HEADER_SIZE);			/* off_mem_rsvmap */
	be32(h + 20, 17);				/* version */
	be32(h + 24, 16);				/* last_comp_version */
	be32(h + 28, 0);				/* boot_cpuid_phys */
	be32(h + 32, (uint32_t)str_len);		/* size_dt_strings */
	be32(h + 36, (uint32_t)st_len);			/* size_dt_struct */
}

void *xl_fdt_finish(struct xl_fdt *f, size_t *len)
{
	size_t total;
	uint8_t *blob = NULL;

	put32(f, FDT_END);
	if (!f->bad && !f->depth) {
		total = FDT_HEADER_SIZE + FDT_RSVMAP_SIZE + f->st_len + f->str_len;
		blob = calloc(1, total);
		if (blob) {
			header(blob, total, f->st_len, f->str_len);
			memcpy(blob + FDT_HEADER_SIZE + FDT_RSVMAP_SIZE, f->st, f->st_len);
			if (f->str_len)
				memcpy(blob + total - f->str_len, f->str, f->str_len);
			*len = total;
		}
	}
	free(f->st);
	free(f->str);
	xl_fdt_init(f);
	return blob;
}

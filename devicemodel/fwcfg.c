/*
 * QEMU's fw_cfg (docs/specs/fw_cfg.rst), x86 port layout: 0x510 selector,
 * 0x511 data, 0x514-0x51b DMA address (big-endian; the write of the low
 * half at 0x518 starts a transfer). Items are byte strings the device owns.
 */
#include "fwcfg.h"

#define FW_EINVAL 22
#define FW_ENOMEM 12
#define FW_ENOSPC 28

#define FW_PORT 0x510
#define FW_DMA_PORT 0x514
#define FW_MAX_LEGACY 32
#define FW_KEY_WRITE_CHANNEL 0x4000	/* ignored, as QEMU does since 2.4 */
#define FW_ZERO_FILL_MAX 0x10000	/* past an item's end; more is an error */

#define FW_DMA_ERROR 0x01
#define FW_DMA_READ 0x02
#define FW_DMA_SKIP 0x04
#define FW_DMA_SELECT 0x08
#define FW_DMA_WRITE 0x10

struct fw_item {
	uint16_t key;
	uint32_t len;
	uint8_t *data;
};

struct fw_file {
	char name[DM_FWCFG_NAME_MAX];
	struct fw_item item;		/* key = DM_FWCFG_FILE_FIRST + index */
};

struct dm_fwcfg {
	struct dm_env *env;
	struct fw_item legacy[FW_MAX_LEGACY];
	unsigned nlegacy;
	struct fw_file files[DM_FWCFG_MAX_FILES];	/* sorted by name */
	unsigned nfiles;
	struct fw_item dir;
	uint16_t cur_key;
	uint32_t cur_off;
	uint64_t dma_addr;
	unsigned dma_errors_logged;
	struct dm_region io, dma;
};

static void fw_log(struct dm_fwcfg *fw, const char *what, uint64_t v)
{
	if (fw->dma_errors_logged++ < 8 && fw->env->log)
		fw->env->log(fw->env->ctx, "fw_cfg: %s (%#llx)", what, (unsigned long long)v);
}

static struct fw_item *fw_lookup(struct dm_fwcfg *fw, uint16_t key)
{
	key &= (uint16_t)~FW_KEY_WRITE_CHANNEL;
	if (key == DM_FWCFG_FILE_DIR)
		return &fw->dir;
	if (key >= DM_FWCFG_FILE_FIRST && key < DM_FWCFG_FILE_FIRST + fw->nfiles)
		return &fw->files[key - DM_FWCFG_FILE_FIRST].item;
	for (unsigned i = 0; i < fw->nlegacy; i++)
		if (fw->legacy[i].key == key)
			return &fw->legacy[i];
	return NULL;
}

static void fw_select(struct dm_fwcfg *fw, uint16_t key)
{
	fw->cur_key = key;
	fw->cur_off = 0;
}

/* ---- the I/O ports --------------------------------------------------------- */

static uint8_t fw_next_byte(struct dm_fwcfg *fw)
{
	struct fw_item *it = fw_lookup(fw, fw->cur_key);

	if (!it || fw->cur_off >= it->len)
		return 0;
	return it->data[fw->cur_off++];
}

/* 0x510-0x511: a 16-bit write selects; a byte read at either reads data
 * (QEMU's combined region); other sizes are not part of the interface. */
static uint64_t fw_io_read(void *dev, uint64_t off, unsigned size)
{
	(void)off;
	if (size != 1)
		return DM_ALL_ONES(size);
	return fw_next_byte(dev);
}

static void fw_io_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	if (off == 0 && size == 2)
		fw_select(dev, (uint16_t)val);
	/* byte writes to the data port: the write channel QEMU dropped in 2.4 */
}

static const struct dm_io_ops fw_io_ops = { fw_io_read, fw_io_write };

/* ---- DMA ------------------------------------------------------------------- */

static uint32_t fw_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t fw_bswap32(uint32_t v)
{
	return fw_be32((const uint8_t *)&v);	/* x86: little-endian host */
}

/* Zeroes guest memory for a read past an item's end. */
static bool fw_dma_zero(struct dm_fwcfg *fw, uint64_t gpa, uint32_t len)
{
	static const uint8_t zero[512];

	while (len) {
		uint32_t n = len < sizeof(zero) ? len : sizeof(zero);

		if (fw->env->mem_write(fw->env->ctx, gpa, zero, n) < 0)
			return false;
		gpa += n;
		len -= n;
	}
	return true;
}

/* Moves one transfer's bytes; returns the control word to write back. */
static uint32_t fw_dma_run(struct dm_fwcfg *fw, uint32_t control, uint32_t length, uint64_t gpa)
{
	struct fw_item *it;

	if (control & FW_DMA_SELECT)
		fw_select(fw, (uint16_t)(control >> 16));
	it = fw_lookup(fw, fw->cur_key);
	if (!(control & (FW_DMA_READ | FW_DMA_WRITE | FW_DMA_SKIP)))
		return 0;
	if (!(control & FW_DMA_READ) && (control & FW_DMA_WRITE))
		return FW_DMA_ERROR;	/* every item is read-only */
	if (it && fw->cur_off < it->len) {
		uint32_t n = length < it->len - fw->cur_off ? length : it->len - fw->cur_off;

		if ((control & FW_DMA_READ) &&
		    fw->env->mem_write(fw->env->ctx, gpa, it->data + fw->cur_off, n) < 0)
			return FW_DMA_ERROR;
		fw->cur_off += n;
		gpa += n;
		length -= n;
	}
	if (!length || !(control & FW_DMA_READ))
		return 0;	/* a skip past the end just ends */
	if (length > FW_ZERO_FILL_MAX || !fw_dma_zero(fw, gpa, length))
		return FW_DMA_ERROR;
	return 0;
}

static void fw_dma_start(struct dm_fwcfg *fw)
{
	uint64_t at = fw->dma_addr;
	uint8_t d[16];
	uint32_t status;

	fw->dma_addr = 0;	/* as QEMU: the next transfer starts from 0 */
	if (fw->env->mem_read(fw->env->ctx, at, d, sizeof(d)) < 0) {
		fw_log(fw, "DMA descriptor outside RAM", at);
		status = FW_DMA_ERROR;
	} else {
		uint64_t gpa = (uint64_t)fw_be32(d + 8) << 32 | fw_be32(d + 12);

		status = fw_dma_run(fw, fw_be32(d), fw_be32(d + 4), gpa);
		if (status)
			fw_log(fw, "DMA transfer failed", gpa);
	}
	status = fw_bswap32(status);
	fw->env->mem_write(fw->env->ctx, at, &status, 4);	/* may fail: nothing to tell */
}

/* Reads return "QEMU CFG" byte by byte in port order (QEMU's big-endian
 * signature as a little-endian guest sees it). */
static uint64_t fw_dma_read(void *dev, uint64_t off, unsigned size)
{
	static const char sig[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };
	uint64_t v = 0;

	(void)dev;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)(off + i < 8 ? (uint8_t)sig[off + i] : 0xff) << (8 * i);
	return v;
}

/* The guest writes the descriptor's address big-endian: outl(bswap(hi),
 * 0x514), outl(bswap(lo), 0x518). */
static void fw_dma_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct dm_fwcfg *fw = dev;

	if (size != 4)
		return;
	if (off == 0) {
		fw->dma_addr = (uint64_t)fw_bswap32((uint32_t)val) << 32;
	} else if (off == 4) {
		fw->dma_addr |= fw_bswap32((uint32_t)val);
		fw_dma_start(fw);
	}
}

static const struct dm_io_ops fw_dma_ops = { fw_dma_read, fw_dma_write };

/* ---- items ----------------------------------------------------------------- */

static int fw_set(struct fw_item *it, uint16_t key, const void *data, size_t len)
{
	uint8_t *copy;

	if (len > UINT32_MAX)
		return -FW_EINVAL;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -FW_ENOMEM;
	if (len)
		memcpy(copy, data, len);
	free(it->data);
	*it = (struct fw_item){ .key = key, .len = (uint32_t)len, .data = copy };
	return 0;
}

static void fw_put_be(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* The directory (key 0x19): be32 count, then per file be32 size, be16
 * select, be16 reserved, char name[56]. */
static int fw_build_dir(struct dm_fwcfg *fw)
{
	size_t len = 4 + (size_t)fw->nfiles * 64;
	uint8_t *d = calloc(1, len);

	if (!d)
		return -FW_ENOMEM;
	fw_put_be(d, fw->nfiles, 4);
	for (unsigned i = 0; i < fw->nfiles; i++) {
		uint8_t *e = d + 4 + 64 * i;

		fw->files[i].item.key = (uint16_t)(DM_FWCFG_FILE_FIRST + i);
		fw_put_be(e, fw->files[i].item.len, 4);
		fw_put_be(e + 4, DM_FWCFG_FILE_FIRST + i, 2);
		memcpy(e + 8, fw->files[i].name, DM_FWCFG_NAME_MAX);
	}
	free(fw->dir.data);
	fw->dir = (struct fw_item){ .key = DM_FWCFG_FILE_DIR, .len = (uint32_t)len, .data = d };
	return 0;
}

int dm_fwcfg_add_bytes(struct dm_fwcfg *fw, uint16_t key, const void *data, size_t len)
{
	struct fw_item *it;

	if (key == DM_FWCFG_FILE_DIR || (key & FW_KEY_WRITE_CHANNEL) ||
	    (key >= DM_FWCFG_FILE_FIRST && key < 0x8000))
		return -FW_EINVAL;
	it = fw_lookup(fw, key);
	if (!it) {
		if (fw->nlegacy == FW_MAX_LEGACY)
			return -FW_ENOSPC;
		it = &fw->legacy[fw->nlegacy];
		*it = (struct fw_item){ 0 };
		if (fw_set(it, key, data, len) < 0)
			return -FW_ENOMEM;
		fw->nlegacy++;
		return 0;
	}
	return fw_set(it, key, data, len);
}

int dm_fwcfg_add_i16(struct dm_fwcfg *fw, uint16_t key, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return dm_fwcfg_add_bytes(fw, key, b, 2);
}

int dm_fwcfg_add_i32(struct dm_fwcfg *fw, uint16_t key, uint32_t v)
{
	uint8_t b[4];

	for (unsigned i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return dm_fwcfg_add_bytes(fw, key, b, 4);
}

int dm_fwcfg_add_i64(struct dm_fwcfg *fw, uint16_t key, uint64_t v)
{
	uint8_t b[8];

	for (unsigned i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return dm_fwcfg_add_bytes(fw, key, b, 8);
}

int dm_fwcfg_add_file(struct dm_fwcfg *fw, const char *name, const void *data, size_t len)
{
	size_t nl = strnlen(name, DM_FWCFG_NAME_MAX);
	unsigned i = 0;
	struct fw_item item = { 0 };
	int rc;

	if (nl == 0 || nl >= DM_FWCFG_NAME_MAX)
		return -FW_EINVAL;
	while (i < fw->nfiles && strcmp(fw->files[i].name, name) < 0)
		i++;
	if (i < fw->nfiles && !strcmp(fw->files[i].name, name)) {
		rc = fw_set(&fw->files[i].item, fw->files[i].item.key, data, len);
		return rc < 0 ? rc : fw_build_dir(fw);	/* the size changed */
	}
	if (fw->nfiles == DM_FWCFG_MAX_FILES)
		return -FW_ENOSPC;
	rc = fw_set(&item, 0, data, len);
	if (rc < 0)
		return rc;
	memmove(&fw->files[i + 1], &fw->files[i], (fw->nfiles - i) * sizeof(fw->files[0]));
	memset(fw->files[i].name, 0, DM_FWCFG_NAME_MAX);
	memcpy(fw->files[i].name, name, nl);
	fw->files[i].item = item;
	fw->nfiles++;
	return fw_build_dir(fw);
}

struct dm_fwcfg *dm_fwcfg_init(struct dm_env *env, struct dm_bus *bus)
{
	struct dm_fwcfg *fw = calloc(1, sizeof(*fw));

	if (!fw)
		return NULL;
	fw->env = env;
	fw->io = (struct dm_region){ .space = DM_PIO, .base = FW_PORT, .len = 2,
		.ops = &fw_io_ops, .dev = fw, .name = "fw_cfg" };
	fw->dma = (struct dm_region){ .space = DM_PIO, .base = FW_DMA_PORT, .len = 8,
		.ops = &fw_dma_ops, .dev = fw, .name = "fw_cfg-dma" };
	if (dm_fwcfg_add_bytes(fw, DM_FWCFG_SIGNATURE, "QEMU", 4) < 0 ||
	    dm_fwcfg_add_i32(fw, DM_FWCFG_ID, 0x3) < 0 || fw_build_dir(fw) < 0)
		goto fail;
	if (dm_bus_add(bus, &fw->io) < 0)
		goto fail;
	if (dm_bus_add(bus, &fw->dma) < 0) {
		dm_bus_remove(bus, &fw->io);
		goto fail;
	}
	return fw;
fail:
	dm_fwcfg_free(fw, NULL);
	return NULL;
}

void dm_fwcfg_free(struct dm_fwcfg *fw, struct dm_bus *bus)
{
	if (!fw)
		return;
	if (bus) {
		dm_bus_remove(bus, &fw->io);
		dm_bus_remove(bus, &fw->dma);
	}
	for (unsigned i = 0; i < fw->nlegacy; i++)
		free(fw->legacy[i].data);
	for (unsigned i = 0; i < fw->nfiles; i++)
		free(fw->files[i].item.data);
	free(fw->dir.data);
	free(fw);
}

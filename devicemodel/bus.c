/*
 * The port and MMIO bus: regions sorted by base in one array per space,
 * found by bisection. An access belongs to the region holding its first
 * byte (a device sees off + size past its end only when the guest crosses
 * it, and must clamp). Unclaimed reads float high (all-ones, as an ISA bus
 * with nothing driving it), unclaimed writes go nowhere.
 */
#include "dm.h"
#include "bus.h"

#define BUS_EINVAL 22
#define BUS_EEXIST 17
#define BUS_ENOMEM 12

struct bus_space {
	struct dm_region **r;	/* sorted by base, disjoint */
	unsigned n, cap;
};

struct dm_bus {
	struct dm_env *env;
	struct bus_space sp[2];		/* DM_PIO, DM_MMIO */
	/* Unclaimed addresses already logged (space in bit 63). */
	uint64_t seen[DM_BUS_UNCLAIMED_MAX];
	unsigned nseen;
	bool seen_full;
};

struct dm_bus *dm_bus_new(struct dm_env *env)
{
	struct dm_bus *bus = calloc(1, sizeof(*bus));

	if (bus)
		bus->env = env;
	return bus;
}

void dm_bus_free(struct dm_bus *bus)
{
	if (!bus)
		return;
	free(bus->sp[0].r);
	free(bus->sp[1].r);
	free(bus);
}

static bool bus_space_ok(enum dm_space s)
{
	return s == DM_PIO || s == DM_MMIO;
}

/* Index of the first region whose end lies above addr (n if none). */
static unsigned bus_lower(const struct bus_space *sp, uint64_t addr)
{
	unsigned lo = 0, hi = sp->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct dm_region *r = sp->r[mid];

		if (r->base + r->len - 1 < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct dm_region *bus_find(struct dm_bus *bus, enum dm_space s, uint64_t addr)
{
	const struct bus_space *sp = &bus->sp[s];
	unsigned i = bus_lower(sp, addr);

	if (i < sp->n && sp->r[i]->base <= addr)
		return sp->r[i];
	return NULL;
}

static int bus_index_of(const struct bus_space *sp, const struct dm_region *r)
{
	for (unsigned i = 0; i < sp->n; i++)
		if (sp->r[i] == r)
			return (int)i;
	return -1;
}

int dm_bus_add(struct dm_bus *bus, struct dm_region *r)
{
	struct bus_space *sp;
	unsigned i;

	if (!bus || !r || !bus_space_ok(r->space) || !r->ops || r->len == 0 ||
	    r->base + r->len - 1 < r->base)
		return -BUS_EINVAL;
	sp = &bus->sp[r->space];
	if (bus_index_of(sp, r) >= 0)
		return -BUS_EEXIST;
	i = bus_lower(sp, r->base);
	if (i < sp->n && sp->r[i]->base <= r->base + r->len - 1)
		return -BUS_EEXIST;
	if (sp->n == sp->cap) {
		unsigned cap = sp->cap ? sp->cap * 2 : 32;
		struct dm_region **nr = realloc(sp->r, cap * sizeof(*nr));

		if (!nr)
			return -BUS_ENOMEM;
		sp->r = nr;
		sp->cap = cap;
	}
	memmove(&sp->r[i + 1], &sp->r[i], (sp->n - i) * sizeof(*sp->r));
	sp->r[i] = r;
	sp->n++;
	r->next = NULL;
	return 0;
}

void dm_bus_remove(struct dm_bus *bus, struct dm_region *r)
{
	struct bus_space *sp;
	int i;

	if (!bus || !r || !bus_space_ok(r->space))
		return;
	sp = &bus->sp[r->space];
	i = bus_index_of(sp, r);
	if (i < 0)
		return;
	memmove(&sp->r[i], &sp->r[i + 1], (sp->n - (unsigned)i - 1) * sizeof(*sp->r));
	sp->n--;
}

/* Unmaps, then maps at new_base unless that is 0 or ~0 (a BAR being sized
 * or disabled). On overlap the region stays unmapped and -EEXIST comes
 * back: two devices decoding one address is the guest's error. */
int dm_bus_move(struct dm_bus *bus, struct dm_region *r, uint64_t new_base)
{
	if (!bus || !r || !bus_space_ok(r->space))
		return -BUS_EINVAL;
	dm_bus_remove(bus, r);
	r->base = new_base;
	if (new_base == 0 || new_base == ~0ull)
		return 0;
	return dm_bus_add(bus, r);
}

/* Logs an unclaimed access once per address, within a bounded memory. */
static void bus_unclaimed(struct dm_bus *bus, enum dm_space s, uint64_t addr, unsigned size,
			  bool write, uint64_t val)
{
	uint64_t key = addr | (uint64_t)s << 63;

	for (unsigned i = 0; i < bus->nseen; i++)
		if (bus->seen[i] == key)
			return;
	if (bus->nseen == DM_BUS_UNCLAIMED_MAX) {
		if (!bus->seen_full)
			bus->env->log(bus->env->ctx, "further unclaimed accesses not logged");
		bus->seen_full = true;
		return;
	}
	bus->seen[bus->nseen++] = key;
	if (write)
		bus->env->log(bus->env->ctx, "unclaimed %s 0x%llx write 0x%llx, size %u (dropped)",
			      s == DM_PIO ? "port" : "mmio", (unsigned long long)addr,
			      (unsigned long long)val, size);
	else
		bus->env->log(bus->env->ctx, "unclaimed %s 0x%llx read, size %u (returning all-ones)",
			      s == DM_PIO ? "port" : "mmio", (unsigned long long)addr, size);
}

static bool bus_size_ok(enum dm_space s, unsigned size)
{
	return size == 1 || size == 2 || size == 4 || (size == 8 && s == DM_MMIO);
}

uint64_t dm_bus_read(struct dm_bus *bus, enum dm_space s, uint64_t addr, unsigned size)
{
	struct dm_region *r;

	if (size > 8)
		size = 8;
	if (!bus_space_ok(s) || !bus_size_ok(s, size)) {
		bus_unclaimed(bus, bus_space_ok(s) ? s : DM_MMIO, addr, size, false, 0);
		return DM_ALL_ONES(size);
	}
	r = bus_find(bus, s, addr);
	if (!r) {
		bus_unclaimed(bus, s, addr, size, false, 0);
		return DM_ALL_ONES(size);
	}
	return r->ops->read(r->dev, addr - r->base, size) & DM_ALL_ONES(size);
}

void dm_bus_write(struct dm_bus *bus, enum dm_space s, uint64_t addr, unsigned size, uint64_t val)
{
	struct dm_region *r;

	if (size > 8)
		size = 8;
	if (!bus_space_ok(s) || !bus_size_ok(s, size)) {
		bus_unclaimed(bus, bus_space_ok(s) ? s : DM_MMIO, addr, size, true, val);
		return;
	}
	r = bus_find(bus, s, addr);
	if (!r) {
		bus_unclaimed(bus, s, addr, size, true, val);
		return;
	}
	r->ops->write(r->dev, addr - r->base, size, val & DM_ALL_ONES(size));
}

/* Guest memory copies: through the p2m, and after guest page-table walks
 * (SDM Vol 3A ch. 4: 32-bit, PAE and 4-level paging). */
#include "pci_op.h"
#include "guestmem.h"
#include "vcpu.h"
#include "domain.h"
#include "frame.h"
#include "cpu.h"
#include "percpu.h"
#include "errno.h"
#include "lib.h"

#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_PS 0x80ull
#define ADDR_MASK 0x000ffffffffff000ull

/*
 * The host frame behind gpa, with its permissions; false when none is
 * mapped or it is a device's BAR (its owner's to touch, never the core's on
 * its behalf). v: the current vCPU, whose cache of earlier lookups is
 * tried first, or NULL. The exits that copy guest memory (the instruction
 * at every HLT and VMMCALL exit, each hypercall argument, the guest's
 * page-table entries on their way) look up the same few frames each time.
 * An entry is used only while the domain's p2m_gen is the one it was made
 * under: every removal or replacement of a p2m entry bumps it before the
 * old frame can be freed (memop_flush_wait, domain_p2m_changed), so, like
 * a TLB entry, a cached frame can outlive its p2m entry only until then.
 * New entries need no bump: misses are not cached.
 */
static bool frame_of(struct domain *d, struct vcpu *v, gpaddr_t gpa, paddr_t *hpa, unsigned *perm)
{
	struct vcpu_p2m_cache *c = NULL;
	u64 key = (gpa & PAGE_MASK) | 1, gen = 0;
	paddr_t h;
	unsigned p;

	if (v && v == this_cpu()->current) {	/* its own pCPU: no one else touches it */
		gen = __atomic_load_n(&d->p2m_gen, __ATOMIC_ACQUIRE);
		c = &v->p2m_cache[(gpa >> PAGE_SHIFT) % VCPU_P2M_CACHE];
		if (c->key == key && c->gen == gen) {
			*hpa = c->hpa | (gpa & ~PAGE_MASK);
			*perm = c->perm;
			return true;
		}
	}
	/* gen was read first: a removal racing with this lookup leaves an
	 * entry tagged with the generation before its bump. */
	if (!p2m_lookup(&d->p2m, gpa, &h, &p) || pci_op_is_bar_page(h & PAGE_MASK))
		return false;
	if (c)
		*c = (struct vcpu_p2m_cache){ key, gen, h & PAGE_MASK, p };
	*hpa = h;
	*perm = p;
	return true;
}

/* Copies between the core and guest-physical memory, frame by frame. */
static int gpa_copy(struct domain *d, struct vcpu *v, gpaddr_t gpa, void *buf, size_t len,
		    bool to_guest)
{
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		paddr_t hpa;
		unsigned perm;

		if (!frame_of(d, v, gpa, &hpa, &perm) || (to_guest && !(perm & P2M_W)))
			return -EFAULT;
		if (to_guest)
			memcpy(phys_to_virt(hpa), buf, chunk);
		else
			memcpy(buf, phys_to_virt(hpa), chunk);
		gpa += chunk;
		buf = (u8 *)buf + chunk;
		len -= chunk;
	}
	return 0;
}

int gpa_read(struct domain *d, gpaddr_t gpa, void *buf, size_t len)
{
	return gpa_copy(d, NULL, gpa, buf, len, false);
}

int gpa_write(struct domain *d, gpaddr_t gpa, const void *buf, size_t len)
{
	return gpa_copy(d, NULL, gpa, (void *)buf, len, true);
}

bool guest_mode_is64(const struct guest_mode *m)
{
	return (m->efer & EFER_LMA) && (m->cs_attr & SEG_ATTR_L);
}

enum insn_mode guest_insn_mode(const struct guest_mode *m)
{
	if (guest_mode_is64(m))
		return INSN_MODE_64;
	if ((m->cr0 & CR0_PE) && (m->cs_attr & SEG_ATTR_DB))
		return INSN_MODE_32;
	return INSN_MODE_16;
}

/* Reads one paging-structure entry of the given width: entries are aligned,
 * so one p2m lookup and a load, no copy loop (this runs several times per exit). */
static int read_entry(struct vcpu *v, gpaddr_t gpa, bool wide, u64 *e)
{
	paddr_t hpa;
	unsigned perm;

	if (!frame_of(v->domain, v, gpa, &hpa, &perm))
		return -EFAULT;
	*e = wide ? *(const volatile u64 *)phys_to_virt(hpa) : *(const volatile u32 *)phys_to_virt(hpa);
	return 0;
}

/* Walks levels from the top; each level indexes with `bits` bits at `shift`. */
static int walk(struct vcpu *v, u64 table, u64 gva, int levels, bool wide, bool write,
		gpaddr_t *gpa)
{
	int shift = wide ? 12 + 9 * (levels - 1) : 22;
	int bits = wide ? 9 : 10;

	for (int l = levels; l > 0; l--, shift -= bits) {
		u64 e;

		if (read_entry(v, table + ((gva >> shift) & ((1u << bits) - 1)) * (wide ? 8 : 4),
			       wide, &e) || !(e & PTE_P) || (write && !(e & PTE_W)))
			return -EFAULT;
		if (l == 1 || (e & PTE_PS)) {
			u64 size = 1ull << shift;
			u64 base = wide ? e & ADDR_MASK & ~(size - 1) : e & 0xfffff000u & ~(size - 1);

			*gpa = base | (gva & (size - 1));
			return 0;
		}
		table = e & (wide ? ADDR_MASK : 0xfffff000u);
	}
	return -EFAULT;
}

int guest_translate(struct vcpu *v, const struct guest_mode *m, u64 gva, bool write, gpaddr_t *gpa)
{
	u64 pdpte;

	if (!(m->cr0 & CR0_PG)) {
		*gpa = m->efer & EFER_LMA ? gva : gva & 0xffffffffull;
		return 0;
	}
	if (m->efer & EFER_LMA)
		return walk(v, m->cr3 & ADDR_MASK, gva, 4, true, write, gpa);
	if (m->cr4 & CR4_PAE) {	/* PDPTE from the 32-byte table at CR3 */
		if (gpa_copy(v->domain, v, (m->cr3 & 0xffffffe0u) + ((gva >> 30) & 3) * 8, &pdpte, 8,
			     false) ||
		    !(pdpte & PTE_P))
			return -EFAULT;
		return walk(v, pdpte & ADDR_MASK, gva & 0x3fffffff, 2, true, write, gpa);
	}
	return walk(v, m->cr3 & 0xfffff000u, gva & 0xffffffffull, 2, false, write, gpa);
}

/* Copies page by page; dir_in = guest to core. */
static int copy_guest(struct vcpu *v, u64 gva, void *buf, size_t len, bool dir_in)
{
	struct guest_mode m;

	virt->get_mode(v, &m);
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		gpaddr_t gpa;

		if (guest_translate(v, &m, gva, !dir_in, &gpa))
			return -EFAULT;
		if (gpa_copy(v->domain, v, gpa, buf, chunk, !dir_in))
			return -EFAULT;
		gva += chunk;
		buf = (u8 *)buf + chunk;
		len -= chunk;
	}
	return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, u64 gva, size_t len)
{
	return copy_guest(v, gva, dst, len, true);
}

int copy_to_guest(struct vcpu *v, u64 gva, const void *src, size_t len)
{
	return copy_guest(v, gva, (void *)src, len, false);
}

int guest_fetch(struct vcpu *v, const struct guest_mode *m, u64 rip, u8 *buf, size_t len)
{
	u64 lin = guest_mode_is64(m) ? rip : (m->cs_base + rip) & 0xffffffffull;
	size_t got = 0;

	/* Fetch up to len bytes, stopping at the first page that is not there. */
	while (got < len) {
		size_t chunk = MIN(len - got, PAGE_SIZE - ((lin + got) & (PAGE_SIZE - 1)));
		gpaddr_t gpa;

		if (guest_translate(v, m, lin + got, false, &gpa) ||
		    gpa_copy(v->domain, v, gpa, buf + got, chunk, false))
			break;
		got += chunk;
	}
	return got ? (int)got : -EFAULT;
}

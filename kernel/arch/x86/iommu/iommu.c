/*
 * The core's IOMMU front (iommu.h): picks the vendor driver at boot and
 * forwards to it. Until a driver is found (or with iommu=0) there is no
 * IOMMU: nothing is translated, assign fails with -ENODEV, and
 * iommu=force/required refuses to boot, as Xen does.
 */
#include "types.h"
#include "errno.h"
#include "console.h"
#include "cmdline.h"
#include "iommu.h"

static bool iommu_on;

int iommu_init(const struct cmdline_opts *o)
{
	if (!o->iommu_enable) {
		pr_info("IOMMU: disabled (iommu=0)\n");
		return -ENODEV;
	}
	pr_info("IOMMU: none found\n");
	if (o->iommu_force)
		panic("IOMMU: none found and iommu=force/required: refusing to boot");
	return -ENODEV;
}

bool iommu_enabled(void)
{
	return iommu_on;
}

const char *iommu_name(void)
{
	return "none";
}

int iommu_assign(struct domain *d, u16 seg, u8 bus, u8 devfn)
{
	(void)d, (void)seg, (void)bus, (void)devfn;
	return -ENODEV;
}

void iommu_deassign(struct domain *d, u16 seg, u8 bus, u8 devfn)
{
	(void)d, (void)seg, (void)bus, (void)devfn;
}

void iommu_domain_destroy(struct domain *d)
{
	(void)d;
}

void iommu_poll_faults(void)
{
}

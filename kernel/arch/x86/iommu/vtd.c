/* placeholder until the VT-d driver lands: no DMAR unit is driven */
#include "types.h"
#include "errno.h"
#include "iommu_drv.h"

static int vtd_init(const struct iommu_acpi *a)
{
	(void)a;
	return -ENODEV;
}

const struct iommu_drv vtd_drv = { .name = "VT-d", .init = vtd_init };

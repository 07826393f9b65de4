/* Temporary: the VMX backend is being written; until then Intel CPUs are refused. */
#include "virt.h"
#include "p2m.h"

bool vmx_supported(const char **why);

bool vmx_supported(const char **why)
{
	*why = "this build has no VMX backend yet";
	return false;
}

const struct virt_ops vmx_ops = { .name = "VMX/EPT (absent)", .p2m_format = &p2m_format_ept };

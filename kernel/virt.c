/* Chooses the vendor backend once, at boot. */
#include "virt.h"
#include "cpu.h"
#include "console.h"
#include "lib.h"

const struct virt_ops *virt;

bool vmx_supported(const char **why);
bool svm_supported(const char **why);

void virt_select(void)
{
	struct cpuid_regs r;
	char vendor[13];
	const char *why = "neither Intel VT-x nor AMD-V";

	cpuid_count(0, 0, &r);
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = '\0';
	if (!strcmp(vendor, "GenuineIntel") && vmx_supported(&why))
		virt = &vmx_ops;
	else if (!strcmp(vendor, "AuthenticAMD") && svm_supported(&why))
		virt = &svm_ops;
	if (virt) {
		pr_info("virt: %s CPU, using %s\n", vendor, virt->name);
		return;
	}
	pr_err("Bulkhead needs Intel VT-x with EPT and unrestricted guest, or AMD-V with NPT.\n");
	pr_err("This %s CPU cannot run it: %s. Stopping.\n", vendor, why);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

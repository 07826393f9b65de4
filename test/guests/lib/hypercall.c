/* Hypercalls by vmcall/vmmcall or through the hypercall page (ABI.md). */
#include "hypercall.h"
#include "cpu.h"

enum hypercall_method {
	HYPERCALL_VMCALL,  /* Intel VMX */
	HYPERCALL_VMMCALL, /* AMD SVM */
	HYPERCALL_PAGE,    /* call page + 32 * nr */
};

#define HYPERCALL_PAGE_STUBS 128 /* ABI.md: 128 stubs of 32 bytes */

/* Written by the first vCPU in guest_start() (or by a single-vCPU guest). */
static enum hypercall_method hypercall_method;
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

static int hypercall_vendor_is(const uint32_t r[4], const char *name)
{
	/* The vendor string is EBX, EDX, ECX (Intel SDM Vol. 2A, CPUID leaf 0). */
	const uint32_t regs[3] = { r[1], r[3], r[2] };
	const char *s = (const char *)regs;

	for (int i = 0; i < 12; i++)
		if (s[i] != name[i])
			return 0;
	return 1;
}

void hypercall_init(void)
{
	uint32_t r[4];

	cpu_cpuid(0, 0, r);
	if (hypercall_vendor_is(r, "GenuineIntel"))
		hypercall_method = HYPERCALL_VMCALL;
	else if (hypercall_vendor_is(r, "AuthenticAMD") || hypercall_vendor_is(r, "HygonGenuine"))
		hypercall_method = HYPERCALL_VMMCALL;
	else
		hypercall_use_page();
}

void hypercall_use_page(void)
{
	cpu_wrmsr(XEN_HYPERCALL_PAGE_MSR, (uint64_t)(uintptr_t)hypercall_page);
	hypercall_method = HYPERCALL_PAGE;
}

const uint8_t *hypercall_page_address(void)
{
	return hypercall_page;
}

/*
 * Every argument register is marked in/out although ABI.md promises only
 * RCX and R11 are clobbered: the guest must not depend on more than Xen does.
 */
long hypercall3(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	unsigned long ret = nr;

	switch (hypercall_method) {
	case HYPERCALL_VMCALL:
		__asm__ __volatile__("vmcall"
				     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
				     :
				     : "rcx", "r11", "memory");
		break;
	case HYPERCALL_VMMCALL:
		__asm__ __volatile__("vmmcall"
				     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
				     :
				     : "rcx", "r11", "memory");
		break;
	case HYPERCALL_PAGE:
		if (nr >= HYPERCALL_PAGE_STUBS)
			return -GUEST_ENOSYS;
		__asm__ __volatile__("call *%[stub]"
				     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
				     : [stub] "r"(hypercall_page + 32 * nr)
				     : "rcx", "r11", "memory");
		break;
	}
	return (long)ret;
}

long hypercall_console_write(const char *buf, unsigned long len)
{
	return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, (unsigned long)buf);
}

long hypercall_sched_op(unsigned long cmd, void *arg)
{
	return hypercall3(__HYPERVISOR_sched_op, cmd, (unsigned long)arg, 0);
}

long hypercall_xen_version(unsigned long cmd, void *arg)
{
	return hypercall3(__HYPERVISOR_xen_version, cmd, (unsigned long)arg, 0);
}

/* A shutdown ends the domain; should it return, crash, then stop here. */
void hypercall_shutdown(uint32_t reason)
{
	struct sched_shutdown arg = { .reason = reason };

	hypercall_sched_op(SCHEDOP_shutdown, &arg);
	arg.reason = SHUTDOWN_crash;
	hypercall_sched_op(SCHEDOP_shutdown, &arg);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

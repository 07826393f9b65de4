/* Hypercalls by vmcall / vmmcall or through the hypercall page (REFERENCE §4). */
#include "dom.h"
#include "dom/hypercall.h"
#include "dom/cpu.h"
#include "errno.h"

enum method { METHOD_VMCALL, METHOD_VMMCALL, METHOD_PAGE };

#define PAGE_STUBS 128	/* 128 stubs of 32 bytes */

/* Chosen once at start of day, before any other vCPU runs runtime code. */
static enum method method = METHOD_VMMCALL;
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

/* CPUID 0: the vendor string is EBX, EDX, ECX (SDM Vol. 2A, CPUID). */
static bool vendor_is(const uint32_t r[4], const char *name)
{
	const uint32_t regs[3] = { r[1], r[3], r[2] };

	return !memcmp(regs, name, 12);
}

void dom_hypercall_init(void)
{
	uint32_t r[4];

	dom_cpuid(0, 0, r);
	if (vendor_is(r, "GenuineIntel")) {
		method = METHOD_VMCALL;
	} else if (vendor_is(r, "AuthenticAMD") || vendor_is(r, "HygonGenuine")) {
		method = METHOD_VMMCALL;
	} else {
		dom_wrmsr(XEN_HYPERCALL_PAGE_MSR, (uintptr_t)hypercall_page);
		method = METHOD_PAGE;
	}
}

/* RCX and R11 are clobbered; the argument registers are treated as clobbered
 * too so that nothing depends on more than Xen promises. */
long dom_hypercall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	unsigned long ret = nr;

	switch (method) {
	case METHOD_VMCALL:
		__asm__ __volatile__("vmcall"
				     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
				     : : "rcx", "r11", "memory");
		break;
	case METHOD_VMMCALL:
		__asm__ __volatile__("vmmcall"
				     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
				     : : "rcx", "r11", "memory");
		break;
	case METHOD_PAGE:
		if (nr >= PAGE_STUBS)
			return -ENOSYS;
		__asm__ __volatile__("call *%[stub]"
				     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
				     : [stub] "r"(hypercall_page + 32 * nr)
				     : "rcx", "r11", "memory");
		break;
	}
	return (long)ret;
}

/* The same entry under the name toolstack code declares for itself (xl's backend_dom0.c). */
long hypercall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		unsigned long a4, unsigned long a5) __attribute__((alias("dom_hypercall5")));

void dom_shutdown(unsigned int reason)
{
	struct sched_shutdown arg = { .reason = reason };

	dom_hypercall_sched_op(SCHEDOP_shutdown, &arg);
	arg.reason = SHUTDOWN_crash;
	dom_hypercall_sched_op(SCHEDOP_shutdown, &arg);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

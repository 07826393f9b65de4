/* abort() and the stack protector's failure hook: report, then crash the domain. */
#include "dom.h"
#include "dom/console.h"
#include "dom/hypercall.h"

void abort(void)
{
	dom_console_printk("dom: abort() called from %p\n", __builtin_return_address(0));
	dom_shutdown(SHUTDOWN_crash);
}

/* Called by code built with -fstack-protector* (libfdt.a) on a smashed canary. */
__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	dom_console_printk("dom: stack smashing detected in the function returning to %p\n",
			   __builtin_return_address(0));
	dom_shutdown(SHUTDOWN_crash);
}

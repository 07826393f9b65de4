/* Exit forwarding to a device-model domain. No server can be attached yet:
 * every forwarded exit stops the domain, naming what it touched. */
#include "exitfwd.h"
#include "vcpu.h"
#include "domain.h"

void exitfwd_io(struct vcpu *v, const struct exit_record *e)
{
	domain_crash(v, "I/O port 0x%x %s (%u byte%s) at RIP 0x%lx: no device model attached",
		     e->io.port, e->io.in ? "read" : "write", e->io.size,
		     e->io.size == 1 ? "" : "s", v->regs.rip);
}

void exitfwd_mmio(struct vcpu *v, const struct exit_record *e)
{
	const char *what = e->npf.write ? "write" : e->npf.exec ? "execute" : "read";

	if (e->npf.gpa < v->domain->mem_pages << PAGE_SHIFT) {
		domain_crash(v, "%s of guest RAM at 0x%lx denied at RIP 0x%lx", what,
			     e->npf.gpa, v->regs.rip);
		return;
	}
	domain_crash(v, "MMIO %s at 0x%lx (not RAM) at RIP 0x%lx: no device model attached",
		     what, e->npf.gpa, v->regs.rip);
}

/* Dom0: xenstored, the console daemon and the reaper run whenever the shell waits;
 * xl is a shell command; /etc/rc runs, then the dom0# prompt. */
#include "dom.h"
#include "dom0.h"
#include "dom/console.h"
#include "dom/shell.h"
#include "dom/start.h"
#include "dom/time.h"
#include "disk.h"

int xl_dom0_register(void);

static bool idle(void)
{
	bool more = dom0_xsd_poll();

	more |= dom0_cons_poll();
	more |= dom0_vbd_poll();
	dom0_reap();
	return more;
}

int dom_main(const struct dom_start_info *si)
{
	(void)si;
	if (dom0_xsd_init()) {
		dom_printf("dom0: cannot start xenstored\n");
		return -1;
	}
	xl_dom0_register();
	dom0_vbd_init();
	dom_set_idle_hook(idle);
	shell_main(dom0_modfiles_init);	/* boot modules over the root file system's files */
}

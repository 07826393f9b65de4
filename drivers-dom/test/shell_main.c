/* shell.elf: a Dom0 with nothing but the runtime's shell (for booting by hand and in tests). */
#include "dom/shell.h"
#include "dom/start.h"

int dom_main(const struct dom_start_info *si)
{
	(void)si;
	shell_main(NULL);
}

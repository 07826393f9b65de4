/* From entry.S to dom_main(): the start of day of vCPU 0 (dom/start.h). */
#include "dom.h"
#include "dom/start.h"
#include "dom/console.h"
#include "dom/evtchn.h"
#include "dom/heap.h"
#include "dom/hypercall.h"
#include "dom/time.h"
#include "dom/trap.h"

#define PAGE 4096ull
#define LOW_RESERVED 0x8000ull		/* the core's page tables and GDT */
#define STACK_GUARD (64 * 1024ull)	/* unmapped below the stack (start/guard.c) */

/* The TLS block FS points at: [0] itself, [5] (%fs:0x28) the canary (entry.S). */
uint64_t dom_tls[8] __attribute__((aligned(64)));

extern char __image_start[], __image_end[];	/* dom.ld */

static struct dom_start_info start_info;
static bool start_info_valid;

const struct dom_start_info *dom_start_info(void)
{
	return start_info_valid ? &start_info : NULL;
}

static uint64_t align_up(uint64_t v) { return (v + PAGE - 1) & ~(PAGE - 1); }

/* The heap goes above everything the core placed and below vCPU 0's stack. */
static void setup_heap(struct dom_start_info *si, uint64_t stack_top)
{
	uint64_t low = align_up((uintptr_t)__image_end), high;

	if (low < LOW_RESERVED)
		low = LOW_RESERVED;
	if (align_up((uintptr_t)si->fdt + dom_fdt_size(si->fdt)) > low)
		low = align_up((uintptr_t)si->fdt + dom_fdt_size(si->fdt));
	for (unsigned i = 0; i < si->nr_modules; i++)
		if (align_up(si->modules[i].addr + si->modules[i].size) > low)
			low = align_up(si->modules[i].addr + si->modules[i].size);
	if (stack_top > si->mem_bytes || stack_top < DOM_STACK_SIZE)
		stack_top = si->mem_bytes;
	high = ((stack_top - DOM_STACK_SIZE) & ~(PAGE - 1)) - STACK_GUARD;
	if (high <= low + PAGE) {
		dom_console_printk("dom: no room for a heap (image, modules and tree end at "
				   "0x%lx, stack at 0x%lx)\n", low, high);
		dom_shutdown(SHUTDOWN_crash);
	}
	si->heap_start = low;
	si->heap_size = high - low;
	dom_heap_init((void *)(uintptr_t)low, high - low);
	dom_stack_guard_init(high + STACK_GUARD, STACK_GUARD);
}

bool dom_args_has_word(const char *args, const char *word)
{
	size_t n = strlen(word);

	while (*args) {
		size_t len = 0;

		while (*args && isspace((unsigned char)*args))
			args++;
		while (args[len] && !isspace((unsigned char)args[len]))
			len++;
		if (len == n && !memcmp(args, word, n))
			return true;
		args += len;
	}
	return false;
}

const struct dom_module *dom_find_module(const char *word)
{
	for (unsigned i = 0; i < start_info.nr_modules; i++) {
		const char *a = start_info.modules[i].args;

		while (*a && !isspace((unsigned char)*a))	/* skip the path */
			a++;
		if (dom_args_has_word(a, word))
			return &start_info.modules[i];
	}
	return NULL;
}

void dom_start(const void *fdt, uint64_t stack_top);
__attribute__((noreturn)) void dom_start(const void *fdt, uint64_t stack_top)
{
	char err[96];
	int rc;

	dom_hypercall_init();
	dom_trap_init();
	if (dom_fdt_parse(fdt, &start_info, err, sizeof(err))) {
		dom_console_printk("dom: unusable start info at 0x%lx: %s\n", (uintptr_t)fdt, err);
		dom_shutdown(SHUTDOWN_crash);
	}
	start_info_valid = true;
	dom_console_init(&start_info);
	setup_heap(&start_info, stack_top);
	dom_time_init();
	if (dom_evtchn_init() == 0)
		dom_console_init_events();
	rc = dom_main(&start_info);
	dom_shutdown(rc < 0 ? SHUTDOWN_crash : (unsigned)rc);
}

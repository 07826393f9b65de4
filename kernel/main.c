/* Start of day on the boot CPU, and the application processors' path to the scheduler. */
#include "types.h"
#include "lib.h"
#include "console.h"
#include "cmdline.h"
#include "mm.h"
#include "frame.h"
#include "virt.h"
#include "domain.h"
#include "sched.h"
#include "vcpu.h"
#include "multiboot.h"
#include "percpu.h"
#include "traps.h"
#include "apic.h"
#include "acpi.h"
#include "smp.h"
#include "cpu.h"
#include "dom0.h"
#include "evtchn.h"
#include "iommu/iommu.h"
#include "pci_op.h"
#include "pci_msi.h"
#include "ioapic.h"
#include "rtc.h"
#include "vtime.h"
#include "public/xen.h"

struct cmdline_opts boot_opts;
static struct boot_info boot;
static u64 frames_before_domains;
static volatile u32 cpus_ready;
static volatile bool go;

static void log_warning(void *ctx, const char *msg)
{
	(void)ctx;
	pr_warn("%s\n", msg);
}

/* Multiboot loaders other than GRUB 2 put the image's path first: skip it
 * (as Xen does). */
static const char *skip_image_path(const char *s, const char *loader)
{
	if (!strncmp(loader, "GRUB 2", 6))
		return s;
	while (*s == ' ')
		s++;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

static void on_timer(struct trap_frame *f)
{
	(void)f;
	sched_tick();
}

static void on_kick(struct trap_frame *f)
{
	(void)f;	/* its only job was to make the CPU leave the guest or HLT */
}

static void on_nmi(struct trap_frame *f)
{
	(void)f;
	if (console_panicking())
		for (;;)
			__asm__ __volatile__("cli; hlt");
	pr_warn("CPU%u: NMI\n", this_cpu()->index);
}

static void virt_enable_here(void)
{
	int rc = virt->cpu_enable();

	if (rc)
		panic("CPU%u: cannot enable %s (error %d)", this_cpu()->index, virt->name, rc);
	__atomic_add_fetch(&cpus_ready, 1, __ATOMIC_RELEASE);
}

static void ap_main(void)
{
	virt_enable_here();
	while (!go)
		cpu_relax();
	sched_loop();
}

static void all_gone(void)
{
	u64 now = frame_pool_free_count(&frames);

	pr_info("all domains gone: %lu frames free, %lu before the first domain: %s\n", now,
		frames_before_domains, now == frames_before_domains ? "balanced" : "LEAKED");
	if (boot_opts.idle_poweroff) {
		pr_info("idle_poweroff: powering off\n");
		console_flush();	/* the log is queued for the UART: send it first */
		acpi_poweroff();
	}
}

/* Exits by kind, one line: "exits by kind: io 12 npf 3 ..." (the bench reads
 * it), and the TSC ticks the core spent in each kind's handler. */
static void dump_exit_kinds(const struct vcpu *v)
{
	static const char *const kind[EXIT_KIND_COUNT] = {
		"extint", "intr-window", "cpuid", "hlt", "hypercall", "msr-read", "msr-write",
		"io", "npf", "triple-fault", "virt-insn", "xsetbv", "exception", "dr", "cache",
		"invalid", "unhandled",
	};
	char line[256], ticks[320];
	size_t n = 0, t = 0;

	for (u32 k = 0; k < EXIT_KIND_COUNT && n < sizeof(line) - 40; k++)
		if (v->exit_kinds[k]) {
			n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, " %s %u", kind[k],
					      v->exit_kinds[k]);
			t += (size_t)fmt_snprintf(ticks + t, sizeof(ticks) - t, " %s %lu", kind[k],
					      v->exit_tsc[k]);
		}
	line[n] = ticks[t] = 0;
	pr_info("      exits by kind:%s\n", n ? line : " none");
	if (t)
		pr_info("      exit ticks by kind:%s\n", ticks);	/* TSC in their handlers */
}

/* Xen's 'q' key: each domain and, racily (a diagnostic), its vCPUs. */
static void dump_domain(struct domain *d, void *ctx)
{
	static const char *const state[] = { "runnable", "blocked", "down" };
	u64 now = rdtsc();

	(void)ctx;
	pr_info("  d%u '%s': %u vCPU%s, %lu MiB%s%s\n", d->id, d->name, d->nr_vcpus,
		d->nr_vcpus == 1 ? "" : "s", d->mem_pages >> 8, d->pause_count ? ", paused" : "",
		d->dying ? ", dying" : "");
	for (u32 i = 0; i < d->nr_vcpus && !d->dying; i++) {
		const struct vcpu *v = d->vcpus[i];
		const struct vlapic *l;

		if (!v)
			continue;
		l = &v->lapic;
		pr_info("    v%u pCPU %u %s rip %lx rflags %lx exits %lu cpu %lu irr %lx:%lx:%lx:%lx "
			"isr %lx:%lx:%lx:%lx tpr %x timer %s%ld ms poll %s\n", v->id, v->pcpu,
			state[READ_ONCE(v->state) % 3], v->regs.rip, v->regs.rflags, v->exits,
			v->cpu_tsc,
			l->irr[3], l->irr[2], l->irr[1], l->irr[0], l->isr[3], l->isr[2], l->isr[1],
			l->isr[0], l->tpr, l->deadline_tsc ? "in " : "off ",
			l->deadline_tsc ? (long)((s64)(l->deadline_tsc - now) / (s64)tsc_per_ms) : 0,
			v->wake_tsc ? "armed" : "off");
		pr_info("      rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx rbp %lx rsp %lx\n",
			v->regs.gpr[GPR_RAX], v->regs.gpr[GPR_RBX], v->regs.gpr[GPR_RCX],
			v->regs.gpr[GPR_RDX], v->regs.gpr[GPR_RSI], v->regs.gpr[GPR_RDI],
			v->regs.gpr[GPR_RBP], v->regs.gpr[GPR_RSP]);
		dump_exit_kinds(v);
	}
}

/* The core's own interrupts by vector: who interrupts the vCPUs. */
static void dump_vectors(void)
{
	char line[256];
	size_t n = 0;

	for (u32 v = 32; v < 256 && n < sizeof(line) - 16; v++)
		if (traps_vector_count((u8)v))
			n += (size_t)fmt_snprintf(line + n, sizeof(line) - n, " %x:%u", v,
						  traps_vector_count((u8)v));
	line[n] = 0;
	pr_info("host interrupts by vector:%s\n", n ? line : " none");
	for (u32 i = 0; i < nr_cpus; i++)	/* racy, a diagnostic */
		pr_info("pCPU %u: idle %lu tsc %lu\n", i, READ_ONCE(pcpus[i].idle_tsc), rdtsc());
}

/* Keys typed while serial input goes to the hypervisor (after CTRL-a x3). */
static void on_key(char key)
{
	if (key == 'q') {
		pr_info("domains:\n");
		domain_foreach(dump_domain, NULL);
		pr_info("IOMMU: %s\n", iommu_name());
		pr_info("PCI interrupts delivered to owners: %lu\n", pci_msi_count());
		dump_vectors();
		iommu_poll_faults();
	}
}

/* Dom0 shut down: the machine follows (as with Xen). */
static void dom0_gone(int reason)
{
	pr_info("Domain-0 shut down (reason %d): %s the machine\n", reason,
		reason == SHUTDOWN_reboot ? "rebooting" : "powering off");
	console_flush();	/* the log is queued for the UART: send it first */
	if (reason == SHUTDOWN_reboot)
		acpi_reboot();
	acpi_poweroff();
}

/* Value of KEY=... in a module's argument string, copied to buf. */
static bool module_arg(const char *args, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = args; *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = 0;

			for (p += klen + 1; *p && *p != ' ' && n + 1 < size; p++)
				buf[n++] = *p;
			buf[n] = '\0';
			return true;
		}
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

static u64 module_num(const char *args, const char *key, u64 dflt)
{
	char buf[32];

	return module_arg(args, key, buf, sizeof(buf)) ? lib_strtou64(buf, NULL, 0) : dflt;
}

static void create_boot_domain(const struct boot_module *m)
{
	char name[DOMAIN_NAME_LEN] = "domain", mode[8] = "long";
	struct domain_config cfg;
	int rc;

	module_arg(m->cmdline, "name", name, sizeof(name));
	module_arg(m->cmdline, "mode", mode, sizeof(mode));
	cfg.name = name;
	cfg.mode = !strcmp(mode, "real") ? VCPU_START_REAL : VCPU_START_LONG;
	cfg.nr_vcpus = (u32)module_num(m->cmdline, "vcpus", 1);
	cfg.mem_mib = module_num(m->cmdline, "mem", 16);
	cfg.load_addr = module_num(m->cmdline, "load", cfg.mode == VCPU_START_REAL ? 0x8000 : 0x100000);
	cfg.arg = module_num(m->cmdline, "arg", 0);
	cfg.image = phys_to_virt(m->start);
	cfg.image_size = m->end - m->start;
	rc = domain_create(&cfg, NULL);
	if (rc)
		pr_err("boot module '%s': domain not created (error %d)\n", m->cmdline, rc);
}

static void bsp_platform_init(void)
{
	struct platform_cpus plat;

	acpi_init(boot.rsdp, &plat);
	ioapic_init();
	apic_cpu_init();
	pcpus[0].apic_id = apic_id();
	apic_calibrate();
	apic_cpu_init();	/* again, now that the timer count is known */
	vtime_set_wallclock(rtc_read_unix());
	traps_set_handler(2, on_nmi);
	traps_set_handler(VECTOR_TIMER, on_timer);
	traps_set_handler(VECTOR_KICK, on_kick);
	pr_info("apic: %s mode\n", apic_x2apic() ? "x2APIC" : "xAPIC");
	pci_op_init(&boot);	/* after ACPI, before the APs (ECAM's page type changes) */
	smp_boot(&plat, ap_main);
}

void kmain(u32 magic, u32 info)
{
	bool mb = multiboot_parse(magic, info, &boot);

	percpu_set(0);
	cmdline_defaults(&boot_opts);
	cmdline_parse(&boot_opts, skip_image_path(boot.cmdline, boot.loader), log_warning, NULL);
	console_init(&boot_opts);
	pr_info("Bulkhead hypervisor (Xen %d.%d interface), loaded by %s\n", 4, 17, boot.loader);
	if (!mb)
		panic("not started by a multiboot loader (magic 0x%x)", magic);
	pr_info("Command line: %s\n", skip_image_path(boot.cmdline, boot.loader));
	sched_idle_poll = boot_opts.idle_poll;
	if (sched_idle_poll)
		pr_info("idle_poll: idle CPUs spin instead of halting\n");
	traps_cpu_init();
	cpu_local_init();
	mm_init(&boot);
	paging_init();
	virt_select();
	bsp_platform_init();
	iommu_init(&boot_opts);	/* after ACPI: finds it from IVRS/DMAR */
	virt_enable_here();
	while (__atomic_load_n(&cpus_ready, __ATOMIC_ACQUIRE) < nr_cpus)
		cpu_relax();
	pr_info("virt: %s enabled on %u CPU%s\n", virt->name, nr_cpus, nr_cpus == 1 ? "" : "s");
	frames_before_domains = frame_pool_free_count(&frames);
	domain_all_gone = all_gone;
	domain_dom0_shutdown = dom0_gone;
	console_key_handler = on_key;
	console_input_notify = evtchn_console_notify;	/* VIRQ_CONSOLE to Dom0 */
	if (dom0_present(&boot))
		dom0_build(&boot, &boot_opts);
	else	/* no Dom0: every module is a test domain (test/guests/ABI.md) */
		for (u32 i = 0; i < boot.nr_modules; i++)
			create_boot_domain(&boot.modules[i]);
	if (!domain_count())
		pr_warn("no domain to run\n");
	go = true;
	sched_loop();
}

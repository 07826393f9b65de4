/* The subcommands: name, handler, options, operand counts, usage and help. */
#include "xl.h"

static const struct xl_opt opt_list[] = { { 'l', "long", false }, { 0, NULL, false } };
static const struct xl_opt opt_dmesg[] = { { 'c', "clear", false }, { 0, NULL, false } };
static const struct xl_opt opt_create[] = {
	{ 'c', NULL, false }, { 'p', NULL, false }, { 'N', "dryrun", false }, { 0, NULL, false },
};
static const struct xl_opt opt_destroy[] = { { 'f', NULL, false }, { 0, NULL, false } };
static const struct xl_opt opt_shutdown[] = {
	{ 'w', "wait", false }, { 'F', NULL, false }, { 0, NULL, false },
};
static const struct xl_opt opt_console[] = {
	{ 't', NULL, true }, { 'n', NULL, true }, { 0, NULL, false },
};

/* Alphabetical, as `xl help` lists them. */
const struct xl_cmd xl_cmds[] = {
	{ "block-list", xl_cmd_block_list, NULL, 1, -1, true, false,
	  "<Domain(s)>", "List virtual block devices for a domain",
	  "Columns: the device number, its backend's domain, the frontend's domain,\n"
	  "the frontend's xenbus state, event channel and ring reference, the backend's path." },
	{ "console", xl_cmd_console, opt_console, 1, 1, false, false,
	  "[options] <Domain>", "Attach to a domain's console",
	  "-t <type>       console type, pv or serial (an HVM guest's default: serial)\n"
	  "-n <number>     console number (only 0)\n"
	  "Ctrl-] leaves the console." },
	{ "create", xl_cmd_create, opt_create, 1, -1, true, true,
	  "<ConfigFile> [options] [vars]", "Create a domain from a config file",
	  "-c             attach to the domain's console once it has started\n"
	  "-p             leave the domain paused after it is created\n"
	  "-N, --dryrun   print the parsed config and create nothing\n"
	  "key=value      settings that override the config file's" },
	{ "destroy", xl_cmd_destroy, opt_destroy, 1, 1, false, true,
	  "[options] <Domain>", "Terminate a domain immediately",
	  "-f             allow domain 0 to be destroyed" },
	{ "dmesg", xl_cmd_dmesg, opt_dmesg, 0, 0, true, false,
	  "[options]", "Print the hypervisor's message buffer",
	  "-c, --clear    clear the buffer after reading it" },
	{ "domid", xl_cmd_domid, NULL, 1, 1, true, false,
	  "<DomainName>", "Convert a domain name to a domain id", NULL },
	{ "domname", xl_cmd_domname, NULL, 1, 1, true, false,
	  "<DomainId>", "Convert a domain id to a domain name", NULL },
	{ "help", xl_cmd_help, NULL, 0, 1, true, false,
	  "[<Command>]", "Print the list of commands, or one command's usage", NULL },
	{ "info", xl_cmd_info, NULL, 0, 1, true, false,
	  "[<Key>]", "Print information about the host and the hypervisor, or one value of it",
	  NULL },
	{ "list", xl_cmd_list, opt_list, 0, -1, true, false,
	  "[options] [Domain]", "List information about all or some domains",
	  "-l, --long     the domains' configuration, as JSON" },
	{ "mem-max", xl_cmd_mem_max, NULL, 2, 2, false, true,
	  "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>",
	  "Set the maximum amount of memory a domain may use", NULL },
	{ "network-list", xl_cmd_network_list, NULL, 1, -1, true, false,
	  "<Domain(s)>", "List virtual network interfaces for a domain",
	  "Columns: the vif's number, its backend's domain (netback's for bridge0), its MAC,\n"
	  "the frontend's xenbus state, event channel and ring references, the backend's path." },
	{ "pause", xl_cmd_pause, NULL, 1, 1, false, true,
	  "<Domain>", "Pause the execution of a domain", NULL },
	{ "pci-assignable-add", xl_cmd_pci_assignable_add, NULL, 1, 1, false, true,
	  "<BDF>", "Make a device assignable for pci-passthru",
	  "In Bulkhead every device nobody holds is assignable: this checks it is free." },
	{ "pci-assignable-list", xl_cmd_pci_assignable_list, NULL, 0, 0, true, false,
	  "", "List all the assignable pci devices", NULL },
	{ "pci-assignable-remove", xl_cmd_pci_assignable_remove, NULL, 1, 1, false, true,
	  "<BDF>", "Remove a device from being assignable",
	  "In Bulkhead devices stay with the hypervisor (Dom0 has no drivers)." },
	{ "pci-list", xl_cmd_pci_list, NULL, 1, 1, true, false,
	  "<Domain>", "List pass-through pci devices for a domain", NULL },
	{ "reboot", xl_cmd_reboot, opt_shutdown, 1, 1, false, true,
	  "[options] <Domain>", "Ask a domain to reboot",
	  "-F             fallback to ACPI reset event for HVM guests with no PV drivers\n"
	  "-w, --wait     wait until the domain has shut down or is gone" },
	{ "rename", xl_cmd_rename, NULL, 2, 2, false, true,
	  "<Domain> <NewDomainName>", "Rename a domain", NULL },
	{ "shutdown", xl_cmd_shutdown, opt_shutdown, 1, 1, false, true,
	  "[options] <Domain>", "Ask a domain to shut down",
	  "-F             fallback to ACPI power event for HVM guests with no PV drivers\n"
	  "-w, --wait     wait until the domain has shut down or is gone" },
	{ "trigger", xl_cmd_trigger, NULL, 2, 3, false, true,
	  "<Domain> <nmi|reset|init|power|sleep|s3resume> [<VCPU>]",
	  "Send a trigger to a domain", "Bulkhead's device model takes power and reset." },
	{ "unpause", xl_cmd_unpause, NULL, 1, 1, false, true,
	  "<Domain>", "Resume the execution of a paused domain", NULL },
	{ "uptime", xl_cmd_uptime, NULL, 0, -1, true, false,
	  "[Domain, ...]", "Print how long domains have been up", NULL },
	{ "vcpu-list", xl_cmd_vcpu_list, NULL, 0, 1, true, false,
	  "[Domain]", "List the virtual CPUs of all domains or of one", NULL },
	{ "vm-list", xl_cmd_vm_list, NULL, 0, 0, true, false,
	  "", "List the guest domains (not Domain-0)", NULL },
};

const unsigned xl_ncmds = sizeof(xl_cmds) / sizeof(xl_cmds[0]);

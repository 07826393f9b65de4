#!/usr/bin/env python3
"""Where an event-channel round trip's and a grant map + unmap's instructions
go: bench.py --profile (after profile_exits.py's loops).

Boots the bench-ipc pair (test/guests/bench-ipc.c) on one CPU under the same
instruction-by-instruction QEMU trace as profile_exits.py, and charges each
hypervisor instruction to the guest function that exited last: the pair's
round_trips() (A's and B's halves: EVTCHN_WARMUP + EVTCHN_ITERATIONS round
trips) or map_unmaps() (GRANT_WARMUP + GRANT_ITERATIONS pairs). Both guests
run the same image, so the trace cannot tell A from B, and need not: a round
trip is both halves. Writes BUILD/bench/ipc-profile.json. About two minutes.
"""
import json
import os
import sys

import profile_exits as pe

ROUND_TRIPS = 100 + 2000  # bench-ipc.c EVTCHN_WARMUP + EVTCHN_ITERATIONS
MAP_UNMAPS = 10 + 1000  # bench-ipc.c GRANT_WARMUP + GRANT_ITERATIONS
PHASES = {"round_trips": ("event-channel round trip (SCHEDOP_poll, one CPU)", ROUND_TRIPS),
          "map_unmaps": ("grant map + unmap (one CPU)", MAP_UNMAPS)}
# Hypervisor functions whose inclusive cost (callees too) is shown.
INCLUSIVE = ["vcpu_enter", "exit_handle", "exit_skip", "guest_fetch", "insn_length",
             "hypercall_dispatch", "copy_from_guest", "copy_to_guest", "guest_translate",
             "op_send", "set_pending", "evtchn_op_poll", "sched_block", "sched_wake",
             "op_map", "op_unmap", "svm_run", "exit_prepare_entry"]


def phase_of(name):
    """The PHASES key a guest symbol belongs to ('round_trips.constprop.0'), or None."""
    base = name.split(".")[0]
    return base if base in PHASES else ("guest_main" if base == "guest_main" else None)


def profile(build, qemu_command, timeout):
    """qemu_command(image, modules list, extra QEMU args) as bench.qemu_command."""
    elf = os.path.join(build, "bulkhead.elf64")
    guest_elf = os.path.join(build, "test", "guests", "bench-ipc.elf")
    guest_bin = os.path.join(build, "test", "guests", "bench-ipc.bin")
    hsyms, gsyms = pe.symbols(elf), pe.symbols(guest_elf)
    vmrun = pe.vmrun_address(elf, hsyms)
    exit_pc = vmrun + 3
    gname = pe.namer(gsyms)
    gend = max(a for a, _ in gsyms) + 0x1000
    if gsyms[0][0] <= exit_pc < gend:
        raise RuntimeError("the guest's code overlaps the hypervisor's #VMEXIT address")
    # Only the loops and guest_main set the phase: the runtime's hypercall3()
    # and print() keep their caller's.
    guest_text = {}
    for pc in range(gsyms[0][0], gend):
        phase = phase_of(gname(pc))
        if phase:
            guest_text[b"%016x" % pc] = phase.encode()

    fifo = os.path.join(build, "bench", "ipc-exec.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    mods = [f"{guest_bin} name=bench-ipc-a mem=4 vcpus=1 mode=long arg=2",
            f"{guest_bin} name=bench-ipc-b mem=4 vcpus=1 mode=long arg=1"]
    cmd = ["timeout", str(timeout)] + qemu_command(
        os.path.join(build, "bulkhead"), mods, ["-singlestep", "-d", "exec,nochain", "-D", fifo])
    entries = {b"%016x" % a: n for a, n in hsyms if n in INCLUSIVE}
    try:
        counts, inclusive, out = pe.trace(cmd, fifo, vmrun, exit_pc, guest_text, entries,
                                          pe.calls_and_returns(elf))
    finally:
        os.unlink(fifo)
    with open(os.path.join(build, "bench", "ipc-profile.log"), "w") as f:
        f.write(out)
    if "(A) done" not in out or "(B) done" not in out:
        raise RuntimeError("IPC profile run: did not see both 'bench-ipc: ... done' lines "
                           f"(log {build}/bench/ipc-profile.log)")

    hname = pe.namer(hsyms)
    report = {"phases": {}}
    for phase, (what, n) in PHASES.items():
        report["phases"][phase] = pe.summarize(counts, inclusive, phase, what, n, hname)
    path = os.path.join(build, "bench", "ipc-profile.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print_report(report)
    print(f"wrote {path}")


def print_report(report):
    print("\nIPC profile: instructions per iteration (one instruction-by-instruction QEMU "
          "trace, -smp 1; the warm-up iterations included)")
    for r in report["phases"].values():
        print(f"\n{r['what']}: {r['per_iteration']:.1f} per iteration (hypervisor "
              f"{r['hypervisor']:.1f}, guests {r['guest']:.1f})")
        print("  inclusive (with callees; hypervisor instructions only):")
        for fn, n in sorted(r["inclusive"].items(), key=lambda kv: -kv[1]):
            print(f"  {n:8.1f}  {fn}")
        print("  exclusive (20 or more per iteration):")
        for fn, n in r["exclusive"].items():
            if n >= 20:
                print(f"  {n:8.1f}  {fn}")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench  # noqa: E402  (qemu_command)
    b = sys.argv[1] if len(sys.argv) > 1 else "build"
    os.makedirs(os.path.join(b, "bench"), exist_ok=True)
    profile(b, bench.qemu_command, 1200)

#!/usr/bin/env python3
"""Where an exit's instructions go: bench.py --profile.

Boots the bench guest in its profile role (arg=2: 100 iterations each of the
CPUID, xen_version and SCHEDOP_yield loops) with QEMU single-stepping and
logging every executed instruction (-singlestep -d exec,nochain). The log
streams through a FIFO, so nothing large is written.

The guest and the hypervisor are both linked at 0x100000, so an address
alone does not say whose instruction it is. The trace does: after the
hypervisor's VMRUN (in svm_enter) the next instruction is the guest's; the
guest runs until an instruction at the address just after that VMRUN, where
#VMEXIT resumes the host. Hypervisor instructions are charged to the guest
function that ran last (the loop that caused the exit) and named by the
hypervisor symbol they lie in. SVM only: QEMU TCG has no VMX.
"""
import bisect
import json
import os
import re
import subprocess
import sys
import threading
import time

PROFILE_ITERATIONS = 100  # test/guests/bench.c PROFILE_ITERATIONS
LOOPS = {"loop_cpuid": "CPUID leaf 0",
         "loop_version_vmmcall": "xen_version (vmmcall)",
         "loop_yield_vmmcall": "SCHEDOP_yield, alone (vmmcall)"}
# Hypervisor functions whose inclusive cost (callees too) is shown.
INCLUSIVE = ["exit_skip", "guest_fetch", "insn_length", "cpuid_guest", "hypercall_dispatch",
             "exit_prepare_entry", "svm_run", "exit_handle", "vcpu_enter"]


def symbols(elf):
    """Sorted [(address, name)] of the text symbols of an ELF file."""
    out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def vmrun_address(elf, syms):
    """The address of the VMRUN instruction inside svm_enter."""
    start = dict((n, a) for a, n in syms).get("svm_enter")
    if start is None:
        raise RuntimeError(f"{elf}: no svm_enter symbol")
    nxt = min(a for a, _ in syms if a > start)
    out = subprocess.run(["objdump", "-d", f"--start-address={start:#x}",
                          f"--stop-address={nxt:#x}", elf],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"^\s*([0-9a-f]+):\s+0f 01 d8\s+vmrun", out, re.M)
    if not m:
        raise RuntimeError(f"{elf}: no vmrun in svm_enter")
    return int(m.group(1), 16)


def calls_and_returns(elf):
    """{pc key: ('call', return pc key) | ('ret', None)} for the hypervisor's code."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf],
                         capture_output=True, text=True, check=True).stdout
    lines = re.findall(r"^\s*([0-9a-f]+):\s+(\S+)", out, re.M)
    kinds = {}
    for (pc, insn), (next_pc, _) in zip(lines, lines[1:] + [("0", "")]):
        if insn.startswith("call"):
            kinds[b"%016x" % int(pc, 16)] = ("call", b"%016x" % int(next_pc, 16))
        elif insn.startswith(("ret", "iret")):
            kinds[b"%016x" % int(pc, 16)] = ("ret", None)
    return kinds


def namer(syms):
    addrs = [a for a, _ in syms]

    def name(pc):
        i = bisect.bisect_right(addrs, pc) - 1
        return syms[i][1] if i >= 0 else f"{pc:#x}"
    return name


def unblock_fifo(proc, fifo, opened):
    """Should QEMU exit before opening the log FIFO, ends the reader's wait in open()."""
    proc.wait()
    while not opened.is_set():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError:  # ENXIO: the reader is not there yet
            time.sleep(0.1)


def trace(cmd, fifo, vmrun, exit_pc, guest_text, entries, kinds):
    """Counts executed instructions.

    Returns ({(phase, is_guest, pc): n}, {(phase, function): inclusive n}, QEMU output).
    Inclusive counts come from a shadow call stack kept from the loops' start:
    a call pushes a frame (return address, functions), a jump to a function's
    entry (a tail call) adds that function to the top frame, a return pops to
    the frame it returns to. entries: {pc key: name} of the INCLUSIVE functions.
    """
    counts, inclusive = {}, {}
    stack = []  # [return pc key, set of functions] per call
    prev = None  # kinds[] of the last hypervisor instruction
    vmrun_key = b"%016x" % vmrun
    exit_key = b"%016x" % exit_pc
    in_guest = False
    phase = b"boot"
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    opened = threading.Event()
    threading.Thread(target=unblock_fifo, args=(proc, fifo, opened), daemon=True).start()
    with open(fifo, "rb", buffering=1 << 20) as log:
        opened.set()
        for line in log:
            if not line.startswith(b"Trace"):
                continue
            i = line.find(b"/")
            pc = line[i + 1:i + 17]
            if in_guest and pc == exit_key:
                in_guest = False
            if in_guest:
                phase = guest_text.get(pc, phase)
                key = (phase, 1, pc)
            else:
                key = (phase, 0, pc)
                if pc == vmrun_key:
                    in_guest = True
                if phase != b"boot":
                    if prev and prev[0] == "call" and pc != prev[1]:
                        stack.append([prev[1], {entries.get(pc)}])
                    elif prev and prev[0] == "ret":
                        for depth in range(len(stack) - 1, -1, -1):
                            if stack[depth][0] == pc:
                                del stack[depth:]
                                break
                    elif pc in entries and stack:
                        stack[-1][1].add(entries[pc])
                    for fn in set().union(*(f[1] for f in stack)):
                        if fn:
                            k = (phase, fn)
                            inclusive[k] = inclusive.get(k, 0) + 1
                    prev = kinds.get(pc)
            counts[key] = counts.get(key, 0) + 1
    out = proc.communicate()[0].decode("utf-8", "replace")
    return counts, inclusive, out


def profile(build, module, qemu_command, timeout):
    elf = os.path.join(build, "bulkhead.elf64")
    guest_elf = os.path.join(build, "test", "guests", "bench.elf")
    hsyms, gsyms = symbols(elf), symbols(guest_elf)
    vmrun = vmrun_address(elf, hsyms)
    exit_pc = vmrun + 3
    gname = namer(gsyms)
    gend = max(a for a, _ in gsyms) + 0x1000
    if gsyms[0][0] <= exit_pc < gend:
        raise RuntimeError("the guest's code overlaps the hypervisor's #VMEXIT address")
    guest_text = {b"%016x" % pc: gname(pc).encode() for pc in range(gsyms[0][0], gend)}

    fifo = os.path.join(build, "bench", "exec.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    cmd = ["timeout", str(timeout)] + qemu_command(
        os.path.join(build, "bulkhead"), [module],
        ["-singlestep", "-d", "exec,nochain", "-D", fifo])
    hname = namer(hsyms)
    entries = {b"%016x" % a: n for a, n in hsyms if n in INCLUSIVE}
    try:
        counts, inclusive, out = trace(cmd, fifo, vmrun, exit_pc, guest_text, entries,
                                       calls_and_returns(elf))
    finally:
        os.unlink(fifo)
    with open(os.path.join(build, "bench", "profile.log"), "w") as f:
        f.write(out)
    if "role 2 done" not in out:
        raise RuntimeError("profile run: did not see 'bench: ... role 2 done' "
                           f"(log {build}/bench/profile.log)")

    report = {"iterations": PROFILE_ITERATIONS, "loops": {}}
    for loop, what in LOOPS.items():
        report["loops"][loop] = summarize(counts, inclusive, loop, what, PROFILE_ITERATIONS,
                                          hname)
    path = os.path.join(build, "bench", "exit-profile.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print_report(report)
    print(f"wrote {path}")


def summarize(counts, inclusive, phase, what, n, hname):
    """Per-iteration instructions of one traced phase: guest, hypervisor, per function."""
    by_fn, guest = {}, 0
    for (ph, is_guest, pc), count in counts.items():
        if ph != phase.encode():
            continue
        if is_guest:
            guest += count
        else:
            fn = hname(int(pc, 16))
            by_fn[fn] = by_fn.get(fn, 0) + count
    return {
        "what": what,
        "iterations": n,
        "per_iteration": (sum(by_fn.values()) + guest) / n,
        "hypervisor": sum(by_fn.values()) / n,
        "guest": guest / n,
        "inclusive": {fn: c / n for (ph, fn), c in inclusive.items() if ph == phase.encode()},
        "exclusive": {fn: c / n for fn, c in sorted(by_fn.items(), key=lambda kv: -kv[1])},
    }


def print_report(report):
    print(f"\nProfile: instructions per iteration, {report['iterations']} iterations per loop "
          "(one instruction-by-instruction QEMU trace)")
    for r in report["loops"].values():
        print(f"\n{r['what']}: {r['per_iteration']:.1f} per iteration (hypervisor "
              f"{r['hypervisor']:.1f}, guest {r['guest']:.1f} with the loop's rdtsc set-up)")
        print("  inclusive (with callees; hypervisor instructions only):")
        for fn, n in r["inclusive"].items():
            print(f"  {n:8.1f}  {fn}")
        print("  exclusive (5 or more per iteration):")
        for fn, n in r["exclusive"].items():
            if n >= 5:
                print(f"  {n:8.1f}  {fn}")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench  # noqa: E402  (qemu_command and module)
    b = sys.argv[1] if len(sys.argv) > 1 else "build"
    os.makedirs(os.path.join(b, "bench"), exist_ok=True)
    profile(b, bench.module(os.path.join(b, "test", "guests", "bench.bin"), "bench", 2),
            bench.qemu_command, 600)

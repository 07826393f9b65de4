#!/usr/bin/env python3
"""Bulkhead's core figures: exit, hypercall, yield and vCPU-switch costs in
instructions, plus image size and kernel line count -> BUILD/bench/core.json;
then the IPC and toolstack figures of bench_ipc.py -> BUILD/bench/ipc.json.

Method (DESIGN.md section 6): QEMU TCG with -icount shift=0,sleep=off, where
the TSC is QEMU's virtual clock in ns and the virtual clock advances by
exactly 2^shift = 1 ns per emulated instruction. The bench guest
(test/guests/bench.c) times N iterations of each loop with rdtsc and prints
"bench: NAME total=TICKS iterations=N". It first times loops of a known
instruction count, so the ticks-per-instruction scale is checked (and used)
in the same run rather than assumed.

Every QEMU run has a timeout; a run that fails names the lines it did not
see. Each configuration runs twice: icount makes the figures deterministic,
and the JSON says whether the two runs agreed.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import time

ITERATIONS = 10000  # test/guests/bench.c ITERATIONS
TSC_SHORT, TSC_LONG = 1000, 101000  # bench.c TSC_SHORT, TSC_LONG
GOAL_EXIT = 1000
GOAL_SWITCH = 2000
GOAL_KERNEL_LINES = 12000

QEMU = "qemu-system-x86_64"
QEMU_ARGS = ["-accel", "tcg", "-cpu", "max", "-icount", "shift=0,sleep=off",
             "-rtc", "clock=vm,base=2024-01-01T00:00:00", "-m", "256", "-smp", "1",
             "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot"]
CMDLINE = "console=com1 loglvl=info guest_loglvl=all idle_poweroff"

RESULT_RE = re.compile(r"\(d(\d+)\) bench: (\S+) total=(\d+) iterations=(\d+)")
FORBIDDEN_RE = re.compile(r".*(FAILED|PANIC|LEAKED|\*\*\* CPU\d+ exception|stopped: crash).*")
POWEROFF = "(XEN) idle_poweroff: powering off"

SOLO_NAMES = ["tsc2-short", "tsc2-long", "tsc6-short", "tsc6-long",
              "baseline", "cpuid", "xen_version", "yield"]


class BenchError(Exception):
    pass


def module(guest, name, arg):
    return f"{guest} name={name} mem=4 vcpus=1 mode=long arg={arg}"


def qemu_command(image, modules, extra=()):
    return ([QEMU] + QEMU_ARGS + list(extra) +
            ["-kernel", image, "-append", CMDLINE, "-initrd", ",".join(modules)])


def run_qemu(what, cmd, logfile, timeout, expect):
    """Runs QEMU to its exit (idle_poweroff) or the timeout; checks the log.

    expect: (description, regex) pairs that must all appear.
    """
    start = time.time()
    with open(logfile, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            timed_out = True
    log = open(logfile, errors="replace").read()
    problems = [f"did not see {desc} /{rx}/" for desc, rx in expect if not re.search(rx, log)]
    problems += [f"forbidden line: {m.group(0).strip()}" for m in FORBIDDEN_RE.finditer(log)]
    if timed_out:
        problems.insert(0, f"timed out after {timeout} s")
    elif POWEROFF not in log:
        problems.insert(0, f"QEMU exited (status {proc.returncode}) without '{POWEROFF}'")
    if problems:
        tail = "\n".join(log.splitlines()[-25:])
        raise BenchError(f"{what}: " + "; ".join(problems) +
                         f"\n(log {logfile}, {time.time() - start:.1f} s; last lines:)\n{tail}")
    return log


def results(log):
    """{(domain, name): (total, iterations)} from the guest's lines (a name may repeat)."""
    found = {}
    for m in RESULT_RE.finditer(log):
        found.setdefault((int(m.group(1)), m.group(2)), []).append(
            (int(m.group(3)), int(m.group(4))))
    return found


def run_solo(image, guest, outdir, timeout, tag):
    expect = [(f"'bench: {n} total=...'", rf"\(d\d+\) bench: {n} total=\d+ iterations=\d+")
              for n in SOLO_NAMES]
    expect.append(("the solo role finishing", r"\(d\d+\) bench: d\d+ role 0 done"))
    log = run_qemu(f"solo run {tag}", qemu_command(image, [module(guest, "bench", 0)]),
                   os.path.join(outdir, f"solo-{tag}.log"), timeout, expect)
    found = results(log)
    return {name: vals for (_, name), vals in found.items()}


def run_switch(image, guest, outdir, timeout, tag):
    mods = [module(guest, "bench-a", 1), module(guest, "bench-b", 1)]
    expect = [("two 'bench: switch-yield total=...' lines (one per domain)",
               r"(?s)bench: switch-yield total=\d+.*bench: switch-yield total=\d+"),
              ("both switch roles finishing", r"(?s)role 1 done.*role 1 done")]
    log = run_qemu(f"switch run {tag}", qemu_command(image, mods),
                   os.path.join(outdir, f"switch-{tag}.log"), timeout, expect)
    return {dom: vals[0] for (dom, name), vals in results(log).items() if name == "switch-yield"}


def tsc_scale(solo):
    """Ticks per instruction from loops of 2 and 6 instructions per iteration.

    Each size runs several times; the least total is taken (a host timer
    tick may land in one). The slope between the short and the long loop
    cancels the constant cost of the two rdtsc around the loop.
    """
    checks = {}
    for insns in (2, 6):
        short = min(t for t, _ in solo[f"tsc{insns}-short"])
        long_ = min(t for t, _ in solo[f"tsc{insns}-long"])
        slope = (long_ - short) / ((TSC_LONG - TSC_SHORT) * insns)
        checks[insns] = {"instructions_per_iteration": insns,
                         "ticks_short": short, "iterations_short": TSC_SHORT,
                         "ticks_long": long_, "iterations_long": TSC_LONG,
                         "ticks_per_instruction": slope,
                         "fixed_ticks": short - slope * insns * TSC_SHORT}
    scale = checks[2]["ticks_per_instruction"]
    if abs(checks[6]["ticks_per_instruction"] - scale) > 1e-6 * scale:
        raise BenchError(f"TSC check: {checks[2]['ticks_per_instruction']} ticks per "
                         f"instruction with 2-instruction iterations but "
                         f"{checks[6]['ticks_per_instruction']} with 6: the TSC does not "
                         f"count instructions; see {checks}")
    return scale, list(checks.values())


def figure(ticks, scale):
    return {"instructions": round(ticks / scale, 1), "emulated_cycles": round(ticks, 1)}


def elf_load_bytes(path):
    """Sum of p_filesz and p_memsz over an ELF64's PT_LOAD segments."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise BenchError(f"{path} is not an ELF64 file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    filesz = memsz = 0
    for i in range(phnum):
        p_type, _, _, _, _, p_filesz, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1:  # PT_LOAD
            filesz += p_filesz
            memsz += p_memsz
    return filesz, memsz


def code_lines(path, text):
    """Lines that are neither blank nor only comment (C /* */ and //, nasm ;)."""
    if path.endswith(".asm"):
        return sum(1 for ln in text.splitlines() if ln.strip() and not ln.strip().startswith(";"))
    count, in_block = 0, False
    for ln in text.splitlines():
        code, i = "", 0
        while i < len(ln):
            if in_block:
                end = ln.find("*/", i)
                if end < 0:
                    i = len(ln)
                else:
                    in_block, i = False, end + 2
            elif ln.startswith("/*", i):
                in_block, i = True, i + 2
            elif ln.startswith("//", i):
                break
            elif ln[i] in "\"'":  # a literal: copy it whole so "/*" inside is not a comment
                q, j = ln[i], i + 1
                while j < len(ln) and ln[j] != q:
                    j += 2 if ln[j] == "\\" else 1
                code += ln[i:j + 1]
                i = j + 1
            else:
                code += ln[i]
                i += 1
        if code.strip():
            count += 1
    return count


def kernel_lines(root):
    files = subprocess.run(["git", "ls-files", "kernel"], cwd=root, check=True,
                           capture_output=True, text=True).stdout.split()
    files = [f for f in files if re.search(r"\.(c|h|asm)$", f)]
    total = code = 0
    for f in files:
        text = open(os.path.join(root, f), errors="replace").read()
        total += text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        code += code_lines(f, text)
    return {"total": total, "code": code, "files": len(files)}


def qemu_version():
    out = subprocess.run([QEMU, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].strip()


METHOD = (
    "QEMU TCG, -icount shift=0,sleep=off, -smp 1. With icount the virtual clock advances "
    "2^shift ns per emulated instruction, and the guest TSC is that clock, so at shift=0 "
    "one TSC tick = one instruction = 1 emulated ns (a 1 GHz CPU running one instruction "
    "per cycle): 'emulated_cycles' is the TSC difference and 'instructions' the same "
    "figure divided by the ticks-per-instruction scale, which the bench guest measures in "
    "the same run with loops of 2 and 6 known instructions per iteration (tsc_check). "
    "Counts are every instruction the emulated CPU retires: the guest's and the "
    "hypervisor's (exit handling, scheduler, host timer interrupts, which land about once "
    "per 1e6 instructions and are averaged in). They are path lengths, not hardware "
    "cycles: VMRUN, #VMEXIT, XSAVE/XRSTOR and TLB flushes each count as one instruction or "
    "nothing, though they cost hundreds of cycles on real hardware. Each figure is "
    "(loop total - baseline loop total) / N over N iterations; every loop is the same "
    "four instructions (two register loads, dec, jnz) plus the one measured, so the "
    "figure includes the measured instruction itself.")

SWITCH_NOTE = (
    "Two bench domains (1 vCPU each) on one pCPU both run N x SCHEDOP_yield back to back. "
    "One iteration of one domain's loop = its yield, a switch to the other domain, the "
    "other's yield, a switch back: per_iteration = 2 x yield + 2 x switch. With "
    "solo_yield the per-iteration cost of the same loop when no other vCPU is runnable "
    "(the scheduler picks the same vCPU again: no switch), switch = (per_iteration - 2 x "
    "solo_yield) / 2. Both figures include their loop's own four instructions, which "
    "cancel. 'instructions' is the extra path length of switching (FPU state save and "
    "load, picking another vCPU); the TLB flush on the VMCB change costs no instruction "
    "under TCG, so the hardware cost of a switch is not visible here.")


def measure(args):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build = args.build
    image = os.path.join(build, "bulkhead")
    elf = os.path.join(build, "bulkhead.elf64")
    guest = os.path.join(build, "test", "guests", "bench.bin")
    for f in (image, elf, guest):
        if not os.path.exists(f):
            raise BenchError(f"{f} is missing: build first (ninja -C {build})")
    outdir = os.path.join(build, "bench")
    os.makedirs(outdir, exist_ok=True)

    solos = [run_solo(image, guest, outdir, args.timeout, str(i + 1)) for i in range(args.runs)]
    switches = [run_switch(image, guest, outdir, args.timeout, str(i + 1))
                for i in range(args.runs)]
    deterministic = all(s == solos[0] for s in solos) and all(s == switches[0] for s in switches)
    solo, switch = solos[0], switches[0]
    if len(switch) != 2:
        raise BenchError(f"switch run: expected switch-yield from 2 domains, got {switch}")

    scale, checks = tsc_scale(solo)
    per = {}
    for name in ("baseline", "cpuid", "xen_version", "yield"):
        total, n = solo[name][0]
        per[name] = total / n
    raw_yield = per["yield"]
    two_domain = [t / n for t, n in switch.values()]
    per_iteration = sum(two_domain) / len(two_domain)
    switch_ticks = (per_iteration - 2 * raw_yield) / 2

    filesz, memsz = elf_load_bytes(elf)
    lines = kernel_lines(root)
    core = {
        "cpuid_exit_round_trip": dict(figure(per["cpuid"] - per["baseline"], scale),
                                      goal=GOAL_EXIT, leaf=0),
        "null_hypercall_round_trip": dict(figure(per["xen_version"] - per["baseline"], scale),
                                          goal=GOAL_EXIT,
                                          hypercall="xen_version(XENVER_version), vmmcall"),
        "vcpu_switch": dict(figure(switch_ticks, scale), goal=GOAL_SWITCH,
                            per_iteration_two_domains=figure(per_iteration, scale),
                            per_iteration_by_domain={f"d{d}": round(t / n / scale, 1)
                                                     for d, (t, n) in sorted(switch.items())},
                            solo_yield_per_iteration=figure(raw_yield, scale),
                            explanation=SWITCH_NOTE),
        "yield_round_trip": dict(figure(per["yield"] - per["baseline"], scale),
                                 note="SCHEDOP_yield with no other vCPU runnable"),
        "baseline_loop_per_iteration": figure(per["baseline"], scale),
        "iterations": ITERATIONS,
        "tsc_check": {"ticks_per_instruction": scale, "loops": checks},
        "image_bytes": {"bulkhead": os.path.getsize(image),
                        "bulkhead_elf64_load_filesz": filesz,
                        "bulkhead_elf64_load_memsz": memsz},
        "kernel_lines": lines["total"],
        "kernel_code_lines": lines["code"],
        "kernel_files": lines["files"],
        "kernel_goal_lines": GOAL_KERNEL_LINES,
        "qemu": qemu_version(),
        "runs": args.runs,
        "deterministic": deterministic,
        "method": METHOD,
    }
    if not deterministic:
        core["runs_raw"] = {"solo": solos, "switch": [{str(k): v for k, v in s.items()}
                                                      for s in switches]}
    path = os.path.join(outdir, "core.json")
    with open(path, "w") as f:
        json.dump(core, f, indent=2)
        f.write("\n")
    return core, path


def table(core, extra_rows=()):
    def row(name, fig, goal):
        g = f"{goal:,}" if goal else "-"
        return f"| {name} | {fig['instructions']:,.0f} | {g} |"

    lines = [
        "| Figure (QEMU TCG, icount shift=0) | Instructions | Goal |",
        "|---|---:|---:|",
        row("CPUID exit round trip (leaf 0)", core["cpuid_exit_round_trip"], GOAL_EXIT),
        row("Null hypercall round trip (xen_version)", core["null_hypercall_round_trip"],
            GOAL_EXIT),
        row("SCHEDOP_yield, nothing else runnable", core["yield_round_trip"], None),
        row("vCPU switch between domains", core["vcpu_switch"], GOAL_SWITCH),
        row("Baseline loop iteration", core["baseline_loop_per_iteration"], None),
        f"| Kernel lines (`kernel/*.{{c,h,asm}}`; non-blank non-comment) | "
        f"{core['kernel_lines']:,} ({core['kernel_code_lines']:,}) | {GOAL_KERNEL_LINES:,} |",
        f"| Image bytes (`bulkhead`; ELF64 loadable file / memory) | "
        f"{core['image_bytes']['bulkhead']:,} "
        f"({core['image_bytes']['bulkhead_elf64_load_filesz']:,} / "
        f"{core['image_bytes']['bulkhead_elf64_load_memsz']:,}) | - |",
    ]
    return "\n".join(lines + list(extra_rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="meson build folder")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per QEMU run")
    ap.add_argument("--runs", type=int, default=2, help="runs per configuration (>= 1)")
    ap.add_argument("--profile", action="store_true",
                    help="also trace the exit loops and the IPC pair instruction by "
                         "instruction and print where the hypervisor's instructions go "
                         "(slow: about three minutes)")
    ap.add_argument("--core-only", action="store_true",
                    help="only the core figures (core.json), not bench_ipc.py's (ipc.json)")
    args = ap.parse_args()
    try:
        core, path = measure(args)
        ipc, ipc_path, rows = None, None, []
        if not args.core_only:
            # bench_ipc.py imports this file as "bench": let it find this run of it.
            sys.modules.setdefault("bench", sys.modules[__name__])
            import bench_ipc  # test/bench/bench_ipc.py
            ipc, ipc_path = bench_ipc.measure(args, core["tsc_check"]["ticks_per_instruction"])
            rows = bench_ipc.table_rows(ipc)
        print(table(core, rows))
        same = core["deterministic"] and (ipc is None or ipc["deterministic"])
        print(f"\n{core['qemu']}; 1 instruction = 1 TSC tick = 1 emulated ns "
              f"(measured scale {core['tsc_check']['ticks_per_instruction']:g}); "
              f"{core['runs']} runs per configuration, "
              f"{'identical' if same else 'NOT identical (see runs_raw)'}.")
        if ipc is not None:
            print("Event-channel and grant rows: the bench-ipc pair, instructions per round trip "
                  "or per map+unmap pair (two CPUs: both CPUs' instructions summed). Dom0 rows: "
                  "emulated time from scripted Dom0 sessions (-smp 2), see ipc.json 'method'.")
        print(f"wrote {path}" + (f" and {ipc_path}" if ipc_path else ""))
        if args.profile:
            from profile_exits import profile  # test/bench/profile_exits.py
            profile(args.build, module(os.path.join(args.build, "test", "guests", "bench.bin"),
                                       "bench", 2), qemu_command, args.timeout * 5)
            if not args.core_only:
                import profile_ipc  # test/bench/profile_ipc.py
                profile_ipc.profile(args.build, qemu_command, args.timeout * 10)
    except (BenchError, RuntimeError) as e:  # RuntimeError: from profile_exits
        print(f"bench: FAILED: {e}", file=sys.stderr)
        return 1
    return 0 if same else 2


if __name__ == "__main__":
    sys.exit(main())

"""Bulkhead's IPC and toolstack figures (issue 3) -> BUILD/bench/ipc.json.

bench.py runs this after the core figures, with the same QEMU method
(-icount shift=0,sleep=off: the guest TSC is the virtual clock in ns, and it
advances one tick per emulated instruction, of every CPU, plus jumps to the
next timer when every CPU is halted).

  Event-channel round trip, grant map + unmap: the bench-ipc pair
    (test/guests/bench-ipc.c) as boot modules, once with -smp 1 (both
    domains on CPU 0) and once with -smp 2 (vCPUs are placed round-robin in
    creation order: A on CPU 0, B on CPU 1).
  xl create, xl destroy, boot: scripted Dom0 sessions, QEMU as in
    test/integration/dom0_test.py plus icount. Each boots Dom0 with a root
    file system whose /etc/rc runs some commands and ends with `xl create`
    of bench-ipc-stamp, a domain that prints the TSC at its first
    instructions; Dom0 then prints its prompt and waits, and the stamp runs.
    Nothing is typed before the stamp has printed, so each session's stamp
    is exact; sessions that differ only in the commands before the last one
    give those commands' cost as a difference of stamps.

Every QEMU run has a timeout and names what it did not see; each
configuration runs `runs` times and the JSON says whether they agreed.
"""
import io
import json
import os
import re
import select
import struct
import subprocess
import tarfile
import time

import bench

EVTCHN_ITERATIONS = 2000  # test/guests/bench-ipc.c EVTCHN_ITERATIONS
GRANT_ITERATIONS = 1000  # test/guests/bench-ipc.c GRANT_ITERATIONS
GOAL_EVTCHN_ROUND_TRIP = 1500  # instructions (seL4's IPC round trip: ~770 cycles)
GOAL_CREATE_NS = 10_000_000  # 10 ms (LightVM 2.3 ms; stock xl 1-2.5 s)

PAIR_RE = re.compile(r"\(d(\d+)\) bench-ipc: (\S+) total=(\d+) iterations=(\d+)")
STAMP_RE = re.compile(r"\(d(\d+)\) bench-stamp: d\d+ entry=(\d+)\n")  # whole line: read as it comes
AFTER_LINE_RE = re.compile(r"\(d\d+\) bench-stamp: d\d+ after-line=(\d+)\n")

# Dom0 as test/integration/dom0_test.py boots it.
DOM0_MEM_MIB, DOM0_SMP, DOM0_RAM_MIB = 256, 2, 1024
DOM0_CMDLINE = (f"dom0_mem={DOM0_MEM_MIB}M dom0_max_vcpus=2 console=com1 com1=115200,8n1 "
                "loglvl=all guest_loglvl=all")
# The no-Dom0 boot: the same console and log levels, and power off when done.
CORE_BOOT_CMDLINE = "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all idle_poweroff"
DOM0_DONE = "(XEN) Domain-0 shut down (reason 0): powering off the machine"
STAMP_ELF = "/usr/lib/bulkhead/bench-stamp.elf"
STAMP_CFG = "/etc/xen/bench-stamp.cfg"
STAMP_CFG_TEXT = ("# bench-ipc-stamp (test/bench/bench_ipc.py): prints its first TSC, sleeps.\n"
                  f'name = "bench-stamp"\nkernel = "{STAMP_ELF}"\nmemory = 16\nvcpus = 1\n')
PINGPONG_CFG = "/etc/xen/pingpong.cfg"

# Commands run before the stamp's `xl create`, per session. Two of each: with
# vCPUs placed round-robin (Dom0's two on CPUs 0 and 1), two more domains
# keep the stamp on CPU 0, where it is in the plain session.
CREATE_PINGPONG = [f"xl create -p {PINGPONG_CFG} name=bench-1",
                   f"xl create -p {PINGPONG_CFG} name=bench-2"]
SESSIONS = {
    "stamp": [],
    "create": CREATE_PINGPONG,
    "create-32": [f"{c} memory=32" for c in CREATE_PINGPONG],
    "create-destroy": CREATE_PINGPONG + ["xl destroy bench-1", "xl destroy bench-2"],
    "create-stamp-cfg": [f"xl create -p {STAMP_CFG} name=bench-1",
                         f"xl create -p {STAMP_CFG} name=bench-2"],
}
PINGPONG_MIB = 16  # pingpong.cfg's memory=


def qemu_command(image, smp, ram_mib, cmdline, initrd, shift=0):
    args = list(bench.QEMU_ARGS)
    args[args.index("-smp") + 1] = str(smp)
    args[args.index("-m") + 1] = str(ram_mib)
    args[args.index("-icount") + 1] = f"shift={shift},sleep=off"
    return [bench.QEMU] + args + ["-kernel", image, "-append", cmdline, "-initrd", initrd]


def run_pair(image, guest, outdir, timeout, smp, tag):
    """{name: (total, iterations)} of one bench-ipc pair run."""
    mods = [bench.module(guest, "bench-ipc-a", 2), bench.module(guest, "bench-ipc-b", 1)]
    expect = [("A's round trips (d1)",
               rf"\(d1\) bench-ipc: evtchn-round-trip total=\d+ iterations={EVTCHN_ITERATIONS}"),
              ("B's map and unmap (d2)",
               rf"\(d2\) bench-ipc: grant-map-unmap total=\d+ iterations={GRANT_ITERATIONS}"),
              ("both finishing", r"(?s)\(B\) done.*\(A\) done")]
    log = bench.run_qemu(f"IPC pair run, -smp {smp}, {tag}",
                         qemu_command(image, smp, 256, bench.CMDLINE, ",".join(mods)),
                         os.path.join(outdir, f"ipc-smp{smp}-{tag}.log"), timeout, expect)
    return {m.group(2): (int(m.group(3)), int(m.group(4))) for m in PAIR_RE.finditer(log)}


def run_core_boot(image, stamp_bin, outdir, timeout, tag, shift=0):
    """(entry, after_line) TSCs of the stamp as the only boot module (no Dom0)."""
    expect = [("the stamp's entry line", STAMP_RE.pattern),
              ("the stamp's second line", AFTER_LINE_RE.pattern)]
    log = bench.run_qemu(f"core boot run {tag}",
                         qemu_command(image, DOM0_SMP, DOM0_RAM_MIB, CORE_BOOT_CMDLINE,
                                      bench.module(stamp_bin, "bench-stamp", 1), shift),
                         os.path.join(outdir, f"boot-core-{tag}.log"), timeout, expect)
    return int(STAMP_RE.search(log).group(2)), int(AFTER_LINE_RE.search(log).group(1))


def run_firmware(outdir, initrd, timeout, shift):
    """The TSC at the first instruction after QEMU's firmware (firmware_stamp.asm)."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "firmware_stamp.asm")
    image = os.path.join(outdir, "firmware-stamp.bin")
    try:
        subprocess.run(["nasm", "-f", "bin", "-w+all", "-w+error", "-o", image, src], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        raise bench.BenchError(f"assembling {src}: {e}")
    cmd = qemu_command(image, DOM0_SMP, DOM0_RAM_MIB, DOM0_CMDLINE, initrd, shift)
    try:
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=timeout).stdout
    except subprocess.TimeoutExpired:
        raise bench.BenchError(f"firmware run (shift={shift}): timed out after {timeout} s")
    m = re.search(r"^([0-9A-F]{16})$", out, re.M)
    if not m:
        raise bench.BenchError(f"firmware run (shift={shift}): no TSC line in {out[-500:]!r}")
    return int(m.group(1), 16)


def stamp_image(elf_path):
    """The stamp's ELF with its entry moved to the image's first byte.

    guest.ld names _start the ELF entry, but a test guest's first byte is its
    entry stub (.text.entry of the guest's file comes first; boot modules are
    entered there): xl, which starts at the ELF entry, gets a copy whose entry
    is the lowest PT_LOAD address, checked to hold the stub's movq %rdx, %r8.
    """
    with open(elf_path, "rb") as f:
        elf = bytearray(f.read())
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        raise bench.BenchError(f"{elf_path} is not an ELF64 file")
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    loads = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr = struct.unpack_from("<IIQQ", elf, phoff + i * phentsize)
        if p_type == 1:  # PT_LOAD
            loads.append((p_vaddr, p_offset))
    if not loads:
        raise bench.BenchError(f"{elf_path} has no PT_LOAD segment")
    vaddr, offset = min(loads)
    if elf[offset:offset + 3] != b"\x49\x89\xd0":  # movq %rdx, %r8
        raise bench.BenchError(f"{elf_path}: the first byte is not bench-ipc-stamp.c's stub "
                               f"(found {elf[offset:offset + 3].hex()})")
    struct.pack_into("<Q", elf, 0x18, vaddr)  # e_entry
    return bytes(elf)


def session_rootfs(base, out, rc_lines, stamp_elf):
    """Dom0's root file system (base, as built) with our /etc/rc and the stamp."""
    def add(tar, name, data, mode):
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), mode, 0
        info.uname = info.gname = "root"
        tar.addfile(info, io.BytesIO(data))

    rc = "".join(f"{line}\n" for line in
                  ["# make bench (test/bench/bench_ipc.py): a scripted Dom0 session"] + rc_lines +
                  [f"xl create {STAMP_CFG}"])
    with tarfile.open(base) as src, tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for m in src.getmembers():
            if m.name.strip("/").lstrip("./") in ("etc/rc", STAMP_CFG.strip("/"),
                                                  STAMP_ELF.strip("/")):
                continue
            tar.addfile(m, src.extractfile(m) if m.isfile() else None)
        add(tar, "etc/rc", rc.encode(), 0o644)
        add(tar, STAMP_CFG.strip("/"), STAMP_CFG_TEXT.encode(), 0o644)
        add(tar, STAMP_ELF.strip("/"), stamp_elf, 0o755)


def run_session(image, dom0, rootfs, rc_lines, logfile, timeout, shift=0):
    """The stamp's entry TSC in one scripted Dom0 session.

    The stamp's line is read first; only then is `poweroff` typed, so no
    input reaches the machine before the figure is taken.
    """
    cmd = qemu_command(image, DOM0_SMP, DOM0_RAM_MIB, DOM0_CMDLINE, f"{dom0},{rootfs} rootfs",
                       shift)
    start, log, stamp, typed = time.time(), "", None, False
    with open(logfile, "w") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        os.set_blocking(proc.stdout.fileno(), False)
        while time.time() - start < timeout:
            select.select([proc.stdout], [], [], 0.2)
            chunk = proc.stdout.read()
            if chunk:
                text = chunk.decode("utf-8", "replace").replace("\r", "")
                out.write(text)
                log += text
            elif proc.poll() is not None:
                break
            stamp = stamp or STAMP_RE.search(log)
            if stamp and not typed:
                proc.stdin.write(b"poweroff\n")
                proc.stdin.flush()
                typed = True
        timed_out = proc.poll() is None
        if timed_out:
            proc.kill()
        proc.wait()
    names = [re.search(r"name=(\S+)", c).group(1) for c in rc_lines if " create " in c]
    expect = [(f"'{n}' created", rf"\(XEN\) d\d+: created '{n}' by d0") for n in names]
    expect += [(f"'{c.split()[-1]}' destroyed",
                rf"\(XEN\) d\d+: '{c.split()[-1]}' stopped: destroyed by the toolstack")
               for c in rc_lines if c.startswith("xl destroy ")]
    expect += [("the stamp's line 'bench-stamp: dN entry=...'", STAMP_RE.pattern),
               ("Dom0 powering off", re.escape(DOM0_DONE))]
    problems = [f"did not see {d} /{rx}/" for d, rx in expect if not re.search(rx, log)]
    problems += [f"forbidden line: {m.group(0).strip()}" for m in bench.FORBIDDEN_RE.finditer(log)]
    if timed_out:
        problems.insert(0, f"timed out after {timeout} s")
    if problems:
        tail = "\n".join(log.splitlines()[-25:])
        raise bench.BenchError(f"Dom0 session {os.path.basename(logfile)}: " + "; ".join(problems)
                               + f"\n(log {logfile}, {time.time() - start:.1f} s; last lines:)\n"
                               + tail)
    return int(stamp.group(2))


def ns(ticks, scale):
    """An emulated-time figure: ns (= TSC ticks), ms, and instructions if no CPU idled."""
    return {"emulated_ns": round(ticks, 1), "emulated_ms": round(ticks / 1e6, 3),
            "instructions_if_no_idle": round(ticks / scale, 1)}


def split(ticks0, ticks1, scale):
    """Emulated time at shift=0 (ticks0) and shift=1 (ticks1) as instructions and waiting.

    At shift=1 each instruction takes 2 ns, while waiting for a time (a
    calibration loop, a halted CPU whose clock jumps to the next timer) takes
    as long as at shift=0: ticks1 - ticks0 instructions, 2 x ticks0 - ticks1
    ns of waiting. An estimate: timer interrupts land at other instructions.
    """
    return {"instructions_estimate": round((ticks1 - ticks0) / scale),
            "waiting_ns_estimate": 2 * ticks0 - ticks1}


def commands_check(s0, s1):
    """Whether the whole-command differences took twice as long at shift=1 (no waiting)."""
    out = {}
    for name, base in (("create", "stamp"), ("create-destroy", "create")):
        d0, d1 = s0[name] - s0[base], s1[name] - s1[base]
        out[f"{name}_minus_{base}"] = {"shift0_ns": d0, "shift1_ns": d1,
                                       "ratio": round(d1 / d0, 5),
                                       "no_waiting": abs(d1 / d0 - 2) < 0.001}
    return out


def pair_figures(pairs, scale):
    out = {}
    for key, name, n in (("evtchn_round_trip", "evtchn-round-trip", EVTCHN_ITERATIONS),
                         ("grant_map_unmap", "grant-map-unmap", GRANT_ITERATIONS)):
        out[key] = {}
        for smp, found in pairs.items():
            total, got = found[name]
            if got != n:
                raise bench.BenchError(f"{name}: {got} iterations, expected {n}")
            out[key][f"smp{smp}"] = dict(bench.figure(total / n, scale), iterations=n)
    return out


METHOD = (
    "QEMU TCG, -icount shift=0,sleep=off: the guest TSC is QEMU's virtual clock in ns, which "
    "advances one tick per instruction retired by any emulated CPU (with -smp 2 the two CPUs' "
    "instructions add up: QEMU runs them in turn on one thread) and jumps to the next timer "
    "deadline when every CPU is halted. 'instructions' = ticks / the scale core.json's "
    "tsc_check measured. Event-channel and grant figures: the bench-ipc pair as boot modules "
    "(test/guests/bench-ipc.c); A and B each wait in SCHEDOP_poll with interrupts off; a round "
    "trip is A's send + A's poll (block) + switch to B + B's poll return + B's send + B's poll "
    "(block) + switch to A + A's poll return, including the guests' own code. Dom0 figures: "
    "scripted sessions (no typing; see 'sessions'), each ending with `xl create` of "
    "bench-ipc-stamp, whose second instruction reads the TSC; it runs once Dom0 has printed "
    "its prompt and blocked. Differences between sessions give whole shell commands, from "
    "Dom0 reading the line to reading the next one. Those are emulated time: they include "
    "any clock jump while every CPU idles, so they are instructions only if none did.")


def inputs(build):
    """The files the runs need, checked to exist."""
    guests = os.path.join(build, "test", "guests")
    f = {"image": os.path.join(build, "bulkhead"),
         "pair_bin": os.path.join(guests, "bench-ipc.bin"),
         "stamp_bin": os.path.join(guests, "bench-ipc-stamp.bin"),
         "stamp_elf": os.path.join(guests, "bench-ipc-stamp.elf"),
         "dom0": os.path.join(build, "dom0", "dom0.elf"),
         "base_rootfs": os.path.join(build, "dom0", "rootfs.tar")}
    for path in f.values():
        if not os.path.exists(path):
            raise bench.BenchError(f"{path} is missing: build first (ninja -C {build})")
    return f


def collect(args, f, outdir):
    """Every QEMU run: (runs at shift=0, the shift=1 runs, firmware TSCs)."""
    stamp_elf = stamp_image(f["stamp_elf"])
    # One path for every session's root file system: Dom0 prints it, so a
    # different name would change the instruction count.
    rootfs = os.path.join(outdir, "dom0-rootfs.tar")

    def session(name, tag, shift=0):
        session_rootfs(f["base_rootfs"], rootfs, SESSIONS[name], stamp_elf)
        return run_session(f["image"], f["dom0"], rootfs, SESSIONS[name],
                           os.path.join(outdir, f"dom0-{name}-{tag}.log"), args.timeout, shift)

    runs = []
    for i in range(args.runs):
        tag = str(i + 1)
        runs.append({
            "pairs": {smp: run_pair(f["image"], f["pair_bin"], outdir, args.timeout, smp, tag)
                      for smp in (1, 2)},
            "core_boot": run_core_boot(f["image"], f["stamp_bin"], outdir, args.timeout, tag),
            "sessions": {name: session(name, tag) for name in SESSIONS}})
    # Once more at shift=1 (2 ns per instruction): what scales is instructions,
    # what does not is waiting (calibration loops, halted CPUs).
    shift1 = {"core_boot": run_core_boot(f["image"], f["stamp_bin"], outdir, args.timeout,
                                         "shift1", 1),
              "sessions": {name: session(name, "shift1", 1)
                           for name in ("create", "create-destroy", "stamp")}}
    # QEMU's firmware, with the plain session's modules (written last above).
    initrd = f"{f['dom0']},{rootfs} rootfs"
    firmware = [run_firmware(outdir, initrd, args.timeout, 0) for _ in range(args.runs)]
    firmware.append(run_firmware(outdir, initrd, args.timeout, 1))
    return runs, shift1, firmware


def boot_figures(s, s1, core_boot, core_boot1, firmware, create_stamp, scale):
    core_entry, core_after_line = core_boot
    return {
        "reset_to_hypervisor_entry": dict(
            ns(firmware[0], scale), **split(firmware[0], firmware[-1], scale),
            note="QEMU's firmware (SeaBIOS, its multiboot loader, Dom0's modules): "
                 "test/bench/firmware_stamp.asm booted in Bulkhead's place prints the TSC "
                 "at its first instruction"),
        "reset_to_stamp_first_instruction": dict(
            ns(s["stamp"], scale), **split(s["stamp"], s1["stamp"], scale),
            note="QEMU reset (SeaBIOS and its multiboot loader included) to the first "
                 "instructions of the domain that /etc/rc's only command creates"),
        "reset_to_dom0_shell_estimate": dict(
            ns(s["stamp"] - create_stamp, scale),
            instructions_estimate=round((s1["stamp"] - s["stamp"] - create_stamp) / scale),
            waiting_ns_estimate=2 * s["stamp"] - s1["stamp"],
            note="the same less one whole `xl create` of the stamp's config: reset to "
                 "Dom0's shell running /etc/rc (the stock /etc/rc echoes one line before "
                 "the prompt); includes the stamp's prompt, block and switch (small)"),
        "reset_to_boot_module_first_instruction": dict(
            ns(core_entry, scale), **split(core_entry, core_boot1[0], scale),
            note="no Dom0: the stamp as the only boot module, same machine (-m 1024 -smp 2)"),
        "stamp_own_start_and_line": dict(
            ns(core_after_line - core_entry, scale),
            note="the stamp from its first TSC to after its first line (runtime set-up, "
                 "console_io): inside none of the differences above"),
    }


def toolstack_figures(s, scale):
    create = (s["create"] - s["stamp"]) / 2
    per_mib = (s["create-32"] - s["create"]) / 2 / (32 - PINGPONG_MIB)
    destroy = (s["create-destroy"] - s["create"]) / 2
    create_stamp = (s["create-stamp-cfg"] - s["stamp"]) / 2
    return {
        "xl_create": dict(ns(create, scale), goal_ns=GOAL_CREATE_NS, config=PINGPONG_CFG,
                          command=f"xl create -p {PINGPONG_CFG} name=...",
                          note="the whole command, Dom0 reading the line to reading the next; "
                               "-p: it ends before the unpause (one domctl)",
                          per_mib_of_memory=ns(per_mib, scale),
                          without_memory=ns(create - PINGPONG_MIB * per_mib, scale),
                          memory_note="from the same command with memory=32: what each MiB "
                                      "of the new domain costs (the core clears every page "
                                      "with REP STOSB, and QEMU's icount counts each of its "
                                      "4,096 iterations per page as an instruction), and "
                                      "the command less its 16 MiB"),
        "xl_destroy": dict(ns(destroy, scale), command="xl destroy NAME",
                           note="the whole command, of a paused pingpong domain"),
        "xl_create_stamp_cfg": dict(ns(create_stamp, scale), config=STAMP_CFG,
                                    note="the same for the stamp's own config"),
    }


def measure(args, scale):
    f = inputs(args.build)
    outdir = os.path.join(args.build, "bench")
    os.makedirs(outdir, exist_ok=True)
    runs, shift1, firmware = collect(args, f, outdir)
    deterministic = (all(r == runs[0] for r in runs) and
                     all(t == firmware[0] for t in firmware[:-1]))
    s, s1 = runs[0]["sessions"], shift1["sessions"]
    ipc = pair_figures(runs[0]["pairs"], scale)
    ipc["evtchn_round_trip"]["goal"] = GOAL_EVTCHN_ROUND_TRIP
    ipc.update(toolstack_figures(s, scale))
    ipc["boot"] = boot_figures(s, s1, runs[0]["core_boot"], shift1["core_boot"], firmware,
                               ipc["xl_create_stamp_cfg"]["emulated_ns"], scale)
    ipc.update({
        "sessions": {name: {"rc_before_stamp": lines, "stamp_tsc": s[name],
                            "stamp_tsc_shift1": s1.get(name)}
                     for name, lines in SESSIONS.items()},
        "commands_are_instructions": commands_check(s, s1),
        "dom0_qemu": qemu_command("build/bulkhead", DOM0_SMP, DOM0_RAM_MIB, DOM0_CMDLINE,
                                  "build/dom0/dom0.elf,ROOTFS rootfs"),
        "tsc_ticks_per_instruction": scale,
        "runs": args.runs,
        "deterministic": deterministic,
        "method": METHOD,
    })
    if not deterministic:
        ipc["runs_raw"] = [{"pairs": {str(k): v for k, v in r["pairs"].items()},
                            "core_boot": r["core_boot"], "sessions": r["sessions"]}
                           for r in runs] + [{"firmware": firmware[:-1]}]
    path = os.path.join(outdir, "ipc.json")
    with open(path, "w") as out:
        json.dump(ipc, out, indent=2)
        out.write("\n")
    return ipc, path


def table_rows(ipc):
    """Rows for bench.py's Markdown table (Figure | Instructions | Goal)."""
    e, g = ipc["evtchn_round_trip"], ipc["grant_map_unmap"]

    def ms(fig):
        return f"{fig['emulated_ns']:,.0f} ns ({fig['emulated_ms']:.2f} ms)"

    b = ipc["boot"]
    return [
        f"| Event-channel round trip, one CPU (SCHEDOP_poll) | "
        f"{e['smp1']['instructions']:,.0f} | {GOAL_EVTCHN_ROUND_TRIP:,} |",
        f"| Event-channel round trip, two CPUs (both CPUs' instructions) | "
        f"{e['smp2']['instructions']:,.0f} | - |",
        f"| Grant map + unmap (one CPU; two CPUs) | {g['smp1']['instructions']:,.0f} "
        f"({g['smp2']['instructions']:,.0f}) | - |",
        f"| `xl create -p pingpong.cfg` (16 MiB), whole command (emulated time) | "
        f"{ms(ipc['xl_create'])} | {GOAL_CREATE_NS:,} ns (10 ms) |",
        f"| the same, per MiB of the domain's memory; less its 16 MiB | "
        f"{ms(ipc['xl_create']['per_mib_of_memory'])}; "
        f"{ms(ipc['xl_create']['without_memory'])} | - |",
        f"| `xl destroy` of it, whole command (emulated time) | {ms(ipc['xl_destroy'])} | - |",
        f"| Reset to Dom0 shell ready, estimate (emulated time; of it, firmware; waiting) | "
        f"{ms(b['reset_to_dom0_shell_estimate'])}; "
        f"{b['reset_to_hypervisor_entry']['emulated_ms']:.1f} ms; "
        f"{b['reset_to_dom0_shell_estimate']['waiting_ns_estimate'] / 1e6:.1f} ms | - |",
        f"| Reset to a boot-module domain's first instruction, no Dom0 (of it, waiting) | "
        f"{ms(b['reset_to_boot_module_first_instruction'])}; "
        f"{b['reset_to_boot_module_first_instruction']['waiting_ns_estimate'] / 1e6:.1f} ms "
        f"| - |",
    ]

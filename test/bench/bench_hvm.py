#!/usr/bin/env python3
"""HVM guest figures (issue 7) -> BUILD/bench/hvm.json; `make bench` runs it.

Method: QEMU TCG with -icount shift=0,sleep=off and -rtc clock=vm (bench.py's
method: the TSC is the virtual clock, 1 tick = 1 emulated instruction = 1
ns), -smp 1, Dom0 with one vCPU.

  Boot: a scripted Dom0 session (its /etc/rc, so nothing typed shifts the
    clock) runs `xl create` of bench_ipc.py's stamp domain, which prints the
    TSC at its first instruction (T0, "xl create"), then at once `xl create`
    of test/integration/hvm/button.cfg as 'bench' with one vCPU (then `xl
    console`): the live ISO, 256 MiB, and the 1 MiB disk that makes the
    guest wait for the power button after its run instead of powering off
    (bare QEMU's run has a disk too). The
    guest prints "BULKHEAD-TSC: start N" before init
    loads any driver (scripts/guest/init); Bulkhead gives HVM guests the host
    TSC (no offset), so N - T0 is the emulated time from the create to that
    line, all of it: the toolstack, the device model's start, SeaBIOS, GRUB
    reading the kernel from the CD, Linux's boot. Bare QEMU runs the same ISO
    (test/hvm/bare_qemu_test.py's live configuration with --icount) in the
    same invocation; its N counts from power-on. The ratio is the price of
    running the PC under Bulkhead and its device model.
    T0 is the stamp's entry: the shell then returns from that create and
    parses the next line before xl starts the HVM create (bench_ipc.py's
    'create' figures put such a step at well under 1 ms).
  Port I/O: before BULKHEAD-LIVE-DONE the guest's /bin/iotime
    (scripts/guest/iotime.c) reads the ACPI PM timer (port 0xb008, PMBASE
    0xb000 as SeaBIOS programs it on both machines; Bulkhead's device model
    serves it, devicemodel/pm.c) 2000 times between two RDTSCs and prints
    "BULKHEAD-PIO: ... per-read P". Under Bulkhead P is the whole forwarded
    round trip in emulated instructions: the VM exit, the core's ioreq, the
    device model's turn, the resume. On bare QEMU, whose device emulation
    costs no emulated instructions, P is the read loop's own few
    instructions: the ratio is Bulkhead's price per port read.
  Exits: once the guest waits for the power button (after LIVE-DONE), the
    hypervisor's 'q' key (Ctrl-a x3, q, Ctrl-a x3) dumps every vCPU; the
    "exits by kind" lines of the bench guest and of its device model
    (everything from xl create on: the boot, the run, the 2000 timed port
    reads) go to exits_by_kind. Then Ctrl-], `xl shutdown -F bench` (the
    power button) and its power-off.
  Memory: after the boot, typed commands (no figure depends on their
    timing): xl info free_memory, xl create of a 32 MiB SeaBIOS-only guest
    (hvm/bios.cfg), free_memory again; overhead = the drop - 32 MiB, which
    holds the device model domain (4 MiB) and the core's per-domain pages.
  SeaBIOS's first line: the device model logs the TSC of the guest's first
    COM1 byte (/var/log/xen/qemu-dm-bench.log), read after the run; minus T0.
"""
import argparse
import io
import json
import os
import re
import select
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "hvm"))
import bench  # noqa: E402  test/bench/bench.py
import bench_ipc  # noqa: E402  test/bench/bench_ipc.py
import bare_qemu_test  # noqa: E402  test/hvm/bare_qemu_test.py

DOM0_MEM_MIB, RAM_MIB, SMP = 384, 1024, 1
CMDLINE = (f"dom0_mem={DOM0_MEM_MIB}M dom0_max_vcpus=1 console=com1 com1=115200,8n1 "
           "loglvl=all guest_loglvl=all")
PROMPT = "dom0# "
TSC_START_RE = re.compile(r"BULKHEAD-TSC: start (\d+)\n")
BIOS_MIB = 32  # test/integration/hvm/bios.cfg's memory=
RC = ["# make bench (test/bench/bench_hvm.py): the stamp, then the HVM guest at once",
      f"xl create {bench_ipc.STAMP_CFG}",
      "xl create /etc/xen/button.cfg name=bench vcpus=1",
      "xl console bench"]  # not xl create -c: it loses the CD for now (hvm_test.py)
# The hypervisor's 'q' dump of one domain: its header, then per vCPU a state
# line, a register line, an "exits by kind" line and (when it exited at all)
# an "exit ticks by kind" line (kernel/main.c, dump_domain).
DOM_RE = r"\(XEN\) +d(\d+) '{name}': (\d+) vCPUs?[^\n]*\n"
VCPU_RE = re.compile(r"\(XEN\) +v(\d+) pCPU [^\n]*?\bexits (\d+)[^\n]*\n"
                     r"(?:\(XEN\) +rax [^\n]*\n)?"
                     r"\(XEN\) +exits by kind:([^\n]*)\n"
                     r"(?:\(XEN\) +exit ticks by kind:([^\n]*)\n)?")


def rootfs(base, out, stamp_elf):
    """The HVM tests' root file system with our /etc/rc and the stamp."""
    def add(tar, name, data, mode):
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), mode, 0
        info.uname = info.gname = "root"
        tar.addfile(info, io.BytesIO(data))

    skip = ("etc/rc", bench_ipc.STAMP_CFG.strip("/"), bench_ipc.STAMP_ELF.strip("/"))
    with tarfile.open(base) as src, tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for m in src.getmembers():
            if m.name.strip("/").lstrip("./") not in skip:
                tar.addfile(m, src.extractfile(m) if m.isfile() else None)
        add(tar, "etc/rc", "".join(line + "\n" for line in RC).encode(), 0o644)
        add(tar, bench_ipc.STAMP_CFG.strip("/"), bench_ipc.STAMP_CFG_TEXT.encode(), 0o644)
        add(tar, bench_ipc.STAMP_ELF.strip("/"), stamp_elf, 0o755)


class Session:
    def __init__(self, cmd, logfile):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.out = open(logfile, "w")
        self.log, self.at, self.start = "", 0, time.time()

    def wait(self, desc, rx, timeout):
        """The match of rx after the last one, or BenchError naming what was missed."""
        end = time.time() + timeout
        rx = re.compile(rx)
        while True:
            m = rx.search(self.log, self.at)
            if m:
                self.at = m.end()
                return m
            bad = re.search(r"BULKHEAD-FAIL: [^\n]*|\(XEN\) [^\n]*PANIC[^\n]*", self.log)
            if bad:
                raise bench.BenchError(f"waiting for {desc}: {bad.group(0)}")
            if time.time() >= end or self.proc.poll() is not None:
                tail = "\n".join(self.log.splitlines()[-25:])
                raise bench.BenchError(f"missed {desc} /{rx.pattern}/ within {timeout} s "
                                       f"(log {self.out.name}):\n{tail}")
            select.select([self.proc.stdout], [], [], 0.2)
            chunk = self.proc.stdout.read()
            if chunk:
                text = chunk.decode("utf-8", "replace").replace("\r", "")
                self.out.write(text)
                self.out.flush()
                self.log += text

    def type(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def run(self, command, timeout=60):
        self.proc.stdin.write((command + "\n").encode())
        self.proc.stdin.flush()
        m = self.wait(f"the prompt after `{command}`", re.escape(command) + r"\n((?s:.*?))" +
                      re.escape(PROMPT), timeout)
        return m.group(1)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"poweroff\n")
                self.proc.stdin.flush()
                self.wait("power-off", r"powering off the machine", 20)
            except (OSError, bench.BenchError):
                pass
        self.proc.kill()
        self.proc.wait()
        self.out.close()


def free_mib(s):
    out = s.run("xl info free_memory").strip()
    if not re.fullmatch(r"\d+", out):
        raise bench.BenchError(f"xl info free_memory printed {out!r}")
    return int(out)


def dump_exits(dump, name):
    """Domain NAME's vCPUs in a 'q' dump: {"v0": {"exits": N, "by_kind":
    {"io": N, ...}}}, or None when the dump does not list it."""
    head = re.search(DOM_RE.format(name=re.escape(name)), dump)
    if not head:
        return None
    vcpus, at = {}, head.end()
    for _ in range(int(head.group(2))):
        m = VCPU_RE.match(dump, at)
        if not m:
            raise bench.BenchError(f"the 'q' dump of '{name}' has no vCPU line with its "
                                   f"exits by kind at:\n{dump[at:at + 300]}")
        at = m.end()
        kinds = [] if m.group(3).split() == ["none"] else m.group(3).split()
        if len(kinds) % 2:
            raise bench.BenchError(f"cannot parse 'exits by kind:{m.group(3)}'")
        cpu = re.search(r"\bcpu (\d+)", m.group(0))  # TSC ticks in guest mode
        ticks = (m.group(4) or "").split()  # TSC ticks in the core's handlers, by kind
        vcpus["v" + m.group(1)] = {"exits": int(m.group(2)),
                                   "by_kind": {k: int(n) for k, n in zip(kinds[::2], kinds[1::2])},
                                   "cpu": int(cpu.group(1)) if cpu else None,
                                   "ticks_by_kind": {k: int(n) for k, n in
                                                     zip(ticks[::2], ticks[1::2])}}
    return vcpus


def q_dump(s):
    """The hypervisor's 'q' dump (Ctrl-a x3, q, Ctrl-a x3) while the guest still
    runs, as text. The console must be Dom0's."""
    # The core handles each key as it arrives (kernel/console.c): the whole
    # dump comes before the message that input went back to Dom0.
    s.type("\x01\x01\x01q\x01\x01\x01")
    s.wait("the 'q' dump's start", r"\(XEN\) domains:\n", 60)
    at = s.at
    end = s.wait("serial input back to Dom0 after the dump", r"\(XEN\) \*\*\* Serial input to DOM0", 60)
    return s.log[at:end.start()]


def exits_by_kind(s, names):
    """Per domain of names, dump_exits of a 'q' dump (q_dump)."""
    dump = q_dump(s)
    return {n: dump_exits(dump, n) for n in names}


def power_button(s, name, timeout=120):
    """xl shutdown -F NAME (PV control, or the ACPI power button) and the guest's power-off."""
    out = s.run(f"xl shutdown -F {name}", 60)
    # A guest whose PV drivers are up takes control/shutdown, and xl says
    # nothing (as upstream's does); one without them gets the ACPI button.
    if out.strip() and "power button" not in out:
        raise bench.BenchError(f"xl shutdown -F {name} said {out!r}")
    end = time.time() + timeout
    while re.search(rf"^{re.escape(name)}(-dm)? ", s.run("xl list"), re.M):
        if time.time() >= end:
            raise bench.BenchError(f"{name} still listed {timeout} s after xl shutdown -F")
        time.sleep(1)


def run_bulkhead(f, outdir, timeout, tag):
    fs = os.path.join(outdir, "hvm-rootfs.tar")
    rootfs(f["rootfs"], fs, f["stamp_elf"])
    initrd = f"{f['dom0']},{fs} rootfs,{f['live_iso']} /root/live.iso"
    cmd = bench_ipc.qemu_command(f["image"], SMP, RAM_MIB, CMDLINE, initrd)
    s = Session(cmd, os.path.join(outdir, f"hvm-bulkhead-{tag}.log"))
    try:
        t0 = int(s.wait("the stamp's entry line", bench_ipc.STAMP_RE.pattern, 120).group(2))
        w0 = time.time()
        s.wait("SeaBIOS's banner", r"SeaBIOS \(version", 120)
        w_bios = time.time() - w0
        tsc = int(s.wait("the guest's 'BULKHEAD-TSC: start'", TSC_START_RE.pattern,
                         timeout).group(1))
        w_start = time.time() - w0
        pio = bare_qemu_test.pio(s.wait("the guest's port-read timing 'BULKHEAD-PIO'",
                                        bare_qemu_test.PIO_RE.pattern, timeout).group(0))
        s.wait("the live run's end", r"BULKHEAD-LIVE-DONE", timeout)
        s.wait("the guest waiting for the power button", r"BULKHEAD-BUTTON: armed", 120)
        s.type("\x1d")  # Ctrl-] leaves xl console
        s.wait("the prompt after leaving the guest's console", re.escape(PROMPT), 60)
        exits = exits_by_kind(s, ["bench", "bench-dm"])
        if not exits["bench"]:
            raise bench.BenchError("the 'q' dump does not list domain 'bench'")
        power_button(s, "bench")
        m = re.search(r"dm: the guest's first serial output at TSC (\d+)",
                      s.run("cat /var/log/xen/qemu-dm-bench.log", 60))
        if not m:
            raise bench.BenchError("the device model logged no TSC stamp of the guest's "
                                   "first serial output (/var/log/xen/qemu-dm-bench.log)")
        bios_tsc = int(m.group(1))
        before = free_mib(s)
        s.run("xl create /etc/xen/bios.cfg", 120)
        after = free_mib(s)
        listing = s.run("xl list")
        s.run("xl destroy bios", 60)
    finally:
        s.close()
    if tsc <= t0:
        raise bench.BenchError(f"the guest's TSC ({tsc}) is not past the stamp's ({t0}): "
                               "HVM guests no longer see the host TSC; this method needs it")
    dm = re.search(r"^bios-dm +\d+ +(\d+)", listing, re.M)
    return {"stamp_tsc": t0, "guest_tsc_start": tsc, "seabios_first_output_tsc": bios_tsc,
            "wall_s_to_seabios": round(w_bios, 1),
            "wall_s_to_tsc_start": round(w_start, 1), "pio": pio, "exits_by_kind": exits,
            "free_before_mib": before,
            "free_after_mib": after, "dm_mib": int(dm.group(1)) if dm else None}


def run_bare(f, outdir, timeout, tag):
    disk = os.path.join(outdir, "hvm-bare-disk.img")
    with open(disk, "wb") as fh:
        fh.truncate(bare_qemu_test.DISK_MIB << 20)
    args = bare_qemu_test.qemu_args("live", os.path.dirname(f["live_iso"]), disk, 1, True)
    ok, rep = bare_qemu_test.run_one("live", args, 1, timeout,
                                     os.path.join(outdir, f"hvm-bare-{tag}.log"))
    if "start" not in rep["tsc"]:
        raise bench.BenchError(f"bare QEMU run {tag}: no 'BULKHEAD-TSC: start' "
                               f"(missed {rep['missed']}, {rep['fail']})")
    if not rep["pio"]:
        raise bench.BenchError(f"bare QEMU run {tag}: no 'BULKHEAD-PIO' line "
                               f"(missed {rep['missed']}, {rep['fail']})")
    return {"tsc_start": rep["tsc"]["start"], "pio": rep["pio"], "passed": ok,
            "wall_s": round(rep["wall"], 1)}


def measure(args):
    f = {"image": os.path.join(args.build, "bulkhead"),
         "dom0": os.path.join(args.build, "dom0", "dom0.elf"),
         "rootfs": os.path.join(args.build, "dom0", "rootfs-hvm.tar"),
         "stamp_elf": None,
         "live_iso": os.path.join(args.guests, "live.iso")}
    for k, p in f.items():
        if p and not os.path.exists(p):
            how = "make guests" if k == "live_iso" else f"ninja -C {args.build}"
            raise bench.BenchError(f"{p} is missing: {how}")
    f["stamp_elf"] = bench_ipc.stamp_image(bench_ipc.inputs(args.build)["stamp_elf"])
    outdir = os.path.join(args.build, "bench")
    os.makedirs(outdir, exist_ok=True)
    runs = []
    for i in range(args.runs):
        runs.append({"bulkhead": run_bulkhead(f, outdir, args.timeout, str(i + 1)),
                     "bare": run_bare(f, outdir, args.timeout, str(i + 1))})
    r = runs[0]
    hvm = r["bulkhead"]["guest_tsc_start"] - r["bulkhead"]["stamp_tsc"]
    bare = r["bare"]["tsc_start"]
    drop = r["bulkhead"]["free_before_mib"] - r["bulkhead"]["free_after_mib"]
    result = {
        "create_to_tsc_start": {"instructions": hvm, "emulated_ms": round(hvm / 1e6, 1)},
        "bare_qemu_poweron_to_tsc_start": {"instructions": bare, "emulated_ms": round(bare / 1e6, 1)},
        "ratio_bulkhead_to_bare": round(hvm / bare, 2),
        "create_to_seabios_first_line": {
            "instructions": r["bulkhead"]["seabios_first_output_tsc"] - r["bulkhead"]["stamp_tsc"],
            "emulated_ms": round((r["bulkhead"]["seabios_first_output_tsc"] -
                                  r["bulkhead"]["stamp_tsc"]) / 1e6, 1)},
        "port_io_round_trip": {
            "port": r["bulkhead"]["pio"]["port"], "size": r["bulkhead"]["pio"]["size"],
            "reads": r["bulkhead"]["pio"]["n"],
            "bulkhead_ticks_per_read": r["bulkhead"]["pio"]["per_read"],
            "bare_qemu_ticks_per_read": r["bare"]["pio"]["per_read"],
            "ratio_bulkhead_to_bare": round(r["bulkhead"]["pio"]["per_read"] /
                                            max(1, r["bare"]["pio"]["per_read"]), 1)},
        "exits_by_kind": r["bulkhead"]["exits_by_kind"],  # {"bench": {...}, "bench-dm": {...}}
        "memory_per_guest_beyond_ram_mib": {
            "guest_ram_mib": BIOS_MIB, "free_memory_drop_mib": drop,
            "overhead_mib": drop - BIOS_MIB, "of_which_device_model_mib": r["bulkhead"]["dm_mib"]},
        "runs": runs,
        "spread": {"bulkhead_create_to_tsc_start": [x["bulkhead"]["guest_tsc_start"] -
                                                    x["bulkhead"]["stamp_tsc"] for x in runs],
                   "bare_tsc_start": [x["bare"]["tsc_start"] for x in runs]},
        "qemu": bench.qemu_version(),
        "method": __doc__.split("\n\n", 1)[1],
    }
    path = os.path.join(outdir, "hvm.json")
    with open(path, "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    return result, path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="meson build folder")
    ap.add_argument("--guests", default="build/guests", help="scripts/mkguest.sh's output")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per guest boot")
    ap.add_argument("--runs", type=int, default=1, help="runs of each configuration")
    args = ap.parse_args()
    try:
        r, path = measure(args)
    except bench.BenchError as e:
        print(f"bench_hvm: FAILED: {e}", file=sys.stderr)
        return 1
    m = r["memory_per_guest_beyond_ram_mib"]
    print("| HVM figure (QEMU TCG, icount shift=0, 1 vCPU) | Value |\n|---|---:|")
    print(f"| xl create -> SeaBIOS's first output | "
          f"{r['create_to_seabios_first_line']['instructions']:,} |")
    print(f"| xl create -> guest's BULKHEAD-TSC: start | {r['create_to_tsc_start']['instructions']:,} |")
    print(f"| bare QEMU power-on -> BULKHEAD-TSC: start | "
          f"{r['bare_qemu_poweron_to_tsc_start']['instructions']:,} |")
    print(f"| ratio | {r['ratio_bulkhead_to_bare']} |")
    p = r["port_io_round_trip"]
    print(f"| port {p['port']} read (ticks): Bulkhead / bare QEMU | "
          f"{p['bulkhead_ticks_per_read']:,} / {p['bare_qemu_ticks_per_read']:,} "
          f"(x{p['ratio_bulkhead_to_bare']}) |")
    for dom, vcpus in r["exits_by_kind"].items():
        for v, e in (vcpus or {}).items():
            kinds = " ".join(f"{k} {n}" for k, n in e["by_kind"].items())
            print(f"| {dom} {v} exits ({e['exits']:,}) | {kinds} |")
    print(f"| memory beyond a {m['guest_ram_mib']} MiB guest's RAM | {m['overhead_mib']} MiB "
          f"(device model {m['of_which_device_model_mib']} MiB) |")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

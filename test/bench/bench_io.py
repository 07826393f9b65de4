#!/usr/bin/env python3
"""Block I/O through xen-blkfront and the storage driver domain (issue 8)
-> BUILD/bench/io.json; `make bench` runs it.

Method: QEMU TCG with -icount shift=0,sleep=off (bench.py's: the TSC is
the virtual clock, 1 tick = 1 emulated instruction), -smp 1, Dom0 with one
vCPU. The same live ISO and the same emulated NVMe controller (QEMU's nvme,
256 MiB raw image) in both runs:
  Bulkhead: a q35 machine with QEMU's AMD IOMMU; Dom0's /etc/rc starts
    blkback (which owns the NVMe controller by passthrough), makes the
    volume tank/bench on its disk (zfs create -V 64M) and creates the HVM
    guest 'iobench' (256 MiB, 1 vCPU) with disk hda = that volume, hdb = a
    1 MiB Dom0 file that starts BULKHEAD-IOBENCH (the sign for the guest's
    init), hdc = the ISO. The guest's Linux unplugs the IDE disks and uses
    xen-blkfront: /dev/xvda is the volume, served by blkback over one
    blkif ring, each request bounced through blkback's own memory to the
    controller.
  Bare QEMU: the PC machine with the ISO as CD, the same 1 MiB sign disk
    (IDE, /dev/sda) and the NVMe controller, which the same kernel drives
    directly (/dev/nvme0n1). The kernel and initramfs of that ISO are booted
    directly (-kernel/-append) with the ISO's command line plus idle=poll:
    bare Linux waits for each NVMe completion interrupt in its idle loop,
    and with HLT there QEMU's sleep=off jumps virtual time to the next timer
    (the tick), so the count was timer jumps, not work (runs swung from 7
    to 522 random-read IOPS). Polling in the idle loop, the wait is counted
    in instructions. The core gets the same for the same reason: its
    command line has idle_poll, so when every vCPU waits (the guest for its
    request, blkback for the controller's MSI-X after polling a command for
    50 us) the core spins in its idle loop and the wait is counted, where a
    halt let QEMU jump to the core's next tick (ratios fell to 0.01-0.04).
  Bare QEMU behind the IOMMU (a third run, for comparison only): the same,
    on Bulkhead's q35 with QEMU's AMD IOMMU (the IDE disks on a PIIX3
    function) and iommu.passthrough=0, so QEMU translates every NVMe DMA
    through the kernel's I/O page tables as it does blkback's: the share of
    the gap that is the emulated IOMMU's.
  The guest under Bulkhead keeps its default idle (HLT): with one pCPU, its
    HLT exit is what hands the CPU to blkback (a core with every vCPU
    blocked is not what the guest waits on). idle=poll there would spin the
    guest's vCPU until the scheduler preempts it, timing the time slice
    rather than the I/O path.
CPU: QEMU's max model without ERMS (both runs alike). Under -icount every
iteration of a REP string instruction counts as one instruction, and with
ERMS Linux's memcpy is REP MOVSB: one count per byte, where a real CPU
copies a line at a time. xen-blkfront with persistent grants copies every
byte between its bio pages and its granted pool (bare QEMU's NVMe copies
nothing the guest executes), so with ERMS each MiB cost the Bulkhead guest
a million counts: 415 MB/s sequential read against 640 without (one run
each, 2026-12-07). Without ERMS the kernel's memcpy moves about 8 bytes a
count.
In each, the guest's /bin/iobench (scripts/guest/iobench.c) times, on the
disk, with O_DIRECT over 32 MiB from 1 MiB: sequential 1 MiB writes (then
fdatasync) and reads, 2,000 random 4 KiB reads, 2,000 random 4 KiB writes
(then fdatasync), printing ticks per test. MB/s and IOPS below count a tick
as 1 ns of emulated time; the ratio Bulkhead / bare is what the issue's aim
(>= 0.9) is about.

Exits (Bulkhead only): the hypervisor's 'q' dump (Ctrl-a x3, q, Ctrl-a x3)
when the guest names its disk (before the first test) and again after the
last test's line; the difference of each vCPU's exit counts (kernel/main.c,
"exits by kind") over the 4,064 iobench operations goes to exits_per_op, for
the guest, blkback, the guest's device model and Dom0, with the TSC ticks
each vCPU spent in guest mode per operation (cpu_ticks: the dump's "cpu",
VM entry to VM exit), and under "core" the ticks the pCPU spent idle
(the dump's "pCPU 0: idle"; with idle_poll, mostly waiting for the
controller) and the rest, the core's own work (exits, scheduling,
interrupts): where the emulated time of an operation goes. The core counts no
event sends of its own: a guest's or blkback's hypercall exits bound its
notifications (EVTCHNOP_send is one; blkback's grant maps are others). A
dump costs the core some thousands of instructions of UART output, wherever
in the first test it lands; a dump that cannot be parsed leaves exits_per_op null.
"""
import argparse
import io
import json
import os
import re
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from bench_hvm import Session, dump_exits, q_dump  # noqa: E402

RAM_MIB, NVME_MIB, SIGN = 1024, 256, b"BULKHEAD-IOBENCH"
CMDLINE = ("dom0_mem=384M dom0_max_vcpus=1 console=com1 com1=115200,8n1 "
           "loglvl=all guest_loglvl=all idle_poll")
# Whole lines only: the log grows in chunks, and a line cut after "ticks 1" would match.
IO_RE = re.compile(r"BULKHEAD-IO: (\S+) bytes (\d+) ops (\d+) ticks (\d+)\n")
TESTS = ["seq-write", "seq-read", "rand-read", "rand-write"]
HANG_S = 300
BARE_APPEND = "console=ttyS0,115200 bulkhead=live idle=poll"  # grub-live.cfg's, + idle=poll
DOMAINS = ["iobench", "blkback", "iobench-dm", "Domain-0"]
CPU = "max,-erms"
GUEST_CFG = """name = "iobench"
builder = "hvm"
memory = 256
vcpus = 1
disk = [ '/dev/zvol/tank/bench,raw,hda,w', '/root/iobench.img,raw,hdb,r',
         '/root/live.iso,raw,hdc:cdrom,r' ]
boot = "d"
serial = "pty"
"""
RC = ["# make bench (test/bench/bench_io.py)",
      "xl create /etc/xen/blkback.cfg",
      "zfs create -V 64M tank/bench",
      "xl create /etc/xen/iobench.cfg",
      "xl console iobench"]


def qemu_args():
    """bench.py's QEMU arguments with CPU for -cpu (see the method's CPU paragraph)."""
    args = list(bench.QEMU_ARGS)
    args[args.index("-cpu") + 1] = CPU
    return args


def rootfs(base, out, rc=None, cfg_name="iobench.cfg", cfg=GUEST_CFG, extra=None):
    """Dom0's root file system base with /etc/rc (rc's lines), /etc/xen/cfg_name
    and extra's files (path: text)."""
    rc = RC if rc is None else rc
    extra = extra or {}

    def add(tar, name, data):
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        info.uname = info.gname = "root"
        tar.addfile(info, io.BytesIO(data))

    with tarfile.open(base) as src, tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for m in src.getmembers():
            if m.name.strip("/").lstrip("./") not in ["etc/rc", "etc/xen/" + cfg_name] + list(extra):
                tar.addfile(m, src.extractfile(m) if m.isfile() else None)
        add(tar, "etc/rc", "".join(line + "\n" for line in rc).encode())
        add(tar, "etc/xen/" + cfg_name, cfg.encode())
        for name, text in extra.items():
            add(tar, name, text.encode())


def images(outdir, tag):
    nvme, sign = (os.path.join(outdir, f"io-{tag}-nvme.img"),
                  os.path.join(outdir, "io-sign.img"))
    with open(nvme, "wb") as f:
        f.truncate(NVME_MIB << 20)
    with open(sign, "wb") as f:
        f.write(SIGN)
        f.truncate(1 << 20)
    return nvme, sign


def results(s, timeout, where, hang_s):
    """The iobench lines; a test that does not finish within hang_s (wall) after
    the one before is recorded as None (see README: a guest vCPU has been seen
    spinning with interrupts off in the random-I/O phase under -icount only)."""
    got = {}
    for i, t in enumerate(TESTS):
        try:
            m = s.wait(f"{where}: the iobench line of {t}", IO_RE.pattern,
                       timeout if i == 0 else hang_s)
        except bench.BenchError as e:
            print(f"bench_io: {where}: {t} did not finish: {str(e).splitlines()[0]}",
                  file=sys.stderr)
            return got
        got[m.group(1)] = {"bytes": int(m.group(2)), "ops": int(m.group(3)),
                           "ticks": int(m.group(4))}
    return got


def exit_dump(s, domains=None):
    """dump_exits of domains (DOMAINS) and, under "pCPUs", each pCPU's idle
    ticks and TSC (kernel/main.c dump_vectors), or None (logged) if the dump
    will not parse; the scan for the guest's lines goes on from where the
    dump began, since the guest keeps printing while the core dumps."""
    at = s.at
    try:
        dump = q_dump(s)
        got = {n: dump_exits(dump, n) for n in domains or DOMAINS}
        got["pCPUs"] = {int(c): {"idle": int(i), "tsc": int(t)} for c, i, t in
                        re.findall(r"\(XEN\) pCPU (\d+): idle (\d+) tsc (\d+)", dump)}
    except bench.BenchError as e:
        print(f"bench_io: the 'q' dump: {str(e).splitlines()[0]}", file=sys.stderr)
        got = None
    s.at = at
    return got


def exits_per_op(before, after, ops, domains=None):
    """Per domain and vCPU: (after - before) / ops, total and by kind, and the
    ticks it ran in guest mode; under "core", per pCPU: the ticks elapsed, idle,
    and the rest (the core's own work: exits, scheduling, interrupts)."""
    if not before or not after:
        return None
    out = {}
    ran = {}
    for dom in domains or DOMAINS:
        if not before.get(dom) or not after.get(dom):
            return None
        out[dom] = {}
        for v, a in after[dom].items():
            b = before[dom].get(v, {"exits": 0, "by_kind": {}})
            kinds = {k: round((n - b["by_kind"].get(k, 0)) / ops, 2)
                     for k, n in a["by_kind"].items() if n != b["by_kind"].get(k, 0)}
            out[dom][v] = {"exits": round((a["exits"] - b["exits"]) / ops, 2), "by_kind": kinds}
            tk = {k: round((n - b.get("ticks_by_kind", {}).get(k, 0)) / ops)
                  for k, n in a.get("ticks_by_kind", {}).items()}
            if any(tk.values()):
                out[dom][v]["core_ticks_by_kind"] = {k: n for k, n in tk.items() if n}
            if a.get("cpu") is not None and b.get("cpu") is not None:
                out[dom][v]["cpu_ticks"] = round((a["cpu"] - b["cpu"]) / ops)
                ran[0] = ran.get(0, 0) + a["cpu"] - b["cpu"]   # one pCPU (-smp 1)
    for c, a in after.get("pCPUs", {}).items():
        b = before.get("pCPUs", {}).get(c)
        if b and c in ran:
            total, idle = a["tsc"] - b["tsc"], a["idle"] - b["idle"]
            out.setdefault("core", {})[f"pCPU{c}"] = {
                "ticks": round(total / ops), "idle_ticks": round(idle / ops),
                "core_ticks": round((total - idle - ran[c]) / ops)}
    return out


def run_bulkhead(f, outdir, timeout):
    nvme, sign = images(outdir, "bulkhead")
    fs = os.path.join(outdir, "io-rootfs.tar")
    rootfs(f["rootfs"], fs)
    cmd = [bench.QEMU] + qemu_args() + [
        "-M", "q35", "-device", "amd-iommu",
        "-drive", f"file={nvme},if=none,id=nv0,format=raw",
        "-device", "nvme,drive=nv0,serial=bh0,addr=04.0",
        "-kernel", f["image"], "-append", CMDLINE, "-initrd",
        f"{f['dom0']},{fs} rootfs,{f['live_iso']} /root/live.iso,{sign} /root/iobench.img"]
    cmd[cmd.index("-m") + 1] = str(RAM_MIB)
    s = Session(cmd, os.path.join(outdir, "io-bulkhead.log"))
    try:
        s.wait("the guest's disk on xen-blkfront", r"BULKHEAD-DISK-DEV: xvda", timeout)
        before = exit_dump(s)
        got = results(s, timeout, "Bulkhead", HANG_S)
        exits = None
        if len(got) == len(TESTS):
            exits = exits_per_op(before, exit_dump(s), sum(v["ops"] for v in got.values()))
            s.wait("the live run's end", r"BULKHEAD-LIVE-DONE", timeout)
    finally:
        s.close()
    return got, exits


def run_bare(f, outdir, timeout, iommu=False):
    """The baseline; iommu: on Bulkhead's q35 with QEMU's AMD IOMMU, which the
    kernel then translates the NVMe's DMA through (iommu.passthrough=0), as
    blkback's is (the IDE disks on a PIIX3 function, as the PC machine's)."""
    tag = "bare-iommu" if iommu else "bare"
    nvme, sign = images(outdir, tag)
    disks = (["-M", "q35", "-device", "amd-iommu", "-device", "piix3-ide,id=pide",
              "-drive", f"file={sign},if=none,id=sg,format=raw",
              "-device", "ide-hd,drive=sg,bus=pide.0",
              "-drive", f"file={f['live_iso']},if=none,id=cd,media=cdrom,readonly=on",
              "-device", "ide-cd,drive=cd,bus=pide.1"] if iommu else
             ["-cdrom", f["live_iso"], "-drive", f"file={sign},if=ide,index=0,format=raw"])
    cmd = [bench.QEMU] + qemu_args() + disks + [
        "-kernel", f["vmlinuz"], "-initrd", f["initrd"],
        "-append", BARE_APPEND + (" iommu.passthrough=0" if iommu else ""),
        "-drive", f"file={nvme},if=none,id=nv0,format=raw",
        "-device", "nvme,drive=nv0,serial=bh0"]
    s = Session(cmd, os.path.join(outdir, f"io-{tag}.log"))
    try:
        s.wait("the NVMe namespace", r"BULKHEAD-DISK-DEV: nvme0n1", timeout)
        got = results(s, timeout, "bare QEMU", timeout)
    finally:
        s.proc.kill()
        s.proc.wait()
        s.out.close()
    return got


def figures(r):
    """MB/s (sequential) or IOPS (random) from bytes, ops and ticks (1 tick = 1 ns)."""
    out = {}
    for t, v in r.items():
        sec = v["ticks"] / 1e9
        out[t] = (round(v["bytes"] / sec / 1e6, 1) if t.startswith("seq")
                  else round(v["ops"] / sec))
    return out


def inputs(doc, tool):
    """A guest bench's command line (--build, --guests, --timeout), the files it
    boots and its output folder; (None, None, None) after saying what is missing."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--guests", default="build/guests")
    ap.add_argument("--timeout", type=int, default=1200)
    args = ap.parse_args()
    f = {"image": os.path.join(args.build, "bulkhead"),
         "dom0": os.path.join(args.build, "dom0", "dom0.elf"),
         "rootfs": os.path.join(args.build, "dom0", "rootfs-hvm.tar"),
         "live_iso": os.path.join(args.guests, "live.iso"),
         "vmlinuz": os.path.join(args.guests, "vmlinuz"),
         "initrd": os.path.join(args.guests, "initrd.gz")}
    for p in f.values():
        if not os.path.exists(p):
            print(f"{tool}: FAILED: {p} is missing (ninja -C {args.build}; make guests)",
                  file=sys.stderr)
            return None, None, None
    outdir = os.path.join(args.build, "bench")
    os.makedirs(outdir, exist_ok=True)
    return args, f, outdir


def main():
    args, f, outdir = inputs(__doc__, "bench_io")
    if not args:
        return 1
    try:
        bh, exits = run_bulkhead(f, outdir, args.timeout)
        bare = run_bare(f, outdir, args.timeout)
    except bench.BenchError as e:
        print(f"bench_io: FAILED: {e}", file=sys.stderr)
        return 1
    try:
        bare_iommu = run_bare(f, outdir, args.timeout, iommu=True)
    except bench.BenchError as e:  # a figure to compare with, not the aim's baseline
        print(f"bench_io: the bare run behind the IOMMU: {e}", file=sys.stderr)
        bare_iommu = {}
    fb, fr, fi = figures(bh), figures(bare), figures(bare_iommu)
    result = {"bulkhead": bh, "bare_qemu": bare, "bulkhead_figures": fb, "bare_figures": fr,
              "ratio_bulkhead_to_bare": {t: round(fb[t] / fr[t], 2) for t in TESTS
                                         if t in fb and t in fr},
              "not_finished": [t for t in TESTS if t not in fb],
              "bare_qemu_iommu": bare_iommu, "bare_iommu_figures": fi,
              "ratio_bulkhead_to_bare_iommu": {t: round(fb[t] / fi[t], 2) for t in TESTS
                                               if t in fb and t in fi},
              "bulkhead_exits_per_op": exits, "bare_append": BARE_APPEND,
              "units": "seq-*: MB/s, rand-*: IOPS, emulated time (1 tick = 1 ns)",
              "qemu": bench.qemu_version(), "method": __doc__.split("\n\n", 1)[1]}
    path = os.path.join(outdir, "io.json")
    with open(path, "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    print("| I/O (QEMU TCG icount, NVMe) | Bulkhead (xen-blkfront, blkback) | bare QEMU | ratio "
          "| bare QEMU behind the IOMMU | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for t in TESTS:
        unit = "MB/s" if t.startswith("seq") else "IOPS"
        if t in fb and t in fr:
            ri = result["ratio_bulkhead_to_bare_iommu"]
            print(f"| {t} ({unit}) | {fb[t]:,} | {fr[t]:,} | {result['ratio_bulkhead_to_bare'][t]} "
                  f"| {format(fi[t], ',') if t in fi else '-'} | {ri.get(t, '-')} |")
        else:
            print(f"| {t} ({unit}) | {fb.get(t, 'did not finish')} | {fr.get(t, '-')} | - |")
    for dom, vcpus in (exits or {}).items():
        if dom == "core":
            for c, e in vcpus.items():
                print(f"{c}: {e['ticks']:,} ticks per iobench op: {e['idle_ticks']:,} idle, "
                      f"{e['core_ticks']:,} in the core")
            continue
        for v, e in vcpus.items():
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(e["by_kind"].items()))
            cpu = f", {e['cpu_ticks']:,} ticks run" if "cpu_ticks" in e else ""
            print(f"{dom} {v}: {e['exits']} exits per iobench op ({kinds}){cpu}")
    print(f"wrote {path}")
    return 1 if result["not_finished"] else 0


if __name__ == "__main__":
    sys.exit(main())

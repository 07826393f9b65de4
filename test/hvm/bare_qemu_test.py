#!/usr/bin/env python3
"""The HVM test guests (scripts/mkguest.sh) on bare QEMU: the reference that
Bulkhead's HVM runs are compared against (issue 7 §6).

Three runs, one QEMU at a time, on QEMU's own i440FX/PIIX3 machine with
SeaBIOS, the same settings the HVM tests give Bulkhead's guests:
  live     live.iso + a blank 64 MiB disk, boot from CD: kernel line with
           cpus=N, the disk read/write test, power-off by the guest.
  install  installer.iso + a blank 64 MiB disk: partition, ext2, GRUB.
  disk     the installed disk alone, boot from hard disk: GRUB, kernel,
           the root file system checked, power-off.
Every run has a hard timeout; a failure names the markers it missed and
keeps the serial log. The guest prints its TSC ("BULKHEAD-TSC: start N"
before its first marker, "... done N" before its DONE marker). With --icount
(-icount shift=0: 1 instruction = 1 ns of virtual time; -smp 1, REFERENCE
§5) that is the virtual time since power-on; "start" comes before init loads
the disk drivers and repeats to about 0.01 %, "done" varies by up to 30 %
from run to run (QEMU's icount is not deterministic across interrupt-driven
disk I/O). The live run also prints the guest's own port-read timing,
"BULKHEAD-PIO: port 0xb008 size 4 n 2000 ticks T per-read P" (the ACPI PM
timer read by /bin/iotime; under --icount P counts the guest's
instructions per read: QEMU's own device emulation costs it none).

usage: bare_qemu_test.py [--guests build/guests] [--runs live,install,disk]
                         [--icount] [--cpus N] [--timeout S] [--logdir DIR]
"""
import argparse
import os
import re
import select
import subprocess
import sys
import tempfile
import time

QEMU = "qemu-system-x86_64"
MACHINE = ["-machine", "pc", "-accel", "tcg", "-cpu", "max", "-m", "256",
           "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot"]
ICOUNT = ["-icount", "shift=0,sleep=off", "-rtc", "clock=vm,base=2024-01-01T00:00:00"]
DISK_MIB = 64
KVER = r"\d+\.\d+\.\d+-\d+-amd64"
# scripts/guest/iotime.c's line (test/bench/bench_hvm.py reads it too).
PIO_RE = re.compile(r"BULKHEAD-PIO: port 0x([0-9a-f]+) size (\d+) n (\d+) ticks (\d+) per-read (\d+)")


def pio(text):
    """The guest's BULKHEAD-PIO figures as a dict, or None when it printed none."""
    m = PIO_RE.search(text)
    if not m:
        return None
    return {"port": "0x" + m.group(1), "size": int(m.group(2)), "n": int(m.group(3)),
            "ticks": int(m.group(4)), "per_read": int(m.group(5))}


# Per run: (description, regex) in the order they must appear. {cpus} is
# filled in. A "BULKHEAD-FAIL" line ends the run at once.
RUNS = {
    "live": [
        ("kernel started", r"Linux version " + KVER),
        ("TSC at start", r"BULKHEAD-TSC: start (\d+)"),
        ("live marker with all CPUs online", r"BULKHEAD-LIVE: " + KVER + r" cpus={cpus}\b"),
        ("disk read/write test passed", r"BULKHEAD-DISK-RW: ok"),
        ("TSC printed", r"BULKHEAD-TSC: done (\d+)"),
        ("port reads timed", r"BULKHEAD-PIO: port 0x[0-9a-f]+ size \d+ n \d+ ticks \d+ per-read \d+"),
        ("live run finished", r"BULKHEAD-LIVE-DONE"),
    ],
    "install": [
        ("TSC at start", r"BULKHEAD-TSC: start (\d+)"),
        ("installer started with all CPUs online", r"BULKHEAD-INSTALL: " + KVER + r" cpus={cpus}\b"),
        ("TSC printed", r"BULKHEAD-TSC: done (\d+)"),
        ("installation finished", r"BULKHEAD-INSTALL-DONE"),
    ],
    "disk": [
        ("GRUB booted the installed entry", r"Booting `Bulkhead test guest \(installed disk\)'"),
        ("TSC at start", r"BULKHEAD-TSC: start (\d+)"),
        ("booted from disk with all CPUs online", r"BULKHEAD-DISK-BOOT: " + KVER + r" cpus={cpus}\b"),
        ("installed root file system found", r"BULKHEAD-DISK-ROOT: ok"),
        ("TSC printed", r"BULKHEAD-TSC: done (\d+)"),
        ("disk run finished", r"BULKHEAD-DISK-DONE"),
    ],
}


def qemu_args(run, guests, disk, cpus, icount):
    args = [QEMU] + MACHINE + ["-smp", str(cpus)]
    if icount:
        args += ICOUNT
    if run != "disk":
        iso = os.path.join(guests, "live.iso" if run == "live" else "installer.iso")
        args += ["-cdrom", iso]
    args += ["-drive", "file=%s,format=raw,if=ide,index=0" % disk]
    args += ["-boot", "c" if run == "disk" else "d"]
    return args


def run_one(run, args, cpus, timeout, log_path):
    """Runs QEMU until it exits or the timeout; returns (ok, report dict)."""
    markers = [(d, re.compile(r.format(cpus=cpus))) for d, r in RUNS[run]]
    start = time.monotonic()
    seen, tsc, out = {}, {}, b""
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    failed_line, deadline = None, start + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
            # Whole lines only: a marker split across two reads must not
            # match half of a number.
            text = out[:out.rfind(b"\n") + 1].decode(errors="replace")
            now = time.monotonic() - start
            for i, (desc, rx) in enumerate(markers):
                if i in seen:
                    continue
                # In order: look only after the previous marker's match.
                after = seen[i - 1][1] if i > 0 and i - 1 in seen else 0
                if i > 0 and i - 1 not in seen:
                    break
                m = rx.search(text, after)
                if not m:
                    break
                seen[i] = (now, m.end())
                if m.groups():
                    tsc[rx.pattern.split()[1]] = int(m.group(1))
            fm = re.search(r"BULKHEAD-FAIL: [^\r\n]*", text)
            if fm and not failed_line:
                # The guest powers off after a failure: keep its last words.
                failed_line = fm.group(0)
                deadline = min(deadline, time.monotonic() + 15)
    finally:
        if proc.poll() is None:
            try:
                proc.wait(timeout=5 if len(seen) == len(markers) else 0.1)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    wall = time.monotonic() - start
    with open(log_path, "wb") as fh:
        fh.write(out)
    missed = [d for i, (d, _) in enumerate(markers) if i not in seen]
    powered_off = proc.returncode == 0 and not missed
    report = {"wall": wall, "done_wall": seen[len(markers) - 1][0] if not missed else None,
              "tsc": tsc, "pio": pio(out.decode(errors="replace")), "missed": missed,
              "fail": failed_line, "powered_off": powered_off, "rc": proc.returncode}
    return not missed and not failed_line and powered_off, report


def check_mbr(disk):
    """The installer's MBR: boot signature and one Linux partition from 2048."""
    with open(disk, "rb") as fh:
        mbr = fh.read(512)
    if mbr[510:512] != b"\x55\xaa":
        return "no 0x55 0xaa boot signature"
    entry = mbr[446:462]
    if entry[4] != 0x83 or int.from_bytes(entry[8:12], "little") != 2048:
        return "partition 1 is not type 0x83 from sector 2048"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guests", default="build/guests", help="mkguest.sh's output folder")
    ap.add_argument("--runs", default="live,install,disk")
    ap.add_argument("--icount", action="store_true", help="deterministic: -icount shift=0, 1 vCPU")
    ap.add_argument("--cpus", type=int, help="vCPUs (default 2, or 1 with --icount)")
    ap.add_argument("--timeout", type=float, default=240, help="seconds per run")
    ap.add_argument("--logdir", help="keep serial logs and the disk here (default: a temp dir)")
    opts = ap.parse_args()
    cpus = opts.cpus or (1 if opts.icount else 2)
    runs = opts.runs.split(",")
    for r in runs:
        if r not in RUNS:
            sys.exit("unknown run %r (live, install, disk)" % r)
    if "disk" in runs and "install" not in runs:
        sys.exit("the disk run boots the disk the install run made: run both")
    for iso in ("live.iso", "installer.iso"):
        if not os.path.isfile(os.path.join(opts.guests, iso)):
            sys.exit("%s missing: run scripts/mkguest.sh (or make guests)" % os.path.join(opts.guests, iso))
    logdir = opts.logdir or tempfile.mkdtemp(prefix="bare-qemu-")
    os.makedirs(logdir, exist_ok=True)

    failures = 0
    install_disk = os.path.join(logdir, "installed.img")
    for run in runs:
        if run == "live":
            disk = os.path.join(logdir, "live-disk.img")
        else:
            disk = install_disk
        if run != "disk":
            with open(disk, "wb") as fh:
                fh.truncate(DISK_MIB << 20)
        log = os.path.join(logdir, "bare-qemu-%s.log" % run)
        ok, rep = run_one(run, qemu_args(run, opts.guests, disk, cpus, opts.icount),
                          cpus, opts.timeout, log)
        if ok and run == "install":
            why = check_mbr(disk)
            if why:
                ok, rep["fail"] = False, "installed MBR: " + why
        figures = "wall %.1f s" % rep["wall"]
        if rep["done_wall"] is not None:
            figures += " (DONE at %.1f s)" % rep["done_wall"]
        for label in ("start", "done"):
            if label in rep["tsc"]:
                figures += ", %s TSC %d%s" % (label, rep["tsc"][label],
                                              " (ns of virtual time)" if opts.icount else "")
        if rep["pio"]:
            figures += ", port %s read in %d TSC ticks" % (rep["pio"]["port"], rep["pio"]["per_read"])
        if ok:
            print("PASS %s (%d vCPU%s): %s" % (run, cpus, ", icount" if opts.icount else "", figures))
        else:
            failures += 1
            print("FAIL %s: %s; log %s" % (run, figures, log))
            for d in rep["missed"]:
                print("  missed marker: %s" % d)
            if rep["fail"]:
                print("  guest said: %s" % rep["fail"])
            if not rep["missed"] and not rep["powered_off"]:
                print("  QEMU did not exit by the guest's power-off (rc %s)" % rep["rc"])
            if run == "install" and "disk" in runs:
                print("SKIP disk: the install run failed")
                failures += 1
                break
    print("%d passed, %d failed" % (len(runs) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

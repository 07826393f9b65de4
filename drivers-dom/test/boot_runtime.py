#!/usr/bin/env python3
"""Boot a drivers-dom runtime image as Dom0 under QEMU and check its console.

Usage: boot_runtime.py --qemu Q --image bulkhead --dom0 X.elf [--module 'PATH ARGS']...
                       [--type LINE]... [--expect REGEX]... [--timeout S]
Each --type line is sent after the next "dom0# " prompt appears; the run
ends when the machine powers off (QEMU exits) or at the timeout. Every
--expect must match the output, in order.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

PROMPT = b"dom0# "
FORBIDDEN = [rb"\*\*\* domain crashed", rb"heap corruption", rb"PANIC", rb"abort\(\) called"]


def run(args):
    initrd = ",".join([args.dom0] + args.module)
    cmd = [args.qemu, "-accel", "tcg", "-cpu", "max", "-m", "512", "-smp", "2",
           "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
           "-kernel", args.image, "-append", args.append, "-initrd", initrd]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out, typed, deadline = b"", 0, time.monotonic() + args.timeout
    to_type = list(args.type)
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                out += chunk
            if to_type and out.count(PROMPT) > typed:
                proc.stdin.write(to_type.pop(0).encode() + b"\r")
                proc.stdin.flush()
                typed += 1
        else:
            print("timeout after %d s" % args.timeout)
    finally:
        proc.kill()
        proc.wait()
    return out.replace(b"\r\n", b"\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--image", required=True)
    ap.add_argument("--dom0", required=True)
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("--append", default="dom0_mem=64M console=com1 loglvl=all")
    ap.add_argument("--type", action="append", default=[])
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--log")
    args = ap.parse_args()
    out = run(args)
    if args.log:
        with open(args.log, "wb") as f:
            f.write(out)
    sys.stdout.write(out.decode(errors="replace"))
    failures, pos = [], 0
    for want in args.expect:
        m = re.compile(want.encode(), re.M).search(out, pos)
        if not m:
            failures.append("missing (in order): " + want)
        else:
            pos = m.end()
    failures += ["forbidden: " + f.decode() for f in FORBIDDEN if re.search(f, out)]
    for f in failures:
        print("FAILED: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

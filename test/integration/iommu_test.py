#!/usr/bin/env python3
"""The core's IOMMU under QEMU's q35 (issue 8 §2): boot Bulkhead with an
emulated IOMMU and a PCI device, check the driver's line on the serial log,
that Dom0 still comes up and `xl list` works, and that the 'q' dump names the
IOMMU. Modes (--mode):
  amd     -device amd-iommu: "(XEN) IOMMU: AMD-Vi at 0x... enabled"
  intel   -device intel-iommu,aw-bits=48: "(XEN) IOMMU: VT-d at 0x... enabled"
  off     amd-iommu present, iommu=0: "(XEN) IOMMU: disabled (iommu=0)"
  force   no IOMMU, iommu=force: the core refuses to boot with a clear line
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dom0_test import Console, Failure, PROMPT, expect, row  # noqa: E402

MODES = {
    # mode: (QEMU devices, extra command line, expected line, dump name)
    "amd": (["-device", "amd-iommu"], "",
            r"\(XEN\) IOMMU: AMD-Vi at 0x[0-9a-f]+ enabled", "AMD-Vi"),
    "intel": (["-device", "intel-iommu,aw-bits=48"], "",
              r"\(XEN\) IOMMU: VT-d at 0x[0-9a-f]+ enabled", "VT-d"),
    "off": (["-device", "amd-iommu"], " iommu=0",
            r"\(XEN\) IOMMU: disabled \(iommu=0\)", "none"),
    "force": ([], " iommu=force",
              r"IOMMU: none enabled and iommu=force/required: refusing to boot", None),
}


def log_text(path):
    return open(path, errors="replace").read()


def check_dom0(c, args, dump):
    if c.read_until(PROMPT, 90) is None:
        raise Failure("no dom0# prompt within 90 s of boot")
    out = c.run("xl list")
    expect(row(out, "Domain-0") is not None, f"xl list has no Domain-0 row: {out!r}")
    # The hypervisor's 'q' dump (Ctrl-a three times, 'q', back to Dom0).
    c.proc.stdin.write(b"\x01\x01\x01q\x01\x01\x01")
    c.proc.stdin.flush()
    expect(c.read_until(f"(XEN) IOMMU: {dump}\n", 10) is not None,
           f"the 'q' dump does not name the IOMMU ({dump})")
    time.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--dom0", required=True)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--mode", choices=sorted(MODES), required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    devices, extra, line, dump = MODES[args.mode]
    cmdline = ("dom0_mem=128M dom0_max_vcpus=2 console=com1 com1=115200,8n1 loglvl=all "
               "guest_loglvl=all" + extra)
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-M", "q35", "-m", "512",
           "-smp", "2", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
           "-kernel", args.image, "-append", cmdline,
           "-initrd", f"{args.dom0},{args.rootfs} rootfs"] + devices + \
          ["-netdev", "user,id=n0,restrict=on", "-device", "e1000,netdev=n0"]
    c = Console(cmd, args.log)
    start = time.time()
    try:
        if dump is None:
            c.read_until("refusing to boot", 60)
        else:
            check_dom0(c, args, dump)
        expect(re.search(line, log_text(args.log)), f"no line /{line}/ in the log")
        bad = re.search(r".*(AMD-Vi|VT-d): .*(timed out|stuck|fault).*", log_text(args.log))
        expect(not bad, f"IOMMU trouble: {bad.group(0) if bad else ''}")
    except Failure as f:
        c.close()
        print("FAIL:", f)
        print("--- last 30 lines of the serial log ---")
        print("\n".join(log_text(args.log).split("\n")[-30:]))
        return 1
    if dump is None:	# nothing to power off: the core stopped
        c.proc.kill()
        c.proc.wait()
        c.log.close()
    else:
        c.close()
    print(f"iommu {args.mode}: all checks passed in {time.time() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

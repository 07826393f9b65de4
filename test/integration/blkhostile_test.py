#!/usr/bin/env python3
"""A hostile blkif frontend against the storage driver domain (issue 8 §5,
the XSA-391/392 classes), in QEMU: q35 + AMD IOMMU + NVMe at 00:04.0 as
hvm_test.py's --storage nvme-amd (Dom0's rc.local starts blkback). zfs makes
two volumes on blkback's disk; blkgood (test/domains/blkhostile in "good"
mode) does checked writes and reads on tank/good while blkhostile attacks
through tank/hostile (bad requests, a flood, broken rings, reconnects).

Checked: blkhostile's result line (every hostile request answered with an
error, the ring breaks seen, good I/O after each reconnect), blkgood's line
(all its I/O correct while the attack ran), blkback still in `xl list` and
serving (a volume created and destroyed afterwards), no FAIL line, no core
fault. blkback's own log lines about the attack are printed for the record.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dom0_test import Failure, expect, row  # noqa: E402
from hvm_test import blkback_up, domain_test  # noqa: E402

HOSTILE_LINE = (r"blkhostile: (\d+) hostile requests answered with errors, ring broken (\d+) "
                r"times, good I/O ok after reconnect")
GOOD_LINE = r"blkhostile: good: (\d+) rounds of I/O ok"
FAIL_LINE = re.compile(r"blkhostile: FAIL[^\n]*")


def console_log(c, name):
    return c.run(f"cat /var/log/xen/console/guest-{name}.log", 30)


def wait_line(c, name, rx, timeout):
    """The domain's console log until rx or a FAIL line; the match."""
    end = time.time() + timeout
    while True:
        text = console_log(c, name)
        bad = FAIL_LINE.search(text)
        if bad:
            raise Failure(f"{name}: {bad.group(0)}")
        m = re.search(rx, text)
        if m:
            return m
        if time.time() >= end:
            raise Failure(f"{name} did not print /{rx}/ within {timeout} s; its log:\n{text[-2000:]}")
        time.sleep(3)


def zfs(c, cmd):
    out = c.run(f"zfs {cmd}", 60)
    expect(not re.search(r"rror|usage|cannot", out), f"zfs {cmd} said {out!r}")
    return out


def scenario(c, args):
    blkback_up(c, args)
    zfs(c, "create -V 16M tank/good")
    zfs(c, "create -V 16M tank/hostile")
    t = time.time()
    for cfg in ("blkgood", "blkhostile"):
        out = c.run(f"xl create /etc/xen/{cfg}.cfg", 60)
        expect("rror" not in out, f"xl create {cfg}.cfg said {out!r}")
    m = wait_line(c, "blkhostile", HOSTILE_LINE, args.timeout)
    print(f"  {time.time() - t:6.1f} s  {m.group(0)}")
    expect(int(m.group(1)) >= 100 and int(m.group(2)) == 2,
           f"fewer hostile requests or ring breaks than the program makes: {m.group(0)!r}")
    m = wait_line(c, "blkgood", GOOD_LINE, args.timeout)
    print(f"  {time.time() - t:6.1f} s  {m.group(0)}")
    expect(row(c.run("xl list"), "blkback"), "blkback is gone after the attack")
    for line in console_log(c, "blkback").split("\n"):
        if re.search(r"vbd|ring|frontend|error", line):
            print("  blkback:", line.strip()[:160])
    # Still serving: a new volume made and removed through blkback.
    zfs(c, "create -V 4M tank/after")
    expect(re.search(r"tank/after +4M", c.run("zfs list")), "zfs list lacks tank/after")
    zfs(c, "destroy tank/after")
    print("  blkback alive and serving after the attack")


if __name__ == "__main__":
    sys.exit(domain_test(__doc__, "hostile frontend", scenario, "nvme-amd", "blkback"))

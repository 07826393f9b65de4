#!/usr/bin/env python3
"""A hostile netif frontend against the network driver domain (issue 9 §4:
hostile frontends are disconnected without hurting other guests), in QEMU:
q35 + AMD IOMMU + e1000 at 00:03.0 on restricted user networking, as
hvm_test.py --scenario net (Dom0's rc.local starts netback). netgood1 and
netgood2 (test/domains/nethostile in "good" mode) ping each other through
bridge0 with checked frames while nethostile attacks netback through its own
vif (malformed tx, floods, bad rx buffers, broken rings, reconnects).

Checked, each with the marker that was missed: nethostile's count line and
`nethostile: done` (every request answered once, the breaks closed the vif
and the reconnects worked), both netgood lines (pongs received, no corrupt
frame), netback still in `xl list` with its disconnect lines in its
console log, no FAIL line, no core fault (PANIC / CPU exception).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dom0_test import Failure, expect, row  # noqa: E402
from hvm_test import NET_BDF, domain_test, log_wait  # noqa: E402

COUNT_LINE = (r"nethostile: (\d+) malformed tx, (\d+) floods \((\d+) frames\), (\d+) bad rx "
              r"buffers, (\d+) impossible req_prod; disconnects (\d+)")
DONE_LINE = r"nethostile: done"
GOOD_LINE = (r"nethostile: good: (\d+) pings, (\d+) pongs, (\d+) frames intact, (\d+) corrupt, "
             r"(\d+) answered, (\d+) tx errors")
FAIL_LINE = re.compile(r"nethostile: FAIL[^\n]*")
GOODS = ("netgood1", "netgood2")


def console_log(c, name):
    return c.run(f"cat /var/log/xen/console/guest-{name}.log", 30)


def wait_line(c, name, rx, timeout, what):
    end = time.time() + timeout
    while True:
        text = console_log(c, name)
        bad = FAIL_LINE.search(text)
        if bad:
            raise Failure(f"{name}: {bad.group(0)} (waiting for {what}); its log:\n{text[-1500:]}")
        m = re.search(rx, text)
        if m:
            return m
        if time.time() >= end:
            raise Failure(f"marker missed: {what} (/{rx}/) from {name} within {timeout} s; "
                          f"its log:\n{text[-2000:]}")
        time.sleep(3)


def scenario(c, args):
    log_wait(args, r"\(XEN\) IOMMU: AMD-Vi at [^\n]* enabled", 30, "IOMMU line")
    m = log_wait(args, r"netback: e1000 " + re.escape(NET_BDF) + r" mac ([0-9a-f:]{17}) link up",
                 90, "netback's NIC line", c, "netback")
    print(f"  netback holds {NET_BDF} (mac {m.group(1)}), link up")
    t = time.time()
    for cfg in GOODS + ("nethostile",):
        out = c.run(f"xl create /etc/xen/{cfg}.cfg", 60)
        expect("rror" not in out and "arning" not in out, f"xl create {cfg}.cfg said {out!r}")
    m = wait_line(c, "nethostile", COUNT_LINE, args.timeout, "nethostile's count line")
    print(f"  {time.time() - t:6.1f} s  {m.group(0)}")
    mal, floods, _, bad_rx, imp, disc = (int(g) for g in m.groups())
    expect(mal >= 1000 and floods >= 10 and bad_rx >= 64 and imp == 2 and disc == 6,
           f"fewer attacks or breaks than the program makes: {m.group(0)!r}")
    wait_line(c, "nethostile", DONE_LINE, 30, "`nethostile: done`")
    for name in GOODS:
        m = wait_line(c, name, GOOD_LINE, args.timeout, f"{name}'s result line")
        print(f"  {time.time() - t:6.1f} s  {name}: {m.group(0)}")
        pings, pongs, intact, corrupt = (int(g) for g in m.groups()[:4])
        expect(pongs >= 100 and corrupt == 0 and intact >= pongs,
               f"{name} did not keep working through the attack: {m.group(0)!r}")
    expect(row(c.run("xl list"), "netback"), "marker missed: netback in xl list after the attack")
    nb = console_log(c, "netback")
    lines = [l.strip() for l in nb.split("\n")
             if re.search(r"vif\d+\.\d+: (?!connected)", l) and "nethostile" not in l]
    for line in lines[-16:]:
        print("  netback:", line[:160])
    fatal = [l for l in lines if re.search(r"\(-?\d+\)$", l)]
    expect(len(fatal) >= 6, f"marker missed: netback's lines for the 6 protocol breaks "
           f"(found {len(fatal)})")


if __name__ == "__main__":
    sys.exit(domain_test(__doc__, "net hostile frontend", scenario, "net", "netback"))

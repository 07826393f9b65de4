#!/usr/bin/env python3
"""PCI in the core (issue 8 §1): boot Bulkhead with Dom0 on QEMU q35 with an
NVMe controller (1b36:0010, on a small raw image this test makes) and an
AHCI controller (8086:2922), and check the core's boot lines for both, Dom0's
prompt, the toolstack's view (`xl pci-assignable-list`), and that without an
IOMMU an assignment is refused with the core's one clear message. Then the
pcihostile domain (test/domains/pcihostile) attacks the PCI interface and
must report that every call was refused, and Dom0 must still answer.

With --dma-hostile amd|intel (issue 8 §5): q35 with that IOMMU and the NVMe
controller at 00:04.0; Dom0 starts the dmahostile domain
(test/domains/dmahostile), which is given the controller and programs it to
DMA outside its memory. Checked: its result line, an IOMMU fault line naming
00:04.0 at each address it aimed at, Dom0 still answering `xl list`, no core
panic.
"""
import argparse
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dom0_test import Console, Failure, expect, PROMPT  # noqa: E402

DEV_LINE = r"\(XEN\) PCI (0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) %s class %s( .*)?$"


def check_boot(log):
    devs = {}
    for name, ids, cls, bar in [("NVMe", "1b36:0010", "010802", r" mem64 0x[0-9a-f]+\+0x4000"),
                                ("AHCI", "8086:2922", "010601", r" mem32 0x[0-9a-f]+\+0x1000")]:
        m = re.search(DEV_LINE % (ids, cls), log, re.M)
        expect(m, f"no (XEN) PCI line for the {name} controller ({ids}, class {cls})")
        expect(re.search(bar, m.group(2) or ""), f"{name} line lacks its BAR: {m.group(0)!r}")
        expect("BAD" not in m.group(0), f"{name} flagged bad: {m.group(0)!r}")
        devs[name] = m.group(1)
    m = re.search(r"\(XEN\) PCI: (\d+) devices", log)
    expect(m and int(m.group(1)) >= 4, "no '(XEN) PCI: N devices' line (or too few)")
    return devs


def scenario(c, log_path, args):
    log = open(log_path, errors="replace").read()
    devs = check_boot(log)
    print("PCI lines:", ", ".join(f"{k} {v}" for k, v in devs.items()))
    out = c.run("xl pci-assignable-list")
    bdf = devs["NVMe"]
    expect(bdf in out or bdf[5:] in out, f"xl pci-assignable-list lacks {bdf}: {out!r}")
    # A runtime domain asking for the NVMe controller: no IOMMU, refused.
    c.run("echo 'name = \"ptest\"' > /etc/xen/ptest.cfg")
    c.run("echo 'kernel = \"/usr/lib/bulkhead/hostile.elf\"' >> /etc/xen/ptest.cfg")
    c.run("echo 'memory = 16' >> /etc/xen/ptest.cfg")
    c.run(f"echo \"pci = [ '{bdf}' ]\" >> /etc/xen/ptest.cfg")
    out = c.run("xl create /etc/xen/ptest.cfg", 60)
    time.sleep(1)
    log = open(log_path, errors="replace").read()
    expect(re.search(r"\(XEN\) PCI %s: passthrough refused: no IOMMU" % re.escape(bdf), log),
           f"no 'passthrough refused: no IOMMU' line; xl said {out!r}")
    expect("ptest" not in c.run("xl list"), "the refused domain still exists")
    # dom0/meson.build's list of test domains names pcihostile: without it the
    # attack would not run, which is a failure, not a pass.
    expect("pcihostile.cfg" in c.run("ls /etc/xen"),
           "pcihostile is not in Dom0's rootfs (/etc/xen/pcihostile.cfg): its attack cannot run")
    c.run("xl create /etc/xen/pcihostile.cfg", 60)
    end = time.time() + args.hostile_timeout
    report = None
    while time.time() < end and not report:
        time.sleep(5)
        m = re.search(r"pcihostile: (\d+ PCI calls refused as expected|FAILED.*)",
                      c.run("cat /var/log/xen/console/guest-pcihostile.log"))
        report = m and m.group(0)
    expect(report, "the pcihostile domain never reported")
    expect("FAILED" not in report, report)
    print(report)
    expect("Domain-0" in c.run("xl list"), "Dom0 no longer answers after pcihostile")
    log = open(log_path, errors="replace").read()
    expect(not re.search(r"\(XEN\) .*(panic|PANIC|#PF|fault in the core)", log),
           "the core logged a fault or a panic")


DMA_IOMMU = {"amd": "amd-iommu", "intel": "intel-iommu,aw-bits=48"}
# The core's fault lines (kernel/arch/x86/iommu/amdvi.c, vtd.c) for 00:04.0.
DMA_FAULT = {"amd": r"\(XEN\) AMD-Vi: IO_PAGE_FAULT device 00:04\.0 domain (\d+) address 0x([0-9a-f]+)",
             "intel": r"\(XEN\) VT-d: DMA (?:read|write) fault device 00:04\.0 address 0x([0-9a-f]+)"}
DMA_CASE = r"dmahostile: \((\w)\) (.*?) 0x([0-9a-f]+): (status|timed out|error)"


def dma_scenario(c, log_path, args):
    """The dmahostile domain's attack (--dma-hostile)."""
    expect("dmahostile.cfg" in c.run("ls /etc/xen"), "dmahostile is not in Dom0's rootfs")
    c.run("xl create /etc/xen/dmahostile.cfg", 60)
    end = time.time() + args.hostile_timeout
    report, guest = None, ""
    while time.time() < end and not report:
        time.sleep(3)
        guest = c.run("cat /var/log/xen/console/guest-dmahostile.log")
        m = re.search(r"dmahostile: (\d+ DMA attempts blocked, legitimate I/O ok|FAIL.*)", guest)
        report = m and m.group(0)
    print("\n".join(l for l in guest.splitlines() if l.startswith("dmahostile:")))
    expect(report, "the dmahostile domain never reported")
    expect("FAIL" not in guest, report)
    expect(re.search(r"dmahostile: interrupt: \d+ checks answered as expected, MSI-X kept on", guest),
           "dmahostile did not report its interrupt checks (BH_PCI_irq_bind)")
    time.sleep(1)   # the core polls IOMMU faults every 100 ms
    log = open(log_path, errors="replace").read()
    faults = [m.groups() for m in re.finditer(DMA_FAULT[args.dma_hostile], log, re.M)]
    for l in re.findall(r"^\(XEN\) (?:AMD-Vi|VT-d): .*fault.*$", log, re.M)[:12]:
        print(l)
    addrs = {int(f[-1], 16) & ~0xfff for f in faults}
    if args.dma_hostile == "amd" and not faults:
        # QEMU 7.2's AMD-Vi walk stops without an event at an all-zero entry
        # (hw/i386/amd_iommu.c amdvi_page_walk), which is what an unmapped
        # address meets: the blocking is seen in the domain's checks only.
        print("NOTE: no AMD-Vi event (QEMU's AMD-Vi logs none for an unmapped address)")
    else:
        expect(faults, "no IOMMU fault line names 00:04.0")
        for case, what, addr, _ in re.findall(DMA_CASE, guest, re.M):
            if case not in "ef":     # (e) and (f) are the legitimate READs
                expect(int(addr, 16) & ~0xfff in addrs,
                       f"no fault line for case ({case}) at 0x{addr}: {what}")
    domid = re.search(r"d(\d+): created 'dmahostile'", log)
    if args.dma_hostile == "amd" and domid:
        expect(all(f[0] == domid.group(1) for f in faults),
               f"a fault line names another domain than d{domid.group(1)}")
    out = c.run("xl list")
    expect("Domain-0" in out, "Dom0 no longer answers after dmahostile")
    expect(not re.search(r"\(XEN\) .*(panic|PANIC|#PF|fault in the core)", log),
           "the core logged a fault or a panic")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--dom0", required=True)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--hostile-timeout", type=int, default=240)
    ap.add_argument("--dma-hostile", choices=sorted(DMA_IOMMU))
    args = ap.parse_args()
    disk = tempfile.NamedTemporaryFile(prefix="pci-test-", suffix=".img", delete=False)
    disk.truncate(4 << 20)
    disk.close()
    cmdline = ("dom0_mem=256M dom0_max_vcpus=2 console=com1 com1=115200,8n1 loglvl=all "
               "guest_loglvl=all")
    cmd = ["qemu-system-x86_64", "-M", "q35", "-accel", "tcg", "-cpu", "max", "-m", "1024",
           "-smp", "2", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
           "-device", "nvme,drive=nv0,serial=bh0",
           "-drive", f"file={disk.name},if=none,id=nv0,format=raw",
           "-device", "ahci,id=ahci0",
           "-kernel", args.image, "-append", cmdline,
           "-initrd", f"{args.dom0},{args.rootfs} rootfs"]
    if args.dma_hostile:    # the IOMMU, the controller at 00:04.0, every fault logged
        i = cmd.index("nvme,drive=nv0,serial=bh0")
        cmd[i] += ",addr=04.0"
        cmd[i - 1:i - 1] = ["-device", DMA_IOMMU[args.dma_hostile]]    # before the devices
        cmd[cmd.index(cmdline)] += " iommu=debug"
    c = Console(cmd, args.log)
    start = time.time()
    rc = 0
    try:
        if c.read_until(PROMPT, 90) is None:
            raise Failure("no dom0# prompt within 90 s of boot")
        print(f"dom0# prompt after {time.time() - start:.1f} s")
        (dma_scenario if args.dma_hostile else scenario)(c, args.log, args)
    except Failure as f:
        print("FAIL:", f)
        print("--- last 30 lines of the serial log ---")
        print("\n".join(open(args.log, errors="replace").read().split("\n")[-30:]))
        rc = 1
    c.close()
    os.unlink(disk.name)
    if not rc:
        print("all checks passed")
    return rc


if __name__ == "__main__":
    sys.exit(main())

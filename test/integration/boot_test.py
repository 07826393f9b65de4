#!/usr/bin/env python3
"""Boot Bulkhead with the test guests in an emulator and check the serial log.

QEMU (-kernel, multiboot1) exercises SVM/NPT; Bochs (GRUB ISO, multiboot2)
exercises VMX/EPT. Every run has a hard timeout, and a failure names each
marker that did not appear.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

# Markers every full boot must show: (description, regex).
MARKERS = [
    ("CPUs brought up", r"\(XEN\) smp: {cpus} CPUs? up"),
    ("virtualization enabled", r"\(XEN\) virt: (SVM/NPT|VMX/EPT) enabled on {cpus} CPUs?"),
    ("realmode guest reached protected mode", r"\(d\d+\) realmode: protected mode ok"),
    ("realmode guest reached long mode", r"\(d\d+\) realmode: long mode ok"),
    ("cpuid guest checks", r"\(d\d+\) cpuid: all checks passed"),
    ("cpuid guest stopped at its port write",
     r"\(XEN\) d\d+v0: I/O port 0x80 write \(1 byte\) at RIP 0x[0-9a-f]+: no device model attached"),
    ("memtouch guest touched its RAM", r"\(d\d+\) memtouch: \d+ pages ok"),
    ("memtouch guest stopped outside its RAM",
     r"\(XEN\) d\d+v0: MMIO read at 0x1200000 \(not RAM\) at RIP 0x[0-9a-f]+: no device model attached"),
    ("fair-a finished", r"\(d\d+\) fair: dom \d+ done"),
    ("timer guest woke from HLT 10 times", r"\(d\d+\) timer: 10 wakeups ok"),
    ("ipc-a granted, polled and answered 1000 events",
     r"\(d\d+\) ipc: 1000 round trips ok \(A, d\d+ granted to d\d+\)"),
    ("ipc-b mapped the grant and bounced 1000 events",
     r"\(d\d+\) ipc: 1000 round trips ok \(B, d\d+ mapped d\d+'s grant, [1-9]\d* upcalls\)"),
    ("every frame returned", r"\(XEN\) all domains gone: (\d+) frames free, \1 before the first domain: balanced"),
]
# The hostile set: random hypercalls, and the neighbours still run to completion.
HOSTILE_MARKERS = [
    ("CPUs brought up", r"\(XEN\) smp: {cpus} CPUs? up"),
    ("hostile guest survived its hypercalls",
     r"\(d\d+\) hostile: 2000000 random hypercalls survived"),
    ("hostile guest stopped cleanly", r"\(XEN\) d1: 'hostile' stopped: poweroff"),
    ("p2mflood: emptied tables reclaimed, the table pool bounds the rest",
     r"\(d\d+\) p2mflood: all checks passed"),
    ("timer guest woke from HLT 10 times", r"\(d\d+\) timer: 10 wakeups ok"),
    ("every frame returned", MARKERS[-1][1]),
]
# The XTF-style checks of issue 6 (test/guests/xsa.c), next to domains that
# must keep running: each check's line, then a clean power-off.
XSA_MARKERS = [
    ("CPUs brought up", r"\(XEN\) smp: {cpus} CPUs? up"),
    ("hypercall page: read-only grant, grant frame and hole refused",
     r"\(d\d+\) xsa: hypercall page refused on read-only grant, grant frame and hole; taken in RAM ok"),
    ("XENVER_commandline denied to a guest", r"\(d\d+\) xsa: XENVER_commandline denied ok"),
    ("the single-shot timer's checks", r"\(d\d+\) xsa: singleshot timer checks ok"),
    ("NMIs sent and by IPI, one at a time",
     r"\(d\d+\) xsa: NMIs delivered one at a time, sent and by IPI ok"),
    ("INVD/WBINVD complete, INVLPGA/MONITOR #UD",
     r"\(d\d+\) xsa: WBINVD and INVD complete; INVLPGA and MONITOR raise #UD ok"),
    ("#DB reflected with DR6", r"\(d\d+\) xsa: #DB reflected: single step, data breakpoint ok"),
    ("XSETBV checked", r"\(d\d+\) xsa: (XSETBV refuses bad XCR0 values, takes what CPUID offers, OSXSAVE follows CR4 ok"
                       r"|XSETBV not tried: the CPU offers no XSAVE)"),
    ("CPUID 0x8000001e is the vCPU's", r"\(d\d+\) xsa: (CPUID 0x8000001e gives the vCPU's own ids ok"
                                       r"|CPUID 0x8000001e not offered by this CPU)"),
    ("DR0-3 per vCPU", r"\(d\d+\) xsa: DR0-3 kept per vCPU across switches ok"),
    ("XCR0 lowering", r"\(d\d+\) xsa: (XCR0 lowered under saved AVX state, across vCPU switches ok"
                      r"|XCR0 lowering not tried: the CPU offers no AVX)"),
    ("all xsa checks passed", r"\(d\d+\) xsa: all checks passed on 3 vCPUs"),
    ("xsa guest stopped cleanly", r"\(XEN\) d1: 'xsa' stopped: poweroff"),
    ("timer guest woke from HLT 10 times", r"\(d\d+\) timer: 10 wakeups ok"),
    ("every frame returned", MARKERS[-1][1]),
]
# The console flood (test/guests/flood.c): its excess lines dropped with a
# count, and the neighbours' lines still printed (flood_checks).
FLOOD_MARKERS = [
    ("CPUs brought up", r"\(XEN\) smp: {cpus} CPUs? up"),
    ("flood started", r"\(d\d+\) flood: dom \d+: \d+ ms of 16 KiB console writes"),
    ("dropped lines counted",
     r"\(XEN\) \d+ guest console lines dropped \(serial transmit buffer full\)"),
    ("flood finished on 3 vCPUs", r"\(d\d+\) flood: dom \d+ done: \d+ calls of 16384 bytes from 3 vCPUs"),
    ("flood guest stopped cleanly", r"\(XEN\) d1: 'flood' stopped: poweroff"),
    ("timer guest woke from HLT 10 times", r"\(d\d+\) timer: 10 wakeups ok"),
    ("every frame returned", MARKERS[-1][1]),
]
# Bochs checks alignment; QEMU's TCG does not raise #AC at all.
XSA_BOCHS_MARKERS = [
    ("#AC at CPL 3 reflected", r"\(d\d+\) xsa: #AC reflected with its error code ok"),
]
# A scripted Dom0 session (test/integration/dom0/session.rc as /etc/rc).
DOM0_MARKERS = [
    ("Dom0 built", r"\(XEN\) dom0: 64 MiB, {cpus} vCPUs?, entry 0x[0-9a-f]+"),
    ("the session script ran", r"session: start"),
    ("xl list header, exact", r"\nName {{40}}ID   Mem VCPUs\tState\tTime\(s\)\n"),
    ("Domain-0 row for dom0_mem=64M", r"\nDomain-0 {{37}}0    64 {{5}}{cpus} {{5}}r----- {{2}} {{0,7}}\d+\.\d\n"),
    ("xl info's command line", r"xen_commandline +: .*dom0_mem=64M"),
    ("a broken config names file and line",
     r"/etc/xen/broken\.cfg:\d+: config parsing error near .*: syntax error"),
    ("xl destroy of a missing domain", r"nosuch is an invalid domain identifier"),
    ("the session finished", r"session: done"),
    ("Dom0 powered the machine off", r"Domain-0 shut down \(reason 0\): powering off"),
]
FORBIDDEN = [r"PANIC", r"FAILED", r"LEAKED", r"\*\*\* CPU\d+ exception"]
DONE = r"\(XEN\) (all domains gone|PANIC|idle_poweroff|Domain-0 shut down)"


def fairness(log):
    """At the first 'done', the other domain must have >= 40% of its work."""
    rounds, done_dom = {}, None
    for line in log.splitlines():
        m = re.search(r"\(d(\d+)\) fair: dom (\d+) vcpu (\d+) round (\d+)", line)
        if m:
            d, v, r = int(m.group(2)), int(m.group(3)), int(m.group(4))
            rounds.setdefault(d, {})[v] = r
        m = re.search(r"\(d\d+\) fair: dom (\d+) done", line)
        if m and done_dom is None:
            done_dom = int(m.group(1))
            snapshot = {d: sum(v.values()) for d, v in rounds.items()}
    if done_dom is None:
        return "no fair domain finished"
    others = [d for d in snapshot if d != done_dom]
    if not others:
        return "only one fair domain ever ran"
    ratio = snapshot[others[0]] / snapshot[done_dom]
    print(f"fairness: dom {done_dom} finished {snapshot[done_dom]} rounds; "
          f"dom {others[0]} had {snapshot[others[0]]} ({ratio:.0%})")
    return None if ratio >= 0.4 else f"fairness ratio {ratio:.0%} below 40%"


def flood_checks(log):
    """The neighbours ran and were heard while the flood went on."""
    start = re.search(r"\(d\d+\) flood: dom \d+: \d+ ms of", log)
    done = re.search(r"\(d\d+\) flood: dom \d+ done: (\d+) calls", log)
    if not start or not done:
        return ["flood: no start or done line"]
    during = log[start.end():done.start()]
    fair_doms = set(re.findall(r"\(d\d+\) fair: dom (\d+) vcpu \d+ round", during))
    dropped = sum(int(n) for n in re.findall(r"\(XEN\) (\d+) guest console lines dropped", log))
    timer = re.search(r"\(d\d+\) timer: 10 wakeups ok, tsc delta (\d+)", log)
    khz = re.search(r"\(XEN\) timer: TSC (\d+) kHz", log)
    print(f"flood: {done.group(1)} calls of 16 KiB; {dropped} lines dropped, reported; "
          f"{len(fair_doms)} fair domains printed rounds during it")
    failures = []
    if len(fair_doms) < 2:
        failures.append(f"only {len(fair_doms)} fair domains were heard during the flood")
    if not timer or not re.search(r"timer: 10 wakeups ok", during):
        failures.append("the timer guest did not finish during the flood")
    elif khz:
        ms = int(timer.group(1)) / int(khz.group(1))
        print(f"timer guest: 10 wakeups of 10 ms took {ms:.0f} ms during the flood")
        if ms > 2000:
            failures.append(f"timer guest's 10 x 10 ms took {ms:.0f} ms: the host stalled")
    return failures


def run(cmd, logfile, timeout, cwd=None):
    """Run cmd, tee its output to logfile, stop at DONE or timeout."""
    start = time.time()
    log = ""
    with open(logfile, "w") as out:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=cwd)
        os.set_blocking(proc.stdout.fileno(), False)
        timed_out = True
        while time.time() - start < timeout:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            chunk = proc.stdout.read() if ready else b""
            if chunk:
                text = chunk.decode("utf-8", "replace")
                out.write(text)
                out.flush()
                log += text
            if re.search(DONE, log) and ("frames free" in log or "Domain-0 shut down" in log) \
                    or "PANIC" in log:
                time.sleep(1.0)
                try:
                    log += proc.stdout.read().decode("utf-8", "replace") or ""
                except (TypeError, BlockingIOError):
                    pass
                timed_out = False
                break
            if proc.poll() is not None and not chunk:
                timed_out = False
                break
        proc.kill()
        proc.wait()
    return log, time.time() - start, timed_out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emulator", choices=["qemu", "bochs"], required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--guests", required=True, help="folder with the guest binaries")
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--log", required=True)
    ap.add_argument("--iso-script")
    ap.add_argument("--bochs-script")
    ap.add_argument("--set", choices=["basic", "hostile", "xsa", "flood", "dom0"],
                    default="basic")
    ap.add_argument("--icount", action="store_true",
                    help="QEMU: guest time counts instructions, so timings ignore host load")
    args = ap.parse_args()

    cmdline = "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all idle_poweroff"
    if args.set == "dom0":
        cmdline = f"dom0_mem=64M dom0_max_vcpus={args.cpus} " + cmdline
    modules = [os.path.join(args.guests, m.split()[0]) + " " + " ".join(m.split()[1:])
               for m in args.module]
    if args.emulator == "qemu":
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "256",
               "-smp", str(args.cpus), "-nodefaults", "-display", "none", "-serial", "stdio",
               "-no-reboot", "-kernel", args.image, "-append", cmdline,
               "-initrd", ",".join(modules)]
        if args.icount:
            cmd[3:3] = ["-icount", "shift=0,sleep=off"]
    else:
        iso = args.log + ".iso"
        subprocess.run([args.iso_script, iso, args.image, cmdline] + modules, check=True,
                       stdout=subprocess.DEVNULL)
        cmd = [args.bochs_script, iso, str(args.cpus), str(args.timeout), args.log + ".serial"]
    log, took, timed_out = run(cmd, args.log, args.timeout)
    if args.emulator == "bochs" and os.path.exists(args.log + ".serial"):
        log = open(args.log + ".serial", errors="replace").read()
    log = log.replace("\r", "")
    print(f"{args.emulator}: ran {took:.1f} s{' (TIMED OUT)' if timed_out else ''}; log {args.log}")

    failures = []
    markers = {"basic": MARKERS, "hostile": HOSTILE_MARKERS, "xsa": XSA_MARKERS,
               "flood": FLOOD_MARKERS, "dom0": DOM0_MARKERS}[args.set]
    if args.set == "xsa" and args.emulator == "bochs":
        markers = markers + XSA_BOCHS_MARKERS
    for desc, rx in markers:
        if not re.search(rx.format(cpus=args.cpus), log):
            failures.append(f"missing marker: {desc}  /{rx.format(cpus=args.cpus)}/")
    for rx in FORBIDDEN:
        for m in re.finditer(".*" + rx + ".*", log):
            failures.append(f"forbidden line: {m.group(0).strip()}")
    if args.set != "dom0":
        if len(re.findall(r"\(d\d+\) fair: dom \d+ done", log)) != 2:
            failures.append("missing marker: both fair domains finished")
        err = fairness(log)
        if err:
            failures.append(err)
    if args.set == "flood":
        failures += flood_checks(log)
    if timed_out:
        failures.append(f"timed out after {args.timeout} s waiting for /{DONE}/")
    for f in failures:
        print("FAIL:", f)
    if failures:
        print("--- last 40 lines of the serial log ---")
        print("\n".join(log.splitlines()[-40:]))
        return 1
    print("all markers present")
    return 0


if __name__ == "__main__":
    sys.exit(main())

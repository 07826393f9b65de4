#!/usr/bin/env python3
"""Drive Dom0's console like a user: boot Bulkhead with Dom0, wait for the
`dom0# ` prompt, type one command at a time, and check what each printed.

Scenarios (--scenario):
  session   xl list / info / dmesg, a broken config, the pingpong pair created,
            listed, their report read from the console log, destroyed
  cycles    100 create/destroy cycles; xl info free_memory back where it was
  hostile   a domain making two million random hypercalls; then the session
            still works and free_memory is back
  race      100 create/destroy cycles while the racer domain names each new
            domain in bind_interdomain and grant copies (references taken and
            dropped through creation and destruction); free_memory is back
Every command has its own timeout; a failure names the command and the
marker it missed, and prints the tail of the serial log.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

PROMPT = "dom0# "


class Console:
    def __init__(self, cmd, log_path):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.log = open(log_path, "w")
        self.buf = ""

    def read_until(self, marker, timeout):
        """Text up to and including marker; None on timeout or exit."""
        end = time.time() + timeout
        while time.time() < end:
            i = self.buf.find(marker)
            if i >= 0:
                out, self.buf = self.buf[:i + len(marker)], self.buf[i + len(marker):]
                return out
            select.select([self.proc.stdout], [], [], 0.2)
            chunk = self.proc.stdout.read()
            if chunk:
                text = chunk.decode("utf-8", "replace").replace("\r", "")
                self.log.write(text)
                self.log.flush()
                self.buf += text
            elif self.proc.poll() is not None:
                return None
        return None

    def run(self, command, timeout=30):
        """Types command, returns what it printed before the next prompt."""
        self.proc.stdin.write((command + "\n").encode())
        self.proc.stdin.flush()
        out = self.read_until(PROMPT, timeout)
        if out is None:
            raise Failure(f"no prompt within {timeout} s after `{command}`")
        # The core's own lines ("(XEN) d2: destroyed ...") share the serial
        # line: those that landed after the last prompt and before this
        # command's echo are not its output (those after the echo may be).
        lines = out[:-len(PROMPT)].split("\n")
        while len(lines) > 1 and lines[0].startswith("(XEN) "):
            lines.pop(0)
        return "\n".join(lines[1:]).rstrip("\n") if lines and lines[0].endswith(command) else out

    def close(self):
        try:
            self.proc.stdin.write(b"poweroff\n")
            self.proc.stdin.flush()
            self.read_until("powering off the machine", 15)
        except (BrokenPipeError, OSError):
            pass
        self.proc.kill()
        self.proc.wait()
        self.log.close()


class Failure(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failure(what)


def row(out, name):
    for line in out.split("\n"):
        if line.startswith(name + " "):
            return line
    return None


def scenario_session(c, args):
    out = c.run("xl list")
    header = "Name                                        ID   Mem VCPUs\tState\tTime(s)"
    expect(out.split("\n")[0] == header, f"xl list header is {out.split(chr(10))[0]!r}")
    dom0 = row(out, "Domain-0")
    # REFERENCE §1: name in 40, domid, memory and vCPUs in 5 each, state, time %8.1f.
    prefix = "%-40s %5d %5d %5d     r-----  " % ("Domain-0", 0, args.dom0_mem, args.dom0_vcpus)
    expect(dom0 and dom0.startswith(prefix) and re.match(r"^ *\d+\.\d$", dom0[len(prefix):])
           and len(dom0) == len(prefix) + 8, f"Domain-0 row is {dom0!r}, want {prefix!r}+%8.1f")
    info = c.run("xl info")
    expect(re.search(r"^xen_commandline +: .*dom0_mem=%dM" % args.dom0_mem, info, re.M),
           "xl info has no xen_commandline with dom0_mem")
    expect(re.search(r"^free_memory +: \d+$", info, re.M), "xl info has no free_memory")
    dmesg = c.run("xl dmesg")
    expect("Bulkhead hypervisor" in dmesg, "xl dmesg lacks the boot banner")
    bad = c.run("xl create /etc/xen/broken.cfg")
    expect(re.search(r"^/etc/xen/broken\.cfg:\d+: config parsing error near .*: syntax error$",
                     bad, re.M), f"broken config error was {bad!r}")
    expect(row(c.run("xl list"), "broken") is None, "a broken config created a domain")
    c.run("xl create /etc/xen/pingpong.cfg", 60)
    # xl console: the domain's output appears, Ctrl-] brings the prompt back.
    c.proc.stdin.write(b"xl console pingpong\n")
    c.proc.stdin.flush()
    expect(c.read_until("role ping", 20) is not None, "xl console showed nothing of pingpong")
    c.proc.stdin.write(b"\x1d")
    c.proc.stdin.flush()
    expect(c.read_until(PROMPT, 20) is not None, "Ctrl-] did not leave xl console")
    c.run("xl create /etc/xen/pingpong-b.cfg", 60)
    listing = c.run("xl list")
    expect(row(listing, "pingpong") or "pingpong" in listing, "xl list does not show pingpong")
    report = None
    for _ in range(60):
        log = c.run("cat /var/log/xen/console/guest-pingpong.log")
        m = re.search(r"pingpong: 10000 round trips ok.*", log)
        if m:
            report = m.group(0)
            break
        if "FAILED" in log:
            raise Failure("pingpong reported: " + log.strip().split("\n")[-1])
        c.run("xl list")
        time.sleep(1)
    expect(report, "pingpong's report never arrived in its console log")
    print("pingpong:", report)
    c.run("xl destroy pingpong")
    c.run("xl destroy pingpong-b")
    gone = c.run("xl list")
    expect("pingpong" not in gone, "pingpong still listed after xl destroy")


def free_memory(c):
    out = c.run("xl info free_memory")
    expect(re.match(r"^\d+$", out.strip()), f"xl info free_memory printed {out!r}")
    return int(out.strip())


def wait_gone(c, name, timeout=10):
    """A destroyed domain stays listed (dying) until the last reference to it
    goes: Dom0's backends unmap its pages when they see it die."""
    end = time.time() + timeout
    while row(c.run("xl list"), name) and time.time() < end:
        time.sleep(0.2)
    expect(not row(c.run("xl list"), name), f"{name} still listed {timeout} s after xl destroy")


def scenario_cycles(c, args):
    before = free_memory(c)
    for i in range(args.cycles):
        c.run(f"xl create /etc/xen/pingpong.cfg name=cycle", 60)
        out = c.run("xl destroy cycle", 30)
        expect("invalid" not in out and "rror" not in out, f"cycle {i}: destroy said {out!r}")
    wait_gone(c, "cycle")
    after = free_memory(c)
    print(f"free_memory: {before} MiB before, {after} MiB after {args.cycles} cycles")
    expect(after == before, f"free_memory {after} MiB after the cycles, {before} MiB before")


def no_core_fault(args, what):
    log = open(args.log, errors="replace").read()
    expect(not re.search(r"\(XEN\) .*(exception|PANIC|crashed)", log),
           f"the core logged a fault or a crash during {what}")


def racer_followed(c):
    """The domain ids the racer said it follows (every tenth it reached)."""
    log = c.run("cat /var/log/xen/console/guest-racer.log")
    return [int(n) for n in re.findall(r"racer: following d(\d+)", log)]


def scenario_race(c, args):
    """Domains created and destroyed while another domain holds references to them."""
    before = free_memory(c)
    c.run("xl create /etc/xen/racer.cfg", 60)
    for i in range(args.cycles):
        out = c.run("xl create /etc/xen/pingpong.cfg name=cycle", 60)
        m = re.search(r"d(\d+): created 'cycle'", out)
        expect(m, f"cycle {i}: no creation line in {out!r}")
        if int(m.group(1)) % 10 == 0:
            # The racer shares a pCPU with Dom0: wait until it has seen this
            # domain, so the destroy below races its references for sure.
            for _ in range(40):
                seen = racer_followed(c)
                if seen and max(seen) >= int(m.group(1)):
                    break
                time.sleep(0.25)
            expect(seen and max(seen) >= int(m.group(1)),
                   f"cycle {i}: the racer never named d{m.group(1)} within 10 s "
                   f"(last: d{max(seen) if seen else '-'})")
        out = c.run("xl destroy cycle", 30)
        expect("invalid" not in out and "rror" not in out, f"cycle {i}: destroy said {out!r}")
    followed = racer_followed(c)
    expect(followed, "the racer never followed a new domain")
    print(f"the racer named each new domain up to d{max(followed)}")
    c.run("xl destroy racer")
    wait_gone(c, "cycle")
    wait_gone(c, "racer")
    after = free_memory(c)
    print(f"free_memory: {before} MiB before, {after} MiB after {args.cycles} raced cycles")
    expect(after == before, f"free_memory {after} MiB after the race, {before} MiB before")
    no_core_fault(args, "the race")


def scenario_hostile(c, args):
    """The hostile domain's random hypercalls, then proof that everything still works."""
    before = free_memory(c)
    c.run("xl create /etc/xen/hostile.cfg", 60)
    report = None
    for _ in range(240):
        log = c.run("cat /var/log/xen/console/guest-hostile.log")
        m = re.search(r"hostile: 2000000 random hypercalls survived.*", log)
        if m:
            report = m.group(0)
            break
        time.sleep(1)
    expect(report, "the hostile domain never reported")
    print(report)
    for _ in range(20):
        if "hostile" not in c.run("xl list"):
            break
        time.sleep(0.5)
    expect("hostile" not in c.run("xl list"), "the hostile domain was not stopped cleanly")
    scenario_session(c, args)	# Dom0, xenstore, grants and events all still work
    after = free_memory(c)
    expect(after == before, f"free_memory {after} MiB after the hostile run, {before} before")
    log = open(args.log, errors="replace").read()
    expect(not re.search(r"\(XEN\) .*(exception|PANIC|crashed)", log),
           "the core logged a fault or a crash during the hostile run")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--dom0", required=True)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--scenario", choices=["session", "cycles", "hostile", "race"], required=True)
    ap.add_argument("--dom0-mem", type=int, default=256)
    ap.add_argument("--dom0-vcpus", type=int, default=2)
    ap.add_argument("--cycles", type=int, default=100)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    cmdline = (f"dom0_mem={args.dom0_mem}M dom0_max_vcpus={args.dom0_vcpus} console=com1 "
               "com1=115200,8n1 loglvl=all guest_loglvl=all")
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "2",
           "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
           "-kernel", args.image, "-append", cmdline,
           "-initrd", f"{args.dom0},{args.rootfs} rootfs"]
    c = Console(cmd, args.log)
    start = time.time()
    try:
        if c.read_until(PROMPT, 60) is None:
            raise Failure("no dom0# prompt within 60 s of boot")
        print(f"dom0# prompt after {time.time() - start:.1f} s")
        {"session": scenario_session, "cycles": scenario_cycles,
         "hostile": scenario_hostile, "race": scenario_race}[args.scenario](c, args)
    except Failure as f:
        # The hypervisor's domain and vCPU dump (Ctrl-a three times, then 'q') into the log.
        try:
            c.proc.stdin.write(b"\x01\x01\x01q\x01\x01\x01")
            c.proc.stdin.flush()
            c.read_until("CTRL-a three times", 3)
            time.sleep(2)
        except (OSError, ValueError):
            pass
        c.close()
        print("FAIL:", f)
        print("--- last 30 lines of the serial log ---")
        print("\n".join(open(args.log, errors="replace").read().split("\n")[-30:]))
        return 1
    c.close()
    print(f"{args.scenario}: all checks passed in {time.time() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Serial input reaches Dom0 intact (issue 6): boot Bulkhead with Dom0 under
QEMU --boots times; each time type a few KiB of `echo lineNNN-PAYLOAD`
commands into the serial port: a first batch before the machine starts
(QEMU holds it, as `printf ... | make run` does; the core then leaves the
UART's FIFOs off) or, on every fourth boot, just after the core's first line (the
FIFOs on), a second while the core is building Dom0, the rest pasted in
bursts after the prompt. Some payloads
carry one or two CTRL-a bytes, which must pass through the core to Dom0
(whose line editor drops them) without swallowing their neighbours.

Every command must run exactly as sent: each `lineNNN-PAYLOAD` output line
appears, in order, unchanged. A failure names the boot and the first
command that did not arrive intact, with what the shell saw instead.
"""
import argparse
import os
import random
import re
import select
import subprocess
import sys
import time

PROMPT = "dom0# "
CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,:+=@%-"
CTRL_A = "\x01"


def commands(rng, count):
    """(typed, expected output) pairs."""
    out = []
    for i in range(count):
        payload = "".join(rng.choice(CHARS) for _ in range(rng.randint(8, 70)))
        typed = payload
        if i % 7 == 3:  # one or two CTRL-a, never three in a row
            at = rng.randint(1, len(payload) - 1)
            typed = payload[:at] + CTRL_A * rng.choice((1, 2)) + payload[at:]
        out.append((f"echo line{i:03d}-{typed}\n", f"line{i:03d}-{payload}"))
    return out


class Machine:
    def __init__(self, cmd, log):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.log = log
        self.text = ""

    def type(self, s):
        self.proc.stdin.write(s.encode())
        self.proc.stdin.flush()

    def pump(self, wait=0.1):
        select.select([self.proc.stdout], [], [], wait)
        chunk = self.proc.stdout.read()
        if chunk:
            t = chunk.decode("utf-8", "replace").replace("\r", "")
            self.log.write(t)
            self.log.flush()
            self.text += t
        return self.proc.poll() is None

    def wait_for(self, what, deadline):
        while what not in self.text and time.time() < deadline and self.pump():
            pass
        return what in self.text

    def stop(self):
        try:
            self.type("poweroff\n")
            end = time.time() + 10
            while "powering off" not in self.text and time.time() < end and self.pump():
                pass
        except (BrokenPipeError, OSError):
            pass
        self.proc.kill()
        self.proc.wait()


def outputs(text):
    return [m.group(0) for m in re.finditer(r"^line\d{3}-\S*$", text, re.M)]


def first_bad(expected, text):
    """None, or a sentence naming the first command not run as sent."""
    got = outputs(text)
    for i, (typed, want) in enumerate(expected):
        if i >= len(got) or got[i] != want:
            seen = got[i] if i < len(got) else "nothing"
            shell = [l for l in text.split("\n") if f"line{i:03d}" in l or "not found" in l]
            return (f"command {i} `{typed.strip()!r}` did not arrive intact: expected output "
                    f"{want!r}, got {seen!r}; shell lines: {shell[:3]}")
    return None if len(got) == len(expected) else f"{len(got) - len(expected)} extra lines"


def boot(args, n, log):
    rng = random.Random(n)
    cmds = commands(rng, args.commands)
    first, second = args.commands // 4, args.commands // 2
    cmdline = ("dom0_mem=256M dom0_max_vcpus=2 console=com1 com1=115200,8n1 "
               "loglvl=all guest_loglvl=all")
    m = Machine(["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "1024",
                 "-smp", "2", "-nodefaults", "-display", "none", "-serial", "stdio",
                 "-no-reboot", "-kernel", args.image, "-append", cmdline,
                 "-initrd", f"{args.dom0},{args.rootfs} rootfs"], log)
    start = time.time()
    deadline = start + args.boot_timeout
    try:
        if n % 4 == 3 and not m.wait_for("(XEN) ", deadline):
            return "the core printed nothing", 0
        m.type("".join(t for t, _ in cmds[:first]))         # before the machine runs, or just after
        if not m.wait_for("(XEN) dom0:", deadline):
            return "the core never started building Dom0", 0
        m.type("".join(t for t, _ in cmds[first:second]))   # while Dom0 is built
        if not m.wait_for(PROMPT, deadline):
            return "no dom0# prompt", 0
        rest = "".join(t for t, _ in cmds[second:])
        while rest:                                          # pasted in bursts
            burst = rng.randint(200, 1500)
            m.type(rest[:burst])
            rest = rest[burst:]
            m.pump(rng.uniform(0.0, 0.3))
        last = cmds[-1][1]
        while time.time() < deadline and m.pump():
            if re.search("^" + re.escape(last) + "$", m.text, re.M):
                break
        took = time.time() - start
        fifo = "off" if "serial FIFOs left off" in m.text else "on"
        return first_bad(cmds, m.text), f"{took:.1f} s, UART FIFOs {fifo}"
    finally:
        m.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--dom0", required=True)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--boots", type=int, default=20)
    ap.add_argument("--commands", type=int, default=64)
    ap.add_argument("--boot-timeout", type=int, default=60)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    total = 0
    with open(args.log, "w") as log:
        for n in range(args.boots):
            log.write(f"\n===== boot {n} =====\n")
            bad, took = boot(args, n, log)
            if bad:
                print(f"FAIL: boot {n}: {bad}")
                print(f"--- serial log: {args.log}")
                return 1
            total += sum(len(t) for t, _ in commands(random.Random(n), args.commands))
            print(f"boot {n}: {args.commands} commands ran as sent, {took}")
    print(f"all {args.boots} boots: every command ran as sent ({total} bytes typed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A CPU without the virtualization Bulkhead needs must be refused with one clear message.

Boots the image under QEMU with SVM or NPT masked off and checks the core's
message names what is missing and that nothing else ran.
"""
import os
import select
import subprocess
import sys
import time

CASES = [
    ("max,-svm", "no AMD-V (SVM)"),
    ("max,-npt", "no nested paging (NPT)"),
]


def run_until(cmd, marker, timeout):
    """Output of cmd up to one second after marker appears, or until timeout."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    os.set_blocking(proc.stdout.fileno(), False)
    text, seen, start = "", None, time.time()
    while time.time() - start < timeout and (seen is None or time.time() - seen < 1):
        select.select([proc.stdout], [], [], 0.2)
        chunk = proc.stdout.read()
        if chunk:
            text += chunk.decode("utf-8", "replace")
        if seen is None and marker in text:
            seen = time.time()
        if proc.poll() is not None and not chunk:
            break
    proc.kill()
    proc.wait()
    return text


def main():
    image, log_path = sys.argv[1], sys.argv[2]
    failures = []
    with open(log_path, "w") as log:
        for cpu, missing in CASES:
            cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", cpu, "-m", "128", "-smp", "1",
                   "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
                   "-kernel", image, "-append", "console=com1"]
            want = f"cannot run it: {missing}. Stopping."
            start = time.time()
            text = run_until(cmd, "Stopping.", 10)
            log.write(f"--- -cpu {cpu} ({time.time() - start:.1f} s)\n{text}\n")
            if want not in text:
                failures.append(f"-cpu {cpu}: missing marker /{want}/")
            if "smp:" in text or "created" in text:
                failures.append(f"-cpu {cpu}: the core went on after refusing")
    for f in failures:
        print("FAIL:", f)
    print("refusals checked" if not failures else f"see {log_path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Network throughput through xen-netfront and the network driver domain
(issue 9) -> BUILD/bench/net.json; `make bench` runs it.

Method: QEMU TCG with -icount shift=0,sleep=off (bench.py's: the TSC is the
virtual clock, 1 tick = 1 emulated instruction, counted as 1 ns), -smp 1,
Dom0 with one vCPU. The same live ISO, the same emulated e1000 on QEMU's
user network (restrict=on) and the same server in both runs: QEMU's
guestfwd maps 10.0.2.100:80 to test/integration/net_serve.py, which sends
an 8 MiB text file. The guest's init takes a DHCP lease, then times one
HTTP/1.0 GET of it with the TSC (BULKHEAD-TSC: net-start / net-done) and
checks its MD5; the throughput counts from the reply's first line (net-first)
to the end, not the connection's set-up (QEMU starts the server process
per connection, and the guest's SYN meanwhile waits out its 1 s
retransmission timeout: that second was most of the time before). It then
times ten echoes to the gateway (10.0.2.2, QEMU's
user network answers them itself: the round trip through the NIC), and,
under Bulkhead, fetches the same file from a peer guest on bridge0 (guest
to guest: no NIC, no host) and times ten echoes to it.
  Bulkhead: a q35 machine with QEMU's AMD IOMMU; Dom0's /etc/rc starts
    netback (which owns the e1000 at 00:03.0 by passthrough and takes its
    INTx line as an event channel) and the peer 'netpeer' (192 MiB, the
    peer disk: it fetches the file from the host like the others, then
    serves it with busybox httpd); once it serves, the bench creates the
    HVM guest 'netbench' (256 MiB, 1 vCPU) with vif = ['bridge=bridge0']:
    Linux's xen-netfront, netback's vif over grant copies, bridge0, the
    e1000.
  Bulkhead, emulated NIC: the same with vif = ['model=e1000,bridge=bridge0']
    and xen_platform_pci=0 (no PV drivers): the guest's e1000.ko drives
    its device model's 82540EM, a netif frontend of netback's vif-emu.
  Bare QEMU: the PC machine with the same ISO and the e1000, which the same
    kernel, booted directly with the ISO's command line plus idle=poll (as
    bench_io's baseline: its waits for the NIC are then counted in
    instructions, not skipped by sleep=off's time jumps), drives itself
    (e1000.ko). The guest under Bulkhead keeps HLT (bench_io says why).
  Bare QEMU, guest to guest: two such machines, each also with a second
    e1000 on a wire between them (QEMU's socket netdev), the first with
    the peer disk (it serves the file as the peer guest does), the second
    fetching it over the wire. Two emulated CPUs where Bulkhead's guests,
    netback and Dom0 share one: the ratio is Bulkhead on one machine
    against two bare ones.
Exits per received TCP segment (bytes / 1,448): the core's 'q' dump right
after the lease and after the fetch, per domain and vCPU. The window also
holds the connection's set-up and, for the guest, its header stripping and
MD5 of the file (so the guest's ticks per segment are an upper bound), and
the first dump may land after the fetch began (the exits may be missing a
few).
The ratio Bulkhead / bare is what the issue's aim (>= 0.9) is about. The
server and QEMU's user network are the same on both sides; they are part of
what is timed, so the ratio understates the difference in our own path.
"""
import hashlib
import json
import os
import re
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from bench_hvm import PROMPT, Session  # noqa: E402
from bench_io import BARE_APPEND, exit_dump, exits_per_op, inputs, rootfs  # noqa: E402

RAM_MIB, PROBE_LINES = 1024, 8 * 1024 * 1024 // 65
DOMAINS = ["netbench", "netback"]
MSS = 1448		# TCP payload per segment on a 1500-byte MTU with timestamps
CMDLINE = ("dom0_mem=384M dom0_max_vcpus=1 console=com1 com1=115200,8n1 "
           "loglvl=all guest_loglvl=all")
SERVE = os.path.join(HERE, "..", "integration", "net_serve.py")
GUEST_CFG = """name = "netbench"
builder = "hvm"
memory = 256
vcpus = 1
vif = [ 'bridge=bridge0' ]
disk = [ '/root/live.iso,raw,hdc:cdrom,r' ]
boot = "d"
serial = "pty"
"""
PEER_CFG = """name = "netpeer"
builder = "hvm"
memory = 192
vcpus = 1
vif = [ 'bridge=bridge0' ]
disk = [ '/root/peer.img,raw,hda,rw', '/root/live.iso,raw,hdc:cdrom,r' ]
boot = "d"
serial = "pty"
"""
RC = ["# make bench (test/bench/bench_net.py): then netbench, once netpeer serves",
      "xl create /etc/xen/netback.cfg",
      "xl create /etc/xen/netpeer.cfg",
      "xl console netpeer"]


def netdev(probe):
    return ["-netdev", "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:"
            f"python3 {os.path.abspath(SERVE)} {probe}"]


def fetch(s, where, timeout):
    """Bytes, ticks and MD5 of the guest's timed GET."""
    t0 = int(s.wait(f"{where}: the fetch's start", r"BULKHEAD-TSC: net-start (\d+)\r?\n", timeout).group(1))
    t1 = int(s.wait(f"{where}: the fetch's end", r"BULKHEAD-TSC: net-done (\d+)\r?\n", timeout).group(1))
    tf = s.wait(f"{where}: the reply's first line", r"BULKHEAD-TSC: net-first (\d+|unknown)\r?\n",
                timeout).group(1)
    if tf == "unknown":
        raise bench.BenchError(f"{where}: the guest did not mark the reply's first line")
    tf = int(tf)
    m = s.wait(f"{where}: the fetched file", r"BULKHEAD-NET-FETCH: ([0-9a-f]{32}) (\d+)\r?\n", timeout)
    if not t0 <= tf <= t1:
        raise bench.BenchError(f"{where}: the reply's first line at {tf}, outside {t0}..{t1}")
    return {"bytes": int(m.group(2)), "ticks": t1 - tf, "connect_ticks": tf - t0,
            "md5": m.group(1)}


def rtt(s, where, addr, timeout):
    """min/avg/max of the guest's ten echoes to addr, ms, or None (none came back)."""
    m = s.wait(f"{where}: the echo times to {addr}", r"BULKHEAD-NET-RTT: " + addr +
               r" (none|([0-9.]+)/([0-9.]+)/([0-9.]+))\r?\n", timeout)
    return None if m.group(1) == "none" else dict(zip(("min", "avg", "max"),
                                                      map(float, m.groups()[1:])))


def peer_fetch(s, where, peer, timeout):
    """The same file from the peer guest over bridge0: bytes, ticks, MD5, echo times."""
    m = s.wait(f"{where}: the file from the peer", r"BULKHEAD-NET-PEER: " + re.escape(peer) +
               r" ([0-9a-f]{32}) (\d+) ticks (\d+)\r?\n|BULKHEAD-NET-PEERS-DONE", timeout)
    if not m.group(1):	# the guest went on: nothing came from the peer
        raise bench.BenchError(f"{where}: the peer at {peer} served no file (log {s.out.name})")
    return {"bytes": int(m.group(2)), "ticks": int(m.group(3)), "md5": m.group(1),
            "rtt_ms": rtt(s, where, re.escape(peer), timeout)}


def run_bulkhead(f, outdir, probe, timeout, emu=False):
    fs = os.path.join(outdir, "net-rootfs.tar")
    cfg = GUEST_CFG
    domains = DOMAINS
    if emu:
        cfg = cfg.replace("'bridge=bridge0'", "'model=e1000,bridge=bridge0'") + "xen_platform_pci = 0\n"
        domains = DOMAINS + ["netbench-dm"]
    rootfs(f["rootfs"], fs, RC, "netbench.cfg", cfg, {"etc/xen/netpeer.cfg": PEER_CFG})
    cmd = [bench.QEMU] + bench.QEMU_ARGS + [
        "-M", "q35", "-device", "amd-iommu"] + netdev(probe) + [
        "-device", "e1000,netdev=n0,addr=03.0",
        "-kernel", f["image"], "-append", CMDLINE, "-initrd",
        f"{f['dom0']},{fs} rootfs,{f['live_iso']} /root/live.iso"]
    cmd[cmd.index("-m") + 1] = str(RAM_MIB)
    s = Session(cmd, os.path.join(outdir, "net-bulkhead%s.log" % ("-emu" if emu else "")))
    where = "Bulkhead" + (" (emulated e1000)" if emu else "")
    try:
        peer = s.wait("the peer serving the file", r"BULKHEAD-NET-SERVE: (10\.0\.2\.\d+)\r?\n",
                      timeout).group(1)
        s.wait("the peer waiting for its button", r"BULKHEAD-BUTTON: armed", timeout)
        s.type("\x1d")		# out of its console: Dom0's prompt
        s.wait("Dom0's prompt after the peer's console", re.escape(PROMPT), 30)
        s.run("xl create /etc/xen/netbench.cfg", 120)
        s.type("xl console netbench\n")
        s.wait("the guest's lease through netback", r"BULKHEAD-NET: eth0 00:16:3e", timeout)
        before = exit_dump(s, domains)
        got = fetch(s, where, timeout)
        segments = -(-got["bytes"] // MSS)
        got["exits_per_segment"] = exits_per_op(before, exit_dump(s, domains), segments, domains)
        got["rtt_gateway_ms"] = rtt(s, where, r"10\.0\.2\.2", timeout)
        got["from_peer"] = peer_fetch(s, where, peer, timeout)
        return got
    finally:
        s.close()


def bare_cmd(f, extra):
    return [bench.QEMU] + bench.QEMU_ARGS + [
        "-cdrom", f["live_iso"], "-kernel", f["vmlinuz"], "-initrd", f["initrd"],
        "-append", BARE_APPEND] + extra


def end(s):
    s.proc.kill()
    s.proc.wait()
    s.out.close()


def run_bare(f, outdir, probe, timeout):
    s = Session(bare_cmd(f, netdev(probe) + ["-device", "e1000,netdev=n0"]),
                os.path.join(outdir, "net-bare.log"))
    try:
        s.wait("the guest's lease on the e1000", r"BULKHEAD-NET: eth0 52:54:00", timeout)
        got = fetch(s, "bare QEMU", timeout)
        got["rtt_gateway_ms"] = rtt(s, "bare QEMU", r"10\.0\.2\.2", timeout)
        return got
    finally:
        end(s)


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def run_bare_pair(f, outdir, probe, timeout):
    """Guest to guest on two bare machines joined by a wire: each has its
    e1000 on its own user network (its lease, the host's file) and a second
    e1000 on a TCP socket to the other's (eth1, 192.168.7.1 and .2: QEMU's
    user network must not be on that wire, it resets TCP to addresses it
    does not serve). The first has the peer disk and serves the file; the
    second fetches it over the wire. Each machine has its own emulated CPU
    and clock; the figure is in the fetching guest's."""
    port = free_port()
    wire = "192.168.7.1"
    peer = Session(bare_cmd(f, netdev(probe) + [
        "-device", "e1000,netdev=n0",
        "-netdev", f"socket,id=s0,listen=127.0.0.1:{port}",
        "-device", "e1000,netdev=s0,mac=52:54:00:00:00:01",
        "-drive", f"file={f['peer_img']},format=raw,if=ide,index=0,snapshot=on"]),
        os.path.join(outdir, "net-bare-peer.log"))
    try:
        peer.wait("the bare peer's wire", r"BULKHEAD-NET-WIRE: eth1 " + re.escape(wire), timeout)
        peer.wait("the bare peer serving the file", r"BULKHEAD-NET-SERVE: ", timeout)
        s = Session(bare_cmd(f, netdev(probe) + [
            "-device", "e1000,netdev=n0",
            "-netdev", f"socket,id=s0,connect=127.0.0.1:{port}",
            "-device", "e1000,netdev=s0,mac=52:54:00:00:00:02"]),
            os.path.join(outdir, "net-bare-pair.log"))
        try:
            s.wait("the second bare guest's wire", r"BULKHEAD-NET-WIRE: eth1 192\.168\.7\.2", timeout)
            return peer_fetch(s, "bare QEMU, guest to guest", wire, timeout)
        finally:
            end(s)
    finally:
        end(peer)


def main():
    args, f, outdir = inputs(__doc__, "bench_net")
    if not args:
        return 1
    f["peer_img"] = os.path.join(args.build, "dom0", "peer.img")
    if not os.path.exists(f["peer_img"]):
        print(f"bench_net: FAILED: {f['peer_img']} is missing (ninja -C {args.build})",
              file=sys.stderr)
        return 1
    probe = os.path.join(outdir, "net-probe.txt")
    with open(probe, "wb") as fh:
        fh.write(b"".join(os.urandom(32).hex().encode() + b"\n" for _ in range(PROBE_LINES)))
    want = hashlib.md5(open(probe, "rb").read()).hexdigest()
    try:
        bh = run_bulkhead(f, outdir, probe, args.timeout)
        emu = run_bulkhead(f, outdir, probe, args.timeout, emu=True)
        bare = run_bare(f, outdir, probe, args.timeout)
        bare_pair = run_bare_pair(f, outdir, probe, args.timeout)
    except bench.BenchError as e:
        print(f"bench_net: FAILED: {e}", file=sys.stderr)
        return 1
    for where, r in (("Bulkhead", bh), ("Bulkhead (emulated e1000)", emu), ("bare QEMU", bare),
                     ("bare QEMU, guest to guest", bare_pair),
                     ("Bulkhead, from the peer", bh["from_peer"]),
                     ("Bulkhead (emulated e1000), from the peer", emu["from_peer"])):
        if r["md5"] != want or r["bytes"] != PROBE_LINES * 65:
            print(f"bench_net: FAILED: {where} fetched {r['bytes']} bytes, md5 {r['md5']}; "
                  f"sent {PROBE_LINES * 65}, {want}", file=sys.stderr)
            return 1
    mbs = {k: round(r["bytes"] / (r["ticks"] / 1e9) / 1e6, 1) for k, r in
           (("bulkhead", bh), ("bulkhead_emulated_e1000", emu), ("bare_qemu", bare),
            ("bulkhead_guest_to_guest", bh["from_peer"]), ("bare_qemu_guest_to_guest", bare_pair),
            ("bulkhead_emulated_e1000_from_peer", emu["from_peer"]))}
    result = {"bulkhead": bh, "bulkhead_emulated_e1000": emu, "bare_qemu": bare,
              "bare_qemu_guest_to_guest": bare_pair, "mb_per_s": mbs,
              "ratio_bulkhead_to_bare": round(mbs["bulkhead"] / mbs["bare_qemu"], 2),
              "ratio_guest_to_guest": round(mbs["bulkhead_guest_to_guest"] /
                                            mbs["bare_qemu_guest_to_guest"], 2),
              "ratio_emulated_e1000_to_bare": round(mbs["bulkhead_emulated_e1000"] /
                                                    mbs["bare_qemu"], 2),
              "units": "MB/s host to guest (guest to guest: *_from_peer), emulated time "
                       "(1 tick = 1 ns); echo round trips in ms of the guest's clock",
              "qemu": bench.qemu_version(), "method": __doc__.split("\n\n", 1)[1]}
    path = os.path.join(outdir, "net.json")
    with open(path, "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    print("| Network (QEMU TCG icount, e1000) | Bulkhead (xen-netfront, netback) | bare QEMU | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| host to guest, 8 MiB HTTP (MB/s) | {mbs['bulkhead']:,} | {mbs['bare_qemu']:,} | "
          f"{result['ratio_bulkhead_to_bare']} |")
    print(f"| the same, emulated e1000 (MB/s) | {mbs['bulkhead_emulated_e1000']:,} | "
          f"{mbs['bare_qemu']:,} | {result['ratio_emulated_e1000_to_bare']} |")
    print(f"| guest to guest over bridge0, 8 MiB HTTP (MB/s) | {mbs['bulkhead_guest_to_guest']:,} "
          f"| {mbs['bare_qemu_guest_to_guest']:,} (two machines) | {result['ratio_guest_to_guest']} |")
    print(f"| the same, emulated e1000 to xen-netfront (MB/s) | "
          f"{mbs['bulkhead_emulated_e1000_from_peer']:,} | - | - |")

    def ms(r):
        return f"{r['avg']:.3f} (min {r['min']:.3f})" if r else "none"
    print(f"| echo round trip to the gateway, avg ms | {ms(bh['rtt_gateway_ms'])} | "
          f"{ms(bare['rtt_gateway_ms'])} | |")
    print(f"| the same, emulated e1000 | {ms(emu['rtt_gateway_ms'])} | | |")
    print(f"| echo round trip guest to guest, avg ms | {ms(bh['from_peer']['rtt_ms'])} | "
          f"{ms(bare_pair['rtt_ms'])} | |")
    for what, r in (("xen-netfront", bh), ("emulated e1000", emu)):
        for dom, vcpus in (r.get("exits_per_segment") or {}).items():
            for v, e in vcpus.items():
                if "by_kind" not in e:	# the core's own: per pCPU, ticks
                    print(f"{what}: core {v}: " + ", ".join(f"{k} {n:,}" for k, n in e.items())
                          + " ticks per segment")
                    continue
                kinds = ", ".join(f"{k} {n}" for k, n in sorted(e["by_kind"].items()))
                print(f"{what}: {dom} {v}: {e['exits']} exits per segment ({kinds})")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

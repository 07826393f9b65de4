#!/usr/bin/env python3
"""Prints the kernel modules to load, in order, for the named modules: each
one after the modules its `depends=` field names (the .modinfo section that
modpost writes into every .ko; the same list depmod turns into
modules.dep). Reading it straight from the few modules we need is quicker
than running depmod over the package's thousands.

usage: moddeps.py MODDIR NAME...   (prints paths relative to MODDIR)
"""
import os
import struct
import sys


def canon(name):
    return name.replace("-", "_")


def modinfo(path):
    """The key=value strings of an ELF64 module's .modinfo section."""
    with open(path, "rb") as fh:
        elf = fh.read()
    if elf[:5] != b"\x7fELF\x02":
        sys.exit("moddeps: %s is not an ELF64 module (compressed?)" % path)
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3a)
    def section(i):
        base = shoff + i * shentsize
        name, = struct.unpack_from("<I", elf, base)
        off, size = struct.unpack_from("<QQ", elf, base + 0x18)
        return name, off, size
    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name, off, size = section(i)
        end = elf.index(b"\0", stroff + name)
        if elf[stroff + name:end] == b".modinfo":
            return [s.decode(errors="replace")
                for s in elf[off:off + size].split(b"\0") if s]
    return []


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    moddir, want = argv[1], argv[2:]
    paths = {}
    for root, _, files in os.walk(moddir):
        for f in files:
            if f.endswith(".ko"):
                paths[canon(f[:-3])] = os.path.relpath(os.path.join(root, f), moddir)
    order, state = [], {}
    def visit(name, chain):
        name = canon(name)
        if state.get(name) == "done":
            return
        if state.get(name) == "busy":
            sys.exit("moddeps: dependency loop: " + " -> ".join(chain + [name]))
        if name not in paths:
            sys.exit("moddeps: no module %s under %s (built in?)" % (name, moddir))
        state[name] = "busy"
        for kv in modinfo(os.path.join(moddir, paths[name])):
            if kv.startswith("depends="):
                for dep in filter(None, kv[8:].split(",")):
                    visit(dep, chain + [name])
        state[name] = "done"
        order.append(paths[name])
    for name in want:
        visit(name, [])
    print("\n".join(order))


if __name__ == "__main__":
    main(sys.argv)

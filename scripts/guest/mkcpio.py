#!/usr/bin/env python3
"""Writes a cpio "newc" archive (the initramfs format, Linux's
Documentation/driver-api/early-userspace/buffer-format.rst) from a tree on
disk plus device nodes named on the command line, owned by root and with a
fixed mtime, so the archive needs no root to build and is the same bytes
for the same inputs.

usage: mkcpio.py TREE OUT [--dev PATH:c:MAJOR:MINOR:MODE]...
"""
import os
import stat
import sys

MTIME = 1704067200  # 2024-01-01: fixed, so rebuilds are byte-identical


def header(ino, mode, nlink, size, major, minor, namesize):
    fields = (ino, mode, 0, 0, nlink, MTIME, size, 0, 0, major, minor,
          namesize, 0)
    return b"070701" + b"".join(b"%08x" % f for f in fields)


def pad4(n):
    return b"\0" * (-n % 4)


def entry(out, ino, name, mode, data=b"", nlink=1, rdev=(0, 0)):
    nameb = name.encode() + b"\0"
    h = header(ino, mode, nlink, len(data), rdev[0], rdev[1], len(nameb))
    out.append(h + nameb + pad4(len(h) + len(nameb)) + data + pad4(len(data)))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    tree, outpath, rest = argv[1], argv[2], argv[3:]
    out, ino = [], 1
    for root, dirs, files in os.walk(tree):
        dirs.sort()
        rel = os.path.relpath(root, tree)
        if rel != ".":
            entry(out, ino, rel, stat.S_IFDIR | 0o755, nlink=2)
            ino += 1
        for f in sorted(files):
            path = os.path.join(root, f)
            name = os.path.normpath(os.path.join(rel, f))
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                entry(out, ino, name, stat.S_IFLNK | 0o777,
                      os.readlink(path).encode())
            else:
                perm = 0o755 if st.st_mode & 0o111 else 0o644
                with open(path, "rb") as fh:
                    entry(out, ino, name, stat.S_IFREG | perm, fh.read())
            ino += 1
    while rest:
        if rest[0] != "--dev" or len(rest) < 2:
            sys.exit(__doc__)
        path, kind, major, minor, mode = rest[1].split(":")
        if kind != "c":
            sys.exit("mkcpio: only character devices")
        entry(out, ino, path, stat.S_IFCHR | int(mode, 8),
              rdev=(int(major), int(minor)))
        ino += 1
        rest = rest[2:]
    entry(out, 0, "TRAILER!!!", 0)
    with open(outpath, "wb") as fh:
        fh.write(b"".join(out))


if __name__ == "__main__":
    main(sys.argv)

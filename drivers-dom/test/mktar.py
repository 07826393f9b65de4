#!/usr/bin/env python3
"""Packs a directory into a ustar archive (test root file systems): mktar.py DIR OUT."""
import os
import sys
import tarfile


def main():
    src, out = sys.argv[1], sys.argv[2]
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for top, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(top, name)
                info = tar.gettarinfo(path, arcname=os.path.relpath(path, src))
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                info.mtime = 0
                if info.isfile():
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)


if __name__ == "__main__":
    main()

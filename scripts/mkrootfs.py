#!/usr/bin/env python3
"""A root file system as a ustar archive: mkrootfs.py DIR OUT [DEST=SRC ...].

DIR's tree goes in as it is; each DEST=SRC adds the build output SRC at the
absolute path DEST (configs and domain images built elsewhere).
"""
import os
import sys
import tarfile


def add(tar, path, arcname):
    info = tar.gettarinfo(path, arcname=arcname)
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 0
    if info.isfile():
        with open(path, "rb") as f:
            tar.addfile(info, f)
    else:
        tar.addfile(info)


def main():
    src, out, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for top, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(top, name)
                add(tar, path, os.path.relpath(path, src))
        made = set()
        for item in extra:
            dest, path = item.split("=", 1)
            parts = dest.strip("/").split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in made and not os.path.isdir(os.path.join(src, d)):
                    info = tarfile.TarInfo(d)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                made.add(d)
            add(tar, path, dest.strip("/"))


if __name__ == "__main__":
    main()

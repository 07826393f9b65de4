#!/usr/bin/env bash
# Builds Bulkhead's HVM test guests (issue 7 §6) from Debian packages only
# (DESIGN §5): Debian's stock kernel (linux-image-amd64's current ABI
# package) and busybox-static, fetched with `apt-get download` into the
# ignored third_party/guest-debs/ and unpacked there, never installed; GRUB
# from grub-pc-bin; ISOs by grub-mkrescue (xorriso, mtools). Output:
#   OUT/live.iso       boots to "BULKHEAD-LIVE: <kernel> cpus=<n>", tests
#                      /dev/sda if present, times port reads (our own
#                      scripts/guest/iotime.c, built here with gcc),
#                      "BULKHEAD-LIVE-DONE", powers off; with a disk that
#                      starts "BULKHEAD-WAIT-BUTTON" it waits for the ACPI
#                      power button first (button.ko, evdev.ko)
#   OUT/installer.iso  partitions /dev/sda, ext2 root + GRUB on it,
#                      "BULKHEAD-INSTALL-DONE", powers off; the disk then
#                      boots on its own to "BULKHEAD-DISK-BOOT: ..." and
#                      "BULKHEAD-DISK-DONE"
#   OUT/vmlinuz, OUT/initrd.gz, OUT/disk-core.img: the pieces, for direct boots
# The guest side is scripts/guest/init; the markers are listed there.
# Nothing is rebuilt while the inputs (the cached packages, these scripts,
# GRUB's version) are unchanged: OUT/stamp records them.
# usage: scripts/mkguest.sh [OUT]   (default build/guests)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/guests}
CACHE=third_party/guest-debs
SRC=scripts/guest
GRUBLIB=/usr/lib/grub/i386-pc
# The modules that reach the PIIX3 IDE disk and CD, their file systems, and
# ext2 (served by ext4 in Debian's kernel: CONFIG_EXT4_USE_FOR_EXT2; ext4 asks
# the crypto API for "crc32c" at every mount, and nothing here runs modprobe).
# Their dependencies are added (scripts/guest/moddeps.py). Debian 12's
# modules are not compressed (CONFIG_MODULE_COMPRESS_NONE).
# xen-blkfront: the disk's PV driver under Bulkhead (Linux unplugs the IDE
# disk when it runs on Xen and the toolstack offered a vbd: issue 8 §4).
# nvme: the same disk used directly in bare QEMU (the I/O bench's baseline).
# xen-netfront: the PV NIC (issue 9), when the guest has a vif; e1000: the
# same NIC used directly in bare QEMU (the network bench's baseline) and the
# device model's emulated e1000 (xen_platform_pci=0); 8139too (with mii): the
# device model's emulated RTL8139 (vif model=rtl8139). Both load; the one
# without a device just binds nothing.
MODULES=(ata_piix sd_mod sr_mod isofs crc32c_generic ext4 xen-blkfront nvme xen-netfront e1000 8139too)
# Loaded only by the power-button test (init's button_wait): the ACPI button
# driver and the event interface its "Power Button" input device is read
# through (both =m in Debian's kernel).
BUTTON_MODULES=(button evdev)
# GRUB modules: in the disk's core.img (no module is read from the disk), and
# all that the ISOs carry.
DISK_GRUB_MODS="biosdisk part_msdos ext2 normal linux serial terminal boot"
ISO_GRUB_MODS="biosdisk iso9660 normal linux serial terminal boot search search_fs_uuid"

die() { echo "mkguest: $*" >&2; exit 1; }

# candidate PKG: the version apt would install, or nothing.
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'; }

# refresh_lists: one `apt-get update` (as root) when apt does not know a
# package or a download fails: a fresh machine may have no lists, or stale ones.
refreshed=0
refresh_lists() {
	[ $refreshed -eq 0 ] && [ "$(id -u)" -eq 0 ] || return 1
	refreshed=1
	echo "mkguest: apt-get update" >&2
	apt-get update -qq >&2
}

# fetch PKG: the .deb of apt's candidate version of PKG in $CACHE (downloaded
# once; older versions dropped); a cached one when apt knows no candidate.
fetch() {
	local pkg=$1 ver deb old
	ver=$(candidate "$pkg")
	[ -n "$ver" ] || ! refresh_lists || ver=$(candidate "$pkg")
	if [ -z "$ver" ]; then
		deb=$(ls -t "$CACHE/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
		[ -n "$deb" ] || die "apt knows no package $pkg and none is cached"
		echo "$deb"
		return
	fi
	deb=$(ls "$CACHE/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		echo "mkguest: downloading $pkg $ver" >&2
		(cd "$CACHE" && apt-get download -qq "$pkg=$ver" >/dev/null 2>&1) ||
			{ refresh_lists && (cd "$CACHE" && apt-get download -qq "$pkg=$ver" >/dev/null 2>&1); } ||
			die "apt-get download $pkg=$ver failed"
		deb=$(ls "$CACHE/${pkg}_${ver//:/%3a}_"*.deb | head -n1)
		for old in "$CACHE/${pkg}_"*.deb; do
			[ "$old" = "$deb" ] || rm -f "$old"
		done
	fi
	echo "$deb"
}

# kernel_package: linux-image-amd64 is a metapackage; the kernel is the
# linux-image-<abi>-amd64 it depends on.
kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# inputs_hash KDEB BDEB: what the guests are made from.
inputs_hash() {
	{
		echo "$1" "$2"
		dpkg-query -W -f='${Version}\n' grub-pc-bin 2>/dev/null || true
		cat scripts/mkguest.sh "$SRC"/*
	} | sha256sum | cut -d' ' -f1
}

# Up to date: built by these scripts from packages still in the cache. Apt
# is not asked (it takes seconds), so a newer Debian kernel is picked up
# only once the cache is cleared (rm -r third_party/guest-debs).
if [ -f "$OUT/stamp" ] && [ -f "$OUT/live.iso" ] && [ -f "$OUT/installer.iso" ]; then
	{ read -r old; read -r kdeb; read -r bdeb; } <"$OUT/stamp" || true
	if [ -n "${bdeb:-}" ] && [ -f "$kdeb" ] && [ -f "$bdeb" ] &&
		[ "$old" = "$(inputs_hash "$kdeb" "$bdeb")" ]; then
		exit 0
	fi
fi

mkdir -p "$CACHE" "$OUT"
kpkg=$(kernel_package)
[ -n "$kpkg" ] || ! refresh_lists || kpkg=$(kernel_package)
if [ -z "$kpkg" ]; then
	kpkg=$(ls -t "$CACHE"/linux-image-[0-9]*.deb 2>/dev/null | head -n1 | sed 's|.*/||; s|_.*||')
	[ -n "$kpkg" ] || die "apt cannot resolve linux-image-amd64 and no kernel is cached"
fi
kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)
stamp=$(inputs_hash "$kdeb" "$bdeb")

for t in grub-mkimage grub-mkrescue xorriso mformat python3 gcc; do
	command -v $t >/dev/null || die "$t missing (setup.sh installs grub-pc-bin grub-common xorriso mtools python3)"
done
echo "mkguest: building test guests from $(basename "$kdeb") and $(basename "$bdeb")"
rm -f "$OUT/stamp"
W=$OUT/work
rm -rf "$W"
mkdir -p "$W/kernel" "$W/busybox" "$W/rootfs/bin" "$W/rootfs/lib/modules"

# Kernel package: vmlinuz and the modules tree (the load order comes from
# the modules' own dependency fields: moddeps.py).
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$W/kernel" --wildcards \
	'./boot/vmlinuz-*' './lib/modules/*/kernel/*'
kver=$(ls "$W/kernel/lib/modules")
moddir=$W/kernel/lib/modules/$kver
python3 "$SRC/moddeps.py" "$moddir" "${MODULES[@]}" >"$W/load.list"
python3 "$SRC/moddeps.py" "$moddir" "${BUTTON_MODULES[@]}" | grep -vxF -f "$W/load.list" >"$W/button.list" || true
dpkg-deb -x "$bdeb" "$W/busybox"
BB=$W/busybox/bin/busybox

R=$W/rootfs
for list in load button; do
	: >"$R/lib/modules/$list.list"
	while read -r m; do
		f=$(basename "$m")
		cp "$moddir/$m" "$R/lib/modules/$f"
		echo "$f" >>"$R/lib/modules/$list.list"
	done <"$W/$list.list"
done
[ -s "$R/lib/modules/button.list" ] || die "no modules for the power-button test (${BUTTON_MODULES[*]})"

# The initramfs: busybox with every applet linked (a usable shell when
# debugging a guest by hand), the modules, /init, and /dev/console so init
# has its console before devtmpfs is mounted.
cp "$BB" "$R/bin/busybox"
for a in $("$BB" --list); do
	[ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
install -m 755 "$SRC/init" "$R/init"
install -m 755 "$SRC/udhcpc.script" "$R/bin/udhcpc.script"
mkdir -p "$R/sbin"
install -m 755 "$SRC/pv-control" "$R/sbin/poweroff"
ln -s poweroff "$R/sbin/reboot"
# iotime: our own freestanding port-read timer (no libc), the bench's
# forwarded port-I/O round trip.
# iobench: block I/O timing (the I/O bench, issue 8).
for t in iotime iobench; do
	gcc -static -nostdlib -O2 -fno-pie -no-pie -ffreestanding -fno-stack-protector \
		-fno-asynchronous-unwind-tables -Wall -Wextra -Werror -s \
		-o "$R/bin/$t" "$SRC/$t.c" || die "cannot build $SRC/$t.c"
done
mkdir -p "$R/dev" "$R/proc" "$R/sys" "$R/tmp" "$R/mnt" "$R/cdrom"
python3 "$SRC/mkcpio.py" "$R" "$W/initrd.cpio" --dev dev/console:c:5:1:600
gzip -9 -n <"$W/initrd.cpio" >"$W/initrd.gz"
cp "$W/kernel/boot/vmlinuz-$kver" "$W/vmlinuz"

# GRUB for the installed disk: core.img read from sectors 1.. by boot.img.
# grub-bios-setup would patch boot.img's core.img sector (0x5c, 8 bytes LE)
# and diskboot.img's blocklist (last 12 bytes of core.img's first sector:
# start 8 bytes, sector count 2, segment 2); GRUB's defaults are sector 1 and
# "from sector 2, the rest of core.img", exactly this layout, so we check
# them rather than patch. The one patch grub-bios-setup makes for a hard
# disk: the 2-byte jump at 0x66 over "trust %dl only if it says hard disk"
# becomes two NOPs.
grub-mkimage -O i386-pc -p '(hd0,msdos1)/boot/grub' -o "$W/disk-core.img" $DISK_GRUB_MODS
cp "$GRUBLIB/boot.img" "$W/disk-boot.img"
python3 - "$W/disk-boot.img" "$W/disk-core.img" <<'EOF'
import struct, sys
boot_path, core_path = sys.argv[1:]
boot = bytearray(open(boot_path, "rb").read())
core = open(core_path, "rb").read()
def need(ok, what):
	if not ok:
		sys.exit("mkguest: GRUB image check failed: " + what)
need(len(boot) == 512, "boot.img is not one sector")
need(struct.unpack_from("<Q", boot, 0x5c)[0] == 1, "boot.img kernel sector is not 1")
need(boot[0x64] == 0xff, "boot.img boot drive is not 0xff (use %dl)")
need(boot[0x66:0x68] == b"\xeb\x05", "boot.img drive check is not the expected jmp")
start, count, seg = struct.unpack_from("<QHH", core, 0x200 - 12)
sectors = (len(core) + 511) // 512
need(start == 2, "diskboot blocklist does not start at sector 2")
need(count == sectors - 1, "diskboot blocklist covers %d sectors, core.img has %d more" % (count, sectors - 1))
need(sectors <= 2047, "core.img (%d sectors) does not fit below sector 2048" % sectors)
boot[0x66:0x68] = b"\x90\x90"
open(boot_path, "wb").write(bytes(boot))
EOF

# stage DIR CFG: an ISO tree with the kernel, the initramfs and grub.cfg.
stage() {
	mkdir -p "$1/boot/grub"
	ln "$W/vmlinuz" "$1/boot/vmlinuz"
	ln "$W/initrd.gz" "$1/boot/initrd.gz"
	cp "$SRC/$2" "$1/boot/grub/grub.cfg"
}
stage "$W/live" grub-live.cfg
stage "$W/installer" grub-install.cfg
mkdir -p "$W/installer/install"
cp "$W/disk-boot.img" "$W/installer/install/boot.img"
cp "$W/disk-core.img" "$W/installer/install/core.img"
cp "$SRC/grub-disk.cfg" "$W/installer/install/grub.cfg"

for iso in live installer; do
	grub-mkrescue -o "$W/$iso.iso" --compress=xz --fonts= --locales= --themes= \
		--install-modules="$ISO_GRUB_MODS" "$W/$iso" >"$W/$iso.log" 2>&1 ||
		{ cat "$W/$iso.log" >&2; die "grub-mkrescue $iso.iso failed"; }
done

mv -f "$W/vmlinuz" "$W/initrd.gz" "$W/disk-core.img" "$W/live.iso" "$W/installer.iso" "$OUT/"
echo "$kver" >"$OUT/kernel-version"
rm -rf "$W"
printf '%s\n' "$stamp" "$kdeb" "$bdeb" >"$OUT/stamp"
echo "mkguest: built $OUT/live.iso ($(du -k "$OUT/live.iso" | cut -f1) KiB)," \
	"$OUT/installer.iso ($(du -k "$OUT/installer.iso" | cut -f1) KiB), kernel $kver"

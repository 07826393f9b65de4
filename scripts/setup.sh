#!/usr/bin/env bash
# Every set-up step `make run` and `make check` need on a fresh Debian 12
# machine, each idempotent: Debian packages (installed when root, otherwise
# the one apt-get line to run is printed), lwIP's source from Debian's source
# package into third_party/, meson configured into build/, and the HVM test
# guests built into build/guests/ (scripts/mkguest.sh: Debian's kernel and
# busybox-static fetched with apt-get download, never installed).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(gcc libc6-dev binutils make python3 nasm meson ninja-build
          qemu-system-x86 bochs bochsbios vgabios
          grub-pc-bin grub-common xorriso mtools
          seabios libfdt-dev dpkg-dev)

as_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command with its output kept in a log that is shown only if it fails.
quiet() {
	local log rc
	log=$(mktemp)
	env "$@" >"$log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || cat "$log" >&2
	rm -f "$log"
	return $rc
}

# Adds a deb-src entry for every deb entry this machine's apt uses, in
# whichever form it has them: deb822 (*.sources, Debian 12's default for
# cloud images) or one-line (sources.list, what the Debian installer and
# debootstrap write).
add_deb_src() {
	local f added=0 out=/etc/apt/sources.list.d/bulkhead-deb-src
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$out.sources" ] || continue
		grep -Eq '^Types:(.*[[:space:]])?deb([[:space:]]|$)' "$f" || continue
		sed -E 's/^Types:.*$/Types: deb-src/' "$f" >>"$out.sources.new"
		echo >>"$out.sources.new"
		added=1
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && [ "$f" != "$out.list" ] || continue
		grep -E '^[[:space:]]*deb[[:space:]]' "$f" |
			sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' >>"$out.list.new" && added=1
	done
	[ -f "$out.sources.new" ] && mv "$out.sources.new" "$out.sources"
	[ -s "$out.list.new" ] && mv "$out.list.new" "$out.list"
	rm -f "$out.sources.new" "$out.list.new"
	[ $added -eq 1 ]
}

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == *"ok installed"* ]] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if as_root; then
		echo "setup: installing ${missing[*]}"
		apt-get update -qq
		quiet DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
			{ echo "setup: installing ${missing[*]} failed"; exit 1; }
	else
		echo "setup: missing Debian packages. Run this once, then again 'make':"
		echo "  sudo apt-get install -y ${missing[*]}"
		exit 1
	fi
fi

# lwIP: compiled freestanding from Debian's source package (DESIGN §5).
if ! ls -d third_party/lwip-*/src >/dev/null 2>&1; then
	srcinfo=$(apt-cache showsrc lwip 2>/dev/null || true)
	if [[ $srcinfo != *"Package: lwip"* ]] && as_root; then
		# deb-src entries may be there already with stale lists.
		apt-get update -qq
		srcinfo=$(apt-cache showsrc lwip 2>/dev/null || true)
	fi
	if [[ $srcinfo != *"Package: lwip"* ]]; then
		if as_root; then
			echo "setup: enabling Debian source packages (deb-src)"
			add_deb_src || { echo "setup: no deb entries in /etc/apt to derive deb-src entries from"; exit 1; }
			apt-get update -qq
			srcinfo=$(apt-cache showsrc lwip 2>/dev/null || true)
			[[ $srcinfo == *"Package: lwip"* ]] ||
				{ echo "setup: deb-src entries added, but apt still has no source package lwip"; exit 1; }
		else
			echo "setup: lwIP's source needs deb-src entries; as root, run 'make' once (it adds them)"
			exit 1
		fi
	fi
	mkdir -p third_party
	echo "setup: fetching lwIP source (apt-get source lwip)"
	for try in 1 2 3; do
		(cd third_party && apt-get source -qq lwip >../build-lwip-fetch.log 2>&1) && break
		[ "$try" -lt 3 ] || { cat build-lwip-fetch.log; echo "setup: 'apt-get source lwip' failed"; exit 1; }
		sleep 2
	done
	rm -f build-lwip-fetch.log
fi

if [ ! -f build/build.ninja ]; then
	quiet meson setup build --cross-file cross/x86_64-freestanding.ini ||
		{ rm -rf build; echo "setup: 'meson setup build' failed (its output is above)"; exit 1; }
	echo "setup: configured build/"
fi

# HVM test guests (issue 7 §6): a no-op while build/guests/ is up to date.
scripts/mkguest.sh build/guests || { echo "setup: building the HVM test guests failed"; exit 1; }

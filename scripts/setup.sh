#!/usr/bin/env bash
# Every set-up step `make run` and `make check` need on a fresh Debian 12
# machine, each idempotent: Debian packages (installed when root, otherwise
# the one apt-get line to run is printed), lwIP's source from Debian's source
# package into third_party/, and meson configured into build/.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(gcc binutils make python3 nasm meson ninja-build
          qemu-system-x86 bochs bochsbios vgabios
          grub-pc-bin grub-common xorriso mtools
          seabios libfdt-dev dpkg-dev)

as_root() { [ "$(id -u)" -eq 0 ]; }

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == *"ok installed"* ]] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if as_root; then
		echo "setup: installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "setup: missing Debian packages. Run this once, then again 'make':"
		echo "  sudo apt-get install -y ${missing[*]}"
		exit 1
	fi
fi

# lwIP: compiled freestanding from Debian's source package (DESIGN §5).
if ! ls -d third_party/lwip-*/src >/dev/null 2>&1; then
	srcinfo=$(apt-cache showsrc lwip 2>/dev/null || true)
	if [[ $srcinfo != *"Package: lwip"* ]]; then
		if as_root; then
			echo "setup: enabling Debian source packages (deb-src)"
			src=/etc/apt/sources.list.d/debian.sources
			[ -f "$src" ] || { echo "setup: no $src to derive deb-src entries from"; exit 1; }
			sed 's/^Types: deb$/Types: deb-src/' "$src" > /etc/apt/sources.list.d/bulkhead-deb-src.sources
			apt-get update -qq
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
	meson setup build --cross-file cross/x86_64-freestanding.ini >/dev/null
	echo "setup: configured build/"
fi

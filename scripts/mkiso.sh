#!/bin/bash
# Build a legacy-BIOS GRUB ISO (grub-mkrescue) that boots the hypervisor
# through multiboot2 with its boot modules (module2).
#
#   mkiso.sh [-s] [-n] OUT.iso IMAGE 'CMDLINE' ['MODULE [ARGS...]' ...]
#
# Each module argument is one word: the module's file, then its argument
# string. The files land in /boot on the ISO (one file used by several
# modules is stored once). GRUB hands a module only the
# words after its file name, so the file's ISO path is repeated as the first
# word: the module's command line is then '/boot/FILE ARGS', as with QEMU's
# -initrd 'FILE ARGS'.
#
#   -s  GRUB also uses COM1 (115200 8n1) as its terminal
#   -n  print grub.cfg and stop (dry run)
set -euo pipefail

usage() {
	sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

serial=0
dry=0
while getopts "snh" opt; do
	case $opt in
	s) serial=1 ;;
	n) dry=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 3 ] || usage
out=$1 image=$2 cmdline=$3
shift 3

# One word for GRUB's parser, taken literally (no $ expansion): single
# quotes, with ' written as '\''.
grub_quote() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

# GRUB words for a string of space-separated arguments.
grub_words() {
	local w words=()
	read -r -a words <<<"$1" || true
	for w in "${words[@]}"; do
		printf ' %s' "$(grub_quote "$w")"
	done
}

[ -f "$image" ] || { echo "mkiso: no image $image" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/iso		# what goes on the ISO; logs stay outside it
mkdir -p "$tree/boot/grub"

cfg=$tree/boot/grub/grub.cfg
{
	echo "set timeout=0"
	echo "set default=0"
	if [ "$serial" = 1 ]; then
		echo "serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1"
		echo "terminal_input serial console"
		echo "terminal_output serial console"
	fi
	echo 'menuentry "Bulkhead" {'
	kname=$(basename "$image")
	echo "	multiboot2 /boot/$kname$(grub_words "$cmdline")"
} >"$cfg"
[ "$dry" = 1 ] || cp "$image" "$tree/boot/$kname"

# ISO name -> source file; the same file twice (two domains of one guest
# image) is stored once, two different files of one name get a numbered one.
declare -A seen=([$kname]=$(realpath -m "$image"))
for m in "$@"; do
	read -r file args <<<"$m" || true
	[ -n "$file" ] || { echo "mkiso: empty module argument" >&2; exit 1; }
	[ "$dry" = 1 ] || [ -f "$file" ] || { echo "mkiso: no module file $file" >&2; exit 1; }
	src=$(realpath -m "$file")
	name=$(basename "$file")
	n=1
	while [ -n "${seen[$name]:-}" ] && [ "${seen[$name]}" != "$src" ]; do
		n=$((n + 1))
		name=$n-$(basename "$file")
	done
	if [ -z "${seen[$name]:-}" ]; then
		seen[$name]=$src
		[ "$dry" = 1 ] || cp "$file" "$tree/boot/$name"
	fi
	echo "	module2 /boot/$name$(grub_words "/boot/$name ${args:-}")" >>"$cfg"
done
{
	echo "	boot"
	echo "}"
} >>"$cfg"

if [ "$dry" = 1 ]; then
	cat "$cfg"
	exit 0
fi

# Legacy BIOS only (i386-pc), whatever other GRUB platforms are installed.
platform=/usr/lib/grub/i386-pc
[ -d "$platform" ] || { echo "mkiso: $platform missing (grub-pc-bin)" >&2; exit 1; }
if ! grub-mkrescue -d "$platform" -o "$out" "$tree" >"$work/mkrescue.log" 2>&1; then
	cat "$work/mkrescue.log" >&2
	echo "mkiso: grub-mkrescue failed" >&2
	exit 1
fi
echo "mkiso: $out"

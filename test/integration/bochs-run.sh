#!/bin/bash
# Boot an ISO in Bochs (Intel VMX + EPT), headless, with COM1 going to a file.
#
#   bochs-run.sh [options] ISO CPUS TIMEOUT SERIAL
#
# The serial output is written to SERIAL and echoed on stdout as it comes.
# Stops when a line of it matches the "done" regex (exit 0), when Bochs
# exits by itself (exit 0 when no done regex was given, else 1), or after
# TIMEOUT seconds (exit 124). Each ending says which it was on stderr.
# Beside SERIAL: SERIAL.bochsrc (rerun it with bochs-bin -q -f), and Bochs's
# own log SERIAL.bochs.log (its console output is appended at the end).
#
#   -d REGEX  done regex, extended (default: '\(XEN\) (all domains gone|PANIC|idle_poweroff)';
#             '' = wait for Bochs to exit)
#   -l FILE   Bochs's own log (default SERIAL.bochs.log)
#   -m MIB    guest RAM (default 256)
#   -i IPS    emulated instructions per second (default 100000000)
#   -g SEC    grace period after the done line, for the lines after it (default 0.5)
set -uo pipefail

usage() {
	sed -n '2,19s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

done_rx='\(XEN\) (all domains gone|PANIC|idle_poweroff|Domain-0 shut down)'
bochs_log=
megs=256
ips=100000000
grace=0.5
while getopts "d:l:m:i:g:h" opt; do
	case $opt in
	d) done_rx=$OPTARG ;;
	l) bochs_log=$OPTARG ;;
	m) megs=$OPTARG ;;
	i) ips=$OPTARG ;;
	g) grace=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 4 ] || usage
iso=$1 cpus=$2 timeout=$3 serial=$4
[ -n "$bochs_log" ] || bochs_log=$serial.bochs.log
[ -f "$iso" ] || { echo "bochs-run: no ISO $iso" >&2; exit 2; }
case $cpus$timeout$megs$ips in *[!0-9]*) usage ;; esac

bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/vgabios/vgabios.bin
for f in "$bios" "$vgabios"; do
	[ -f "$f" ] || { echo "bochs-run: $f missing (bochsbios, vgabios)" >&2; exit 2; }
done
for p in bochs-bin setpriv; do
	command -v "$p" >/dev/null || { echo "bochs-run: $p not found" >&2; exit 2; }
done

abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
iso=$(abspath "$iso") serial=$(abspath "$serial") bochs_log=$(abspath "$bochs_log")
mkdir -p "$(dirname "$serial")" "$(dirname "$bochs_log")" || exit 2
rc_file=$serial.bochsrc
console=$serial.bochs.out

# Debian's Bochs has no "nogui" display: RFB with no wait for a client
# boots headless. Sound goes to the dummy driver: on a machine without a
# sound device Bochs 2.7's mixer thread aborts ("buffer overflow detected").
# A triple fault or emulator panic ends the run instead of resetting the
# machine in a loop.
cat >"$rc_file" <<EOF
cpu: model=corei7_skylake_x, count=$cpus, ips=$ips, reset_on_triple_fault=0
megs: $megs
romimage: file=$bios
vgaromimage: file=$vgabios
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=file, dev=$serial
clock: sync=none, time0=1704067200
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
mouse: enabled=0
speaker: enabled=0
sound: driver=dummy
log: $bochs_log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
EOF
echo c >"$rc_file.cmds"
: >"$serial"

start=$(date +%s)
# Bochs dies with this script, even when the script is killed outright.
# Not under MALLOC_PERTURB_ (meson test sets it): Debian's Bochs 2.7 then
# aborts at start-up with "buffer overflow detected".
(cd "$(dirname "$serial")" &&
	exec env -u MALLOC_PERTURB_ setpriv --pdeathsig KILL \
		bochs-bin -q -f "$rc_file" -rc "$rc_file.cmds" </dev/null >"$console" 2>&1) &
bochs=$!
tail -n +1 -f --pid=$bochs "$serial" &
tailer=$!

finish() {
	local rc=$1 msg=$2
	kill "$bochs" 2>/dev/null
	wait "$bochs" 2>/dev/null
	sleep 0.2
	kill "$tailer" 2>/dev/null
	wait "$tailer" 2>/dev/null
	if [ -s "$console" ]; then
		{ echo "--- Bochs console output ---"; cat "$console"; } >>"$bochs_log"
	fi
	rm -f "$console" "$rc_file.cmds"
	# Start on a line of its own when the serial log ends mid-line.
	if [ -s "$serial" ] && [ "$(tail -c 1 "$serial" | od -An -tx1 | tr -d ' \n')" != 0a ]; then
		echo >&2
	fi
	echo "bochs-run: $msg after $(($(date +%s) - start)) s (serial $serial, Bochs log $bochs_log)" >&2
	exit "$rc"
}
trap 'finish 130 "interrupted"' INT TERM

# The serial log's complete lines, so a done line is never matched half-written.
complete_lines() {
	if [ "$(tail -c 1 "$serial" | od -An -tx1 | tr -d ' \n')" = 0a ]; then
		cat "$serial"
	else
		sed '$d' "$serial"
	fi
}

while :; do
	if [ -n "$done_rx" ] && complete_lines | grep -E -- "$done_rx" >/dev/null; then
		sleep "$grace"
		finish 0 "done line seen"
	fi
	if ! kill -0 "$bochs" 2>/dev/null; then
		wait "$bochs"
		st=$?
		if [ -n "$done_rx" ]; then
			finish 1 "Bochs exited (status $st) before a line matched /$done_rx/"
		fi
		finish 0 "Bochs exited (status $st)"
	fi
	if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
		finish 124 "TIMED OUT without /$done_rx/"
	fi
	sleep 0.5
done

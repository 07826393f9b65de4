#!/usr/bin/env bash
# `make fuzz`: builds each libFuzzer target with clang (fuzzer, ASan, UBSan)
# and runs it from its seed corpus for N seconds (argument or FUZZ_SECONDS,
# default 60). New inputs go to build/fuzz/corpus-NAME (kept between runs),
# crash inputs to build/fuzz/. Exits non-zero if a target crashes.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 300 xlcfg
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${FUZZ_SECONDS:-60}}
shift $(( $# > 0 ? 1 : 0 ))
out=build/fuzz
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
        -Wall -Wextra -Werror -DBULKHEAD_HOST -Idrivers-dom/include)

# Each target: its entry point, include path and the sources under test.
build_xlcfg() {
	clang "${cflags[@]}" -Itoolstack/xlcfg test/fuzz/fuzz_xlcfg.c \
		toolstack/xlcfg/*.c -o "$out/fuzz_xlcfg"
}
build_mmio() {
	clang "${cflags[@]}" -Ikernel/include -Ikernel test/fuzz/fuzz_mmio.c \
		kernel/mmio.c kernel/insn.c -o "$out/fuzz_mmio"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(xlcfg mmio)
command -v clang >/dev/null || { echo "fuzz: clang is needed"; exit 1; }
mkdir -p "$out"
for t in "${targets[@]}"; do
	echo "fuzz: building $t"
	"build_$t"
	mkdir -p "$out/corpus-$t"
	echo "fuzz: running $t for ${seconds}s"
	dict=()
	[ -f "test/fuzz/$t.dict" ] && dict=(-dict="test/fuzz/$t.dict")
	"$out/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$out/$t-" "${dict[@]}" \
		"$out/corpus-$t" "test/fuzz/corpus/$t"
done
echo "fuzz: no crashes"

# Thin wrapper over meson: every target does the set-up it needs first.
#   make run    boot Bulkhead in QEMU with the test guests, on this terminal
#   make check  every test (unit + emulator), ending in "N passed, N failed"
#   make bench  figures into build/bench/*.json
#   make iso    build/bulkhead.iso (GRUB, multiboot2), for real machines and Bochs

SHELL := /bin/bash
BUILD := build
CMDLINE ?= dom0_mem=1024M dom0_max_vcpus=2 console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all idle_poweroff
GUESTS := $(BUILD)/test/guests
MODULES := $(GUESTS)/realmode.bin name=realmode mem=4 vcpus=1 mode=real,$(GUESTS)/cpuid.bin name=cpuid mem=4 vcpus=1 mode=long,$(GUESTS)/memtouch.bin name=memtouch mem=16 vcpus=1 mode=long,$(GUESTS)/fair.bin name=fair-a mem=4 vcpus=2 mode=long,$(GUESTS)/fair.bin name=fair-b mem=4 vcpus=2 mode=long,$(GUESTS)/timer.bin name=timer mem=4 vcpus=1 mode=long

.PHONY: all setup build run check bench iso clean

all: build

setup:
	@scripts/setup.sh

build: setup
	@ninja -C $(BUILD)

run: build
	qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 2 -nodefaults -display none \
		-serial mon:stdio -no-reboot -kernel $(BUILD)/bulkhead \
		-append '$(CMDLINE)' -initrd '$(MODULES)'

check: build
	@scripts/check.sh $(BUILD)

bench: build
	@python3 test/bench/bench.py --build $(BUILD)

iso: build
	@IFS=, read -ra mods <<< '$(MODULES)'; \
		scripts/mkiso.sh $(BUILD)/bulkhead.iso $(BUILD)/bulkhead '$(CMDLINE)' "$${mods[@]}"
	@echo "built $(BUILD)/bulkhead.iso" 

clean:
	rm -rf $(BUILD)

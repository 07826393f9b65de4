# Thin wrapper over meson: every target does the set-up it needs first.
#   make run         boot Bulkhead in QEMU to the Dom0 console (dom0# prompt, xl), on this terminal
#   make run-guests  boot it with the core's test guests instead of Dom0
#   make check       every test (unit + emulator), ending in "N passed, N failed"
#   make bench       figures into build/bench/*.json (HVM: test/bench/bench_hvm.py, hvm.json;
#                    block I/O: test/bench/bench_io.py, io.json; network:
#                    test/bench/bench_net.py, net.json)
#   make fuzz        fuzz the xl.cfg parser (FUZZ_SECONDS, default 60)
#   make iso         build/bulkhead.iso (GRUB, multiboot2), for real machines and Bochs
#   make guests      the HVM test guests: build/guests/live.iso, build/guests/installer.iso
#                    (scripts/mkguest.sh, from Debian's kernel and busybox-static)
#
# An HVM guest's media for `make run` (Dom0 serves them to xl as hdc:cdrom and hda):
#   GUEST_ISO=path/to/os.iso    the CD (default: the project's live test ISO)
#   GUEST_DISK=path/to/disk.img a raw disk image, used in place (default: none)
# e.g. make run GUEST_ISO=build/guests/installer.iso GUEST_DISK=disk.img
#
# The machine (issues 8 and 9): by default a q35 PC with QEMU's AMD IOMMU, an
# NVMe disk (RUN_NVME, a sparse RUN_NVME_GIB GiB file made once and kept) that
# the storage driver domain blkback owns, and an e1000 on QEMU's user network
# (NAT: guests reach what the host reaches) that the network driver domain
# netback owns; Dom0 starts both at boot (scripts/run/rc.local), `zfs create
# -V` makes guests' volumes on that disk and `vif=['bridge=bridge0']` puts a
# guest on bridge0.
#   STORAGE=dom0   the plain PC without IOMMU: volumes in Dom0's memory
#   IOMMU=intel-iommu,aw-bits=48   Intel VT-d instead of AMD-Vi

SHELL := /bin/bash
BUILD := build
CMDLINE ?= dom0_mem=1024M dom0_max_vcpus=2 console=com1 com1=115200,8n1
GUEST_CMDLINE := console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all idle_poweroff
DOM0 := $(BUILD)/dom0/dom0.elf,$(BUILD)/dom0/rootfs.tar rootfs
GUESTS := $(BUILD)/test/guests
GUEST_ISO ?= $(BUILD)/guests/live.iso
GUEST_DISK ?=
STORAGE ?= blkback
IOMMU ?= amd-iommu
RUN_NVME ?= $(BUILD)/run-nvme.img
RUN_NVME_GIB ?= 32
# Dom0's boot modules for `make run`: the media become files in Dom0
# (dom0/modfiles.c), where /etc/xen/linux.cfg finds the CD.
comma := ,
RUN_MODULES := $(DOM0)$(if $(GUEST_ISO),$(comma)$(GUEST_ISO) /root/linux.iso)$(if $(GUEST_DISK),$(comma)$(GUEST_DISK) /root/disk.img)
ifeq ($(STORAGE),dom0)
RUN_MACHINE :=
else
RUN_MACHINE := -M q35 -device $(IOMMU) -drive file=$(RUN_NVME),if=none,id=nv0,format=raw \
	-device nvme,drive=nv0,serial=bh0,addr=04.0 -netdev user,id=n0 -device e1000,netdev=n0,addr=03.0
RUN_MODULES := $(RUN_MODULES),scripts/run/rc.local /etc/rc.local
endif
# The machine's RAM (MiB): 2048 for Dom0 (dom0_mem=1024M), a 256 MiB guest with
# its 16 MiB device model and the core's own, plus the media (boot modules
# stay in RAM), rounded up to MiB.
RUN_MEM ?= $(shell echo $$(( 2048 + ( $(foreach f,$(GUEST_ISO) $(GUEST_DISK),$$(stat -Lc %s '$(f)' 2>/dev/null || echo 0) +) 0 + 1048575 ) / 1048576 )))
MODULES := $(GUESTS)/realmode.bin name=realmode mem=4 vcpus=1 mode=real,$(GUESTS)/cpuid.bin name=cpuid mem=4 vcpus=1 mode=long,$(GUESTS)/memtouch.bin name=memtouch mem=16 vcpus=1 mode=long,$(GUESTS)/fair.bin name=fair-a mem=4 vcpus=2 mode=long,$(GUESTS)/fair.bin name=fair-b mem=4 vcpus=2 mode=long,$(GUESTS)/timer.bin name=timer mem=4 vcpus=1 mode=long

.PHONY: all setup build run run-guests check bench fuzz iso guests clean

all: build

setup:
	@scripts/setup.sh

build: setup
	@ninja -C $(BUILD)

run: build
	@[ "$(STORAGE)" = dom0 ] || [ -f $(RUN_NVME) ] || truncate -s $(RUN_NVME_GIB)G $(RUN_NVME)
	qemu-system-x86_64 -accel tcg -cpu max -m $(RUN_MEM) -smp 2 -nodefaults -display none \
		-serial stdio -no-reboot $(RUN_MACHINE) -kernel $(BUILD)/bulkhead \
		-append '$(CMDLINE)' -initrd '$(RUN_MODULES)'

run-guests: build
	qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 2 -nodefaults -display none \
		-serial stdio -no-reboot -kernel $(BUILD)/bulkhead \
		-append '$(GUEST_CMDLINE)' -initrd '$(MODULES)'

check: build
	@scripts/check.sh $(BUILD)

bench: build
	@s=0; python3 test/bench/bench.py --build $(BUILD) || s=$$?; \
		python3 test/bench/bench_hvm.py --build $(BUILD) --guests $(BUILD)/guests || s=1; \
		python3 test/bench/bench_io.py --build $(BUILD) --guests $(BUILD)/guests || s=1; \
		python3 test/bench/bench_net.py --build $(BUILD) --guests $(BUILD)/guests || s=1; exit $$s

fuzz: build
	@scripts/fuzz.sh

iso: build
	@scripts/mkiso.sh $(BUILD)/bulkhead.iso $(BUILD)/bulkhead '$(CMDLINE)' \
		$(BUILD)/dom0/dom0.elf '$(BUILD)/dom0/rootfs.tar rootfs'
	@echo "built $(BUILD)/bulkhead.iso" 

guests: setup
	@scripts/mkguest.sh $(BUILD)/guests

clean:
	rm -rf $(BUILD)

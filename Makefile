# Build, run, test and debug the kernel.  `make help` lists the targets.
# V=1 shows full commands.  CROSS=x86_64-elf- uses a cross toolchain.

CROSS   ?=
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
NM      := $(CROSS)nm
OBJCOPY := $(CROSS)objcopy
NASM    ?= nasm
HOSTCC  ?= gcc
# Debian's Python: it has pexpect, pytest and pyelftools (tools/install-deps.sh);
# a python3 earlier on PATH (pyenv, a venv) may not.
PYTHON  ?= /usr/bin/python3
QEMU    ?= qemu-system-x86_64

BUILD   ?= build
MEM     ?= 512M
# Extra kernel command line for the ISO (make iso CMDLINE="loglevel=4").
CMDLINE ?=
QEMU_EXTRA ?=

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---------------------------------------------------------------- kernel flags
KCFLAGS := -std=gnu11
KCFLAGS += -ffreestanding              # no hosted C library
KCFLAGS += -fno-pic -fno-pie           # absolute addresses, linked in the higher half
KCFLAGS += -mcmodel=kernel             # code and data in the top 2 GiB
KCFLAGS += -mno-red-zone               # interrupts push onto the stack below rsp
KCFLAGS += -mgeneral-regs-only         # no SSE/x87 state to save in the kernel
KCFLAGS += -fno-stack-protector        # no canary runtime
KCFLAGS += -fno-omit-frame-pointer     # rbp chains make backtraces possible
KCFLAGS += -fno-asynchronous-unwind-tables
KCFLAGS += -fno-strict-aliasing        # we cast between layouts on purpose
KCFLAGS += -fcf-protection=none        # no CET landing pads
KCFLAGS += -O2 -g                      # optimised, with debug info for gdb
KCFLAGS += -ffile-prefix-map=$(CURDIR)=. # no checkout path in DWARF or __FILE__
KCFLAGS += -Wall -Wextra -Werror       # every warning is an error
KCFLAGS += -Wno-unused-parameter
KCFLAGS += -I.                         # "lib/printk.h" style includes
KCFLAGS += -MMD -MP                    # header dependencies

KASFLAGS := -f elf64 -g -F dwarf       # DWARF line numbers for gdb
KASFLAGS += -Werror                    # every warning is an error
KASFLAGS += -I$(BUILD)/inc/            # %include "x86.inc" and the other made includes
KASFLAGS += -Ilib/                     # %include "cfi.inc": NASM macros written by hand
KASFLAGS += -I$(BUILD)/                # incbin "purgatory.ro"
# NASM 2.16.01 writes the source's absolute directory into DW_AT_comp_dir
# and has no --debug-prefix-map: this does the same after each assembly,
# so kernel.elf and its build ID do not depend on the checkout path.
NASM_PREFIX_MAP = $(PYTHON) tools/nasm_prefix_map.py

KLDFLAGS := -nostdlib
KLDFLAGS += -z max-page-size=0x1000    # segments on 4 KiB file boundaries
KLDFLAGS += -z noexecstack
KLDFLAGS += --build-id=sha1            # the id VMCOREINFO and gdb match on
KLDFLAGS += -T $(BUILD)/linker.ld      # linker.ld through the C preprocessor

# Every .c and .asm in the kernel folders is part of the kernel; the
# folders in layer order, low to high (README.md "Layout").
KDIRS   := lib boot mm drivers kernel kexec crash
KCSRCS  := $(foreach d,$(KDIRS),$(wildcard $(d)/*.c))
KASRCS  := $(foreach d,$(KDIRS),$(wildcard $(d)/*.asm))
KOBJS   := $(patsubst %.c,$(BUILD)/%.o,$(KCSRCS)) $(patsubst %.asm,$(BUILD)/%.asm.o,$(KASRCS))

# ------------------------------------------------------------- host unit tests
# Pure-logic sources: compiled unchanged for the kernel and for the host.
PURE_SRCS := lib/errno.c lib/strutil.c lib/vsprintf.c lib/logring.c lib/sha256.c lib/range.c
PURE_SRCS += lib/hexdump.c
PURE_SRCS += lib/cmdline_parse.c
PURE_SRCS += $(wildcard boot/bootinfo_parse.c boot/bootparams_parse.c boot/initrd_cpio.c)
PURE_SRCS += $(wildcard mm/memmap.c mm/resource_tree.c)
PURE_SRCS += $(wildcard mm/frames.c mm/pagetable.c mm/heap_core.c)
PURE_SRCS += $(wildcard kernel/lineedit.c)
PURE_SRCS += $(wildcard drivers/acpi_parse.c drivers/madt.c)
PURE_SRCS += $(wildcard crash/crashkernel_parse.c crash/elfcore.c crash/vmcore_layout.c)
PURE_SRCS += $(wildcard crash/dump_level.c crash/dead_frames.c crash/vmcore_filter.c)
PURE_SRCS += $(wildcard kexec/kexec_core.c kexec/kimage_dest.c kexec/mb2_build.c)
PURE_SRCS += $(wildcard kexec/elf_image.c kexec/mb2_header.c kexec/purgatory_reloc.c kexec/bzimage.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)
HOSTCFLAGS := -std=gnu11 -g -O1 -I. -Wall -Wextra -Werror -Wno-unused-parameter
HOSTCFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all
HOSTCFLAGS += -fno-omit-frame-pointer
# Tests that read the real kernel image get its path from the build.
HOSTCFLAGS += -DKERNEL_ELF_PATH='"$(abspath $(BUILD))/kernel.elf"'
HOSTCFLAGS += -DBZIMAGE_PATH='"$(abspath $(BUILD))/bzImage"'

.PHONY: all iso run run-uefi debug test unit fuzz fuzz-build bench vmcore demo docs clean help deps check-deps

all: $(BUILD)/kernel.elf $(BUILD)/bzImage

help:
	@echo "make            build $(BUILD)/kernel.elf and $(BUILD)/bzImage (the same kernel, Linux's format)"
	@echo "make iso        build $(BUILD)/kernel.iso (GRUB, multiboot2)"
	@echo "make run        boot the ISO in QEMU, serial console here (Ctrl-A X quits)"
	@echo "                  MEM=512M  CMDLINE='...'  QEMU_EXTRA='...'  FIRMWARE=ovmf  MACHINE=q35"
	@echo "make run-uefi   the same under UEFI (OVMF)"
	@echo "make debug      QEMU paused with its gdb stub, gdb attached with symbols"
	@echo "make test       host unit tests + QEMU scenarios (pytest); last line 'N passed, N failed'"
	@echo "                  PYTEST_FLAGS='-k kexec -x'"
	@echo "make unit       host unit tests only (ASan + UBSan)"
	@echo "make fuzz       run every fuzz target (libFuzzer) for FUZZ_SECONDS=60 each"
	@echo "make demo       the whole story narrated: boot, kexec -p, crash, capture, inspect"
	@echo "make vmcore     crash the kernel, capture build/vmcore, show gdb's backtrace"
	@echo "                  TRIGGER=null|panic|gpf|ud|div0|stackoverflow|doublefault|nmi|lockup"
	@echo "                  |hardlockup|twopanic|bitmap  SMP=4 ON=3 (four CPUs, crash on CPU 3)"
	@echo "                  DUMP_LEVEL=0..31 (vmcore_dump_level=; default 16, free frames left out)"
	@echo "                  on a scratch disk; DISK=FILE writes (and keeps) that image"
	@echo "make docs       replay the sessions README.md and docs/ show; rewrite what changed"
	@echo "make bench      kexec -e vs a cold reboot; kdump timings, write speed, smallest"
	@echo "                crashkernel= (figures, not a test); Linux's crashes captured by"
	@echo "                ours and by its own (BENCH_LINUX=quick: no bisection of Linux's)"
	@echo "make deps       install the Debian packages the build needs (root)"
	@echo "make clean      remove $(BUILD)/"

# ------------------------------------------------------------------ the kernel
# Headers whose "#define NAME value" lines are shared with assembly: each
# becomes $(BUILD)/inc/NAME.inc of NASM %defines (C comments and integer
# suffixes such as ULL dropped; structs and _Static_asserts stay C's).
ASM_HDRS := lib/x86.h lib/multiboot2.h lib/bootparam.h boot/layout.h kexec/kexec_layout.h
ASM_HDRS += kernel/trapframe_layout.h kernel/trampoline_layout.h
ASM_INCS := $(foreach h,$(ASM_HDRS),$(BUILD)/inc/$(notdir $(h:.h=.inc)))
$(foreach h,$(ASM_HDRS),$(eval $(BUILD)/inc/$(notdir $(h:.h=.inc)): $(h)))
$(ASM_INCS):
	@mkdir -p $(dir $@)
	$(Q)sed -n -e 's|/\*.*\*/||' \
		-e 's/\b\(0[xX][0-9a-fA-F]\{1,\}\|[0-9]\{1,\}\)[uUlL]\{1,3\}\b/\1/g' \
		-e 's/^#define \([A-Z0-9_]\{1,\}\)[[:space:]]\{1,\}\(.*[^[:space:]]\)[[:space:]]*$$/%define \1 \2/p' \
		$< > $@

.SECONDARY: $(ASM_INCS)

# ------------------------------------------------------------------ layering
# Before anything is compiled: no #include (or NASM %include) points up the
# layer order lib -> boot -> mm -> drivers -> kernel -> kexec -> crash ->
# top, and the include graph has no cycle (tools/check_layers.py; README.md
# "Layout").  Every object waits for it (order-only), so an upward include
# fails make at once, naming both files.
LAYER_SRCS := $(foreach d,$(KDIRS) kexec/purgatory boot/setup,$(wildcard $(d)/*.c $(d)/*.h $(d)/*.asm $(d)/*.inc))
$(BUILD)/layers.ok: tools/check_layers.py $(LAYER_SRCS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LAYERS  $(KDIRS)")
	$(Q)$(PYTHON) tools/check_layers.py > $@.log || { cat $@.log >&2; rm -f $@; exit 1; }
	$(Q)touch $@

$(BUILD)/%.o: %.c | $(BUILD)/layers.ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

# NASM's -MD names no %include: the made and the hand-written ones are listed here.
ASM_MACROS := $(wildcard lib/*.inc)
$(BUILD)/%.asm.o: %.asm $(ASM_INCS) $(ASM_MACROS) tools/nasm_prefix_map.py | $(BUILD)/layers.ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) $(KASFLAGS) -MD $(BUILD)/$*.asm.d -MT $@ $< -o $@
	$(Q)$(NASM_PREFIX_MAP) $@ $(CURDIR)/$(dir $<) .

# Three links, as Linux does: link 1 carries an empty symbol table; the
# table made from link 1 has its final size, so link 2's addresses are
# final; the table made from link 2 goes into link 3.  The table made from
# link 3 must equal it, or the build fails.
# linker.ld takes its addresses from boot/layout.h: the C preprocessor
# expands them (Linux: vmlinux.lds.S), so the two cannot disagree.
$(BUILD)/linker.ld: linker.ld boot/layout.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -undef -x c -I. $< -o $@

$(BUILD)/kernel.elf: $(KOBJS) $(BUILD)/linker.ld tools/gen_kallsyms.py
	@$(if $(Q),echo "  LD      $@ (3 passes, kallsyms)")
	$(Q)$(PYTHON) tools/gen_kallsyms.py --empty > $(BUILD)/kallsyms0.c
	$(Q)$(CC) $(KCFLAGS) -c $(BUILD)/kallsyms0.c -o $(BUILD)/kallsyms0.o
	$(Q)$(LD) $(KLDFLAGS) -o $(BUILD)/kernel.1.elf $(KOBJS) $(BUILD)/kallsyms0.o
	$(Q)$(NM) -n --defined-only $(BUILD)/kernel.1.elf | $(PYTHON) tools/gen_kallsyms.py > $(BUILD)/kallsyms1.c
	$(Q)$(CC) $(KCFLAGS) -c $(BUILD)/kallsyms1.c -o $(BUILD)/kallsyms1.o
	$(Q)$(LD) $(KLDFLAGS) -o $(BUILD)/kernel.2.elf $(KOBJS) $(BUILD)/kallsyms1.o
	$(Q)$(NM) -n --defined-only $(BUILD)/kernel.2.elf | $(PYTHON) tools/gen_kallsyms.py > $(BUILD)/kallsyms2.c
	$(Q)$(CC) $(KCFLAGS) -c $(BUILD)/kallsyms2.c -o $(BUILD)/kallsyms2.o
	$(Q)$(LD) $(KLDFLAGS) -o $@.tmp $(KOBJS) $(BUILD)/kallsyms2.o
	$(Q)$(NM) -n --defined-only $@.tmp | $(PYTHON) tools/gen_kallsyms.py > $(BUILD)/kallsyms3.c
	$(Q)cmp -s $(BUILD)/kallsyms2.c $(BUILD)/kallsyms3.c || \
		{ echo "kallsyms: error: symbol table inconsistent after the third link" >&2; exit 1; }
	$(Q)mv $@.tmp $@
	@echo "  kernel  $@ ($$(grep -c '^	0x' $(BUILD)/kallsyms3.c) symbols)"

# -------------------------------------------------------------------- bzImage
# The same kernel in the Linux boot protocol's format, for QEMU -kernel,
# GRUB's `linux` and Linux's kexec: setup sectors (the setup header and the
# 16-bit entry, boot/setup/setup.asm, a flat binary), then kernel.elf's
# loadable bytes from its link address on (startup_32 at 0, startup_64 at
# 0x200).  tools/mkbzimage.py joins them and fills in syssize and init_size
# (Linux: arch/x86/boot/tools/build.c).  The setup's kernel_version string
# is kernel/version.h's name and release.
KVERSION := $(shell sed -n 's/^\#define KERNEL_\(NAME\|RELEASE\) "\(.*\)"/\2/p' kernel/version.h | paste -sd' ')
$(BUILD)/setup.bin: boot/setup/setup.asm $(BUILD)/inc/layout.inc $(BUILD)/inc/bootparam.inc \
		    $(BUILD)/inc/x86.inc kernel/version.h | $(BUILD)/layers.ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $< (setup, flat)")
	$(Q)$(NASM) -f bin -Werror -I$(BUILD)/inc/ -DKERNEL_VERSION_STRING='"$(KVERSION)"' $< -o $@

$(BUILD)/bzImage: $(BUILD)/setup.bin $(BUILD)/kernel.elf tools/mkbzimage.py
	$(Q)$(PYTHON) tools/mkbzimage.py $(BUILD)/setup.bin $(BUILD)/kernel.elf $@

# ------------------------------------------------------------------ purgatory
# The purgatory (kexec/purgatory/) is not linked into the kernel: it is its
# own freestanding relocatable object, made with `ld -r`, that the kexec
# loader copies, relocates and patches at load time (kexec/purgatory_reloc.c).
# kexec/purgatory_blob.asm embeds it with incbin (found through -I$(BUILD)/).
# tools/check_purgatory.py fails the build on a relocation type the loader
# cannot apply, an undefined symbol, a missing patched symbol, or a size over
# the limits in kexec/purgatory/purgatory.h.  Linux: arch/x86/purgatory/Makefile.
PCFLAGS := -std=gnu11
PCFLAGS += -ffreestanding              # no hosted C library
PCFLAGS += -fno-pic -fno-pie           # absolute addresses, fixed up by our loader
PCFLAGS += -mcmodel=large              # any address: 64-bit absolute relocations
PCFLAGS += -mno-red-zone               # same stack rules as the kernel
PCFLAGS += -mgeneral-regs-only         # no SSE/x87: nobody set up FPU state
PCFLAGS += -fno-stack-protector        # no canary runtime
PCFLAGS += -fno-common                 # every global in a section, none COMMON
PCFLAGS += -fno-asynchronous-unwind-tables # no .eh_frame to carry and relocate
PCFLAGS += -fno-tree-loop-distribute-patterns # memcpy/memset loops stay loops
PCFLAGS += -fcf-protection=none        # no CET landing pads or property notes
PCFLAGS += -O2 -g                      # optimised; DWARF kept in purgatory.debug.ro
PCFLAGS += -ffile-prefix-map=$(CURDIR)=. # no checkout path in DWARF
PCFLAGS += -Wall -Wextra -Werror       # every warning is an error
PCFLAGS += -Wno-unused-parameter
PCFLAGS += -I.                         # "lib/sha256.h" style includes
PCFLAGS += -MMD -MP                    # header dependencies

PASFLAGS := -f elf64 -g -F dwarf -Werror -I$(BUILD)/inc/

PURG_OBJS := $(BUILD)/purgatory/entry.o $(BUILD)/purgatory/purgatory.o
PURG_OBJS += $(BUILD)/purgatory/verify.o $(BUILD)/purgatory/sha256.o

$(BUILD)/purgatory/%.o: kexec/purgatory/%.c | $(BUILD)/layers.ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (purgatory)")
	$(Q)$(CC) $(PCFLAGS) -c $< -o $@

# The same sha256.c as the kernel's, compiled with the purgatory's flags.
$(BUILD)/purgatory/sha256.o: lib/sha256.c | $(BUILD)/layers.ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (purgatory)")
	$(Q)$(CC) $(PCFLAGS) -c $< -o $@

$(BUILD)/purgatory/entry.o: kexec/purgatory/entry.asm $(BUILD)/inc/x86.inc $(BUILD)/inc/multiboot2.inc \
			    tools/nasm_prefix_map.py | $(BUILD)/layers.ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $< (purgatory)")
	$(Q)$(NASM) $(PASFLAGS) $< -o $@
	$(Q)$(NASM_PREFIX_MAP) $@ $(CURDIR)/$(dir $<) .

# purgatory.debug.ro keeps DWARF for gdb; the embedded purgatory.ro drops it.
$(BUILD)/purgatory.debug.ro: $(PURG_OBJS)
	@$(if $(Q),echo "  LD -r   $@")
	$(Q)$(LD) -r -o $@ $(PURG_OBJS)

$(BUILD)/purgatory.ro: $(BUILD)/purgatory.debug.ro tools/check_purgatory.py kexec/purgatory/purgatory.h
	$(Q)$(OBJCOPY) --strip-debug -R .comment $< $@
	$(Q)$(PYTHON) tools/check_purgatory.py --header kexec/purgatory/purgatory.h $@ || \
		{ rm -f $@; exit 1; }

# NASM's incbin is invisible to make until a first -MD run: say it here.
$(BUILD)/kexec/purgatory_blob.asm.o: $(BUILD)/purgatory.ro

# Host tests: verify.c also runs on plain buffers; the relocation tests
# read the real blob, so the test binary depends on it.
PURE_SRCS += kexec/purgatory/verify.c
HOSTCFLAGS += -DPURGATORY_RO_PATH='"$(abspath $(BUILD))/purgatory.ro"'
$(BUILD)/host/unittests: $(BUILD)/purgatory.ro

# ------------------------------------------------------------- test kernels
# mini32: a tiny ELF32 multiboot2 kernel at a fixed address with an
# entry-address tag, so tests can kexec into something that is not us.
$(BUILD)/mini32.elf: tests/kernels/mini32.asm
	@mkdir -p $(dir $@)
	$(Q)$(NASM) -f elf32 $< -o $(BUILD)/mini32.o
	$(Q)$(LD) -m elf_i386 -nostdlib -z noseparate-code -z max-page-size=0x1000 \
		-Ttext=0x1000000 -e start -o $@ $(BUILD)/mini32.o

# ----------------------------------------------------------------------- ISO
$(BUILD)/kernel.iso: $(BUILD)/kernel.elf $(BUILD)/mini32.elf iso/grub.cfg
	@mkdir -p $(BUILD)/isodir/boot/grub
	$(Q)cp $(BUILD)/kernel.elf $(BUILD)/isodir/boot/kernel.elf
	$(Q)cp $(BUILD)/mini32.elf $(BUILD)/isodir/boot/mini32.elf
	$(Q)sed 's|@CMDLINE@|$(CMDLINE)|' iso/grub.cfg > $(BUILD)/isodir/boot/grub/grub.cfg
	@$(if $(Q),echo "  ISO     $@")
	$(Q)grub-mkrescue -o $@ $(BUILD)/isodir 2> $(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log >&2; exit 1; }

iso: check-deps $(BUILD)/kernel.iso

# Rebuild the ISO when CMDLINE changes.
$(BUILD)/cmdline.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@
$(BUILD)/kernel.iso: $(BUILD)/cmdline.stamp
FORCE:

# FIRMWARE=ovmf boots the same ISO under UEFI (Debian's OVMF, GRUB's EFI
# image); each run starts from a fresh copy of OVMF's variable store.
# MACHINE=q35 for QEMU's newer chipset (with either firmware).
FIRMWARE ?= seabios
MACHINE ?= pc
OVMF_CODE := /usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS.fd

QEMU_FLAGS := -M $(MACHINE) -m $(MEM) -cdrom $(BUILD)/kernel.iso -boot d
QEMU_FLAGS += -device isa-debug-exit,iobase=0xf4,iosize=0x04
QEMU_FLAGS += -display none -vga std
ifeq ($(FIRMWARE),ovmf)
QEMU_FLAGS += -drive if=pflash,format=raw,unit=0,readonly=on,file=$(OVMF_CODE)
QEMU_FLAGS += -drive if=pflash,format=raw,unit=1,file=$(BUILD)/OVMF_VARS.fd
endif
QEMU_FLAGS += $(QEMU_EXTRA)

# A fresh variable store for every run under OVMF.
.PHONY: firmware
firmware:
ifeq ($(FIRMWARE),ovmf)
	$(Q)cp $(OVMF_VARS) $(BUILD)/OVMF_VARS.fd
endif

run: iso firmware
	@echo "Serial console below; Ctrl-A X quits QEMU, Ctrl-A C its monitor."
	$(QEMU) $(QEMU_FLAGS) -serial mon:stdio

# The same under UEFI: make run FIRMWARE=ovmf (MACHINE=q35 too, if wanted).
run-uefi:
	$(Q)$(MAKE) --no-print-directory run FIRMWARE=ovmf

debug: iso firmware
	@echo "QEMU waits for gdb on :1234; gdb breaks at kmain."
	@echo "gdb helpers loaded (tools/gdb/kernel-gdb.py): kdmesg, kmemmap, kexec-ind, ksym."
	$(QEMU) $(QEMU_FLAGS) -serial file:$(BUILD)/debug-serial.log -S -s & \
	qemu_pid=$$!; \
	gdb -q -ex 'set confirm off' -x tools/gdb/kernel-gdb.py -ex 'target remote :1234' \
		-ex 'hbreak kmain' -ex 'continue' $(BUILD)/kernel.elf; \
	kill $$qemu_pid 2>/dev/null; wait $$qemu_pid 2>/dev/null; true

# ---------------------------------------------------------------------- tests
$(BUILD)/host/unittests: $(UNIT_SRCS) $(PURE_SRCS) $(wildcard tests/unit/*.h) $(BUILD)/kernel.elf \
			 $(BUILD)/bzImage
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOSTCFLAGS) $(UNIT_SRCS) $(PURE_SRCS) -o $@

unit: $(BUILD)/host/unittests
	$(Q)$(BUILD)/host/unittests

# pytest runs the unit tests (one pytest test per TEST(), tests/unit/test_unit.py)
# and the QEMU scenarios; PYTEST_FLAGS adds options, e.g. PYTEST_FLAGS='-k kexec -x'.
PYTEST_FLAGS ?=
test: check-deps $(BUILD)/host/unittests $(BUILD)/kernel.iso
	$(Q)$(PYTHON) -m pytest tests -v --durations=10 --build $(BUILD) \
		-o cache_dir=$(abspath $(BUILD))/pytest-cache $(PYTEST_FLAGS)

# The docs' sessions replayed on this build and rewritten where the kernel
# now prints something else (tools/docs_replay.py); review the diff.  make
# test checks them (tests/scenarios/test_docs.py).
# (docs/00-primer.md and docs/answers.md have no markers yet: left out.)
DOCS := $(sort $(filter-out docs/00-primer.md,$(wildcard docs/[0-9]*.md))) README.md
docs: check-deps $(BUILD)/kernel.iso $(BUILD)/tools/vmcore-inspect
	$(Q)$(PYTHON) tools/docs_replay.py --build $(BUILD) --write $(DOCS)

TRIGGER ?= null
CRASHKERNEL ?= 64M
# make vmcore SMP=4 ON=3: four CPUs, the crash on CPU 3.
SMP ?= 1
ON ?=
demo: check-deps $(BUILD)/kernel.iso $(BUILD)/tools/vmcore-inspect
	$(Q)$(PYTHON) tools/demo.py --build $(BUILD) --mem $(MEM) \
		--trigger $(TRIGGER) --crashkernel $(CRASHKERNEL)

DUMP_LEVEL ?=
# The dump disk is a scratch image, $(BUILD)/vmcore-disk.img, removed
# afterwards; DISK=FILE uses (and keeps) that image instead.
DISK ?=
vmcore: check-deps $(BUILD)/kernel.iso
	$(Q)$(PYTHON) tools/make_vmcore.py --build $(BUILD) --mem $(MEM) \
		--trigger $(TRIGGER) --crashkernel $(CRASHKERNEL) --dump-level "$(DUMP_LEVEL)" \
		--smp $(SMP) $(if $(ON),--on $(ON)) $(if $(DISK),--disk $(DISK))

# BENCH_LINUX=quick skips bisecting Linux's own smallest crashkernel= (10 min).
BENCH_LINUX ?=
bench: check-deps $(BUILD)/kernel.iso $(BUILD)/bzImage
	$(Q)$(PYTHON) tools/bench_kexec.py --build $(BUILD)
	$(Q)$(PYTHON) tools/bench_kexec_load.py --build $(BUILD)
	$(Q)$(PYTHON) tools/bench_kdump.py --build $(BUILD)
	$(Q)$(PYTHON) tools/bench_smp.py --build $(BUILD)
	$(Q)$(PYTHON) tools/bench_linux.py --build $(BUILD) $(if $(filter quick,$(BENCH_LINUX)),--no-linux-smallest)

# ---------------------------------------------------------------- host tools
# Host programs under tools/, built with the host compiler (not part of the
# kernel).  vmcore-inspect reads vmcores with elfutils' libelf (libelf-dev).
# ASan + UBSan are on by default, as for the unit tests: the tests feed it
# truncated and corrupt files.  TOOLS_SANITIZE=0 builds it plain.
TOOLS_SANITIZE ?= 1
TOOLS_SRCS := $(wildcard tools/vmcore/*.c) lib/hexdump.c
TOOLS_CFLAGS := -std=gnu11
TOOLS_CFLAGS += -O2 -g                 # optimised, debuggable
TOOLS_CFLAGS += -Wall -Wextra          # every warning worth having
TOOLS_CFLAGS += -Itools/vmcore         # its own headers; structures come from VMCOREINFO
TOOLS_CFLAGS += -I.                    # lib/hexdump.h: the kernel's own hex dump line
ifeq ($(TOOLS_SANITIZE),1)
TOOLS_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all
TOOLS_CFLAGS += -fno-omit-frame-pointer
endif
TOOLS_LDLIBS := -lelf -lm              # libelf for ELF, libm for the picture's log scale

$(BUILD)/tools/vmcore-inspect: $(TOOLS_SRCS) $(wildcard tools/vmcore/*.h) lib/hexdump.h Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(TOOLS_CFLAGS) $(TOOLS_SRCS) -o $@ $(TOOLS_LDLIBS)

.PHONY: tools
tools: check-deps $(BUILD)/tools/vmcore-inspect
test: $(BUILD)/tools/vmcore-inspect

# ---------------------------------------------------------------------- fuzzing
# One libFuzzer target per parser that reads untrusted bytes (tests/fuzz/,
# README there): clang with -fsanitize=fuzzer,address,undefined, the same
# pure sources as the unit tests.  `make fuzz` runs each for FUZZ_SECONDS
# and prints its executions and findings; `make test` runs a short pass
# with a fixed seed (tests/fuzz/test_fuzz.py).  A crash input lands in
# $(BUILD)/fuzz/crashes/TARGET/; once fixed, it goes into
# tests/fuzz/regress/TARGET/, which every pass replays.
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := mb2_info mb2_header elf_image purgatory elfcorehdr vmcoreinfo cmdline \
		crashkernel acpi vmcore_inspect bzimage bootparams madt initrd_cpio
FUZZ_CFLAGS := -std=gnu11 -g -O1 -I. -Wall -Wextra -Wno-unused-parameter
FUZZ_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS += -fno-omit-frame-pointer
# The kernel's pure code, and the host tool without its main(), as objects
# instrumented for the fuzzer (fuzzer-no-link); each target links them.
FUZZ_LIB_SRCS := $(filter-out kexec/purgatory/verify.c,$(PURE_SRCS))
FUZZ_TOOL_SRCS := $(filter-out tools/vmcore/vmcore-inspect.c,$(wildcard tools/vmcore/*.c))
FUZZ_LIB_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_TOOL_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_TOOL_SRCS))
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
# Kept, not intermediate: make would delete them after the run and print
# its rm as the last line of make test (which must be 'N passed, N failed').
.SECONDARY: $(FUZZ_LIB_OBJS) $(FUZZ_TOOL_OBJS)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# The host tool's targets link the tool (and its one kernel file, the hex
# dump line); the others the kernel's pure code.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_OBJS) $(FUZZ_TOOL_OBJS)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< \
		$(if $(filter fuzz_vmcore%,$(notdir $@)),$(FUZZ_TOOL_OBJS) \
		$(BUILD)/fuzz/obj/lib/hexdump.o -lelf -lm,$(FUZZ_LIB_OBJS)) -o $@

# Seeds made by the build (the kernel images, the purgatory, the bzImage), beside the
# committed ones (tests/fuzz/corpus/, tests/data/).
$(BUILD)/fuzz/seeds.stamp: $(BUILD)/kernel.elf $(BUILD)/mini32.elf $(BUILD)/purgatory.ro \
			   $(BUILD)/bzImage
	@mkdir -p $(BUILD)/fuzz/seeds/images $(BUILD)/fuzz/seeds/purgatory $(BUILD)/fuzz/seeds/bzimage
	$(Q)cp $(BUILD)/kernel.elf $(BUILD)/mini32.elf $(BUILD)/fuzz/seeds/images/
	$(Q)cp $(BUILD)/bzImage $(BUILD)/fuzz/seeds/bzimage/
	$(Q)printf '\000\000\020\000\000\000\000\000' | cat - $(BUILD)/purgatory.ro \
		> $(BUILD)/fuzz/seeds/purgatory/purgatory.ro
	$(Q)touch $@

fuzz-build: $(FUZZ_BINS) $(BUILD)/fuzz/seeds.stamp

fuzz: check-deps fuzz-build
	$(Q)$(PYTHON) tests/fuzz/run.py --build $(BUILD) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

test: fuzz-build

# -------------------------------------------------------------- dependencies
deps:
	$(Q)tools/install-deps.sh

check-deps:
	$(Q)tools/install-deps.sh --check-or-install

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

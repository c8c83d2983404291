#!/bin/sh
# Install the Debian packages the build, the QEMU tests and the tools need.
#   tools/install-deps.sh                  install what is missing (root)
#   tools/install-deps.sh --check-or-install
#       do nothing if all is present; otherwise install when root, or print
#       the apt-get line to run and fail.
set -eu

PACKAGES="make gcc binutils nasm python3 grub-pc-bin grub-common xorriso mtools \
qemu-system-x86 gdb libelf-dev elfutils librsvg2-bin \
python3-pexpect python3-pytest python3-pytest-timeout python3-pyelftools"
# The Linux guest kit (tools/linux-guest/): makedumpfile reads a Linux vmcore
# on the host.  The guest's own packages are fetched with apt-get download,
# never installed here.
PACKAGES="$PACKAGES makedumpfile"
# Tools the chapters type on the host: nc talks to the shell on a TCP serial
# port beside gdb (docs/04-tools.md), xxd dumps bytes of a vmcore (chapter 3).
PACKAGES="$PACKAGES netcat-openbsd xxd"
# The debuggers a vmcore is opened with besides gdb: drgn (its Python module;
# tools/drgn/ and tests/scenarios/test_debuggers.py); eu-stack is elfutils'.
PACKAGES="$PACKAGES python3-drgn"
# UEFI: GRUB's EFI image goes into the same ISO (grub-mkrescue adds it when
# grub-efi-amd64-bin is there), and OVMF boots it (make run FIRMWARE=ovmf,
# tests/scenarios/test_uefi.py).
PACKAGES="$PACKAGES grub-efi-amd64-bin ovmf"
# Fuzzing (make fuzz, and the short pass in make test): clang's libFuzzer
# with ASan and UBSan; the runtime is in libclang-rt-14-dev.
PACKAGES="$PACKAGES clang-14 libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ "${1:-}" = "--check-or-install" ] || echo "deps: all packages present"
	exit 0
fi

echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root:  apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "deps: installed$missing"

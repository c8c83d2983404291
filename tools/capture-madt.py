#!/usr/bin/python3
"""Capture real ACPI MADTs ("APIC" tables) from QEMU for the unit tests.

Boots the ISO in QEMU (a guest.Machine: TCG, bounded by a timeout) once per
configuration below, asks the kernel's `acpi` command where the APIC table
is and how long, and saves exactly those bytes with the monitor's pmemsave.
The unit tests (tests/unit/test_madt.c) parse them with drivers/madt.c.
QEMU 7.2 under TCG offers no x2APIC, and refuses APIC ids above 254
("requires kernel irqchip and X2APIC API support"), so no QEMU table here
has x2APIC entries; the unit tests build one by hand from the ACPI spec.

    tools/capture-madt.py [--iso build/kernel.iso] [--out tests/data] [NAME...]

writes tests/data/madt-<NAME>.bin for each configuration (default: all).
"""
import argparse
import os
import re
import sys
import tempfile

import guest

# name: (machine, -smp, -cpu)
CONFIGS = {
    "pc-smp4": ("pc", "4", None),
    "pc-smp8": ("pc", "8", None),
    "q35-smp4": ("q35", "4", "max"),
    "q35-smp8": ("q35", "8", "max"),
    # 2 CPUs present, room for 4: entries 2 and 3 are listed but not enabled.
    "q35-smp2-maxcpus4": ("q35", "2,maxcpus=4", None),
    # 3 cores a socket take 2 bits of the APIC id: ids 0 1 2 4 5 6.
    "pc-sockets2-cores3": ("pc", "6,sockets=2,cores=3,threads=1", None),
}
ACPI_LINE = re.compile(r"^APIC 0x([0-9a-f]{16}) +(\d+) ", re.M)


def capture(iso, name, outdir, timeout):
    machine, smp, cpu = CONFIGS[name]
    build = guest.Build()
    out = os.path.join(outdir, f"madt-{name}.bin")
    with tempfile.TemporaryDirectory(prefix="capture-madt-") as tmp:
        raw = os.path.join(tmp, "madt.raw")
        try:
            with guest.Machine(build, iso=iso, mem="128M", machine=machine, smp=smp, cpu=cpu,
                               lifetime=timeout + 60) as m:
                m.wait_prompt(timeout)
                text = m.run("acpi")
                found = ACPI_LINE.search(text)
                if not found:
                    raise SystemExit(f"capture-madt: {name}: no APIC table in:\n{text}")
                pa, length = int(found.group(1), 16), int(found.group(2))
                m.monitor(f'pmemsave {pa:#x} {length} "{raw}"', 30)
        finally:
            build.close_machines()
        with open(raw, "rb") as f:
            blob = f.read()
    if blob[:4] != b"APIC" or len(blob) != length or sum(blob) % 256:
        raise SystemExit(f"capture-madt: {name}: the saved bytes are not a valid MADT")
    with open(out, "wb") as f:
        f.write(blob)
    print(f"capture-madt: {out}: {length} bytes (QEMU -M {machine} -smp {smp}"
          f"{' -cpu ' + cpu if cpu else ''})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iso", default=os.path.join(os.environ.get("BUILD", "build"), "kernel.iso"))
    ap.add_argument("--out", default="tests/data")
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("names", nargs="*", default=list(CONFIGS))
    args = ap.parse_args()
    for name in args.names:
        if name not in CONFIGS:
            sys.exit(f"capture-madt: unknown configuration {name!r} (know: {', '.join(CONFIGS)})")
        capture(args.iso, name, args.out, args.timeout)


if __name__ == "__main__":
    main()

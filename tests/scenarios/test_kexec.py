"""kexec in a real boot: load the kernel's own image (a boot module), stage
it, execute it, and check what the new kernel says about itself; chain 25
generations; let the purgatory catch a corrupted staged byte; boot an ELF32
kernel that is not ours; refuse bad loads without touching the loaded
image."""

import re
import time

from checks import check
from guest import STAMP

R16 = r"\[0x[0-9a-f]{16}, 0x[0-9a-f]{16}\)"
# Pass on both modules GRUB gave us, so the new kernel's memory starts out
# exactly like ours and free-frame counts can be compared.
LOAD_SELF = ("kexec -l /boot/kernel.elf --append={append} --module=/boot/kernel.elf "
             "--module=/boot/mini32.elf")


def e820_lines(text):
    return re.findall(rf"^{STAMP}(e820: {R16} .*)$", text, re.M)


def free_frames(text):
    return [int(n) for n in re.findall(rf"^{STAMP}pmm: (\d+) frames free", text, re.M)]


def kexec_into_self(m, append):
    """Load and execute; return the new kernel's boot text up to its prompt."""
    out = m.run(LOAD_SELF.format(append=append))
    check(re.search(r"kexec: loaded '/boot/kernel\.elf': \d+ segments", out),
          f"load did not report success:\n{out}", m)
    start = m.pos
    m.send("kexec -e\r")
    m.expect(r"purgatory: sha256 ok \(\d+ segments, \d+ bytes\)")
    m.wait_prompt()
    return m.output[start:m.pos]


def test_kexec_into_self_with_marker(machine):
    with machine(mem="512M") as m:
        m.wait_prompt()
        first = m.output
        boot = kexec_into_self(m, "kexec_marker=abc123")
        check("boot: generation 2, started by kexec from generation 1" in boot,
              "the new kernel does not name its generation", m)
        check(re.search(r"boot: loader 'kexec-kernel [0-9.]+ kexec, generation 2'", boot),
              "the boot loader name does not say kexec", m)
        check("boot: cmdline 'kexec_marker=abc123'" in boot, "the cmdline marker is missing", m)
        for name in ("kernel", "mini32"):
            check(re.search(rf"boot: module {R16} .* '/boot/{name}\.elf'", boot),
                  f"module {name}.elf was not passed on", m)
        check(e820_lines(boot) == e820_lines(first),
              "memory map differs:\n" + "\n".join(e820_lines(first)) + "\n---\n"
              + "\n".join(e820_lines(boot)), m)
        # GRUB packs the MBI into a module's last page; kexec page-aligns
        # every segment: a frame or two may differ, no more.
        (f1,), (f2,) = free_frames(first), free_frames(boot)
        check(abs(f1 - f2) <= 2, f"free frames differ too much: {f1} then {f2}", m)
        out = m.run("cmdline")
        check("kexec_marker" in out and "abc123" in out, f"cmdline command:\n{out}", m)


def test_kexec_chain_25_generations(machine):
    """25 kexecs in one QEMU run: every generation boots, frees the same
    memory, and the time per generation does not grow."""
    with machine(mem="512M", lifetime=600) as m:
        m.wait_prompt()
        frees, seconds = free_frames(m.output), []
        for gen in range(2, 27):
            t0 = time.monotonic()
            boot = kexec_into_self(m, f"chain={gen}")
            seconds.append(time.monotonic() - t0)
            check(f"boot: generation {gen}, started by kexec from generation {gen - 1}" in boot,
                  f"generation {gen} did not say so", m)
            frees += free_frames(boot)
        # Generations 2..26 were all booted by the same loader: any change
        # in their free memory is a leak.
        check(len(frees) == 26 and len(set(frees[1:])) == 1,
              f"free frames changed across generations (leak?): {frees}", m)
        early, late = sum(seconds[:5]) / 5, sum(seconds[-5:]) / 5
        print(f"    chain: 25 generations, {frees[1]} frames free in each, "
              f"{early:.2f} s per generation at first, {late:.2f} s at the end")
        check(late < 2 * early + 1, f"kexec got slower: {early:.2f} s -> {late:.2f} s", m)


def test_kexec_purgatory_rejects_corrupted_byte(machine):
    with machine(mem="512M") as m:
        m.wait_prompt()
        m.run(LOAD_SELF.format(append="x=1"))
        out = m.run("kexec --corrupt 0 100")
        check(re.search(r"kexec: corrupted byte 100 of segment 0", out), f"corrupt:\n{out}", m)
        m.send("kexec -e\r")
        bad = m.expect(rf"purgatory: error: segment 0 {R16} sha256 mismatch")
        exp = m.expect(r"purgatory:   expected ([0-9a-f]{64})").group(1)
        act = m.expect(r"purgatory:   actual   ([0-9a-f]{64})").group(1)
        check(exp != act, "expected and actual digests are equal", m)
        m.expect_not(r"kexec-kernel \d", wait=3, start=bad.end())
        m.expect_not(r"purgatory: sha256 ok", start=bad.start() - 200)
        check(m.alive(), "QEMU exited: the purgatory must halt, not reset", m)


def test_kexec_elf32_fixed_address_kernel(machine):
    """mini32 (tests/kernels/mini32.asm): ELF32, no relocatable tag, an
    entry-address tag; it prints its magic and cmdline and exits QEMU."""
    with machine(mem="512M") as m:
        m.wait_prompt()
        out = m.run('kexec -l /boot/mini32.elf --append="hello from kexec"')
        check(re.search(r"kexec: segment 0 \[0x0000000000fff000, .*kernel", out),
              f"mini32 not loaded at its fixed address:\n{out}", m)
        m.send("kexec -e\r")
        m.expect(r"purgatory: sha256 ok")
        m.expect(r"mini32: ELF32 multiboot2 kernel, magic 0x36d76289, entry 0x01000028, "
                 r"cmdline 'hello from kexec'")
        status = m.wait_exit(30)
        check(status == 0x21, f"mini32 should exit QEMU with 0x21, got {status}", m)


def test_kexec_bad_loads_keep_the_loaded_image(machine):
    with machine(mem="512M") as m:
        m.wait_prompt()
        out = m.run("kexec -e")
        check("kexec: error: no image loaded" in out, f"-e without image:\n{out}", m)
        m.run(LOAD_SELF.format(append="first=1"))
        shown = m.run("kexec -s")
        out = m.run("kexec -l /boot/nope.elf")
        check("kexec: error: no boot module named '/boot/nope.elf' (see 'modules') (E_NOENT)"
              in out, f"missing module:\n{out}", m)
        out = m.run("kexec -l /boot/kernel.elf --module=/boot/missing")
        check("no boot module named '/boot/missing'" in out, f"missing --module:\n{out}", m)
        out = m.run("kexec -l /boot/kernel.elf --frobnicate")
        check("kexec: error: unknown option '--frobnicate' (E_INVAL)" in out, out, m)
        check(m.run("kexec -s") == shown, "a refused load changed the loaded image", m)
        out = m.run("kexec -s -v")
        n = int(re.search(r"(\d+) pages to copy", out).group(1))
        check(len(re.findall(r"IND_SOURCE", out)) == n, "verbose list and summary disagree", m)
        check(re.search(r"IND_INDIRECTION", out) and re.search(r"IND_DONE", out), out, m)
        out = m.run("kexec --corrupt 9 0")
        check("kexec: error: no byte 0 in segment 9" in out, f"bad --corrupt:\n{out}", m)
        m.run("kexec -u")
        check("kexec: no image loaded" in m.run("kexec -s"), "unload did not unload", m)
        # The first load leaves the heap a cached slab page; from then on a
        # load + unload cycle must give back every frame it took.
        free0 = re.search(r"(\d+) free", m.run("mem")).group(1)
        for _ in range(3):
            m.run(LOAD_SELF.format(append="again=1"))
            m.run("kexec -u")
        free1 = re.search(r"(\d+) free", m.run("mem")).group(1)
        check(free0 == free1, f"3 load + unload cycles leaked frames: {free0} -> {free1}", m)

"""The Linux guest kit (tools/linux-guest/): Debian's cloud kernel with the
kit's initramfs boots in QEMU to its /init marker, runs commands given on
the console or on the kernel command line, powers off by itself, serves as
a kdump capture initramfs, and fails clearly when Debian's archive cannot
be reached or an extra file is missing.

Standalone on purpose: plain subprocess and pexpect (tools/linux-guest/
guest.py), no harness module, so that tests/run.py and pytest both run it.
`build` is optional for that reason (a harness object with .dir, or None).
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
KIT = ROOT / "tools" / "linux-guest"
sys.path.insert(0, str(KIT))
from linux_vm import Guest                                 # noqa: E402
from linux_guest import Kit                             # noqa: E402
import linux_kdump_baseline as baseline                 # noqa: E402

PY = "/usr/bin/python3"


def build_dir(build):
    """The build folder: the harness's, else $BUILD, else build/."""
    return Path(getattr(build, "dir", None) or os.environ.get("BUILD") or ROOT / "build")


def kit_for(build):
    return Kit(build_dir(build)).prepare()


def initrd_with_file(kit, tmp, text, dest):
    """The kit's initramfs in `tmp` with one extra file holding `text` at `dest`."""
    src = Path(tmp) / Path(dest).name
    src.write_text(text)
    initrd = Path(tmp) / "initrd.img"
    kit.build_initrd(initrd, extra=[(src, dest)])
    return initrd


def test_linux_guest_boots_runs_commands_and_powers_off(build=None):
    kit = kit_for(build)
    with tempfile.TemporaryDirectory() as tmp:
        initrd = initrd_with_file(kit, tmp, "passed in by the test\n", "etc/note.txt")
        disk = Path(tmp) / "disk.img"
        disk.write_bytes(b"\0" * (1 << 20))
        extra = ["-drive", f"file={disk},format=raw,if=none,id=d0",
                 "-device", "virtio-blk-pci,drive=d0,serial=smoke-disk"]
        with Guest(kit.vmlinuz, initrd, extra_args=extra, lifetime=300,
                   log_path=Path(tmp) / "serial.log") as g:
            release, debian = g.wait_marker(timeout=240)
            assert release == kit.release, f"marker names kernel {release}, kit has {kit.release}"
            g.wait_prompt()
            out, rc = g.run("cat /etc/note.txt")
            assert (out, rc) == ("passed in by the test\n", 0), f"extra file: {out!r} rc {rc}"
            out, rc = g.run("uname -r; kexec --version; makedumpfile -v | head -n 1")
            assert rc == 0 and out.splitlines()[0] == kit.release, out
            assert "kexec-tools 2." in out and "makedumpfile: version" in out, out
            # virtio_pci + virtio_blk are modules in the cloud kernel: /init loaded them.
            out, rc = g.run("cat /sys/block/vda/serial")
            assert out.strip() == "smoke-disk", f"virtio disk not seen: {out!r}"
            out, rc = g.run("false")
            assert rc == 1, f"exit status of 'false' read as {rc}"
            status = g.poweroff(timeout=120)
            assert status == 0, f"QEMU exit status {status} after poweroff -f"


def test_linux_guest_runs_cmdline_command_and_script_then_powers_off(build=None):
    kit = kit_for(build)
    with tempfile.TemporaryDirectory() as tmp:
        initrd = initrd_with_file(kit, tmp, "echo script-ran-as $0\n", "etc/job.sh")
        append = ('linux_guest.cmd="echo from-the-cmdline $((6 * 7))" '
                  'linux_guest.run=/etc/job.sh linux_guest.then=poweroff')
        with Guest(kit.vmlinuz, initrd, append=append, lifetime=300) as g:
            g.wait_marker(timeout=240)
            g.expect(r"from-the-cmdline 42", 60)
            g.expect(r"script-ran-as /etc/job.sh", 60)
            g.expect(r"linux-guest: powering off", 60)
            assert g.wait_exit(120) == 0


def test_linux_guest_is_a_kdump_capture_initramfs(build=None):
    """Linux's own kdump with the kit: kexec -p, sysrq-c, the capture
    kernel's /init reports /proc/vmcore and elfcorehdr=, refuses to write
    to a dump disk nobody attached, and powers off."""
    kit = kit_for(build)
    with tempfile.TemporaryDirectory() as tmp:
        first, _ = baseline.build_images(kit, Path(tmp))
        log = Path(tmp) / "serial.log"
        r = baseline.one_crash(kit, first, "load", "96M", log_path=log,
                               capture_extra="linux_guest.dump=no-such-disk")
        assert r["ok"], r.get("why")
        assert r["vmcore_bytes"] > 256 << 20, f"/proc/vmcore only {r['vmcore_bytes']} bytes"
        assert r["elfcorehdr"].endswith("K"), f"kexec_load passes elfcorehdr=NK, got {r['elfcorehdr']}"
        text = log.read_text(errors="replace")
        assert "linux-guest: error: no disk with serial 'no-such-disk': vmcore not saved" in text
        assert "vmcore saved to" not in text
        assert r["exit_status"] == 0, f"QEMU exit status {r['exit_status']} after the capture"


def run_kit_cli(build_folder, *args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([PY, str(KIT / "linux_guest.py"), "--build", str(build_folder)] + list(args),
                          capture_output=True, text=True, env=env, timeout=300)


def test_linux_guest_fails_clearly_without_the_archive(build=None):
    # An empty cache and an apt proxy on a closed loopback port: the fetch
    # must fail with one clear line, not a traceback.
    with tempfile.TemporaryDirectory() as tmp:
        p = run_kit_cli(tmp, env_extra={"LINUX_GUEST_APT_OPTS":
                                        "-o Acquire::http::Proxy=http://127.0.0.1:9 "
                                        "-o Acquire::https::Proxy=http://127.0.0.1:9"})
        assert p.returncode == 1, f"exit {p.returncode}; stderr {p.stderr!r}"
        assert "Traceback" not in p.stderr, p.stderr
        assert p.stderr.startswith("linux-guest: error: "), p.stderr
        assert "archive" in p.stderr or "apt-get update" in p.stderr, p.stderr


def test_linux_guest_refuses_a_missing_extra_file(build=None):
    kit = kit_for(build)
    p = run_kit_cli(build_dir(build), "--out", str(kit.dir / "refused.img"),
                    "--add", "/nonexistent/kernel.elf:boot/kernel.elf")
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert "linux-guest: error: extra file /nonexistent/kernel.elf does not exist" in p.stderr, p.stderr
    p = run_kit_cli(build_dir(build), "--add", "no-colon-here")
    assert p.returncode == 2 and "--add wants SRC:DEST" in p.stderr, p.stderr


def test_linux_guest_leaves_no_dot_d_names_in_build(build=None):
    # The Makefile includes every *.d under BUILD as a dependency file; the
    # unpacked packages have folders like etc/ld.so.conf.d that would stop make.
    kit = kit_for(build)
    found = [str(p) for p in kit.dir.rglob("*.d")]
    assert not found, f"names make would include: {found[:5]}"

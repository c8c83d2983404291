"""Fetch the Linux guest's Debian packages with `apt-get download` (nothing
is installed on the host) and keep them in a cache folder, so that a second
run asks the archive nothing and takes a second.

The idea: a manifest (JSON) beside the .deb files records which versioned
kernel package `linux-image-cloud-amd64` stood for and which file holds each
package; a package in the manifest whose file is present is never fetched
again.  Debian counterpart: what `apt-get download` + `dpkg-deb -x` do for
live-build or mkosi when they assemble a root file system without root.
"""
import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

KERNEL_META = "linux-image-cloud-amd64"


class FetchError(Exception):
    """A package could not be had; the message says what to do."""


def _apt_opts():
    """Extra apt options from LINUX_GUEST_APT_OPTS (e.g. a proxy), as a list.
    The tests use it to make the archive unreachable on purpose."""
    return shlex.split(os.environ.get("LINUX_GUEST_APT_OPTS", ""))


def _run(argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True)


def _last_error(proc):
    """The most telling line of a failed apt run (its last E: line)."""
    lines = [l for l in (proc.stderr + proc.stdout).splitlines() if l.strip()]
    errors = [l for l in lines if l.startswith("E:")]
    return (errors or lines or ["(no output)"])[-1]


class DebCache:
    """The .deb files of named packages, fetched once into `folder`."""

    def __init__(self, folder):
        self.dir = Path(folder)
        self.manifest_path = self.dir / "manifest.json"
        self.manifest = {"resolved": {}, "debs": {}}
        if self.manifest_path.exists():
            self.manifest = json.loads(self.manifest_path.read_text())
        self.updated_lists = False

    def _save(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=1, sort_keys=True) + "\n")
        tmp.replace(self.manifest_path)

    def _apt_lists_know(self, package):
        return _run(["apt-cache", "show", package]).returncode == 0

    def _ensure_lists(self, package):
        """apt's package lists must know `package`; as root, run apt-get update
        once when they do not (a fresh Debian image ships without lists)."""
        if self._apt_lists_know(package):
            return
        if os.geteuid() == 0 and not self.updated_lists:
            self.updated_lists = True
            upd = _run(["apt-get", "update", "-qq"] + _apt_opts())
            if upd.returncode == 0 and self._apt_lists_know(package):
                return
        raise FetchError(f"apt does not know the package {package}: run 'apt-get update' "
                         f"as root (Debian 12 'bookworm' main must be in the sources)")

    def kernel_package(self):
        """The versioned package linux-image-cloud-amd64 depends on, e.g.
        linux-image-6.1.0-57-cloud-amd64 (resolved once, then remembered)."""
        known = self.manifest["resolved"].get(KERNEL_META)
        if known:
            return known
        self._ensure_lists(KERNEL_META)
        out = _run(["apt-cache", "depends", KERNEL_META])
        for line in out.stdout.splitlines():
            line = line.strip()
            if line.startswith("Depends: linux-image-"):
                name = line.split()[1]
                self.manifest["resolved"][KERNEL_META] = name
                self._save()
                return name
        raise FetchError(f"apt-cache depends {KERNEL_META} names no linux-image-* package")

    def get(self, packages):
        """Paths of the .deb files of `packages`, downloading the missing ones.
        Raises FetchError when the archive cannot be reached."""
        missing = [p for p in packages
                   if not (self.dir / self.manifest["debs"].get(p, "\0")).is_file()]
        if missing:
            self._download(missing)
        return {p: self.dir / self.manifest["debs"][p] for p in packages}

    def _download(self, packages):
        self.dir.mkdir(parents=True, exist_ok=True)
        for p in packages:
            self._ensure_lists(p)
        print(f"linux-guest: fetching {len(packages)} Debian packages: {' '.join(packages)}",
              flush=True)
        before = set(os.listdir(self.dir))
        # Sandbox::User=root: apt's _apt user may not write into our folder.
        argv = ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
                "-o", "Acquire::Retries=1"] + _apt_opts() + packages
        proc = _run(argv, cwd=self.dir)
        if proc.returncode != 0:
            raise FetchError(f"apt-get download failed; is Debian's archive reachable? "
                             f"(apt: {_last_error(proc)})")
        for name in sorted(set(os.listdir(self.dir)) - before):
            if name.endswith(".deb"):
                pkg = _run(["dpkg-deb", "-f", str(self.dir / name), "Package"]).stdout.strip()
                self.manifest["debs"][pkg] = name
        lost = [p for p in packages if p not in self.manifest["debs"]]
        if lost:
            raise FetchError(f"apt-get download gave no .deb for {' '.join(lost)}")
        self._save()


def extract(debs, root):
    """Unpack each .deb's data into `root` (dpkg-deb -x: no scripts run, no
    root needed).  A .deb already unpacked there (listed in the stamp file)
    is not unpacked again.  Then prune what the guest never uses (etc/,
    usr/share/) and every file or folder named *.d: the project's Makefile
    includes each *.d under BUILD as a dependency file, and a folder such as
    etc/ld.so.conf.d would stop make."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / ".extracted-from"
    done = set(stamp.read_text().split()) if stamp.exists() else set()
    fresh = False
    for deb in debs:
        if Path(deb).name in done:
            continue
        proc = _run(["dpkg-deb", "-x", str(deb), str(root)])
        if proc.returncode != 0:
            raise FetchError(f"dpkg-deb -x {deb} failed: {_last_error(proc)}")
        done.add(Path(deb).name)
        fresh = True
    if fresh:
        _prune(root)
        stamp.write_text("".join(n + "\n" for n in sorted(done)))


def _prune(root):
    for unused in ("etc", "usr/share"):
        shutil.rmtree(root / unused, ignore_errors=True)
    for top, dirs, files in os.walk(root, topdown=True):
        for name in [d for d in dirs if d.endswith(".d")]:
            shutil.rmtree(Path(top) / name)
            dirs.remove(name)
        for name in files:
            if name.endswith(".d"):
                (Path(top) / name).unlink()

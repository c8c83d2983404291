"""Write an initramfs: a cpio archive in the "newc" format, gzip-compressed.

The idea: an initramfs is a list of (header, name, data) records, each
padded to 4 bytes, closed by a record named TRAILER!!!.  Writing it
ourselves needs no root (device nodes and root-owned files are just header
fields) and gives the same bytes on every run (mtime 0, inodes counted up).
Linux counterpart: usr/gen_init_cpio.c writes this format, and
init/initramfs.c (do_header, do_name...) reads it.
"""
import gzip
import os
import stat

NEWC_MAGIC = b"070701"
TRAILER = "TRAILER!!!"


def _pad4(n):
    return (4 - n % 4) % 4


class Archive:
    """An initramfs being built.  Paths are relative ("bin/busybox"); every
    parent directory is created on first use, mode 0755, owner root."""

    def __init__(self):
        self.entries = {}          # path -> (mode, data bytes, rdev (major, minor))

    def _parents(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/".join(parts[:i])
            if parent not in self.entries:
                self.entries[parent] = (stat.S_IFDIR | 0o755, b"", (0, 0))

    def _put(self, path, mode, data=b"", rdev=(0, 0)):
        path = path.strip("/")
        if not path or ".." in path.split("/"):
            raise ValueError(f"cpio: bad path {path!r}")
        self._parents(path)
        self.entries[path] = (mode, data, rdev)

    def add_dir(self, path, mode=0o755):
        """A directory (its parents too)."""
        self._put(path, stat.S_IFDIR | mode)

    def add_file(self, path, data, mode=0o644):
        """A regular file holding `data` (bytes); replaces an earlier one."""
        self._put(path, stat.S_IFREG | mode, bytes(data))

    def add_host_file(self, path, src, mode=None):
        """A regular file copied from the host file `src` (its own mode bits
        unless `mode` is given)."""
        with open(src, "rb") as f:
            data = f.read()
        if mode is None:
            mode = stat.S_IMODE(os.stat(src).st_mode)
        self.add_file(path, data, mode)

    def add_symlink(self, path, target):
        """A symbolic link; cpio stores the target as the link's data."""
        self._put(path, stat.S_IFLNK | 0o777, target.encode())

    def add_chardev(self, path, major, minor, mode=0o600):
        """A character device node (e.g. dev/console 5:1): no root needed."""
        self._put(path, stat.S_IFCHR | mode, b"", (major, minor))

    def has(self, path):
        return path.strip("/") in self.entries

    def to_bytes(self):
        """The uncompressed newc archive: directories before their contents
        (sorted paths give that), then the trailer."""
        out = bytearray()
        ino = 1
        for path in sorted(self.entries) + [TRAILER]:
            if path == TRAILER:
                mode, data, rdev, nlink = 0, b"", (0, 0), 1
            else:
                mode, data, rdev = self.entries[path]
                nlink = 2 if stat.S_ISDIR(mode) else 1
            name = path.encode() + b"\0"
            fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
                      rdev[0], rdev[1], len(name), 0]
            header = NEWC_MAGIC + b"".join(b"%08X" % v for v in fields)
            out += header + name + b"\0" * _pad4(len(header) + len(name))
            out += data + b"\0" * _pad4(len(data))
            ino += 1
        return bytes(out)

    def write_gz(self, out_path):
        """Write the archive gzip-compressed (mtime 0: same input, same bytes).
        Returns the compressed size in bytes."""
        raw = self.to_bytes()
        packed = gzip.compress(raw, compresslevel=6, mtime=0)
        with open(out_path, "wb") as f:
            f.write(packed)
        return len(packed)

"""Where a command's output goes: stdout, a file, or a folder of files; whole or not at all.

Every command that writes goes through :func:`write_output` (``-o FILE``, or stdout),
:func:`write_outputs` (several files at once: ``sweep --plot p.png -o out.txt``) or
:func:`write_folder` (``worksheet -o FOLDER``). What they promise:

- ``FILE`` is written through to what it is when it is not a regular file: a terminal,
  ``/dev/null``, ``/dev/stdout``, a FIFO stay what they are; a symlink stays a symlink and
  its target is written. A regular file (or a new one) is written atomically: a temporary
  file with a short name (``.archcost-XXXXXX``) in the same folder, then a rename over
  ``FILE``, so a reader sees the old file or the new one, never half of one.
- An existing regular file (or a block device) is only replaced with ``--force``.
- Every OS error (missing folder, permission, name too long, read-only, disk full, file too
  large) becomes one :class:`~archcost.errors.ArchcostError` naming the path and the cause;
  no temporary file is left behind.
- Several files: every target is checked and every regular file staged before any is
  replaced, so a failure leaves none of them.
- A folder is built whole beside its target and renamed into place: an interrupted run
  leaves either the whole folder or nothing at the target.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> write_output("784\\n", os.path.join(folder, "t.txt"), force=False)
>>> open(os.path.join(folder, "t.txt")).read(), os.listdir(folder)
('784\\n', ['t.txt'])
>>> write_output("23,296\\n", os.path.join(folder, "t.txt"), force=False)
Traceback (most recent call last):
archcost.errors.ArchcostError: '.../t.txt' already exists; pass --force to overwrite it, or choose another name
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys

from .errors import ArchcostError

TEMP_PREFIX = ".archcost-"   # short: a temporary name must fit wherever the target's name fits

_FIXES = {
    errno.ENOENT: "create the folder first, or choose another path",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose another path",
    errno.EISDIR: "give a file name, not a folder",
    errno.EACCES: "choose a place you can write to",
    errno.EPERM: "choose a place you can write to",
    errno.EROFS: "choose a writable place",
    errno.ENAMETOOLONG: "choose a shorter name",
    errno.ENOSPC: "free some space, or choose another disk",
    errno.EDQUOT: "free some space, or choose another disk",
    errno.EFBIG: "the file system or a limit refuses a file this large: choose another place",
    errno.ELOOP: "the path has a loop of symbolic links: choose another path",
    errno.ENOTEMPTY: "another run wrote there first: choose a new folder, or pass --force",
}


def os_error(path: str, exc: OSError) -> ArchcostError:
    """One error line for an OS error while writing ``path``: the path, the cause, a fix."""
    cause = exc.strerror or str(exc)
    return ArchcostError(f"cannot write '{path}': {cause}", _FIXES.get(exc.errno, "choose another path"))


def _no_new_files(path: str, folder: str) -> ArchcostError:
    """The folder exists (checked) yet creating in it says ENOENT: /proc, /sys."""
    return ArchcostError(f"cannot write '{path}': its folder '{folder}' takes no new files", "choose another place")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Target:
    """One output, checked: stdout (path None), a stream written through (a device, a FIFO,
    /dev/stdout) or a regular file written by rename (``real``: the symlink's target)."""

    def __init__(self, path: str | None, data: str | bytes, force: bool):
        self.path, self.data, self.tmp, self.fd = path, data, None, None
        self.stream = path is None
        if path is None:
            if sys.stdout is None:
                raise ArchcostError("standard output is closed", "write to a file with -o FILE, or leave stdout open")
            return
        if not path:
            raise ArchcostError("the output file name is empty", "give a file name, e.g. -o table.txt")
        self.fd = _descriptor(path)
        if self.fd is not None:     # /dev/stdout, /dev/fd/N: written at the descriptor's own offset
            self.stream, self.real = True, path
            try:
                os.fstat(self.fd)
            except OSError as exc:
                raise os_error(path, exc) from None
            return
        try:
            st = os.stat(path)          # follows symlinks: what FILE really is
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise os_error(path, exc) from None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise ArchcostError(f"'{path}' is a folder", "give a file name, e.g. -o table.txt")
        if st is not None and (stat.S_ISREG(st.st_mode) or stat.S_ISBLK(st.st_mode)) and not force:
            raise ArchcostError(f"'{path}' already exists", "pass --force to overwrite it, or choose another name")
        self.stream = st is not None and not stat.S_ISREG(st.st_mode)
        self.real = os.path.realpath(path)
        self.mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
        folder = os.path.dirname(self.real)
        if not self.stream and not os.path.isdir(folder):
            raise ArchcostError(f"cannot write '{path}': the folder '{folder}' does not exist", "create it first")

    def bytes(self) -> bytes:
        return self.data if isinstance(self.data, bytes) else self.data.encode("utf-8")

    def stage(self) -> None:
        """A regular file: write the whole content to a temporary file beside it."""
        import tempfile

        folder = os.path.dirname(self.real)
        try:
            fd, self.tmp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX)
        except FileNotFoundError:
            raise _no_new_files(self.path, folder) from None
        except OSError as exc:
            raise os_error(self.path, exc) from None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.bytes())
                fh.flush()
                os.fchmod(fh.fileno(), self.mode)
                os.fsync(fh.fileno())
        except OSError as exc:
            raise os_error(self.path, exc) from None

    def commit(self) -> None:
        try:
            if self.path is None:
                _to_stdout(self.data)
            elif self.fd is not None:
                if sys.stdout is not None:
                    sys.stdout.flush()
                with os.fdopen(os.dup(self.fd), "wb") as fh:
                    fh.write(self.bytes())
            elif self.stream:     # no O_CREAT, no O_TRUNC: a device or a FIFO stays what it is
                with os.fdopen(os.open(self.path, os.O_WRONLY), "wb") as fh:
                    fh.write(self.bytes())
            else:
                os.replace(self.tmp, self.real)
                self.tmp = None
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise os_error(self.path or "<stdout>", exc) from None

    def discard(self) -> None:
        if self.tmp:
            try:
                os.remove(self.tmp)
            except OSError:
                pass
            self.tmp = None


def _descriptor(path: str) -> int | None:
    """The number of this process's open file that ``path`` names through its links
    (/dev/stdout -> /proc/self/fd/1, /dev/fd/2), or None."""
    path = os.path.abspath(path)
    for _ in range(40):
        found = re.fullmatch(r"/(?:proc/(?:self|thread-self|(\d+))|dev)/fd/(\d+)", path)
        if found and found.group(1) in (None, str(os.getpid())):
            return int(found.group(2))
        if not os.path.islink(path):
            return None
        path = os.path.normpath(os.path.join(os.path.dirname(path), os.readlink(path)))
    return None


def _to_stdout(data: str | bytes) -> None:
    import click

    click.echo(data, nl=False)
    sys.stdout.flush()


def write_outputs(items, force: bool) -> None:
    """Write every (path, text or bytes) of ``items`` (path None: stdout), all or none:
    check every target, stage every regular file, write the streams, then rename."""
    targets = [_Target(path, data, force) for path, data in items]
    files = [t.real for t in targets if t.path is not None]
    if len(set(files)) < len(files):
        same = next(t.path for t in targets if t.path is not None and files.count(t.real) > 1)
        raise ArchcostError(f"two outputs go to the same file '{same}'", "give each output its own name")
    try:
        for t in targets:
            if not t.stream:
                t.stage()
        for group in ([t for t in targets if t.stream and t.path is not None],      # devices, FIFOs
                      [t for t in targets if not t.stream],                          # renames
                      [t for t in targets if t.path is None]):                       # stdout, last
            for t in group:
                t.commit()
    finally:
        for t in targets:
            t.discard()


def write_output(data: str | bytes, path: str | None, force: bool) -> None:
    """Print ``data``, or write it to ``path`` whole or not at all (bytes for images and PDF)."""
    write_outputs([(path, data)], force)


def write_folder(folder: str | None, files: dict, force: bool, owned) -> None:
    """Write ``files`` (name -> text or bytes) as one set into ``folder``: built in a temporary
    folder beside it, then renamed into place. An existing non-empty folder is replaced only
    with ``force``, and only when each of its entries is a file ``owned(name)`` says this kind
    of folder holds (anything else is refused, never deleted)."""
    import shutil
    import tempfile

    if not folder:
        raise ArchcostError("no output folder", "give one with -o, e.g. -o out/")
    real = os.path.realpath(folder)
    try:
        entries = os.listdir(real) if os.path.lexists(real) else None
    except NotADirectoryError:
        raise ArchcostError(f"'{folder}' is a file, not a folder", "choose a folder name, e.g. -o class/") from None
    except OSError as exc:
        raise os_error(folder, exc) from None
    if entries and not force:
        raise ArchcostError(f"the folder '{folder}' is not empty ({len(entries)} entries)",
                            "pass --force to replace what it holds, or choose a new folder")
    foreign = sorted(e for e in entries or () if not (owned(e) and os.path.isfile(os.path.join(real, e))))
    if foreign:
        raise ArchcostError(f"the folder '{folder}' holds '{foreign[0]}', which archcost did not write "
                            f"({len(foreign)} such entries)", "move them away, or choose a new folder")
    parent = os.path.dirname(real)
    made = _make_folders(parent, folder)
    tmp = old = None
    try:
        try:
            tmp = tempfile.mkdtemp(dir=parent, prefix=TEMP_PREFIX)
        except FileNotFoundError:
            raise _no_new_files(folder, parent) from None
        for name, data in files.items():
            with open(os.path.join(tmp, name), "xb") as fh:
                fh.write(data if isinstance(data, bytes) else data.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(os.stat(real).st_mode) if entries is not None else 0o777 & ~_umask())
        if entries:           # move the old set aside (onto an empty temporary folder), then the new one in
            old = tempfile.mkdtemp(dir=parent, prefix=TEMP_PREFIX)
            os.rename(real, old)
        try:
            os.rename(tmp, real)
        except OSError:
            if old:
                os.rename(old, real)
                old = None
            raise
        tmp, made = None, []
    except OSError as exc:
        raise os_error(folder, exc) from None
    finally:
        for path in (tmp, old):
            if path:
                shutil.rmtree(path, ignore_errors=True)
        for path in reversed(made):
            try:
                os.rmdir(path)
            except OSError:
                break


def _make_folders(parent: str, shown: str) -> list[str]:
    """Create ``parent`` and its missing ancestors; return those created (to remove on failure)."""
    missing, path = [], parent
    while not os.path.isdir(path):
        if os.path.lexists(path):
            raise ArchcostError(f"cannot write '{shown}': '{path}' is a file, not a folder", "choose another path")
        missing.append(path)
        path = os.path.dirname(path)
    made = []
    try:
        for path in reversed(missing):
            os.mkdir(path)
            made.append(path)
    except OSError as exc:
        for path in reversed(made):
            os.rmdir(path)
        raise os_error(shown, exc) from None
    return made

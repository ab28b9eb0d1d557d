"""Atomic file writes: a reader sees the old file or the new one, whole, never half of either.

A temp file is written beside the target (same file system) and renamed over it. The file
gets the mode the umask gives a new file (it is created with 0666 and the kernel applies the
umask, as for any new file: pages are for others to read), and a target that is not a regular
file (a symlink, FIFO or device someone left at ``--out``) is refused rather than replaced or
written through.

Why one ``os.open``: a site writes some 3,400 pages; ``mkstemp`` + close + reopen + chmod +
unlink made five system calls more per page than create-exclusive, write, rename. (Most of
what remains is the file system allocating each new file, which any writer of the pages pays.)
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class NotAFileError(OSError):
    """The target exists and is not a regular file."""


def check_target(path: Path) -> None:
    """Raise :class:`NotAFileError` when ``path`` exists and is not a regular file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = (
            "a symlink"
            if stat.S_ISLNK(mode)
            else "a directory"
            if stat.S_ISDIR(mode)
            else ("a FIFO" if stat.S_ISFIFO(mode) else "a device or socket")
        )
        raise NotAFileError(0, f"it is {kind}, not a regular file; refusing to replace it")


_serial = itertools.count()
_CREATE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _create_temp(path: Path) -> tuple[int, str]:
    """A new file beside ``path``, created here and nowhere else (``O_EXCL``: never a file or
    link that was already there), with the umask's mode; its descriptor and name."""
    prefix = os.path.join(os.fspath(path.parent), f".{path.name}.{os.getpid()}.")
    while True:
        temp = f"{prefix}{next(_serial)}.tmp"
        try:
            return os.open(temp, _CREATE, 0o666), temp
        except FileExistsError:  # left by a process that had our pid: the next name
            continue


def _finish(temp: str, path: Path) -> None:
    """Rename ``temp`` over ``path``, unless ``path`` became something else meanwhile."""
    check_target(path)
    os.replace(temp, path)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temp path beside ``path`` to write; renamed over ``path`` when the block succeeds."""
    path = Path(path)
    check_target(path)
    handle, temp = _create_temp(path)
    os.close(handle)
    try:
        yield Path(temp)
        _finish(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: one create, its writes, one rename."""
    path = Path(path)
    check_target(path)
    handle, temp = _create_temp(path)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
        _finish(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))  # "\n" as it is: no newline translation


def write_if_changed(path: Path, text: str) -> bool:
    """:func:`write_text`, unless ``path`` already holds exactly these bytes: a page written
    again the same is left alone (its time, and the rename's cost, with it). True if written."""
    data = text.encode("utf-8")
    try:
        if os.lstat(path).st_size == len(data) and Path(path).read_bytes() == data:
            check_target(path)
            return False
    except OSError:
        pass  # no file there yet, or not one to read: written (or refused) below
    write_bytes(path, data)
    return True

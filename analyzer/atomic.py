"""Atomic file writes: a reader sees the old file or the new one, whole, never half of either.

A temp file is written beside the target (same file system) and renamed over it. The file
gets the mode the umask gives a new file (a temp file starts 0600, and pages are for others to
read), and a target that is not a regular file (a symlink, FIFO or device someone left at
``--out``) is refused rather than replaced or written through.
"""

from __future__ import annotations

import os
import stat
import tempfile
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


def file_mode() -> int:
    """The mode a new file gets from the umask (0644 under the usual 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temp path beside ``path`` to write; renamed over ``path`` when the block succeeds."""
    check_target(path)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        yield Path(temp)
        os.chmod(temp, file_mode())
        check_target(path)
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    with replacing(path) as temp:
        temp.write_text(text, encoding="utf-8", newline="\n")


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
    write_text(path, text)
    return True

"""The process environment the CLI runs in, injectable so tests can run the real CLI.

Like httpie's ``Environment``: streams, terminal detection and environment variables in one
object. Tests build one with ``io.StringIO`` streams and their own ``environ``.
"""

from __future__ import annotations

import enum
import errno
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO


class ExitStatus(enum.IntEnum):
    """Exit codes of ``analyzer`` (README "Commands"): 0 ok, 1 job failed, 2 bad usage or input."""

    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    CTRL_C = 130


class AnalyzerError(Exception):
    """A failure to report as one clear sentence; ``exit_status`` says which kind."""

    exit_status = ExitStatus.ERROR


class JobError(AnalyzerError):
    """The job could not be done: network, server, rate limit exhausted (exit 1)."""

    exit_status = ExitStatus.ERROR


class InputError(AnalyzerError):
    """Bad usage or bad input: flags, paths, files, a URL that is not Bugzilla (exit 2)."""

    exit_status = ExitStatus.USAGE


# A write that failed for want of room: a full disk, a quota, a file-size limit.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_NO_ROOM_WORDS = ("no space left", "disk is full", "disk quota", "file too large")


def out_of_room(exc: BaseException) -> bool:
    """Whether ``exc`` (an OSError, or SQLite's or Arrow's own) says the disk had no room."""
    if isinstance(exc, OSError) and exc.errno in NO_ROOM:
        return True
    return any(words in str(exc).lower() for words in _NO_ROOM_WORDS)


def no_room(where: object) -> JobError:
    """The one sentence for a full disk: a failure of the job (exit 1), nothing lost."""
    return JobError(
        f"No space left on the device to write {where}; free some space and run again "
        "(what was there before is unchanged)."
    )


@dataclass
class Environment:
    """Streams and settings of one CLI run."""

    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    stderr_isatty: bool | None = None

    def __post_init__(self) -> None:
        if self.stderr_isatty is None:
            isatty = getattr(self.stderr, "isatty", None)
            self.stderr_isatty = bool(isatty and isatty())

    @property
    def api_key(self) -> str | None:
        """The Bugzilla API key, only ever read from ``BUGZILLA_API_KEY``."""
        key = self.environ.get("BUGZILLA_API_KEY", "").strip()
        return key or None

    def note(self, message: str) -> None:
        """One informational line on stderr."""
        print(message, file=self.stderr)

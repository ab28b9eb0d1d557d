"""Shared test helpers: run the real CLI in-process with an injected environment."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.env import Environment
from analyzer.store import RawBug, Store


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def run_cli(*args: str, environ: dict[str, str] | None = None, tty: bool = False) -> CliResult:
    """Run ``analyzer ARGS`` in-process; stdout/stderr captured, no real environment leaks in."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ=dict(environ or {}), stderr_isatty=tty)
    code = main([str(a) for a in args], env=env)
    return CliResult(int(code), out.getvalue(), err.getvalue())


def run_on_snapshot(*args: str, **kwargs) -> CliResult:
    """Run ``analyzer ARGS`` without ``--data-dir`` from an empty directory, so it reads the
    bundled snapshot (an explicit ``--data-dir`` without a store is an error)."""
    with tempfile.TemporaryDirectory() as empty, contextlib.chdir(empty):
        return run_cli(*args, **kwargs)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


BUGZILLA_FIXTURES = Path(__file__).parent / "fixtures" / "bugzilla"


@pytest.fixture(scope="session")
def bugzilla_corpus():
    """The hand-written fixture corpus of the fake Bugzilla (tests/fixtures/bugzilla/)."""
    from analyzer.testing.fake_bugs import load_corpus

    return load_corpus(BUGZILLA_FIXTURES)


@pytest.fixture
def server(bugzilla_corpus):
    """A fake Bugzilla on 127.0.0.1 serving the fixture corpus, fault-free."""
    from analyzer.testing.fake_bugzilla import FakeBugzilla

    with FakeBugzilla(bugzilla_corpus) as fake:
        yield fake


@pytest.fixture
def mount_tmpfs():
    """Mount a tmpfs of a given size at a path (a file system of its own, like a Docker volume
    or a small disk); unmounted after. Needs root, which CI has."""
    mounted: list[Path] = []

    def mount(path: Path, size: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root (CI runs as root)")
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       check=True)  # fmt: skip
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> None:
    """Fill the file system of ``path`` to the last byte."""
    with path.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"x" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def one_bug_store(data_dir: Path) -> Path:
    """A store of one open bug, synced, with history: the smallest store every command reads."""
    bug = {"id": 7001, "summary": "Harbor CA: late revocation", "status": "NEW",
           "creation_time": "2026-03-01T10:00:00Z", "creator": "ops@harbor-ca.example",
           "whiteboard": "[ca-compliance]", "last_change_time": "2026-03-01T10:00:00Z"}  # fmt: skip
    comment = {"count": 0, "creator": "ops@harbor-ca.example", "text": "Preliminary report",
               "creation_time": "2026-03-01T10:00:00Z", "is_private": False}  # fmt: skip
    with Store.open(data_dir) as store:
        store.put_bugs([RawBug(bug, [comment], [])])
        store.set_meta(source="test", history_known="true", last_sync_time="2026-03-05T00:00:00Z")
    return data_dir

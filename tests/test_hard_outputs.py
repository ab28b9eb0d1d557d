"""Outputs others open: spreadsheets, terminals, Markdown renderers, web servers."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest

from analyzer.env import ExitStatus
from analyzer.store import RawBug, Store
from tests.conftest import fill, one_bug_store

FORMULA = '=HYPERLINK("https://evil.example","x")'
HOSTILE = "Evil\x1b]0;pwned\x07\x1b[31mRED\u202e\x9b2J"


@pytest.fixture
def hostile_store(data_dir: Path) -> Path:
    """An open bug whose CA name, summary, accounts and whiteboard are an attacker's."""
    bug = {"id": 1901, "summary": f"{FORMULA}: {HOSTILE} ops@evil.example", "status": "ASSIGNED",
           "resolution": "", "creation_time": "2026-03-01T10:00:00Z",
           "creator": "+cmd@evil.example", "assigned_to": "@SUM(A1)@evil.example",
           "whiteboard": f"-2+3 [ca-compliance] {HOSTILE} Next update 2026-03-10",
           "last_change_time": "2026-03-01T10:00:00Z"}  # fmt: skip
    comments = [
        {"count": 0, "creator": "+cmd@evil.example", "creation_time": "2026-03-01T10:00:00Z",
         "text": f"Preliminary report {HOSTILE}", "is_private": False},
        {"count": 1, "creator": "rp@mozilla.com", "creation_time": "2026-03-02T10:00:00Z",
         "text": f"Question for ops@evil.example? {HOSTILE}", "is_private": False},
    ]  # fmt: skip
    with Store.open(data_dir) as store:
        store.put_bugs([RawBug(bug, comments, [])])
        store.set_meta(source="test", history_known="true", last_sync_time="2026-03-05T00:00:00Z")
    return data_dir


def formula_cells(text: str) -> list[str]:
    return [
        cell
        for row in csv.reader(io.StringIO(text))
        for cell in row
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r")
    ]


def test_metrics_csv_cells_never_start_a_formula(cli, hostile_store):
    result = cli("metrics", "--data-dir", hostile_store, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert "'=HYPERLINK" in result.stdout
    assert formula_cells(result.stdout) == []


def test_export_csv_cells_never_start_a_formula(cli, hostile_store, tmp_path):
    out = tmp_path / "csv"
    result = cli("export", "--data-dir", hostile_store, "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    texts = {path.name: path.read_text() for path in out.glob("*.csv")}
    assert "'=HYPERLINK" in texts["bugs.csv"] and "'+cmd@evil.example" in texts["comments.csv"]
    assert "'-2+3 [ca-compliance]" in texts["whiteboard.csv"]
    for name, text in texts.items():
        assert formula_cells(text) == [], name


OUTPUTS = [
    ("quality",), ("quality", "--format", "json"),
    ("metrics",), ("metrics", "--format", "json"), ("metrics", "--format", "csv"),
    ("summary",), ("summary", "--format", "json"),
    ("due",), ("due", "--format", "json"), ("due", "--format", "md"), ("due", "--format", "html"),
]  # fmt: skip


@pytest.mark.parametrize("args", OUTPUTS, ids=lambda a: " ".join(a))
def test_no_format_lets_bug_text_steer_the_terminal(cli, hostile_store, args):
    result = cli(*args, "--data-dir", hostile_store)
    assert result.exit_code == 0, result.stderr
    for char in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert char not in result.stdout + result.stderr


def test_markdown_does_not_make_e_mail_addresses_links(cli, hostile_store):
    from analyzer.report.render import md_escape

    assert md_escape("ops@evil.example") == "ops\\@evil.example"
    result = cli("due", "--data-dir", hostile_store, "--format", "md")
    assert result.exit_code == 0, result.stderr
    assert "ops@evil.example" not in result.stdout


def test_pages_respect_the_umask(cli, hostile_store, tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "due.html"
        assert (
            cli("due", "--data-dir", hostile_store, "--format", "html", "--out", out).exit_code == 0
        )
        cards = cli("scorecards", "--data-dir", hostile_store, "--month", "2026-03",
                    "--out", tmp_path / "reports")  # fmt: skip
        assert cards.exit_code == 0, cards.stderr
    finally:
        os.umask(old)
    pages = [out, *(tmp_path / "reports").rglob("*.*")]
    assert len(pages) > 2
    for page in pages:
        assert stat.S_IMODE(page.stat().st_mode) == 0o644, page


def make_target(kind: str, path: Path, tmp_path: Path) -> None:
    if kind == "symlink":
        victim = tmp_path / "victim.txt"
        victim.write_text("precious")
        path.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()


@pytest.mark.parametrize("kind", ["symlink", "fifo", "directory"])
def test_due_out_that_is_not_a_regular_file_is_refused(cli, hostile_store, tmp_path, kind):
    target = tmp_path / "due.md"
    make_target(kind, target, tmp_path)
    result = cli("due", "--data-dir", hostile_store, "--format", "md", "--out", target)
    assert result.exit_code == ExitStatus.USAGE
    assert "not a regular file" in result.stderr or "directory" in result.stderr
    if kind == "symlink":
        assert target.is_symlink() and (tmp_path / "victim.txt").read_text() == "precious"


def test_a_device_at_out_is_never_written(cli, hostile_store):
    result = cli("due", "--data-dir", hostile_store, "--format", "md", "--out", "/dev/null")
    assert result.exit_code == ExitStatus.USAGE
    assert "device" in result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_export_target_that_is_not_a_regular_file_is_refused(cli, hostile_store, tmp_path, kind):
    out = tmp_path / "exports"
    out.mkdir()
    make_target(kind, out / "bugs.csv", tmp_path)
    result = cli("export", "--data-dir", hostile_store, "--out", out, "--format", "csv")
    assert result.exit_code == ExitStatus.USAGE
    assert "not a regular file" in result.stderr


def test_scorecard_pages_and_exports_hold_no_control_characters(cli, hostile_store, tmp_path):
    cards = cli("scorecards", "--data-dir", hostile_store, "--month", "2026-03",
                "--out", tmp_path / "reports")  # fmt: skip
    assert cards.exit_code == 0, cards.stderr
    pages = list((tmp_path / "reports").rglob("*.html")) + list(
        (tmp_path / "reports").rglob("*.md")
    )
    assert pages
    for page in pages:
        text = page.read_text()
        for char in ("\x1b", "\x07", "\u202e", "\x9b"):
            assert char not in text, page
        if page.suffix == ".md":
            assert "ops@evil.example" not in text, page
    exported = cli(
        "export", "--data-dir", hostile_store, "--out", tmp_path / "x", "--format", "csv"
    )
    assert exported.exit_code == 0 and "\x1b" not in exported.stdout


# -- a closed pipe, a full disk ------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def run_real(*args, stdout, tmp_path: Path, extra_env: dict | None = None):
    """``python -m analyzer ARGS`` in its own process (a real stdout), this repository's."""
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if k != "BUGZILLA_API_KEY"}
    environ["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), environ.get("PYTHONPATH", "")])
    environ.update(extra_env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "analyzer", *map(str, args)],
        cwd=tmp_path,  # no data/ here: without --data-dir, the bundled snapshot
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=environ,
    )


PIPED = [*OUTPUTS, ("--help",)]


def test_a_closed_pipe_is_a_quiet_normal_end_in_every_format(hostile_store, tmp_path):
    """``analyzer ... | head -1``: the reader is gone before the first write (its end of the
    pipe is closed), so every format's first write fails with EPIPE."""
    import subprocess

    warm = run_real("quality", "--data-dir", hostile_store, stdout=subprocess.DEVNULL,
                    tmp_path=tmp_path)  # fmt: skip
    assert warm.wait(timeout=300) == 0  # tables parsed once, not by every run at once
    runs = []
    for args in PIPED:
        reader, writer = os.pipe()
        os.close(reader)
        extra = () if args == ("--help",) else ("--data-dir", hostile_store)
        runs.append((args, run_real(*args, *extra, stdout=writer, tmp_path=tmp_path)))
        os.close(writer)
    reader, writer = os.pipe()
    os.close(reader)
    export = ("export", "--data-dir", hostile_store, "--out", tmp_path / "out")
    runs.append((export, run_real(*export, stdout=writer, tmp_path=tmp_path)))
    os.close(writer)
    for args, process in runs:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, (args, stderr.decode())
        assert b"Traceback" not in stderr and b"Error" not in stderr, (args, stderr.decode())
        assert b"Exception ignored" not in stderr, (args, stderr.decode())


def staging_left(*folders: Path) -> list[Path]:
    return [entry for folder in folders for entry in folder.glob(".export*")]


@pytest.mark.parametrize("fmt", ["parquet", "csv", "sqlite"])
def test_export_into_a_mount_point_works_in_every_format(cli, hostile_store, tmp_path,
                                                          mount_tmpfs, fmt):  # fmt: skip
    out = mount_tmpfs(tmp_path / "volume", "64m")
    assert os.stat(out).st_dev != os.stat(tmp_path).st_dev  # really another file system
    (out / "keep.txt").write_text("someone else's file")
    result = cli("export", "--data-dir", hostile_store, "--out", out, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    names = {path.name for path in out.iterdir()}
    assert ("corpus.sqlite" if fmt == "sqlite" else f"bugs.{fmt}") in names
    assert (out / "keep.txt").read_text() == "someone else's file"
    assert staging_left(out, tmp_path) == []
    again = cli("export", "--data-dir", hostile_store, "--out", out, "--format", fmt)
    assert again.exit_code == 0, again.stderr  # over its own earlier files, on the mount


def test_a_full_disk_under_export_is_one_sentence_and_loses_nothing(cli, hostile_store, tmp_path,
                                                                    mount_tmpfs):  # fmt: skip
    out = mount_tmpfs(tmp_path / "small", "256k")
    (out / "corpus.sqlite").write_bytes(b"the previous export")
    fill(out / "filler")
    for fmt in ("sqlite", "parquet", "csv"):
        result = cli("export", "--data-dir", hostile_store, "--out", out, "--format", fmt)
        assert result.exit_code == ExitStatus.ERROR, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "No space left" in result.stderr and "unexpected" not in result.stderr
        assert (out / "corpus.sqlite").read_bytes() == b"the previous export"
        assert staging_left(out) == []


def test_a_full_disk_under_stdout_is_one_sentence(hostile_store, tmp_path):
    with open("/dev/full", "w") as full:  # every write: ENOSPC
        for args in [("metrics", "--format", "json"), ("due", "--format", "html")]:
            process = run_real(*args, "--data-dir", hostile_store, stdout=full, tmp_path=tmp_path)
            _, stderr = process.communicate(timeout=300)
            text = stderr.decode()
            assert process.returncode == ExitStatus.ERROR, text
            assert text.strip().splitlines()[-1].startswith("Error: No space left"), text
            assert "Traceback" not in text and "Exception ignored" not in text, text


def wait_for_staging(out: Path, process, limit: float = 120.0) -> bool:
    import time

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if any(out.glob(".export-staging-*/*")):
            return True
        time.sleep(0.002)
    return False


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_export_leaves_no_staging_folder_after_the_next(cli, tmp_path, how):
    """A real export of the bundled snapshot killed while it writes its files; the next
    export removes the folder it left, but never one in use."""
    import signal

    from analyzer.cli.export import _staging

    out = tmp_path / "exports"
    out.mkdir()
    for _attempt in range(5):  # the kill must land while files are written
        process = run_real("export", "--out", out, "--format", "csv",
                           stdout=subprocess_devnull(), tmp_path=tmp_path)  # fmt: skip
        caught = wait_for_staging(out, process)
        process.send_signal(getattr(signal, how))
        process.communicate(timeout=60)
        if caught and process.returncode == -getattr(signal, how):
            break
    else:
        pytest.fail("the export was never caught mid-way")
    left = list(out.glob(".export-staging-*"))
    assert left, "the kill left nothing to clean: not a test of the cleaning"
    busy, lock = _staging(out)  # another export's folder, in use right now
    try:
        result = cli("export", "--out", out, "--format", "csv", "--data-dir",
                     one_bug_store(tmp_path / "small-store"))  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert list(out.glob(".export-staging-*")) == [busy]
    finally:
        os.close(lock)


def subprocess_devnull():
    import subprocess

    return subprocess.DEVNULL


# every character Python's str.splitlines breaks a line at
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\r\n"


@pytest.fixture
def forging_store(data_dir: Path) -> Path:
    """Bugs whose CA name (the summary's prefix) and whiteboard carry line breaks, each
    followed by text laid out as a row of the table it lands in."""
    bugs = []
    for number, brk in enumerate(LINE_BREAKS):
        forged = f"Harbor{brk}  1  Forged {number}  [bugs 1]{brk}1 Forged-{number} NEW 9 9 9"
        bugs.append(RawBug(
            {"id": 1950 + number, "summary": f"{forged}: late revocation", "status": "NEW",
             "creation_time": "2026-03-01T10:00:00Z", "creator": f"ops{brk}Forged@x.example",
             "whiteboard": f"[ca-compliance] [tag{brk}Forged] Next update{brk}Forged",
             "last_change_time": "2026-03-01T10:00:00Z"},
            [{"count": 0, "creator": "ops@harbor.example", "text": "Preliminary report",
              "creation_time": "2026-03-01T10:00:00Z", "is_private": False}],
            [],
        ))  # fmt: skip
    with Store.open(data_dir) as store:
        store.put_bugs(bugs)
        store.set_meta(source="test", history_known="true", last_sync_time="2026-03-05T00:00:00Z")
    return data_dir


TEXT_OUTPUTS = [("metrics",), ("quality",), ("due",), ("summary",)]


@pytest.mark.parametrize("args", TEXT_OUTPUTS, ids=lambda a: a[0])
def test_a_line_break_in_bug_text_never_forges_a_row(cli, forging_store, args):
    result = cli(*args, "--data-dir", forging_store)
    assert result.exit_code == 0, result.stderr
    for line in result.stdout.splitlines():
        if "Forged" in line:  # only ever inside the cell it came in, never a line of its own
            assert "Harbor" in line or "ops" in line or "tag" in line or "update" in line, line
    assert not any(char in result.stdout for char in LINE_BREAKS if char != "\n")


def test_a_full_disk_under_any_page_writer_fails_the_job(cli, hostile_store, tmp_path,
                                                         mount_tmpfs):  # fmt: skip
    out = mount_tmpfs(tmp_path / "small", "256k")
    fill(out / "filler")
    for args in [("due", "--format", "html", "--out", out / "due.html"),
                 ("scorecards", "--month", "2026-03", "--out", out / "cards")]:  # fmt: skip
        result = cli(*args, "--data-dir", hostile_store)
        assert result.exit_code == ExitStatus.ERROR, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "No space left" in lines[0], result.stderr

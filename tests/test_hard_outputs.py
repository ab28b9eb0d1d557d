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
    """``python -m analyzer ARGS`` in its own process (a real stdout), from the repository."""
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if k != "BUGZILLA_API_KEY"}
    environ["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    environ.update(extra_env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "analyzer", *map(str, args)],
        cwd=ROOT,
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

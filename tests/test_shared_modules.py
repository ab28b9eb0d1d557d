"""The small modules every stage shares: links, UTC, months, atomic writes."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import stat

import pandas as pd
import pytest

from analyzer import atomic
from analyzer.bmo import activity_url, bug_url, comment_url, trusted_link
from analyzer.months import Month
from analyzer.utc import iso, utc


def test_links_round_trip_and_nothing_else_passes():
    for link in (bug_url(5), comment_url(5, 7), activity_url(5)):
        assert trusted_link(link) == link
    assert trusted_link(bug_url(5) + "&x=1") is None
    assert trusted_link("http://bugzilla.mozilla.org/show_bug.cgi?id=5") is None


@pytest.mark.parametrize(
    "value",
    ["2026-03-01", "2026-03-01T00:00:00", "2026-03-01T01:00:00+01:00", dt.date(2026, 3, 1),
     pd.Timestamp("2026-02-28T19:00:00", tz="America/New_York")],
)  # fmt: skip
def test_utc_reads_naive_and_zoned_times_alike(value):
    assert utc(value) == pd.Timestamp("2026-03-01T00:00:00Z")
    assert str(utc(value).tz) == "UTC"


def test_iso_writes_z_and_none_for_missing():
    assert iso(pd.Timestamp("2026-03-01T05:06:07+02:00")) == "2026-03-01T03:06:07Z"
    assert iso(None) is None and iso(pd.NaT) is None and iso(float("nan")) is None


def test_months_count_across_years():
    span = Month.span(pd.Timestamp("2024-11-30T23:00Z"), pd.Timestamp("2025-02-01T00:00Z"))
    assert [m.label for m in span] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert Month(2024, 12).next_start == pd.Timestamp("2025-01-01T00:00Z")
    assert Month(2024, 12).end == pd.Timestamp("2024-12-31T23:59:59Z")
    assert Month.last_complete_before(pd.Timestamp("2026-03-14T06:00Z")) == Month(2026, 2)


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "page.html"
    atomic.write_text(target, "old\n")
    with pytest.raises(RuntimeError), atomic.replacing(target) as temp:
        temp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]
    atomic.write_text(target, "new\n")
    assert target.read_text() == "new\n"


def test_atomic_write_never_writes_into_a_temp_file_already_there(tmp_path, monkeypatch):
    """A temp file left by an earlier process (one that had our pid) is neither written
    through nor removed: the write takes the next name."""
    monkeypatch.setattr(atomic, "_serial", itertools.count(7))
    left = tmp_path / f".page.html.{os.getpid()}.7.tmp"
    left.write_text("someone else's")
    atomic.write_text(tmp_path / "page.html", "new\r\nline\n")
    assert (tmp_path / "page.html").read_bytes() == b"new\r\nline\n"
    assert left.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == [left.name, "page.html"]


def test_atomic_write_refuses_a_symlink_and_keeps_the_umask_mode(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("kept")
    (tmp_path / "page.html").symlink_to(elsewhere)
    with pytest.raises(atomic.NotAFileError):
        atomic.write_text(tmp_path / "page.html", "new")
    assert elsewhere.read_text() == "kept"
    old = os.umask(0o027)
    try:
        atomic.write_text(tmp_path / "other.html", "new")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "other.html").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "elsewhere.txt",
        "other.html",
        "page.html",
    ]

"""Work that must stay in proportion to its input: a whiteboard is anyone's text, of any size."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from analyzer.parse import whiteboard
from analyzer.parse.reference import load_reference
from analyzer.store import RawBug, Store

REF = load_reference(None)

# near-misses of a Next-update date, repeated: each is a mention, or a word that starts like one
ADVERSARIAL = [
    "Next update 2025-",
    "next-update: ",
    "Next update 2025-13-45 ",
    "[next update ",
    "next update 1 jan 2x ",
    "next update ;12-34-",
    "Next update 1.2.",
    "next_update=March ",
]


def adversarial(unit: str, size: int, tail: str = "") -> str:
    return (unit * (size // len(unit) + 1))[: size - len(tail)] + tail


@pytest.fixture
def date_reads(monkeypatch) -> list[int]:
    """How many times a date is tried at some position: the parse's unit of work."""
    calls = [0]
    real = whiteboard.date_at

    def counted(text, pos, end):  # noqa: ANN001, ANN202
        calls[0] += 1
        return real(text, pos, end)

    monkeypatch.setattr(whiteboard, "date_at", counted)
    return calls


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_the_next_update_parser_is_linear_in_the_whiteboard(unit, date_reads):
    work, seconds = {}, {}
    for size in (200_000, 2_000_000):
        value = adversarial(unit, size, tail=" [Next update 2026-04-01]")
        started = time.perf_counter()
        parsed = whiteboard.parse_whiteboard(value, REF)
        seconds[size] = time.perf_counter() - started
        work[size], date_reads[0] = date_reads[0], 0
        # the one readable mention, at the very end, is still found
        assert parsed.next_update_status == "parsed"
        assert str(parsed.next_update.date()) == "2026-04-01"
    assert work[200_000] > 1_000  # it did try the words
    assert work[2_000_000] <= 11 * work[200_000], work  # linear: 10x the text, ~10x the work
    # generous (a shared, loaded machine): the quadratic parser took 10 s at 20 KB
    assert seconds[2_000_000] < 30, seconds


def test_a_2_mb_whiteboard_is_judged_in_seconds(cli, data_dir):
    value = adversarial("Next update 2025-", 2_000_000, tail=" Next update 2026-04-01")
    bug = {"id": 7301, "summary": "Harbor CA: late revocation", "status": "NEW",
           "creation_time": "2026-03-01T10:00:00Z", "creator": "ops@harbor-ca.example",
           "whiteboard": "[ca-compliance] " + value,
           "last_change_time": "2026-03-01T10:00:00Z"}  # fmt: skip
    comment = {"count": 0, "creator": "ops@harbor-ca.example", "text": "Preliminary report",
               "creation_time": "2026-03-01T10:00:00Z", "is_private": False}  # fmt: skip
    with Store.open(data_dir) as store:
        store.put_bugs([RawBug(bug, [comment], [])])
        store.set_meta(source="test", history_known="true", last_sync_time="2026-03-05T00:00:00Z")
    started = time.perf_counter()
    result = cli("export", "--data-dir", data_dir, "--out", data_dir / "out")
    assert result.exit_code == 0, result.stderr
    assert time.perf_counter() - started < 60
    (row,) = pd.read_parquet(data_dir / "out" / "whiteboard.parquet").to_dict("records")
    assert row["next_update_status"] == "parsed"
    assert str(row["next_update"].date()) == "2026-04-01"

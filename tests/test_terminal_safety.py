"""Bug text printed to a terminal cannot act on it: no escape sequences, no bidi overrides."""

from __future__ import annotations

import pytest

from analyzer.store import RawBug, Store

HOSTILE = "Evil\x1b]0;pwned\x07\x1b[31mRED\u202e: OCSP outage"


@pytest.fixture
def hostile_store(data_dir):
    bug = {
        "id": 1901,
        "summary": HOSTILE,
        "status": "ASSIGNED",
        "resolution": "",
        "creation_time": "2026-03-01T10:00:00Z",
        "creator": "ops@evil.example",
        "whiteboard": "[ca-compliance] Next update \x1b[2J2026-03-10",
        "last_change_time": "2026-03-01T10:00:00Z",
    }
    comment = {"count": 0, "creator": "ops@evil.example", "creation_time": "2026-03-01T10:00:00Z",
               "text": "Preliminary report", "is_private": False}  # fmt: skip
    store = Store.open(data_dir)
    store.put_bugs([RawBug(bug, [comment], [])])
    store.set_meta(source="test", history_known="true", last_sync_time="2026-03-05T00:00:00Z")
    store.close()
    return data_dir


@pytest.mark.parametrize(
    "args",
    [
        ("quality",),
        ("metrics", "--format", "table"),
        ("due", "--format", "table"),
        ("due", "--format", "md"),
    ],
)
def test_output_has_no_control_or_bidi_characters(cli, hostile_store, args):
    result = cli(*args, "--data-dir", hostile_store)
    assert result.exit_code == 0, result.stderr
    assert "Evil" in result.stdout  # the bug is shown...
    for char in ("\x1b", "\x07", "\u202e"):
        assert char not in result.stdout  # ...but cannot steer the terminal

"""`analyzer export --format sqlite` and `--as-of`: one typed file; nothing later than as_of."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parse_raw import change, comment, raw_bug

import analyzer
from analyzer.corpus import Corpus
from analyzer.store import Store
from tests.conftest import run_on_snapshot

AS_OF = "2025-03-01T00:00:00Z"
# columns that state when something happened (not deadlines or promised dates, which may lie
# in the future of as_of legitimately)
EVENT_TIMES = {
    "bugs": ["opened", "closed", "last_change_time"],
    "comments": ["time"],
    "changes": ["when"],
    "needinfos": ["set_at", "cleared_at", "answered_at"],
    "whiteboard": ["valid_from", "valid_to"],
    "deadlines": ["start", "met_at"],
    "silences": ["start", "end"],
    "asks": ["asked_at", "replied_at", "reraised_at", "pointed_at"],
    "waiting": ["asked_at"],
}


@pytest.fixture(scope="module")
def snapshot():
    return analyzer.load("/nonexistent-data-dir")


def test_sqlite_holds_every_table_typed(tmp_path, snapshot):
    out = tmp_path / "out"
    result = run_on_snapshot("export", "--out", out, "--format", "sqlite")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["corpus.sqlite", "metadata.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-")]
    with sqlite3.connect(out / "corpus.sqlite") as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert names == set(Corpus.TABLES) | {"_export"}
        types = {row[1]: row[2] for row in db.execute("PRAGMA table_info(bugs)")}
        assert types["bug_id"] == "INTEGER" and types["ca_known"] == "INTEGER"
        assert types["opened"] == "TEXT" and types["summary"] == "TEXT"
        assert {row[2] for row in db.execute("PRAGMA table_info(deadlines)")} >= {"REAL"}
        for name in Corpus.TABLES:
            (count,) = db.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            assert count == len(snapshot.table(name)), name
        bugs = pd.read_sql("SELECT * FROM bugs ORDER BY bug_id", db)
        about = dict(db.execute("SELECT key, value FROM _export"))
    expected = snapshot.bugs.sort_values("bug_id").reset_index(drop=True)
    assert list(bugs.columns) == list(expected.columns)
    assert bugs["bug_id"].tolist() == expected["bug_id"].tolist()
    assert bugs["opened"].tolist() == expected["opened"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist()
    assert bugs["closed"].isna().sum() == expected["closed"].isna().sum()  # NaT -> NULL
    assert set(bugs["ca_known"]) <= {0, 1}
    assert about["source"] == "snapshot" and about["as_of"].endswith("Z")


def test_sqlite_export_of_unwritable_out_is_one_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = run_on_snapshot("export", "--out", target, "--format", "sqlite")
    assert result.exit_code == 2 and "Traceback" not in result.stderr


def test_as_of_leaves_out_later_events_on_the_snapshot(tmp_path, snapshot):
    out = tmp_path / "asof"
    result = run_on_snapshot("export", "--out", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    as_of = pd.Timestamp(AS_OF)
    for name, columns in EVENT_TIMES.items():
        frame = pd.read_parquet(out / f"{name}.parquet")
        for column in columns:
            assert not (frame[column] > as_of).any(), f"{name}.{column} after as_of"
    bugs = pd.read_parquet(out / "bugs.parquet")
    assert len(bugs) == int((snapshot.bugs["opened"] <= as_of).sum())
    comments = pd.read_parquet(out / "comments.parquet")
    language = pd.read_parquet(out / "comment_language.parquet")
    assert len(language) == len(comments) < len(snapshot.comments)
    metrics = snapshot.metrics(as_of=AS_OF)
    assert len(pd.read_parquet(out / "deadlines.parquet")) == len(metrics.deadlines)
    participants = pd.read_parquet(out / "participants.parquet")
    posted = comments.groupby(["bug_id", "author"]).size()
    counted = participants.set_index(["bug_id", "account"])["comments"]
    assert counted.loc[posted.index].tolist() == posted.tolist()


def test_bad_as_of_is_one_error(tmp_path):
    result = run_on_snapshot("export", "--out", tmp_path / "o", "--as-of", "soon")
    assert result.exit_code == 2 and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def history_corpus(tmp_path_factory) -> Corpus:
    """One NetLock bug with history: needinfo, whiteboard change, resolved INVALID later."""
    tmp_path = tmp_path_factory.mktemp("history")
    raw = raw_bug(
        bug_id=7,
        creator="a@netlock.hu",
        status="RESOLVED",
        whiteboard="[ca-compliance] [leaf-revocation-delay]",
        comments=[
            comment(0, "a@netlock.hu", "2025-01-01T00:00:00Z"),
            comment(1, "bwilson@mozilla.com", "2025-02-01T00:00:00Z"),
            comment(2, "a@netlock.hu", "2025-04-01T00:00:00Z"),
        ],
        history=[
            change(
                "2025-02-01T00:00:00Z",
                "bwilson@mozilla.com",
                ("flagtypes.name", "", "needinfo?(a@netlock.hu)"),
            ),
            change(
                "2025-04-01T00:00:00Z",
                "a@netlock.hu",
                ("flagtypes.name", "needinfo?(a@netlock.hu)", ""),
                (
                    "whiteboard",
                    "[ca-compliance]",
                    "[ca-compliance] [leaf-revocation-delay]",
                ),
            ),
            change(
                "2025-05-01T00:00:00Z",
                "bwilson@mozilla.com",
                ("status", "NEW", "RESOLVED"),
                ("resolution", "", "INVALID"),
            ),
        ],
        flags=[],
    )
    raw.bug["resolution"] = "INVALID"
    raw.bug["last_change_time"] = "2025-05-01T00:00:00Z"
    later = raw_bug(bug_id=8, created="2025-06-01T00:00:00Z", creator="a@netlock.hu")
    store = Store.open(tmp_path / "store")
    store.put_bugs([raw, later])
    store.set_meta(last_sync_time="2026-01-01T00:00:00Z")
    store.close()
    return analyzer.load(tmp_path / "store")


def test_tables_at_rewind_a_bug_with_history(history_corpus):
    today = history_corpus.bugs.set_index("bug_id").loc[7]
    assert (today["status"], today["excluded"]) == ("RESOLVED", "resolution INVALID")
    known = history_corpus.tables_at(AS_OF)
    bug = known["bugs"].set_index("bug_id")
    assert list(bug.index) == [7]  # bug 8 was filed later
    assert (bug.loc[7, "status"], bug.loc[7, "resolution"], bug.loc[7, "excluded"]) == (
        "NEW",
        "",
        "",
    )
    assert pd.isna(bug.loc[7, "closed"])
    assert bug.loc[7, "whiteboard"] == "[ca-compliance]"
    assert bug.loc[7, "last_change_time"] == pd.Timestamp("2025-02-01T00:00:00Z")
    assert known["comments"]["count"].tolist() == [0, 1]
    needinfo = known["needinfos"].iloc[0]
    assert needinfo["open"] and pd.isna(needinfo["cleared_at"]) and pd.isna(needinfo["answered_at"])
    assert needinfo["cleared_how"] == "open"
    whiteboard = known["whiteboard"]
    assert whiteboard["value"].tolist() == ["[ca-compliance]"]
    assert pd.isna(whiteboard["valid_to"].iloc[0])
    assert len(known["changes"]) == 1
    assert known["bug_metrics"]["bug_id"].tolist() == [7]
    after = history_corpus.tables_at("2025-06-15T00:00:00Z")["bugs"].set_index("bug_id")
    assert after.loc[7, "closed"] == pd.Timestamp("2025-05-01T00:00:00Z")
    assert after.loc[7, "excluded"] == "resolution INVALID"
    assert after.loc[8, "excluded"] == ""


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    when=st.datetimes(
        min_value=pd.Timestamp("2024-12-01").to_pydatetime(),
        max_value=pd.Timestamp("2025-07-01").to_pydatetime(),
    )
)
def test_tables_at_never_see_a_later_event(history_corpus, when):
    as_of = pd.Timestamp(when, tz="UTC")
    known = history_corpus.tables_at(as_of)
    for name, columns in EVENT_TIMES.items():
        for column in columns:
            assert not (known[name][column] > as_of).any(), f"{name}.{column}"
    bugs = known["bugs"]
    filed = history_corpus.bugs.loc[history_corpus.bugs["opened"] <= as_of, "bug_id"]
    assert sorted(bugs["bug_id"]) == sorted(filed)
    resolved = as_of >= pd.Timestamp("2025-05-01T00:00:00Z")
    assert (bugs["excluded"] == "resolution INVALID").any() == resolved
    assert set(known["comment_language"]["count"]) <= set(known["comments"]["count"])

"""A store that never finished its first sync is not data; ``--as-of`` past the store's time is
refused; and the bundled snapshot read as SPEC "When the store lacks history or text" says."""

from __future__ import annotations

import contextlib
import os

import pandas as pd
import pytest

from analyzer.env import ExitStatus
from analyzer.fetch.sync import CURSOR_KEY
from analyzer.store import RawBug, Store
from tests.conftest import run_cli, run_on_snapshot

READS = [("quality",), ("metrics",), ("summary",), ("due",)]


def _one_error_line(result, *fragments: str) -> None:
    """Exit 2 and one sentence (after the note, if any, that the snapshot is read)."""
    assert result.exit_code == ExitStatus.USAGE, result.stderr
    lines = [x for x in result.stderr.strip().splitlines() if "bundled snapshot" not in x]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _half_synced(data_dir) -> None:
    """What a first sync killed after its first page leaves: bugs, a resume point, no sync
    time."""
    bug = {"id": 7001, "summary": "Harbor CA: late revocation", "status": "NEW",
           "creation_time": "2026-03-01T10:00:00Z", "creator": "ops@harbor-ca.example",
           "whiteboard": "[ca-compliance]", "last_change_time": "2026-03-01T10:00:00Z"}  # fmt: skip
    with Store.open(data_dir) as store:
        store.put_bugs([RawBug(bug, [], [])], meta={CURSOR_KEY: '{"source": "x"}'})


@pytest.mark.parametrize("args", READS, ids=lambda a: a[0])
def test_a_named_store_that_never_finished_its_first_sync_is_refused(tmp_path, args):
    _half_synced(tmp_path / "data")
    result = run_cli(*args, "--data-dir", tmp_path / "data")
    _one_error_line(result, "never finished its first sync")
    assert result.stdout == ""


def test_the_default_store_that_never_finished_gives_way_to_the_snapshot(tmp_path):
    _half_synced(tmp_path / "data")
    with contextlib.chdir(tmp_path):
        result = run_cli("quality", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "never finished its first sync" in result.stderr
    assert "bundled snapshot" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.json()["bugs"] == 1690


def test_a_failed_first_sync_leaves_no_empty_corpus_behind(tmp_path, server):
    server.faults.errors_next = 100
    with contextlib.chdir(tmp_path):
        sync = run_cli("sync", "--base-url", server.url, "--max-rate", "0", "--retries", "0")
        assert sync.exit_code == 1, sync.stderr
        result = run_cli("summary")
    assert result.exit_code == 0, result.stderr
    assert "bundled snapshot" in result.stderr
    assert "over 1690 bugs" in result.stdout


def test_a_store_whose_last_sync_did_not_finish_is_read_and_said(tmp_path):
    data = tmp_path / "data"
    _half_synced(data)
    with Store.open(data) as store:
        store.set_meta(last_sync_time="2026-03-05T00:00:00Z", source="test")
    result = run_cli("summary", "--data-dir", data)
    assert result.exit_code == 0 and "did not finish" in result.stderr
    assert "over 1 bugs" in result.stdout


@pytest.mark.parametrize("command", ["summary", "metrics", "due", "export"])
def test_an_as_of_later_than_the_store_is_refused_naming_its_time(tmp_path, command):
    extra = ["--out", str(tmp_path / "out")] if command == "export" else []
    result = run_on_snapshot(command, "--as-of", "2030-01-01", *extra)
    _one_error_line(result, "2030-01-01", "2026-03-14T06:35:52Z")
    assert result.stdout == ""
    assert not os.path.exists(tmp_path / "out")


def test_an_as_of_before_1990_is_refused():
    result = run_on_snapshot("summary", "--as-of", "1989-12-31")
    assert result.exit_code == ExitStatus.USAGE and "1990" in result.stderr


def test_the_store_time_itself_is_accepted():
    assert run_on_snapshot("summary", "--as-of", "2026-03-14T06:35:52Z").exit_code == 0


# -- the bundled snapshot ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot():
    import analyzer

    corpus = analyzer.load()
    return corpus, corpus.metrics()


def _cadence(result, ca_bugs, start: str, end: str) -> pd.DataFrame:
    rows = result.deadlines
    rows = rows[(rows["rule"] == "update_cadence") & rows["bug_id"].isin(ca_bugs)]
    return rows[
        (rows["due"] >= pd.Timestamp(start, tz="UTC")) & (rows["due"] < pd.Timestamp(end, tz="UTC"))
    ]


@pytest.mark.parametrize(
    ("ca", "date", "least"),
    [("SwissSign", "2026-04-30", 14), ("Asseco DS / Certum", "2026-03-31", 1)],
)
def test_next_update_dates_govern_february(snapshot, ca, date, least):
    corpus, _ = snapshot
    bugs = corpus.bugs
    dated = bugs[(bugs["ca"] == ca) & bugs["closed"].isna() & bugs["whiteboard"].str.contains(
        f"Next update {date}", case=False)]  # fmt: skip
    assert len(dated) >= least
    # as known at February's end, and at the sync: no missed update of those bugs in February
    for as_of in ("2026-03-01T00:00:00Z", None):
        result = corpus.metrics(as_of) if as_of else snapshot[1]
        feb = _cadence(result, dated["bug_id"], "2026-02-01", "2026-03-01")
        assert (feb["outcome"] == "missed").sum() == 0
    day = pd.Timestamp(date, tz="UTC")
    pending = _cadence(
        snapshot[1], dated["bug_id"], str(day.date()), str((day + pd.Timedelta(days=1)).date())
    )
    assert set(pending["outcome"]) == {"pending"} and len(pending) == len(dated)


@pytest.mark.parametrize("bug_id", [2012157, 2005939])
def test_a_close_on_tag_ends_the_cadence_at_the_cas_last_comment(snapshot, bug_id):
    corpus, result = snapshot
    comments = corpus.comments
    last_ca = comments[(comments["bug_id"] == bug_id) & comments["is_ca_update"]]["time"].max()
    rows = result.deadlines[
        (result.deadlines["bug_id"] == bug_id) & (result.deadlines["rule"] == "update_cadence")
    ]
    assert len(rows) and rows["start"].max() < last_ca
    assert not ((rows["outcome"] == "missed") & (rows["due"] > last_ca)).any()


def test_stray_comments_do_not_reopen_bugs_closed_long_ago(snapshot):
    corpus, result = snapshot
    bugs = corpus.bugs.set_index("bug_id")
    assert bugs.loc[1468000, "closed"] == pd.Timestamp("2018-06-14 21:42:26", tz="UTC")
    assert bugs.loc[1408647, "closed"] == pd.Timestamp("2017-11-15 23:10:01", tz="UTC")
    spans = result.breaches[result.breaches["bug_id"].isin([1468000, 1408647])]
    assert (spans["end"] <= pd.Timestamp("2018-07-01", tz="UTC")).all()
    # every estimated close that passed over comments passed over community comments only
    comments = corpus.comments.merge(corpus.bugs[["bug_id", "closed", "closed_estimated"]])
    after = comments[comments["closed_estimated"] & (comments["time"] > comments["closed"])]
    assert set(after["role"]) <= {"community"} and after["bug_id"].nunique() >= 2


@pytest.mark.parametrize(
    ("bug_id", "kind", "outcome"),
    [(1456655, "full", "met"), (1911335, "full", "met"), (1886110, "preliminary", None),
     (1945409, "preliminary", None), (1575880, None, "unknown")],
)  # fmt: skip
def test_report_kinds_on_partial_text(snapshot, bug_id, kind, outcome):
    corpus, result = snapshot
    notes = corpus.comment_language
    first = notes[(notes["bug_id"] == bug_id) & (notes["count"] == 0)]["report_kind"].iloc[0]
    if kind is not None:
        assert first == kind
    report = result.deadlines[
        (result.deadlines["bug_id"] == bug_id) & (result.deadlines["rule"] == "full_report")
    ]
    if outcome is not None:
        assert report["outcome"].tolist() == [outcome]
    else:  # a preliminary report never meets the full report's deadline
        assert report["outcome"].iloc[0] != "met"


def test_how_many_comment_zero_reports_say_what_they_are(snapshot):
    corpus, _ = snapshot
    notes = corpus.comment_language.merge(corpus.comments[["bug_id", "count", "role", "text"]])
    first = notes[(notes["count"] == 0) & (notes["role"] == "ca")]
    # an independent reading of the form: a line that starts (after numbering, quoting or
    # markup, no words) with question 1 of Mozilla's template
    seven = first["text"].str.contains(
        r"(?im)^[^a-z\n]{0,12}(?:i{1,3}\b[^a-z\n]{0,6})?how your ca first became aware"
    )
    assert seven.sum() >= 245
    assert first.loc[seven, "report_kind"].isin(["full", "preliminary"]).all()

"""One bad server value never takes a command down: it is coerced at the door, or left out,
and `analyzer quality` lists it. Served by the real fake Bugzilla, synced, then read by every
read command in every format."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import pytest

from analyzer.store import Store
from analyzer.testing.fake_bugzilla import FakeBugzilla, Faults
from analyzer.values import MAX_DEPTH, load_json, too_deep
from tests.conftest import run_cli

FAST = ("--max-rate", "0", "--backoff", "0.001")
OPEN_BUG = 1940001  # ASSIGNED, with comments, history and a Next-update whiteboard
OUT_COMMANDS = ("scorecards", "site", "export")  # they write into --out
READ_COMMANDS = [
    ("quality",),
    ("quality", "--format", "json"),
    ("metrics",),
    ("metrics", "--format", "json"),
    ("metrics", "--format", "csv"),
    ("summary",),
    ("summary", "--format", "json"),
    ("due",),
    ("due", "--format", "json"),
    ("due", "--format", "md"),
    ("due", "--format", "html"),
    ("scorecards", "--month", "2025-03"),
    ("site",),
    ("export", "--format", "csv"),
    ("export", "--format", "parquet"),
]


def every_read_command(data_dir: Path, out: Path) -> dict[tuple, object]:
    """Run each read command; assert none exits 1 (``unexpected``); return the results."""
    results = {}
    for args in READ_COMMANDS:
        extra = ("--out", out / "-".join(args)) if args[0] in OUT_COMMANDS else ()
        result = run_cli(*args, "--data-dir", data_dir, *extra)
        assert result.exit_code == 0, (args, result.stderr)
        assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
        results[args] = result
    return results


def sync_into(server: FakeBugzilla, data_dir: Path, *extra: str):
    result = run_cli("sync", "--base-url", server.url, "--data-dir", data_dir, *FAST, *extra)
    assert result.exit_code == 0, result.stderr
    return result


def hostile(corpus, change) -> dict:
    """The fixture corpus with one open bug changed by ``change(fake_bug)``."""
    bugs = copy.deepcopy(corpus)
    change(bugs[OPEN_BUG])
    return bugs


def set_comment(field: str, value):
    def change(fake):
        for name in ("creation_time", "time") if field == "both times" else (field,):
            fake.comments[1][name] = value

    return change


def set_bug(field: str, value):
    def change(fake):
        fake.bug[field] = value

    return change


def set_history(field: str, value):
    def change(fake):
        fake.history[0][field] = value

    return change


def wrong_whiteboard_in_history(fake):
    """A typo a root program corrected: history still holds it (and always will)."""
    when = fake.history[-1]["when"]
    fake.history.append({"when": when, "who": "rp@mozilla.example", "changes": [
        {"field_name": "whiteboard", "removed": fake.bug["whiteboard"],
         "added": "[ca-compliance] Next update 3025-03-10"}]})  # fmt: skip
    fake.history.append({"when": when, "who": "rp@mozilla.example", "changes": [
        {"field_name": "whiteboard", "removed": "[ca-compliance] Next update 3025-03-10",
         "added": fake.bug["whiteboard"]}]})  # fmt: skip


CASES = {
    "whiteboard year 3025, corrected": (wrong_whiteboard_in_history, "3025-03-10"),
    "comment time null": (set_comment("both times", None), "left the comment out"),
    "comment time yesterday": (set_comment("creation_time", "yesterday"), "'yesterday'"),
    "comment time 2025-02-30": (set_comment("creation_time", "2025-02-30T10:00:00Z"), "02-30"),
    "count 1e20": (set_comment("count", 1e20), "1e+20"),
    "comment id abc": (set_comment("id", "abc"), "'abc'"),
    "summary a number": (set_bug("summary", 12345), "read as its digits"),
    "flags a string": (set_bug("flags", "needinfo?"), "not a list of flags"),
    "lone surrogate in summary": (
        set_bug("summary", "Northwind PKI: bad \ud800 OCSP"),
        "surrogate",
    ),
    "history time junk": (set_history("when", {"t": 1}), "left the entry out"),
    "comments a string": (set_bug("_comments_", None), None),
    "creation time junk": (set_bug("creation_time", "soon"), "used the first comment's time"),
    "whiteboard a list": (set_bug("whiteboard", ["a", "b"]), "read as empty"),
    "author a number": (set_comment("author", 7), "read as its digits"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_bad_value_never_takes_a_command_down(bugzilla_corpus, tmp_path, name):
    change, listed = CASES[name]
    if name == "comments a string":

        def change(fake):
            fake.comments = "no comments here"  # type: ignore[assignment]

        listed = "not a list of comments"
    bugs = hostile(bugzilla_corpus, change)
    data_dir = tmp_path / "data"
    with FakeBugzilla(bugs) as server:
        sync_into(server, data_dir)
    results = every_read_command(data_dir, tmp_path / "out")
    text = results[("quality",)].stdout
    assert listed in text, text
    report = results[("quality", "--format", "json")].json()
    if name.startswith("whiteboard year"):  # a whiteboard date is text: an unparsed mention
        assert {item["bug_id"] for item in report["unparsed"]} == {OPEN_BUG}
    else:
        assert {item["bug_id"] for item in report["unreadable"]} == {OPEN_BUG}


def test_the_store_keeps_the_bad_value_verbatim(bugzilla_corpus, tmp_path):
    bugs = hostile(bugzilla_corpus, set_comment("creation_time", "yesterday"))
    with FakeBugzilla(bugs) as server:
        sync_into(server, tmp_path / "data")
    with Store.open(tmp_path / "data") as store:
        assert store.get(OPEN_BUG).comments[1]["creation_time"] == "yesterday"


def test_is_private_false_as_a_string_is_public(bugzilla_corpus, tmp_path):
    from analyzer.corpus import load

    def change(fake):
        for comment in fake.comments:
            comment["is_private"] = "false"
        fake.comments[1]["is_private"] = "true"

    with FakeBugzilla(hostile(bugzilla_corpus, change)) as server:
        sync_into(server, tmp_path / "data")
    comments = load(tmp_path / "data").comments
    mine = comments[comments["bug_id"] == OPEN_BUG].sort_values("count")
    assert mine["is_private"].tolist() == [False, True]


def test_a_lone_surrogate_is_stored_and_read_back_the_same(bugzilla_corpus, tmp_path):
    summary = "Northwind PKI: \udc80 stray half of a pair"
    with FakeBugzilla(hostile(bugzilla_corpus, set_bug("summary", summary))) as server:
        result = sync_into(server, tmp_path / "data")
    assert "11 new" in result.stderr
    with Store.open(tmp_path / "data") as store:
        assert store.get(OPEN_BUG).bug["summary"] == summary


def test_a_bug_without_a_readable_id_is_left_out_and_listed(bugzilla_corpus, tmp_path):
    with FakeBugzilla(bugzilla_corpus) as server:
        server.faults.bug_overrides = {1940008: {"id": "abc"}, 1940022: {"id": 2.5e30}}
        result = sync_into(server, tmp_path / "data", "--page-size", "3")
    assert "9 new" in result.stderr and "2 left out: no readable bug id" in result.stderr
    report = run_cli("quality", "--data-dir", tmp_path / "data", "--format", "json").json()
    assert [item["value"] for item in report["rejected_by_sync"]] == ["'abc'", "2.5e+30"]
    text = run_cli("quality", "--data-dir", tmp_path / "data").stdout
    assert "'abc'" in text


def test_sync_stores_anything_json_can_carry(bugzilla_corpus, tmp_path):
    """Numbers where text goes, nested objects, huge integers, NaN: sync never chokes."""

    def change(fake):
        fake.bug["last_change_time"] = {"not": "a time"}
        fake.bug["summary"] = {"deep": [1, 2, {"x": None}]}
        fake.comments[0]["count"] = 10**30
        fake.history[0]["changes"] = [{"field_name": 5, "removed": [1], "added": None}]

    with FakeBugzilla(hostile(bugzilla_corpus, change)) as server:
        sync_into(server, tmp_path / "data")
        again = sync_into(server, tmp_path / "data")
    assert "(0 new," in again.stderr
    every_read_command(tmp_path / "data", tmp_path / "out")
    with Store.open(tmp_path / "data") as store:
        assert store.get(OPEN_BUG).comments[0]["count"] == 10**30
        assert json.dumps(store.get(OPEN_BUG).bug["summary"]) == '{"deep": [1, 2, {"x": null}]}'


@pytest.mark.parametrize("digits", [20, 5000])
def test_a_count_past_any_size_in_an_impact_block_is_no_number(bugzilla_corpus, tmp_path, digits):
    """A CA's report may state any number: past 10**15 it is no count (20 digits overflowed
    the int64 column, 5,000 are past what Python reads from text), never a failed command."""

    def change(fake):
        report = dict(fake.comments[1])
        report["text"] = report["raw_text"] = (
            "## Impact\n\n- Total number of affected certificates: " + "9" * digits + "\n"
            "- Total number of affected OCSP responses: 12\n"
        )
        report.update(count=len(fake.comments), id=report["id"] + 1000)
        fake.comments.append(report)

    with FakeBugzilla(hostile(bugzilla_corpus, change)) as server:
        sync_into(server, tmp_path / "data")
    every_read_command(tmp_path / "data", tmp_path / "out")
    from analyzer.language.fields import read_fields

    fields = read_fields(
        ["Total number of affected certificates: " + "9" * digits, "Total number of OCSP: 12"],
        None,
    )
    assert [(f.field, f.number) for f in fields] == [
        ("certificates_affected", None),
        ("impact_ocsp", 12),
    ]


SPLICES = {  # raw JSON that Python's json reads and SQLite's json functions do not (or deeper)
    "@nan@": "NaN",
    "@inf@": "-Infinity",
    "@1e400@": "1e400",
    "@digits@": "9" * 5000,
    "@deep980@": "[" * 980 + "1" + "]" * 980,
    "@deep100k@": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "comment-and-history-calls"])
def test_json_sqlite_cannot_hold_is_coerced_where_it_enters(bugzilla_corpus, tmp_path, inline):
    def change(fake):
        fake.bug["summary"] = "@nan@"
        fake.bug["cf_impact"] = "@1e400@"
        fake.bug["cf_deep"] = {"a": "@deep980@"}
        fake.comments[1]["count"] = "@inf@"
        fake.comments[1]["id"] = "@digits@"
        fake.history[0]["changes"] = "@deep100k@"

    data_dir = tmp_path / "data"
    bugs = hostile(bugzilla_corpus, change)
    with FakeBugzilla(bugs, faults=Faults(splice=SPLICES), inline_extras=inline) as server:
        first = sync_into(server, data_dir)
        assert "6 values JSON in SQLite cannot hold" in first.stderr, first.stderr
        server.set_whiteboard(OPEN_BUG, "rp@mozilla.example", "[ca-compliance] changed")
        again = sync_into(server, data_dir)  # NaN in the store once wedged every later sync
    assert "(0 new, 1 changed)" in again.stderr
    with Store.open(data_dir) as store:
        raw = store.get(OPEN_BUG)
        assert raw.bug["summary"] is None and raw.bug["cf_impact"] is None
        assert raw.comments[1]["count"] is None and raw.comments[1]["id"] is None
        for value in (raw.bug["cf_deep"], raw.history[0]["changes"]):  # cut where it went past
            assert value and not too_deep(value, MAX_DEPTH)
    conn = sqlite3.connect(data_dir / "bugzilla.sqlite")
    invalid = conn.execute(
        "SELECT count(*) FROM bugs WHERE NOT json_valid(bug_json) OR NOT json_valid(comments_json)"
        " OR NOT json_valid(coalesce(history_json, 'null'))"
    ).fetchone()[0]
    conn.close()
    assert invalid == 0
    results = every_read_command(data_dir, tmp_path / "out")
    report = results[("quality", "--format", "json")].json()
    noted = {
        (row["where"], row["field"], row["value"])
        for row in report["unreadable"]
        if row["bug_id"] == OPEN_BUG and row["action"] == "stored as null"
    }
    assert noted == {
        ("bug", "summary", "'NaN'"),
        ("bug", "cf_impact", "'a number past any float (1e400)'"),
        ("bug", "cf_deep", "'a value nested over 64 deep'"),
        ("comment 1", "count", "'-Infinity'"),
        ("comment 1", "id", "'an integer of 5000 digits'"),
        ("history 0", "changes", "'a value nested over 64 deep'"),
    }


def test_load_json_reads_what_sqlite_can_hold_and_says_what_it_changed():
    text = '{"a": NaN, "b": [Infinity, 1e400, 2.5, 10], "c": ' + "9" * 5000 + "}"
    document, coerced = load_json(text.encode())
    assert document == {"a": None, "b": [None, None, 2.5, 10], "c": None}
    assert len(coerced) == 4
    deep, coerced = load_json(("[" * 100_000 + "]" * 100_000).encode())
    assert not too_deep(deep, MAX_DEPTH) and too_deep(deep, MAX_DEPTH - 1)
    assert len(coerced) == 1
    kept, coerced = load_json(json.dumps({"s": "[[[[" * 100, "n": [[[1]]]}))
    assert kept == {"s": "[[[[" * 100, "n": [[[1]]]} and not coerced  # brackets in text count not
    with pytest.raises(ValueError):
        load_json(b'{"a": [[[')


def test_a_full_sync_rewrites_a_stored_row_sqlite_cannot_read(bugzilla_corpus, tmp_path):
    """A row holding NaN (stored before answers were read at the door) made SQLite's json
    functions fail every sync: a whole listing refetches it and stores it clean."""
    from analyzer.store import RawBug

    data_dir = tmp_path / "data"
    with FakeBugzilla(bugzilla_corpus) as server:
        sync_into(server, data_dir)
        with Store.open(data_dir) as store:
            raw = store.get(OPEN_BUG)
            store.put_bugs([RawBug({**raw.bug, "cf_x": float("nan")}, raw.comments, raw.history)])
            assert store.unreadable_json_ids() == {OPEN_BUG}
        result = sync_into(server, data_dir, "--full")
    assert "(0 new, 1 changed)" in result.stderr
    with Store.open(data_dir) as store:
        assert store.unreadable_json_ids() == set()
        assert store.get(OPEN_BUG).bug == bugzilla_corpus[OPEN_BUG].bug

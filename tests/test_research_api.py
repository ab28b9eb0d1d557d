"""The research API, used the way a notebook uses it: load, filter, group, join.

Expected values come from an independent source (the raw store, another table, the column
contract in docs/tables.md), never from numbers pasted in from a previous run.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import analyzer
from analyzer.store import RawBug, Store, bundled_snapshot_path

ROOT = Path(__file__).resolve().parents[1]
ROLES = {"ca", "root_program", "community"}
OUTCOMES = {"met", "missed", "pending", "withdrawn", "unknown"}
RULES = {
    "first_response",
    "initial_disclosure",
    "full_report",
    "update_cadence",
    "action_item_update",
    "needinfo_response",
    "comment_response",
}


def documented_columns() -> dict[str, list[tuple[str, str]]]:
    """Each table's ``(column, type)`` pairs, in order, as docs/tables.md lists them."""
    tables: dict[str, list[tuple[str, str]]] = {}
    name = None
    for line in (ROOT / "docs" / "tables.md").read_text().splitlines():
        heading = re.match(r"## (\w+)", line)
        if heading:
            name = heading.group(1)
            tables[name] = []
        elif name and line.startswith("| ") and not line.startswith("| column"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            tables[name].append((cells[0], cells[1]))
        elif name == "bug_metrics" and line.startswith("`"):
            tables[name] += [(key.strip(" `"), "") for key in line.split(",") if key.strip(" `")]
    return tables


COLUMNS = documented_columns()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> analyzer.Corpus:
    """The bundled snapshot, as ``analyzer.load()`` gives it when ``data/`` holds no store."""
    notes: list[str] = []
    loaded = analyzer.load(tmp_path_factory.mktemp("no-store"), note=notes.append)
    assert loaded.is_snapshot and len(notes) == 1, "an empty data dir must fall back, saying so"
    return loaded


@pytest.fixture(scope="module")
def raw() -> list[RawBug]:
    with Store.open_readonly(bundled_snapshot_path(), immutable=True) as store:
        return list(store.iter_raw())


def test_the_contract_lists_every_table_of_the_api():
    assert set(analyzer.Corpus.TABLES) <= set(COLUMNS)
    assert all(len(COLUMNS[name]) >= 5 for name in analyzer.Corpus.TABLES)


@pytest.mark.parametrize("name", analyzer.Corpus.TABLES)
def test_every_table_has_the_documented_columns_in_order(corpus, name):
    table = corpus.table(name)
    assert isinstance(table, pd.DataFrame)
    expected = [column for column, _ in COLUMNS[name]]
    assert list(table.columns[: len(expected)]) == expected


@pytest.mark.parametrize("name", analyzer.Corpus.TABLES)
def test_documented_timestamps_are_utc(corpus, name):
    table = corpus.table(name)
    for column, kind in COLUMNS[name]:
        if kind == "ts":
            assert isinstance(table[column].dtype, pd.DatetimeTZDtype), f"{name}.{column}"
            assert str(table[column].dt.tz) == "UTC", f"{name}.{column}"


KINDS = {
    "int": pd.api.types.is_integer_dtype,
    "Int64": pd.api.types.is_integer_dtype,
    "float": pd.api.types.is_float_dtype,
    "bool": pd.api.types.is_bool_dtype,
    "str": lambda dtype: pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype),
}


@pytest.mark.parametrize("name", analyzer.Corpus.TABLES)
def test_documented_types_hold(corpus, name):
    """A float column stored as text sorts and sums wrong in every tool an export feeds."""
    table = corpus.table(name)
    for column, kind in COLUMNS[name]:
        if kind in KINDS:
            assert KINDS[kind](table[column].dtype), f"{name}.{column} is {table[column].dtype}"


def test_unknown_table_names_the_known_ones(corpus):
    with pytest.raises(KeyError, match="bug_metrics"):
        corpus.table("bug")


def test_load_reads_a_real_store_before_the_snapshot(tmp_path, raw):
    store = Store.open(tmp_path)
    store.put_bugs(raw[:3])
    store.set_meta(last_sync_time="2026-03-14T06:35:52Z")
    store.close()
    notes: list[str] = []
    corpus = analyzer.load(tmp_path, note=notes.append)
    assert notes == [] and not corpus.is_snapshot
    assert list(corpus.bugs["bug_id"]) == [r.bug_id for r in raw[:3]]


# -- load and filter -------------------------------------------------------------------------


def test_one_row_per_stored_bug_and_comment(corpus, raw):
    assert sorted(corpus.bugs["bug_id"]) == sorted(r.bug_id for r in raw)
    assert corpus.bugs["bug_id"].is_unique
    assert len(corpus.comments) == sum(len(r.comments) for r in raw)


def test_filter_open_bugs_by_status(corpus, raw):
    closed_states = {"RESOLVED", "VERIFIED", "CLOSED"}
    open_bugs = corpus.bugs.query("status not in @closed_states")
    assert set(open_bugs["bug_id"]) == {
        r.bug_id for r in raw if r.bug["status"] not in closed_states
    }
    assert open_bugs["closed"].isna().all()
    closed = corpus.bugs[corpus.bugs["status"].isin(closed_states)]
    assert closed["closed"].notna().all()
    assert (closed["closed"] >= closed["opened"]).all()


def test_filter_one_ca_by_name(corpus):
    top_ca = corpus.bugs["ca"].value_counts().index[0]
    mine = corpus.bugs[corpus.bugs["ca"] == top_ca]
    assert len(mine) > 1
    assert mine["summary"].str.contains(":").all()
    assert set(corpus.deadlines.query("ca == @top_ca")["bug_id"]) <= set(mine["bug_id"])


def test_filter_a_time_window(corpus, raw):
    start, end = pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2025-01-01", tz="UTC")
    in_2024 = corpus.bugs[corpus.bugs["opened"].between(start, end, inclusive="left")]
    expected = {r.bug_id for r in raw if r.bug["creation_time"].startswith("2024")}
    assert set(in_2024["bug_id"]) == expected


# -- group -----------------------------------------------------------------------------------


def test_comments_per_bug_match_the_store(corpus, raw):
    per_bug = corpus.comments.groupby("bug_id").size()
    assert per_bug.to_dict() == {r.bug_id: len(r.comments) for r in raw if r.comments}


def test_comments_per_role_cover_every_comment(corpus):
    per_role = corpus.comments.groupby("role").size()
    assert set(per_role.index) <= ROLES
    assert per_role.sum() == len(corpus.comments)
    assert per_role.get("ca", 0) > 0 and per_role.get("root_program", 0) > 0


def test_ca_updates_are_public_ca_comments(corpus):
    comments = corpus.comments
    expected = comments["role"].eq("ca") & ~comments["is_private"].astype(bool)
    assert comments["is_ca_update"].astype(bool).equals(expected)


def test_deadline_outcomes_by_rule(corpus):
    deadlines = corpus.deadlines
    by_rule = deadlines.groupby(["rule", "outcome"]).size().unstack(fill_value=0)
    assert set(by_rule.index) <= RULES and set(by_rule.columns) <= OUTCOMES
    assert {"first_response", "update_cadence"} <= set(by_rule.index)
    met = deadlines[deadlines["outcome"] == "met"]
    assert met["met_at"].notna().all()
    assert (met["met_at"] <= met["due"]).all()
    missed = deadlines[deadlines["outcome"] == "missed"]
    assert (missed["overdue_hours"] > 0).all()


# -- join ------------------------------------------------------------------------------------


def test_comments_join_bugs_and_come_after_the_bug_was_filed(corpus):
    joined = corpus.comments.merge(corpus.bugs[["bug_id", "opened"]], on="bug_id", validate="m:1")
    assert len(joined) == len(corpus.comments)
    assert (joined["time"] >= joined["opened"] - pd.Timedelta(seconds=1)).all()


def test_participants_join_comments_with_the_same_role(corpus):
    joined = corpus.comments.merge(
        corpus.participants,
        left_on=["bug_id", "author"],
        right_on=["bug_id", "account"],
        how="left",
        suffixes=("", "_of_account"),
        validate="m:1",
    )
    assert joined["role_of_account"].notna().all(), "every commenter is a participant"
    # an account's role is taken at its first comment; only dated listings change it later
    first = joined.sort_values(["bug_id", "count"]).drop_duplicates(["bug_id", "author"])
    assert (first["role"] == first["role_of_account"]).all()
    changed = joined.loc[joined["role"] != joined["role_of_account"], "author"]
    dated = {a for a, p in corpus.reference.root_program_accounts.items() if p != ((None, None),)}
    assert set(changed) <= dated
    posted = Counter(zip(corpus.comments["bug_id"], corpus.comments["author"], strict=True))
    participants = corpus.participants
    for row in participants.itertuples(index=False):
        assert row.comments == posted.get((row.bug_id, row.account), 0)


def test_bug_creator_role_via_participants(corpus):
    creators = corpus.bugs.merge(
        corpus.participants,
        left_on=["bug_id", "creator"],
        right_on=["bug_id", "account"],
        how="left",
    )
    assert len(creators) == len(corpus.bugs)
    assert creators["role"].dropna().isin(ROLES).all()
    assert creators["role"].eq("ca").mean() > 0.5, "most incidents are self-reported by CAs"


def test_deadlines_join_bugs_with_the_same_ca(corpus):
    joined = corpus.deadlines.merge(
        corpus.bugs[["bug_id", "ca"]], on="bug_id", suffixes=("", "_of_bug"), validate="m:1"
    )
    assert len(joined) == len(corpus.deadlines)
    assert (joined["ca"] == joined["ca_of_bug"]).all()


def test_bug_metrics_agree_with_deadlines_and_comments(corpus):
    metrics = corpus.bug_metrics.set_index("bug_id")
    assert metrics.index.is_unique and set(metrics.index) == set(corpus.bugs["bug_id"])
    gaps = corpus.deadlines[corpus.deadlines["rule"] == "update_cadence"]
    missed = gaps[gaps["outcome"] == "missed"].groupby("bug_id").size()
    assert metrics["missed_updates"].eq(missed.reindex(metrics.index, fill_value=0)).all()
    updates = corpus.comments.groupby("bug_id")["is_ca_update"].sum()
    assert metrics["ca_updates"].eq(updates.reindex(metrics.index, fill_value=0)).all()


def test_whiteboard_current_value_is_the_bugs_whiteboard(corpus):
    current = corpus.whiteboard[corpus.whiteboard["valid_to"].isna()]
    assert current["bug_id"].is_unique
    joined = corpus.bugs.merge(current, on="bug_id", suffixes=("", "_wb"), validate="1:1")
    assert (joined["whiteboard"] == joined["value"]).all()
    tagged = current[current["value"].str.contains("ca-compliance", case=False, na=False)]
    assert tagged["tags"].str.split().map(lambda tags: "ca-compliance" in tags).all()


# -- metrics as of a moment ------------------------------------------------------------------


def test_metrics_as_of_the_past_uses_nothing_later(corpus):
    as_of = pd.Timestamp("2024-06-30T00:00:00Z")
    past = corpus.metrics(as_of="2024-06-30")
    assert past.as_of == as_of
    deadlines = past.deadlines
    assert (deadlines["start"] <= as_of).all()
    assert (deadlines["met_at"].dropna() <= as_of).all()
    assert len(deadlines) < len(corpus.deadlines)
    pending = deadlines[deadlines["outcome"] == "pending"]
    assert (pending["due"] >= as_of).all()


def test_default_metrics_are_as_of_the_last_sync(corpus):
    assert corpus.metrics().as_of == corpus.observed_at
    assert corpus.deadlines is corpus.metrics().deadlines, "computed once, shared"


# -- the documentation's examples ------------------------------------------------------------


def test_the_examples_in_docs_research_run(tmp_path, monkeypatch):
    """Each ``python`` block of docs/research.md runs, in order, as a reader would paste it."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "research.md").read_text(), re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)  # no data/ here, so analyzer.load() falls back to the snapshot
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/research.md", "exec"), namespace)
    corpus = namespace["corpus"]
    assert corpus.is_snapshot
    assert len(namespace["missed"]) == (corpus.deadlines["outcome"] == "missed").sum()


def test_reading_the_snapshot_creates_no_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    corpus = analyzer.load(tmp_path / "typo")
    assert len(corpus.comment_language) == len(corpus.comments)
    assert not (tmp_path / "typo").exists()
    assert any((tmp_path / "cache" / "ca-incident-analyzer").iterdir())


def test_metrics_of_some_bugs_are_their_rows_of_every_bugs(corpus):
    every = corpus.metrics(as_of="2024-06-30")
    ids = set(every.bug_metrics["bug_id"].iloc[::7].tolist())
    some = corpus.metrics(as_of="2024-06-30", bug_ids=ids)
    assert 0 < some.bug_metrics["bug_id"].nunique() == len(ids) < len(every.bug_metrics)
    for name in ("deadlines", "bug_metrics", "breaches"):
        full = getattr(every, name)
        pd.testing.assert_frame_equal(
            getattr(some, name), full[full["bug_id"].isin(ids)].reset_index(drop=True)
        )
    assert corpus.metrics(as_of="2024-06-30") is every, "the part is not kept in its place"


def test_forgotten_judgements_are_judged_again_the_same(tmp_path):
    corpus = analyzer.load(tmp_path / "data")
    before = corpus.metrics(as_of="2024-06-30")
    corpus.forget_judgements()
    again = corpus.metrics(as_of="2024-06-30")
    assert again is not before
    pd.testing.assert_frame_equal(again.deadlines, before.deadlines)
    pd.testing.assert_frame_equal(again.bug_metrics, before.bug_metrics)

"""The parse and language stages' tables cache (analyzer/parse/cache.py): a later command
reads back exactly what a fresh parse gives, and never the tables of a store that changed."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadkit import thread

import analyzer
from analyzer.language import annotate
from analyzer.parse import build_tables
from analyzer.parse import cache as tables_cache
from analyzer.parse.update import _merged_table
from analyzer.store import Store
from analyzer.tables import LanguageTables, ThreadTables

FIRST = thread("""
    2025-03-03 09:00  ca       files  preliminary "We found a problem."
    2025-03-05 09:00  mozilla  says   1q "When will the full report be posted?"
""")
SECOND = FIRST.plus('2025-03-06 10:00  ca  says  full "## Incident Report"')


def _store(data_dir, *bugs) -> None:
    with Store.open(data_dir) as store:
        store.put_bugs([b.raw() for b in bugs], meta={"last_sync_time": "2025-04-01T00:00:00Z"})


def _equal(a, b) -> None:
    for item in dataclasses.fields(a):
        left, right = getattr(a, item.name), getattr(b, item.name)
        if left is None or right is None:
            assert left is right, item.name
        else:
            pd.testing.assert_frame_equal(left, right, obj=item.name)


def _caches(data_dir, kind: type) -> list:
    return sorted((data_dir / ".cache").glob(f"{tables_cache._prefix(kind)}-*"))


def test_a_second_load_reads_back_what_a_fresh_parse_gives(tmp_path):
    _store(tmp_path, FIRST)
    first = analyzer.load(tmp_path)
    tables, language = first.tables, first.language
    assert len(_caches(tmp_path, ThreadTables)) == 1
    assert len(_caches(tmp_path, LanguageTables)) == 1
    again = analyzer.load(tmp_path)
    fresh = build_tables(again.store.iter_raw(), again.reference, observed_at=again.observed_at)
    _equal(again.tables, fresh)
    _equal(again.tables, tables)
    _equal(again.language, annotate(fresh.comments, cache_dir=None))
    _equal(again.language, language)


def test_the_snapshot_reads_back_what_a_fresh_parse_gives(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = analyzer.load()
    first.tables, first.language  # noqa: B018 - fills the cache
    again = analyzer.load()
    fresh = build_tables(again.store.iter_raw(), again.reference, observed_at=again.observed_at)
    _equal(again.tables, fresh)
    _equal(again.language, first.language)
    assert list((tmp_path / "ca-incident-analyzer").glob(f"{tables_cache._prefix(ThreadTables)}-*"))


def test_a_store_that_changed_is_parsed_again(tmp_path):
    _store(tmp_path, FIRST)
    assert len(analyzer.load(tmp_path).tables.comments) == 2
    assert analyzer.load(tmp_path).comment_language["report_kind"].tolist()[-1] != "full"
    _store(tmp_path, SECOND)  # the same second, the same sync time: the generation differs
    changed = analyzer.load(tmp_path)
    assert len(changed.tables.comments) == 3
    assert len(changed.language.comment_language) == 3


def test_reference_tables_are_part_of_the_key(tmp_path):
    _store(tmp_path, FIRST)
    assert set(analyzer.load(tmp_path).bugs["ca"]) == {"NetLock"}
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "ca_aliases.csv").write_text("alias,ca\nNetLock,NetLock Kft.\n")
    assert set(analyzer.load(tmp_path).bugs["ca"]) == {"NetLock Kft."}


@pytest.mark.parametrize("damage", ["truncate", "delete", "manifest"])
def test_a_damaged_cache_means_parsing_again(tmp_path, damage):
    _store(tmp_path, FIRST)
    expected = analyzer.load(tmp_path).tables
    (directory,) = _caches(tmp_path, ThreadTables)
    if damage == "truncate":
        (directory / "comments.parquet").write_bytes(b"PAR1 not really")
    elif damage == "delete":
        os.remove(directory / "bugs.parquet")
    else:
        (directory / "complete").write_text("{")
    _equal(analyzer.load(tmp_path).tables, expected)


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path):
    _store(tmp_path, FIRST)
    (tmp_path / ".cache").write_text("a file where the cache directory would go")
    corpus = analyzer.load(tmp_path)
    assert len(corpus.tables.comments) == 2
    assert len(corpus.language.comment_language) == 2


def test_only_the_newest_keys_are_kept(tmp_path):
    for count in range(4):
        bug = FIRST.plus(f'2025-03-0{count + 6} 10:00  ca  says  "Update {count}."')
        _store(tmp_path, bug)
        analyzer.load(tmp_path).tables  # noqa: B018
    assert len(_caches(tmp_path, ThreadTables)) == tables_cache.KEEP


# -- after a sync: only the changed bugs are read again ---------------------------------------

ASKED = thread("""
    bug 1650 "Sectigo: late revocation"
    2025-02-03 09:00  ca       files  preliminary "Late revocation of 12 certificates."
    2025-02-04 09:00  mozilla  needinfo ca
    2025-02-10 09:00  mozilla  whiteboard "[ca-compliance] Next update 2025-03-01"
""")
QUIET = thread("""
    bug 1720 "DigiCert: OCSP outage"
    2025-01-10 09:00  ca  files  preliminary "OCSP responders failed."
""")
NO_HISTORY = thread(
    """
    bug 1800 "Entrust: policy qualifier"
    2025-01-20 09:00  ca  files  preliminary "A policy qualifier was wrong."
    """,
    history=False,
)
STEADY = [
    thread(f"""
    bug {number} "HARICA: test incident {number}"
    2025-01-0{day} 09:00  ca  files  preliminary "A problem."
    """)
    for number, day in ((1750, 6), (1760, 7))
]
LATER = thread("""
    bug 1690 "GlobalSign: CRL gap"
    2025-03-20 09:00  ca  files  preliminary "A CRL was not published."
""")


def _sync(data_dir, *bugs, at: str) -> None:
    with Store.open(data_dir) as store:
        store.put_bugs([b.raw() for b in bugs], fetched_at=at, meta={"last_sync_time": at})


def _fresh(corpus):
    tables = build_tables(corpus.store.iter_raw(), corpus.reference, corpus.observed_at)
    return tables, annotate(tables.comments, cache_dir=None)


def test_a_sync_that_changed_some_bugs_reads_only_those_again(tmp_path):
    _sync(tmp_path, ASKED, QUIET, NO_HISTORY, FIRST, *STEADY, at="2025-04-01T00:00:00Z")
    first = analyzer.load(tmp_path)
    first.tables, first.language  # noqa: B018 - fills the cache
    assert first.stage_sources == {"tables": "parsed", "language": "read"}
    answered = ASKED.plus('2025-04-02 10:00  ca  says  full "## Incident Report"')
    _sync(tmp_path, answered, LATER, at="2025-04-03T00:00:00Z")  # one changed, one new
    later = analyzer.load(tmp_path)
    tables, language = later.tables, later.language
    # the changed bug, the new one, and the one dated by the sync time (it has no history)
    assert later.stage_sources == {
        "tables": "updated: 3 of 7 bugs",
        "language": "updated: 2 of 7 bugs",
    }
    fresh_tables, fresh_language = _fresh(later)
    _equal(tables, fresh_tables)
    _equal(language, fresh_language)
    assert tables.bugs["bug_id"].tolist() == [1650, 1690, 1701, 1720, 1750, 1760, 1800]
    # and a command after that reads the updated tables back whole
    again = analyzer.load(tmp_path)
    _equal(again.tables, fresh_tables)
    assert again.stage_sources["tables"] == "cache"


def test_a_bug_that_left_the_component_loses_its_rows(tmp_path):
    _sync(tmp_path, ASKED, QUIET, *STEADY, at="2025-04-01T00:00:00Z")
    analyzer.load(tmp_path).language  # noqa: B018
    moved = ASKED.raw()
    moved.bug["component"] = "CA Certificate Root Inclusion"
    with Store.open(tmp_path) as store:
        store.put_bugs([moved], fetched_at="2025-04-02T00:00:00Z")
    later = analyzer.load(tmp_path)
    assert 1650 not in set(later.tables.comments["bug_id"])
    fresh_tables, fresh_language = _fresh(later)
    _equal(later.tables, fresh_tables)
    _equal(later.language, fresh_language)
    assert later.stage_sources["tables"] == "updated: 1 of 4 bugs"


def test_an_entry_of_other_reference_tables_is_not_grown_from(tmp_path):
    _sync(tmp_path, ASKED, QUIET, at="2025-04-01T00:00:00Z")
    analyzer.load(tmp_path).tables  # noqa: B018
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "ca_aliases.csv").write_text("alias,ca\nSectigo,Sectigo Ltd\n")
    later = analyzer.load(tmp_path)
    assert "Sectigo Ltd" in set(later.bugs["ca"])
    assert later.stage_sources["tables"] == "parsed"


def test_when_most_bugs_changed_they_are_all_parsed_again(tmp_path):
    _sync(tmp_path, ASKED, QUIET, at="2025-04-01T00:00:00Z")
    analyzer.load(tmp_path).tables  # noqa: B018
    _sync(tmp_path, ASKED.plus('2025-04-02 10:00  ca  says  "Update."'), LATER,
          at="2025-04-03T00:00:00Z")  # fmt: skip
    later = analyzer.load(tmp_path)
    _equal(later.tables, _fresh(later)[0])
    assert later.stage_sources["tables"] == "parsed"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    old_bugs=st.lists(st.integers(1, 30), max_size=25),
    new_bugs=st.lists(st.integers(1, 30), max_size=10),
    gone=st.sets(st.integers(1, 30)),
)
def test_merging_is_the_plain_filter_concat_and_stable_sort(old_bugs, new_bugs, gone):
    def table(bugs, tag):
        bugs = sorted(bugs)
        return pd.DataFrame(
            {
                "bug_id": pd.Series(bugs, dtype="int64"),
                "text": pd.Series(
                    [f"{tag}{i}" if i % 3 else None for i in range(len(bugs))], dtype="str"
                ),  # fmt: skip
                "n": pd.array([i if i % 2 else None for i in range(len(bugs))], dtype="Int64"),
                "at": pd.to_datetime(
                    [f"2025-01-{1 + i % 28:02d}" for i in range(len(bugs))], utc=True
                ),  # fmt: skip
            }
        )

    old, new = table(old_bugs, "old"), table(new_bugs, "new")
    gone = gone | set(new_bugs)  # a bug read again always loses its earlier rows
    expected = pd.concat([old[~old["bug_id"].isin(gone)], new], ignore_index=True)
    expected = expected.sort_values("bug_id", kind="stable", ignore_index=True)
    got = _merged_table(old, new, np.array(sorted(gone), dtype="int64"))
    pd.testing.assert_frame_equal(got, expected)


def test_a_sync_that_changed_no_bug_reads_none_again(tmp_path):
    _sync(tmp_path, ASKED, QUIET, at="2025-04-01T00:00:00Z")
    analyzer.load(tmp_path).language  # noqa: B018
    with Store.open(tmp_path) as store:
        store.set_meta(last_sync_time="2025-04-08T00:00:00Z")  # a sync that found nothing new
    later = analyzer.load(tmp_path)
    fresh_tables, fresh_language = _fresh(later)
    _equal(later.tables, fresh_tables)
    _equal(later.language, fresh_language)
    assert later.stage_sources == {
        "tables": "updated: 0 of 2 bugs",
        "language": "updated: 0 of 2 bugs",
    }

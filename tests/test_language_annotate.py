"""annotate(): the table contract, roles, and the cache."""

from __future__ import annotations

import hashlib
from datetime import UTC

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.language import annotate
from analyzer.language.pipeline import readings_version
from analyzer.language.stage import (
    COMMITMENT_COLUMNS,
    LANGUAGE_COLUMNS,
    _day_labels,
    _keys,
    _text_array,
)


def _comments(rows: list[tuple[str | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bug_id": [100] * len(rows),
            "count": list(range(len(rows))),
            "author": ["a@example.com"] * len(rows),
            "time": pd.Timestamp("2025-06-30T10:00:00Z"),
            "is_private": False,
            "text": [text for text, _ in rows],
            "role": [role for _, role in rows],
        }
    )


def test_one_row_per_comment_with_contract_columns():
    comments = _comments(
        [
            ("Why were the certificates not revoked within 5 days? Please explain.", "community"),
            (None, "ca"),
            ("", "ca"),
            ("## Report Closure Summary\n- Incident description: done.", "ca"),
        ]
    )
    tables = annotate(comments)
    language = tables.comment_language
    assert list(language.columns[: len(LANGUAGE_COLUMNS)]) == LANGUAGE_COLUMNS
    assert language["count"].tolist() == [0, 1, 2, 3]
    assert language["questions"].tolist() == [2, 0, 0, 0]
    assert language["report_kind"].tolist()[1:] == ["other", "other", "closure"]
    assert list(tables.commitments.columns) == COMMITMENT_COLUMNS


def test_update_kind_only_for_ca_side_comments():
    text = "We have completed the revocation of all affected certificates."
    language = annotate(_comments([(text, "ca"), (text, "community")])).comment_language
    assert language["report_kind"].tolist() == ["update", "other"]


def test_commitments_only_from_ca_side_comments_with_urls():
    text = "We will post the full incident report by 2025-07-10."
    comments = _comments([(text, "ca"), (text, "root_program")])
    comments["url"] = ["https://bugzilla.mozilla.org/show_bug.cgi?id=100#c0", "u1"]
    commitments = annotate(comments).commitments
    assert commitments[["count", "kind"]].values.tolist() == [[0, "report"]]
    assert commitments["promised"].iloc[0] == pd.Timestamp("2025-07-10", tz="UTC")
    assert commitments["url"].iloc[0].endswith("#c0")


def test_cache_is_reused_and_keyed_by_text(tmp_path, monkeypatch):
    from analyzer.language import stage as module

    comments = _comments([("Why so late?", "community"), ("Thanks.", "ca")])
    first = annotate(comments, cache_dir=tmp_path)
    assert list(tmp_path.glob("*/part-*.parquet"))

    read = []
    original = module.read_comments
    monkeypatch.setattr(
        module, "read_comments", lambda texts, days: read.extend(texts) or original(texts, days)
    )
    again = annotate(comments, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(first.comment_language, again.comment_language)
    assert read == []

    comments.loc[1, "text"] = "Could you explain?"
    changed = annotate(comments, cache_dir=tmp_path)
    assert read == ["Could you explain?"]
    assert changed.comment_language["questions"].tolist() == [1, 1]


def test_unwritable_cache_dir_means_no_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    tables = annotate(_comments([("Why?", "community")]), cache_dir=blocker / "cache")
    assert tables.comment_language["questions"].tolist() == [1]  # read all the same


def test_missing_text_column_is_bad_input():

    from analyzer.env import InputError

    with pytest.raises(InputError):
        annotate(pd.DataFrame({"bug_id": [1], "count": [0]}))


def test_cache_parts_are_merged_when_many(tmp_path):
    from analyzer.language import cache

    for n in range(cache.MAX_PARTS + 1):
        annotate(_comments([(f"Question number {n}?", "community")]), cache_dir=tmp_path)
    parts = list(tmp_path.glob("*/part-*.parquet"))
    assert len(parts) == 1
    assert len(cache.load(tmp_path)) == cache.MAX_PARTS + 1


# -- the cache keys, hashed from Arrow's bytes -------------------------------------------------


def _key(text: str, day) -> str:  # noqa: ANN001
    """The cache key (version, UTC day, text; docs/language.md), from the Python text."""
    digest = hashlib.sha256(f"{readings_version()}\0{day}\0{text}".encode())
    return digest.hexdigest()[:32]


_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2003\u2028\u2029\u3000"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet=st.sampled_from(_SPACES)),  # blank: no key
            st.text(),  # any text, non-ASCII and lone letters included
            st.builds(lambda a, b: a + b, st.text(alphabet=st.sampled_from(_SPACES)), st.text()),
        ),
        max_size=12,
    ),
    st.lists(st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))), min_size=12, max_size=12),
)
def test_keys_from_arrow_bytes_equal_the_keys_of_python_text(texts, times):
    """Each comment's key, hashed from the UTF-8 bytes of the Arrow column, is the key of its
    Python text and UTC day; a comment that ``str.strip`` leaves empty has none."""
    texts = [t.encode("utf-8", "replace").decode("utf-8") if t else t for t in texts]
    frame = pd.DataFrame(
        {"text": pd.Series(texts, dtype="str"), "time": pd.Series(times[: len(texts)])}
    )
    days = pd.to_datetime(frame["time"], utc=True).dt.date
    expected = [
        _key(text, None if pd.isna(day) else day) if text and text.strip() else None
        for text, day in zip(texts, days, strict=True)
    ]
    assert _keys(_text_array(frame["text"]), _day_labels(frame)) == expected


def test_a_changed_assembly_keeps_the_readings_version():
    """The version the readings are cached under fingerprints the modules that read comments,
    not those that only assemble tables: editing the stage keeps a million cached readings."""
    from importlib import resources

    from analyzer.language.pipeline import ASSEMBLY_MODULES, READING_DEPENDENCIES

    language = resources.files("analyzer") / "language"
    assert {"stage.py", "cache.py"} <= ASSEMBLY_MODULES
    assert all((language / name).is_file() for name in ASSEMBLY_MODULES)
    assert "read.py" not in ASSEMBLY_MODULES and (language / "read.py").is_file()
    package = resources.files("analyzer")
    assert all(package.joinpath(*name.split("/")).is_file() for name in READING_DEPENDENCIES)


def test_a_hand_made_table_of_any_values_reads_non_text_as_no_text():
    """Bytes, numbers and NaN in a hand-made comments table read as a comment without text
    (it may ask anything: expects_reply), and a lone surrogate, which UTF-8 cannot carry, is
    read as U+FFFD, not a crash."""
    texts = [b"Why was it late?", 42, float("nan"), None, "Why was it late? \ud800"]
    frame = pd.DataFrame(
        {
            "bug_id": 7,
            "count": range(len(texts)),
            "time": pd.Timestamp("2025-06-30T10:00:00Z"),
            "role": "root_program",
            "text": pd.Series(texts, dtype=object),
        }
    )
    table = annotate(frame).comment_language
    no_text = table.iloc[3]
    for row in range(3):
        assert table.iloc[row].drop("count").equals(no_text.drop("count"))
    assert table.iloc[4]["questions"] == 1
    assert table.iloc[4]["question_text"] == "Why was it late?"

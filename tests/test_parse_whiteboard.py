"""Whiteboard: tags, Next-update spellings of the real corpus, close-on, the value timeline."""

from __future__ import annotations

import pandas as pd
import pytest
from parse_raw import OBSERVED, change, raw_bug, tables, ts

from analyzer.parse.reference import load_reference
from analyzer.parse.whiteboard import parse_whiteboard

REF = load_reference(None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[ca-compliance] Next update 2025-02-01", "2025-02-01"),
        ("[ca-compliance] Next update 3-1-2023", "2023-03-01"),  # month first
        ("Next update 01-Nov-2023", "2023-11-01"),
        ("Next update 2023-Oct-27", "2023-10-27"),
        ("Next update 2-Oct-2023", "2023-10-02"),
        ("[ca-compliance] Next update at 23.2.2024", "2024-02-23"),  # day first
        ("[ca-compliance] [next-update: 2025-04-24-]", "2025-04-24"),
        ("next update: March 5, 2025", "2025-03-05"),
        ("Next Update 13/02/2025", "2025-02-13"),  # cannot be month first
        ("[ca-compliance] Next update: week of 2025-03-03 [ov-misissuance]", "2025-03-03"),
    ],
)
def test_next_update_spellings(value, expected):
    parsed = parse_whiteboard(value, REF)
    assert parsed.next_update_status == "parsed"
    assert parsed.next_update == pd.Timestamp(expected, tz="UTC")
    assert "update" in parsed.next_update_text.lower()


@pytest.mark.parametrize("value", ["Next update TBD", "[next-update: 2025-02-30]"])
def test_unreadable_next_update_is_kept_as_unparsed(value):
    parsed = parse_whiteboard(value, REF)
    assert parsed.next_update_status == "unparsed"
    assert parsed.next_update is None and parsed.next_update_text


def test_no_next_update_is_absent():
    assert parse_whiteboard("[ca-compliance] [ov-misissuance]", REF).next_update_status == "absent"


def test_tags_normalised_and_old_names_mapped():
    parsed = parse_whiteboard(
        "[ca compliance] [disclosure failure] [delayed-revocation-leaf] audit-finding]", REF
    )
    assert parsed.tags.split() == [
        "ca-compliance",
        "disclosure-failure",
        "leaf-revocation-delay",
        "audit-finding",
    ]


def test_close_on_date_is_recognised_and_not_a_tag():
    parsed = parse_whiteboard("[ca-compliance] [close on 2025-06-03]", REF)
    assert parsed.close_on == pd.Timestamp("2025-06-03", tz="UTC")
    assert parsed.tags == "ca-compliance"


def test_timeline_walks_history_back_from_todays_value():
    raw = raw_bug(
        whiteboard="[ca-compliance] Next update 2025-03-10",
        history=[
            change("2025-01-05T00:00:00Z", "a@netlock.hu", ("status", "NEW", "ASSIGNED")),
            change(
                "2025-01-10T00:00:00Z",
                "rp@mozilla.com",
                ("whiteboard", "[ca-compliance]", "[ca-compliance] Next update 2025-02-01"),
            ),
            change(
                "2025-02-01T12:00:00Z",
                "a@netlock.hu",
                (
                    "whiteboard",
                    "[ca-compliance] Next update 2025-02-01",
                    "[ca-compliance] Next update 2025-03-10",
                ),
            ),
        ],
    )
    rows = tables(raw).whiteboard
    assert list(rows["value"]) == [
        "[ca-compliance]",
        "[ca-compliance] Next update 2025-02-01",
        "[ca-compliance] Next update 2025-03-10",
    ]
    assert list(rows["valid_from"]) == [
        ts("2025-01-01T00:00:00Z"),
        ts("2025-01-10T00:00:00Z"),
        ts("2025-02-01T12:00:00Z"),
    ]
    assert list(rows["valid_to"][:2]) == [ts("2025-01-10T00:00:00Z"), ts("2025-02-01T12:00:00Z")]
    assert pd.isna(rows["valid_to"].iloc[2])
    assert list(rows["set_by"].fillna("")) == ["", "rp@mozilla.com", "a@netlock.hu"]
    assert list(rows["next_update_status"]) == ["absent", "parsed", "parsed"]


def test_unknown_history_gives_one_row_observed_at_sync_time():
    rows = tables(raw_bug(whiteboard="[ca-compliance] Next update 2026-04-30")).whiteboard
    assert len(rows) == 1
    assert rows.iloc[0]["valid_from"] == OBSERVED and pd.isna(rows.iloc[0]["valid_to"])
    assert rows.iloc[0]["next_update"] == pd.Timestamp("2026-04-30", tz="UTC")


def test_every_snapshot_next_update_mention_is_parsed_or_reported():
    import analyzer

    rows = analyzer.load("/nonexistent-data-dir").whiteboard
    mentions = rows["value"].str.contains(r"next[\s_-]*update", case=False, regex=True)
    statuses = rows.loc[mentions, "next_update_status"]
    assert mentions.sum() > 50
    assert set(statuses) <= {"parsed", "unparsed"}
    assert (statuses == "parsed").all(), rows.loc[
        mentions & (rows["next_update_status"] != "parsed")
    ]

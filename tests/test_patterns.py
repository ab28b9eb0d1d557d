"""The patterns across one CA's bugs (analyzer/ahead/patterns.py), on hand-made tables."""

from __future__ import annotations

import pandas as pd

from analyzer.ahead.patterns import in_breach_together, named_bugs, recurring_kinds


def day(n: int) -> pd.Timestamp:
    return pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=n)


def breaches(*rows: tuple[str, int, int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"ca": ca, "bug_id": bug, "start": day(a), "end": day(b)} for ca, bug, a, b in rows]
    )


def test_a_handover_at_one_instant_does_not_split_a_stretch():
    # at day 5 bugs 1 and 2 leave breach while 3 and 2 (again) enter: still two at once
    frame = breaches(("X", 1, 0, 5), ("X", 2, 2, 5), ("X", 3, 5, 9), ("X", 2, 5, 7))
    together = in_breach_together(frame)
    assert len(together) == 1
    row = together.iloc[0]
    assert (row["start"], row["end"], row["days"], row["most"]) == (day(2), day(7), 5.0, 2)
    assert row["bugs"] == [1, 2, 3]


def test_one_bug_alone_or_two_cas_apart_are_no_stretch():
    frame = breaches(("X", 1, 0, 5), ("Y", 2, 1, 4), ("X", 1, 6, 8))
    assert in_breach_together(frame).empty
    busy = breaches(("X", 1, 0, 10), ("X", 2, 1, 3), ("X", 3, 2, 4), ("X", 4, 6, 7))
    rows = in_breach_together(busy)
    assert [(r.start, r.end, r.most) for r in rows.itertuples()] == [
        (day(1), day(4), 3),
        (day(6), day(7), 2),
    ]


BUGS = pd.DataFrame(
    {"bug_id": [101, 102, 103, 201], "ca": ["X", "X", "X", "Y"], "summary": ["a", "b", "c", "d"]}
)


def comments(*rows: tuple[int, int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"bug_id": b, "count": c, "role": role, "text": t} for b, c, role, t in rows]
    )


def test_kinds_recur_from_tags_and_stated_root_causes():
    board = pd.DataFrame(
        {
            "bug_id": [101, 102, 102, 103, 201],
            "tags": [
                "ca-compliance ocsp-failure",
                "ca-compliance",
                "ca-compliance ocsp-failure",
                "ca-compliance crl-failure",
                "ca-compliance ocsp-failure",
            ],
        }
    )
    text = comments(
        (101, 3, "ca", "## Root Cause Analysis\nRoot cause category: Human error.\nMore."),
        (103, 2, "ca", "**Root cause:** human   error; the operator..."),
        (102, 4, "community", "Root cause category: human error"),  # not the CA's report
    )
    kinds = recurring_kinds(BUGS, board, text)
    assert [(r.ca, r.source, r.kind, r.bugs) for r in kinds.itertuples()] == [
        ("X", "whiteboard", "ocsp-failure", [101, 102]),
        ("X", "report", "human error", [101, 103]),
    ]  # ca-compliance is on every bug; crl-failure and Y's ocsp-failure on one each


def test_named_bugs_come_from_the_cas_own_comments():
    text = comments(
        (101, 1, "ca", "As in bug 1234567 and Bug #1020, see show_bug.cgi?id=2345678."),
        (101, 2, "ca", "This is bug 101; bug 1234567 again."),
        (102, 1, "community", "Also bug 7654321."),
    )
    named = named_bugs(BUGS, text)
    assert [(r.ca, r.named, r.bug_id, r.count) for r in named.itertuples()] == [
        ("X", 1234567, 101, 1),
        ("X", 1020, 101, 1),
        ("X", 2345678, 101, 1),
        ("X", 1234567, 101, 2),
    ]


def test_comments_are_read_by_as_of_in_slices(monkeypatch):
    import analyzer.ahead.patterns as patterns

    text = comments(
        (101, 1, "ca", "Root cause category: human error. As in bug 1234567."),
        (102, 1, "ca", "Root cause category: human error; see bug 7654321."),
        (103, 1, "ca", "Root cause category: Human  Error. Bug 2345678 too."),
        (201, 1, "ca", "Root cause category: software bug 1111111"),
    ).assign(time=[day(1), day(2), day(9), day(3)])
    as_of = day(5)
    known = text[text["time"] <= as_of]
    monkeypatch.setattr(patterns, "_TAKE_ROWS", 1)  # every comment a slice of its own
    kinds = recurring_kinds(BUGS, pd.DataFrame(), text, as_of)
    assert [(r.ca, r.kind, r.bugs) for r in kinds.itertuples()] == [
        ("X", "human error", [101, 102])
    ]
    named = named_bugs(BUGS, text, as_of)
    assert [(r.named, r.bug_id) for r in named.itertuples()] == [
        (1234567, 101),
        (7654321, 102),
        (1111111, 201),
    ]
    monkeypatch.setattr(patterns, "_TAKE_ROWS", 5_000)
    pd.testing.assert_frame_equal(named, named_bugs(BUGS, known))
    pd.testing.assert_frame_equal(kinds, recurring_kinds(BUGS, pd.DataFrame(), known))

"""Needinfo requests as BMO records them: one test per oddity of the real history format."""

from __future__ import annotations

import pandas as pd
from parse_raw import change, comment, needinfo_flag, raw_bug, tables, ts

CA = "staff@netlock.hu"  # NetLock's own domain: CA-side in a NetLock bug
MOZ = "rp@mozilla.com"
T1, T2, T3 = "2025-01-02T10:00:00Z", "2025-01-03T10:00:00Z", "2025-01-04T10:00:00Z"


def needinfos(raw) -> pd.DataFrame:
    return tables(raw).needinfos


def test_several_flags_in_one_value_and_other_flags_ignored():
    raw = raw_bug(
        history=[
            change(
                T1,
                MOZ,
                (
                    "flagtypes.name",
                    "",
                    f"review?(x@example.org), needinfo?({CA}), needinfo?(b@c.de)",
                ),
            )
        ]
    )
    rows = needinfos(raw)
    assert list(rows["requestee"]) == [CA, "b@c.de"]
    assert list(rows["setter"]) == [MOZ, MOZ]
    assert list(rows["to_ca"]) == [True, False]
    assert rows["open"].all() and (rows["cleared_how"] == "open").all()


def test_retarget_closes_the_old_request_and_opens_a_new_one():
    raw = raw_bug(
        history=[
            change(T1, MOZ, ("flagtypes.name", "", f"needinfo?({CA})")),
            change(T2, MOZ, ("flagtypes.name", f"needinfo?({CA})", "needinfo?(other@netlock.hu)")),
        ]
    )
    rows = needinfos(raw)
    old, new = rows.iloc[0], rows.iloc[1]
    assert (old["requestee"], old["cleared_how"], old["cleared_at"]) == (CA, "retargeted", ts(T2))
    assert old["cleared_by"] == MOZ and not old["open"]
    assert (new["requestee"], new["set_at"], new["open"]) == ("other@netlock.hu", ts(T2), True)


def test_flag_cleared_by_someone_other_than_the_requestee():
    raw = raw_bug(
        history=[
            change(T1, MOZ, ("flagtypes.name", "", f"needinfo?({CA})")),
            change(T2, "colleague@netlock.hu", ("flagtypes.name", f"needinfo?({CA})", "")),
        ]
    )
    row = needinfos(raw).iloc[0]
    assert row["cleared_by"] == "colleague@netlock.hu"
    assert row["cleared_how"] == "cleared" and row["cleared_at"] == ts(T2)


def test_request_without_requestee():
    raw = raw_bug(history=[change(T1, MOZ, ("flagtypes.name", "", "needinfo?"))])
    row = needinfos(raw).iloc[0]
    assert pd.isna(row["requestee"]) and pd.isna(row["requestee_role"])
    assert not row["to_ca"] and row["setter"] == MOZ


def test_open_flag_without_history_row_becomes_a_request():
    raw = raw_bug(history=[], flags=[needinfo_flag(CA, MOZ, T3)])
    row = needinfos(raw).iloc[0]
    assert (row["requestee"], row["setter"], row["set_at"]) == (CA, MOZ, ts(T3))
    assert row["open"] and row["cleared_how"] == "open"


def test_open_flag_wins_over_history_that_says_cleared():
    raw = raw_bug(
        history=[
            change(T1, MOZ, ("flagtypes.name", "", f"needinfo?({CA})")),
            change(T2, CA, ("flagtypes.name", f"needinfo?({CA})", "")),
        ],
        flags=[needinfo_flag(CA, MOZ, T1)],
    )
    rows = needinfos(raw)
    assert len(rows) == 1
    assert rows.iloc[0]["open"] and pd.isna(rows.iloc[0]["cleared_at"])


def test_history_open_but_gone_from_the_bug_is_not_open():
    raw = raw_bug(history=[change(T1, MOZ, ("flagtypes.name", "", f"needinfo?({CA})"))], flags=[])
    raw.bug["last_change_time"] = T3
    row = needinfos(raw).iloc[0]
    assert not row["open"] and row["cleared_how"] == "cleared"
    assert row["cleared_at"] == ts(T3) and pd.isna(row["cleared_by"])  # bounded by last change


def test_set_url_and_answer_come_from_the_comments():
    raw = raw_bug(
        comments=[
            comment(0, "reporter@example.org", "2025-01-01T00:00:00Z"),
            comment(1, MOZ, T1),
            comment(2, CA, "2025-01-02T11:00:00Z", private=True),
            comment(3, CA, T2),
        ],
        history=[change(T1, MOZ, ("flagtypes.name", "", f"needinfo?({CA})"))],
    )
    row = needinfos(raw).iloc[0]
    assert row["set_url"].endswith("id=1#c1") and row["set_count"] == 1
    assert row["answered_at"] == ts(T2) and row["answered_count"] == 3
    assert row["answered_url"].endswith("id=1#c3")


def test_removal_of_a_flag_never_recorded_as_set_is_not_invented():
    # BMO's history does not show flags set on the new-bug form, only their removal; while
    # open such a flag is on the bug (`flags`) and becomes a row from there.
    raw = raw_bug(history=[change(T2, CA, ("flagtypes.name", f"needinfo?({CA})", ""))])
    assert needinfos(raw).empty
    still_open = raw_bug(history=[], flags=[needinfo_flag(CA, "reporter@example.org", T1)])
    assert needinfos(still_open).iloc[0]["setter"] == "reporter@example.org"


def test_asking_the_same_person_twice_gives_two_requests_cleared_oldest_first():
    raw = raw_bug(
        history=[
            change(T1, MOZ, ("flagtypes.name", "", f"needinfo?({CA})")),
            change(T2, "rp2@mozilla.com", ("flagtypes.name", "", f"needinfo?({CA})")),
            change(T3, CA, ("flagtypes.name", f"needinfo?({CA})", "")),
        ],
        flags=[needinfo_flag(CA, "rp2@mozilla.com", T2)],
    )
    rows = needinfos(raw)
    assert list(rows["set_at"]) == [ts(T1), ts(T2)]
    assert list(rows["open"]) == [False, True]
    assert rows.iloc[0]["cleared_at"] == ts(T3) and rows.iloc[0]["cleared_by"] == CA


def test_open_flag_matches_the_request_set_at_its_creation_time():
    raw = raw_bug(
        history=[
            change(T1, MOZ, ("flagtypes.name", "", f"needinfo?({CA})")),
            change(T2, "rp2@mozilla.com", ("flagtypes.name", "", f"needinfo?({CA})")),
        ],
        flags=[needinfo_flag(CA, "rp2@mozilla.com", T2)],
    )
    rows = needinfos(raw)
    assert list(rows["open"]) == [False, True]  # the flag on the bug is the second request


def test_asked_twice_but_one_flag_on_the_bug_ends_the_first_at_the_second_ask():
    raw = raw_bug(
        history=[
            change(T1, MOZ, ("flagtypes.name", "", f"needinfo?({CA})")),
            change(T2, "rp2@mozilla.com", ("flagtypes.name", "", f"needinfo?({CA})")),
        ],
        flags=[needinfo_flag(CA, "rp2@mozilla.com", T2)],
    )
    first = needinfos(raw).iloc[0]
    assert (first["cleared_at"], first["cleared_by"], first["cleared_how"]) == (
        ts(T2),
        "rp2@mozilla.com",
        "retargeted",
    )

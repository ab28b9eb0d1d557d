"""Roles that depend on who an account spoke for at the time, and CA staff on root domains.

Threads modelled on the snapshot's bugs found by comparing with webpki-observatory:
1533655 (DigiCert: Apple:), 1605372 (GlobalSign, Microsoft PKI staff), 1706950 and 2010600
(Wayne Thayer after he left Mozilla in mid-2020).
"""

from __future__ import annotations

import pandas as pd
import pytest
from parse_raw import change, comment, raw_bug, tables

from analyzer.env import InputError
from analyzer.parse.reference import load_reference

WAYNE = "wthayer@fastly.com"


def thread(summary: str, *posts: tuple[str, str], **kwargs):
    comments = [comment(i, author, when) for i, (author, when) in enumerate(posts)]
    return raw_bug(
        summary=summary,
        created=posts[0][1],
        creator=posts[0][0],
        comments=comments,
        **kwargs,
    )


def roles(raw, reference_dir=None) -> list[str]:
    return list(tables(raw, reference_dir=reference_dir).comments["role"])


def test_digicert_apple_bug_has_no_root_program_voice_from_apples_ca():
    """Apple's CA filed and answered the "DigiCert: Apple:" bugs of its sub-CAs under DigiCert's
    roots: it speaks for the CA there (issue 25's review), never for a root program."""
    raw = thread(
        "DigiCert: Apple: Non-compliant Serial Numbers",
        ("certification_authority@apple.com", "2019-03-08T07:19:11Z"),
        ("ryan.sleevi@gmail.com", "2019-03-11T17:06:45Z"),
        ("certification_authority@apple.com", "2019-03-12T07:11:44Z"),
        (WAYNE, "2019-07-20T00:56:21Z"),
    )
    built = tables(raw)
    assert list(built.comments["role"]) == ["ca", "root_program", "ca", "root_program"]
    assert built.bugs.iloc[0]["filed_by"] == "ca"


def test_microsoft_pki_staff_on_a_globalsign_bug_is_community():
    raw = thread(
        "GlobalSign: OCSP responders signed by the default CA",
        ("paul.brown@globalsign.com", "2019-12-20T13:54:18Z"),
        ("julio.montano@microsoft.com", "2020-03-07T01:20:18Z"),
        ("someone@microsoft.com", "2020-03-08T00:00:00Z"),
    )
    assert roles(raw) == ["ca", "community", "root_program"]


def test_former_root_program_staff_role_follows_the_comment_time():
    """One thread across Wayne Thayer's departure: Mozilla on 2020-06-30, not on 2020-07-01."""
    raw = thread(
        "PKIoverheid: x",
        ("someone@logius.nl", "2020-06-01T00:00:00Z"),
        (WAYNE, "2020-06-30T23:59:59Z"),
        (WAYNE, "2020-07-01T00:00:00Z"),
        (WAYNE, "2021-04-25T17:57:36Z"),
    )
    built = tables(raw)
    assert list(built.comments["role"]) == ["ca", "root_program", "community", "community"]
    participant = built.participants.set_index("account").loc[WAYNE]  # at his first comment
    assert (participant["role"], participant["reason"]) == ("root_program", "root_program_account")


def test_former_root_program_staff_is_ca_on_his_own_cas_bugs_at_any_time():
    raw = thread("Certainly: x", (WAYNE, "2019-01-01T00:00:00Z"), (WAYNE, "2022-01-28T00:08:42Z"))
    assert roles(raw) == ["ca", "ca"]


def test_a_bug_filed_by_root_program_staff_is_judged_by_the_filing_time():
    early = thread("D-TRUST: x", (WAYNE, "2019-05-01T00:00:00Z"))
    late = thread("D-TRUST: y", (WAYNE, "2026-01-29T04:28:01Z"))
    assert tables(early).bugs.iloc[0]["filed_by"] == "root_program"
    assert tables(late).bugs.iloc[0]["filed_by"] == "community"


def test_changes_and_needinfo_requestees_take_the_role_at_their_time():
    raw = thread(
        "DigiCert: x",
        ("a@digicert.com", "2020-01-01T00:00:00Z"),
        history=[
            change("2020-02-01T00:00:00Z", WAYNE, ("whiteboard", "[ca-compliance]", "[x]")),
            change("2020-08-01T00:00:00Z", WAYNE, ("whiteboard", "[x]", "[ca-compliance]")),
            change(
                "2020-09-01T00:00:00Z",
                "a@digicert.com",
                ("flagtypes.name", "", f"needinfo?({WAYNE})"),
            ),
        ],
    )
    built = tables(raw)
    assert list(built.changes["role"]) == ["root_program", "community", "ca"]
    assert built.needinfos.iloc[0]["requestee_role"] == "community"


def test_ca_staff_on_a_root_domain_who_is_the_assignee_is_ca_side():
    raw = thread(
        "DigiCert: Apple: x",
        ("certification_authority@apple.com", "2019-03-08T07:19:11Z"),
        assigned_to="certification_authority@apple.com",
    )
    assert roles(raw) == ["ca"]


def test_user_csv_dates_a_root_program_account(tmp_path):
    (tmp_path / "root_program_accounts.csv").write_text(
        "account,valid_from,valid_to\nnew.staff@gmail.com,2024-01-01,\n", encoding="utf-8"
    )
    raw = thread(
        "NetLock: x",
        ("a@netlock.hu", "2023-06-01T00:00:00Z"),
        ("new.staff@gmail.com", "2023-12-31T23:59:59Z"),
        ("new.staff@gmail.com", "2024-01-01T00:00:00Z"),
    )
    assert roles(raw, tmp_path) == ["ca", "community", "root_program"]
    assert load_reference(tmp_path).root_program_accounts[WAYNE][0][1] is not None


@pytest.mark.parametrize(
    ("row", "message"),
    [("x@gmail.com,,June 2020", "not a date"), ("x@gmail.com,2021-01-01,2020-01-01", "before")],
)
def test_bad_validity_dates_are_one_input_error(tmp_path, row, message):
    (tmp_path / "root_program_accounts.csv").write_text(
        f"account,valid_from,valid_to\n{row}\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=message):
        load_reference(tmp_path)


def test_whiteboard_setter_and_needinfo_clearer_take_the_role_at_their_time():
    raw = thread(
        "DigiCert: x",
        ("a@digicert.com", "2020-01-01T00:00:00Z"),
        history=[
            change(
                "2020-02-01T00:00:00Z",
                WAYNE,
                ("whiteboard", "[ca-compliance]", "[ca-compliance] Next update 2020-02-10"),
                ("flagtypes.name", "", "needinfo?(a@digicert.com)"),
            ),
            change(
                "2020-08-01T00:00:00Z",
                WAYNE,
                (
                    "whiteboard",
                    "[ca-compliance] Next update 2020-02-10",
                    "[ca-compliance] Next update 2020-08-20",
                ),
                ("flagtypes.name", "needinfo?(a@digicert.com)", ""),
            ),
        ],
        whiteboard="[ca-compliance] Next update 2020-08-20",
        flags=[],
    )
    built = tables(raw)
    assert built.whiteboard["set_by_role"].tolist()[1:] == ["root_program", "community"]
    assert built.needinfos.iloc[0]["cleared_by_role"] == "community"


def test_a_next_update_date_counts_only_while_its_writer_spoke_for_a_root_program():
    """Wayne Thayer's Next-update date of February 2020 binds the CA; his of August does not."""
    from analyzer.metrics import compute

    def bug(bug_id: int, when: str, date: str):
        return thread(
            "DigiCert: x",
            ("a@digicert.com", "2020-01-01T00:00:00Z"),
            history=[
                change(
                    when,
                    WAYNE,
                    ("whiteboard", "[ca-compliance]", f"[ca-compliance] Next update {date}"),
                )
            ],
            whiteboard=f"[ca-compliance] Next update {date}",
            bug_id=bug_id,
        )

    built = tables(
        bug(1, "2020-02-01T00:00:00Z", "2020-03-01"), bug(2, "2020-08-01T00:00:00Z", "2020-09-01")
    )
    metrics = compute(built, None, as_of=pd.Timestamp("2020-12-01T00:00:00Z")).bug_metrics
    metrics = metrics.set_index("bug_id")
    assert metrics.loc[1, ["next_update_dates_set", "next_update_set_by_ca"]].tolist() == [1, 0]
    assert metrics.loc[2, ["next_update_dates_set", "next_update_set_by_ca"]].tolist() == [0, 1]

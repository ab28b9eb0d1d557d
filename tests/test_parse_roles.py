"""Roles (SPEC "Who speaks for whom") and the user's extension of the reference tables."""

from __future__ import annotations

import pytest
from parse_raw import change, comment, raw_bug, tables

from analyzer.env import InputError
from analyzer.parse.reference import load_reference


def roles_in(raw, reference_dir=None) -> dict[str, tuple[str, str]]:
    rows = tables(raw, reference_dir=reference_dir).participants
    return {r.account: (r.role, r.reason) for r in rows.itertuples()}


def bug_with(summary: str, *authors: str, **kwargs):
    comments = [comment(i, a, f"2025-01-0{i + 1}T00:00:00Z") for i, a in enumerate(authors)]
    return raw_bug(summary=summary, comments=comments, creator=authors[0], **kwargs)


def test_ever_assignee_is_ca_but_not_nobody_or_root_program_staff():
    raw = bug_with(
        "Unknown CA: x",
        "someone@ca.example",
        "other@ca.example",
        "rp@mozilla.com",
        history=[
            change(
                "2025-01-05T00:00:00Z",
                "rp@mozilla.com",
                ("assigned_to", "nobody@mozilla.org", "someone@ca.example"),
            ),
            change(
                "2025-01-06T00:00:00Z",
                "rp@mozilla.com",
                ("assigned_to", "someone@ca.example", "rp@mozilla.com"),
            ),
        ],
        assigned_to="rp@mozilla.com",
    )
    roles = roles_in(raw)
    assert roles["someone@ca.example"] == ("ca", "assignee")
    assert roles["other@ca.example"] == ("community", "other")
    assert roles["rp@mozilla.com"] == ("root_program", "root_program_domain")
    assert "nobody@mozilla.org" not in roles


def test_ca_domain_and_its_subdomains_are_ca_side():
    roles = roles_in(bug_with("Actalis: x", "adriano@staff.aruba.it", "x@actalis.it"))
    assert roles["adriano@staff.aruba.it"] == ("ca", "ca_domain")
    assert roles["x@actalis.it"] == ("ca", "ca_domain")


def test_chrome_staff_on_google_com_are_root_program_even_in_a_gts_bug():
    authors = ("gts-external@google.com", "ryandickson@google.com", "x@gmail.com")
    roles = roles_in(bug_with("Google Trust Services: x", *authors))
    assert roles["gts-external@google.com"] == ("ca", "ca_domain")
    assert roles["ryandickson@google.com"] == ("root_program", "root_program_account")
    assert roles["x@gmail.com"] == ("community", "other")


def test_google_com_is_not_ca_side_in_another_cas_bug():
    roles = roles_in(bug_with("DigiCert: x", "someone@google.com", "a@digicert.com"))
    assert roles["someone@google.com"] == ("community", "other")
    assert roles["a@digicert.com"] == ("ca", "ca_domain")


def test_apple_ca_account_is_ca_in_apple_bugs_and_never_root_program_elsewhere():
    """Apple's CA contact speaks for a CA, whatever apple.com means for other accounts."""
    account = "certification_authority@apple.com"
    assert roles_in(bug_with("Apple: x", account))[account] == ("ca", "ca_account")
    on_digicert = roles_in(bug_with("DigiCert: Apple: x", account, "dhollenback@apple.com"))
    assert on_digicert[account] == ("community", "other_ca_account")
    assert on_digicert["dhollenback@apple.com"] == ("root_program", "root_program_account")


def test_comment_roles_and_ca_updates():
    raw = raw_bug(
        summary="NetLock: x",
        comments=[
            comment(0, "a@netlock.hu", "2025-01-01T00:00:00Z"),
            comment(1, "a@netlock.hu", "2025-01-02T00:00:00Z", private=True),
            comment(2, "kathleen.a.wilson@gmail.com", "2025-01-03T00:00:00Z"),
        ],
    )
    rows = tables(raw).comments
    assert list(rows["role"]) == ["ca", "ca", "root_program"]
    assert list(rows["is_ca_update"]) == [True, False, False]


def test_user_reference_csvs_extend_the_built_in_ones(tmp_path):
    (tmp_path / "ca_aliases.csv").write_text("alias,ca\nAcme Trust,Acme\n", encoding="utf-8")
    (tmp_path / "ca_domains.csv").write_text("ca,domain\nAcme,acme.example\n", encoding="utf-8")
    raw = bug_with("ACME TRUST: x", "bob@pki.acme.example")
    assert tables(raw, reference_dir=tmp_path).bugs.iloc[0][["ca", "ca_known"]].tolist() == [
        "Acme",
        True,
    ]
    assert roles_in(raw, tmp_path)["bob@pki.acme.example"] == ("ca", "ca_domain")
    assert load_reference(tmp_path).aliases["netlock"] == "NetLock"  # built-ins still there


def test_public_mail_domain_as_ca_domain_is_refused(tmp_path):
    (tmp_path / "ca_domains.csv").write_text("ca,domain\nAcme,gmail.com\n", encoding="utf-8")
    with pytest.raises(InputError, match="public mail domain gmail.com"):
        load_reference(tmp_path)


def test_user_csv_without_the_needed_columns_is_an_input_error(tmp_path):
    (tmp_path / "ca_aliases.csv").write_text("name,owner\nx,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks the column"):
        load_reference(tmp_path)


def test_no_builtin_ca_domain_is_a_public_mail_domain():
    reference = load_reference(None)
    for domains in reference.ca_domains.values():
        assert not domains & reference.public_mail_domains


def test_needinfo_requestees_are_participants_with_their_role():
    raw = bug_with(
        "NetLock: x",
        "rp@mozilla.com",
        history=[
            change(
                "2025-01-05T00:00:00Z",
                "rp@mozilla.com",
                ("flagtypes.name", "", "needinfo?(quiet@netlock.hu)"),
            )
        ],
    )
    roles = roles_in(raw)
    assert roles["quiet@netlock.hu"] == ("ca", "ca_domain")
    participants = tables(raw).participants.set_index("account")
    assert participants.loc["quiet@netlock.hu", "comments"] == 0
    assert participants.loc["rp@mozilla.com", "comments"] == 1

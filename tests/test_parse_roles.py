"""Roles (SPEC "Who speaks for whom") and the user's extension of the reference tables."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest
from parse_raw import change, comment, raw_bug, tables

from analyzer.env import InputError
from analyzer.parse import reference as reference_module
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
    on_other = roles_in(bug_with("GlobalSign: x", account, "dhollenback@apple.com"))
    assert on_other[account] == ("community", "other_ca_account")
    assert on_other["dhollenback@apple.com"] == ("root_program", "root_program_account")
    # Apple files and answers the incident reports of its sub-CAs under DigiCert's roots
    # (issue 25's review, recorded in ca_accounts.csv with its reason)
    assert roles_in(bug_with("DigiCert: Apple: x", account))[account] == ("ca", "ca_account")


def test_reviewed_accounts_keep_their_decision_and_reason():
    """ca_accounts.csv records each reviewed account: ``ca`` rows are staff, ``community`` rows
    change no role and are kept with their reason (issue 25: hans@zeger.at speaks for
    GLOBALTRUST; a reporter who files one CA's bugs does not)."""
    reference = load_reference(None)
    assert "hans@zeger.at" in reference.ca_accounts["e-commerce monitoring GmbH"]
    assert roles_in(bug_with("GLOBALTRUST: x", "hans@zeger.at"))["hans@zeger.at"] == (
        "ca",
        "ca_account",
    )
    reason = reference.reviewed_not_ca[("GoDaddy", "fred@fredemmott.co.uk")]
    assert "1330482" in reason
    assert "fred@fredemmott.co.uk" not in reference.any_ca_accounts
    roles = roles_in(bug_with("GoDaddy: x", "fred@fredemmott.co.uk"))
    assert roles["fred@fredemmott.co.uk"] == ("community", "other")


def test_every_account_decision_has_a_reason():
    text = (Path(reference_module.__file__).parent.parent / "data" / "ca_accounts.csv").read_text(
        encoding="utf-8"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["role"] for row in rows} <= {"ca", "community"}
    assert all(row["reason"].strip() for row in rows if row["role"] == "community")
    assert all(row["reason"].strip() for row in rows if "issue 25" in row["reason"])


def test_a_users_decision_overturns_the_built_in_one(tmp_path):
    (tmp_path / "ca_accounts.csv").write_text(
        "ca,account,role,reason\n"
        "e-commerce monitoring GmbH,Hans@Zeger.at,community,our own review\n"
        "Acme,helper@gmail.com,,no role given: staff\n",
        encoding="utf-8",
    )
    reference = load_reference(tmp_path)
    assert "hans@zeger.at" not in reference.ca_accounts.get("e-commerce monitoring GmbH", ())
    assert reference.reviewed_not_ca[("e-commerce monitoring GmbH", "hans@zeger.at")] == (
        "our own review"
    )
    assert reference.ca_accounts["Acme"] == frozenset({"helper@gmail.com"})


def test_an_unknown_account_role_is_an_input_error(tmp_path):
    (tmp_path / "ca_accounts.csv").write_text(
        "ca,account,role\nAcme,x@gmail.com,root\n", encoding="utf-8"
    )
    with pytest.raises(
        InputError, match=r"ca_accounts.csv, line 2: x@gmail.com has the role 'root'"
    ):
        load_reference(tmp_path)


def test_a_bad_account_role_is_exit_2_naming_the_file_and_line(cli, tmp_path):
    """The user's file is read beside the bundled snapshot too (data/reference/)."""
    (tmp_path / "data" / "reference").mkdir(parents=True)
    (tmp_path / "data" / "reference" / "ca_accounts.csv").write_text(
        "ca,account,role,reason\nAcme,a@gmail.com,ca,ok\nAcme,b@gmail.com,staff,typo\n",
        encoding="utf-8",
    )
    with contextlib.chdir(tmp_path):
        result = cli("quality")
    assert result.exit_code == 2
    assert "ca_accounts.csv, line 3: b@gmail.com has the role 'staff'" in result.stderr
    assert "Traceback" not in result.stderr


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


def test_globaltrust_first_response_on_the_snapshot_is_met_by_its_speaker():
    """Issue 25: 1862004's first CA response came 24.8 h after filing, from hans@zeger.at;
    read as community, the bug showed first_response missed by 2,372 h."""
    from tests.conftest import run_on_snapshot

    result = run_on_snapshot("metrics", "--bug", "1862004", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (bug,) = result.json()
    (first,) = [d for d in bug["deadlines"] if d["rule"] == "first_response"]
    assert first["outcome"] == "met"
    assert first["evidence_met"].endswith("#c1")
    assert 24 < bug["first_ca_response_hours"] < 25

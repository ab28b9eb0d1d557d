"""The rulebook is dated data with its sources: a rule period is a row, a rule exists only where
a source states it, and the version a deadline carries comes from the one IRG calendar."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from threadkit import language_of, rows, tables_of, thread

from analyzer.env import InputError
from analyzer.metrics import compute
from analyzer.metrics.rulebook import RULES, end_of_day, load_rulebook, longest_limit_days

HEADER = "rule,effective,within,unit,scope,source,quote\n"


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def packaged() -> str:
    return (resources.files("analyzer") / "data" / "irg_rules.csv").read_text("utf-8")


def test_versions_come_from_the_calendar():
    book = load_rulebook()
    assert book.version(at("2023-02-14T23:59:59")) == "pre-1.0"
    assert book.version(at("2023-02-15T00:00:00")) == "1.0"
    assert book.version(at("2023-10-17T00:00:00")) == "2.0"
    assert book.version(at("2025-03-01T00:00:00")) == "3.0"
    assert book.version(at("2026-03-20T00:00:00")) == "3.2"


@pytest.mark.parametrize(("rule", "first_day"), [
    ("first_response", "2023-10-17"),
    ("needinfo_response", "2023-10-17"),
    ("comment_response", "2023-10-17"),
    ("initial_disclosure", "2025-03-01"),
    ("action_item_update", "2025-07-15"),
])  # fmt: skip
def test_rules_are_in_force_only_from_the_day_a_source_states_them(rule, first_day):
    book = load_rulebook()
    day = at(f"{first_day}T00:00:00")
    assert book.limit(rule, day - 1)[1] is None
    assert book.limit(rule, day)[1] is not None


def test_weekly_updates_and_full_reports_throughout():
    book = load_rulebook()
    _, weekly = book.limit("update_cadence", at("2020-01-01T12:00:00"))
    assert weekly.due(at("2020-01-01T12:00:00")) == at("2020-01-08T23:59:59")
    assert book.limit("full_report", at("2019-01-01T00:00:00"))[1].basis == "14d"
    assert end_of_day(at("2020-01-08T00:00:00")) == at("2020-01-08T23:59:59")


def test_comment_response_covers_questions_under_2_0_and_comments_from_3_0():
    book = load_rulebook()
    assert book.limit("comment_response", at("2024-06-01T00:00:00"))[1].scope == "questions"
    assert book.limit("comment_response", at("2025-03-01T00:00:00"))[1].scope == "expects_reply"
    assert book.limit("update_cadence", at("2025-02-28T00:00:00"))[1].scope == ""
    assert book.limit("update_cadence", at("2025-03-01T00:00:00"))[1].scope == "revocation_cap"


def test_every_rule_period_names_its_source_and_quotes_it():
    table = load_rulebook().rows()
    assert {row["rule"] for row in table} == set(RULES)
    assert all(row["source"] and row["quote"] for row in table)


def test_a_new_period_is_a_new_row(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text(
        packaged().rstrip("\n")
        + "\nfirst_response,2026-06-01,24,hours,,hypothetical IRG 4.0,within 24 hours\n"
        + "comment_response,2026-06-01,3,days,expects_reply,hypothetical IRG 4.0,3 days\n"
    )
    bug = thread("""
        2026-06-02 10:00  mozilla    files
        2026-06-03 10:00  community  says "What happened?"
    """)
    as_of = pd.Timestamp("2026-06-10", tz="UTC")
    result = compute(tables_of(bug), language_of(bug), as_of, rulebook=load_rulebook(path))
    assert rows(result, "first_response")[0][2] == "2026-06-03 10:00:00"
    assert rows(result, "comment_response")[0][2] == "2026-06-06 23:59:59"
    assert set(result.deadlines["irg_version"]) == {"3.2"}  # the calendar knows no 4.0


@pytest.mark.parametrize(
    "row, problem",
    [
        ("first_response,2030-01-01,1,weeks,,s,q", "unit must be one of"),
        ("coffee_break,2030-01-01,1,days,,s,q", "unknown rule"),
        ("full_report,someday,1,days,,s,q", "line 2"),
        ("full_report,2030-01-01,1,days,,,", "names its source"),
        ("full_report,2030-01-01,1,days,sometimes,s,q", "scope must be one of"),
    ],
)
def test_a_bad_row_is_an_input_error(tmp_path, row, problem):
    path = tmp_path / "rules.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(InputError, match=problem):
        load_rulebook(path)


def test_a_missing_rulebook_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="Cannot read"):
        load_rulebook(tmp_path / "nope.csv")


def test_longest_limit_follows_the_rules(tmp_path):
    assert longest_limit_days(load_rulebook()) == 15  # 14 days to the end of the 14th day
    longer = tmp_path / "rules.csv"
    longer.write_text(packaged() + "full_report,2030-01-01,30,days,,s,q\n")
    assert longest_limit_days(load_rulebook(longer)) == 31
    hours = tmp_path / "hours.csv"
    hours.write_text(packaged() + "first_response,2030-01-01,1000,hours,,s,q\n")
    assert longest_limit_days(load_rulebook(hours)) == 42  # 1000 h is 41.7 days


def test_docs_list_every_rule_period_with_its_source():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text("utf-8")
    for row in load_rulebook().rows():
        line = f"| `{row['rule']}` | {row['from'] or '(start)'} | {row['limit']} |"
        assert line in doc, line
        assert row["source"] in doc

"""The IRG rulebook is data: versions by effective date, a new version is a new set of rows."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import resources

import pandas as pd
import pytest
from threadkit import language_of, rows, tables_of, thread

from analyzer.env import InputError
from analyzer.metrics import compute
from analyzer.metrics.rulebook import end_of_day, load_rulebook, longest_limit_days


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def test_packaged_versions_and_their_dates():
    book = load_rulebook()
    assert [v.name for v in book.versions] == ["pre-1.0", "1.0", "2.0", "3.0", "3.1", "3.2"]
    assert book.version_at(at("2023-02-14T23:59:59")).name == "pre-1.0"
    assert book.version_at(at("2023-02-15T00:00:00")).name == "1.0"
    assert book.version_at(at("2023-10-16T23:59:59")).name == "1.0"
    assert book.version_at(at("2023-10-17T00:00:00")).name == "2.0"
    assert book.version_at(at("2025-03-01T00:00:00")).name == "3.0"
    assert book.version_at(at("2025-07-15T00:00:00")).name == "3.1"
    assert book.version_at(at("2026-03-20T00:00:00")).name == "3.2"


def test_first_response_only_from_2_0_and_limits():
    book = load_rulebook()
    assert book.limit("first_response", at("2023-10-16T12:00:00")) == ("1.0", None)
    version, limit = book.limit("first_response", at("2024-01-01T12:00:00"))
    assert version == "2.0" and limit.due(at("2024-01-01T12:00:00")) == at("2024-01-04T12:00:00")
    _, weekly = book.limit("update_cadence", at("2020-01-01T12:00:00"))
    assert weekly.due(at("2020-01-01T12:00:00")) == at("2020-01-08T23:59:59")
    assert end_of_day(at("2020-01-08T00:00:00")) == at("2020-01-08T23:59:59")


def test_a_new_version_is_a_new_row(tmp_path):
    packaged = (resources.files("analyzer") / "data" / "irg_versions.csv").read_text("utf-8")
    extra = "\n".join(
        f"4.0,2026-06-01,{rule},true,{within},{unit},hypothetical"
        for rule, within, unit in [
            ("first_response", 24, "hours"),
            ("full_report", 14, "days"),
            ("update_cadence", 7, "days"),
            ("needinfo_response", 7, "days"),
            ("question_response", 3, "days"),
        ]
    )
    path = tmp_path / "irg.csv"
    path.write_text(packaged.rstrip("\n") + "\n" + extra + "\n")
    bug = thread("""
        2026-06-02 10:00  mozilla    files
        2026-06-03 10:00  community  says 1q
    """)
    as_of = pd.Timestamp("2026-06-10", tz="UTC")
    result = compute(tables_of(bug), language_of(bug), as_of, rulebook=load_rulebook(path))
    # 24 hours from 06-02 10:00; the question of 06-03 is due 3 days later, end of 06-06
    assert rows(result, "first_response")[0][2] == "2026-06-03 10:00:00"
    assert rows(result, "question_response")[0][2] == "2026-06-06 23:59:59"
    assert set(result.deadlines["irg_version"]) == {"4.0"}


@pytest.mark.parametrize(
    "row, problem",
    [
        ("9.0,2030-01-01,first_response,true,1,weeks,x", "unit must be one of"),
        ("9.0,2030-01-01,coffee_break,true,1,days,x", "unknown rule"),
        ("9.0,someday,full_report,true,1,days,x", "line 2"),
    ],
)
def test_a_bad_row_is_an_input_error(tmp_path, row, problem):
    path = tmp_path / "irg.csv"
    path.write_text("version,effective,rule,in_force,within,unit,note\n" + row + "\n")
    with pytest.raises(InputError, match=problem):
        load_rulebook(path)


def test_longest_limit_follows_the_versions(tmp_path):
    assert longest_limit_days(load_rulebook()) == 15  # 14 days to the end of the 14th day
    text = (resources.files("analyzer") / "data" / "irg_versions.csv").read_text("utf-8")
    longer = tmp_path / "irg.csv"
    longer.write_text(text + "9.0,2030-01-01,full_report,true,30,days,a longer limit\n")
    assert longest_limit_days(load_rulebook(longer)) == 31
    hours = tmp_path / "hours.csv"
    hours.write_text(text + "9.0,2030-01-01,first_response,true,1000,hours,in hours\n")
    assert longest_limit_days(load_rulebook(hours)) == 42  # 1000 h is 41.7 days

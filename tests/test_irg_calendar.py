"""The one IRG calendar: versions change at 00:00 UTC of their day, and bad rows are bad input."""

import pytest

from analyzer.env import InputError
from analyzer.irg import calendar, day_start, parse_calendar


@pytest.mark.parametrize(
    ("moment", "version"),
    [
        ("2020-01-01", "pre-1.0"),
        ("2023-02-15", "1.0"),
        ("2023-10-16", "1.0"),
        ("2023-10-17", "2.0"),
        ("2025-02-28", "2.0"),
        ("2025-03-01", "3.0"),
        ("2025-07-15", "3.1"),
        ("2026-03-20", "3.2"),
    ],
)
def test_version_in_force_changes_at_midnight_utc(moment, version):
    assert calendar().name_at(day_start(moment)) == version


def test_templates_required_from_3_0_and_stale_rule_from_3_1():
    cal = calendar()
    assert not cal.at(day_start("2025-02-28")).templates_required
    assert cal.at(day_start("2025-03-01")).templates_required
    assert cal.at(day_start("2025-07-14")).stale_template_days is None
    assert cal.at(day_start("2025-07-15")).stale_template_days == 30


def test_every_version_names_its_source_and_quotes_it():
    for version in calendar().versions:
        assert version.source and version.quote


def test_a_broken_row_is_bad_input():
    header = "version,effective,templates_required,stale_template_days,source,quote\n"
    text = header + "x,2025-13-01,true,,s,q\n"
    with pytest.raises(InputError, match="line 2"):
        parse_calendar(text, "mine.csv")

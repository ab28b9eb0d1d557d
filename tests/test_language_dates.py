"""Dates resolved against the comment's own day."""

from __future__ import annotations

from datetime import date

import pytest

from analyzer.language.dates import find_dates

MONDAY = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-07-03", date(2025, 7, 3)),
        ("2025/07/03", date(2025, 7, 3)),
        ("03.07.2025", date(2025, 7, 3)),
        ("July 3rd", date(2025, 7, 3)),
        ("Jul 3, 2025", date(2025, 7, 3)),
        ("3 July 2025", date(2025, 7, 3)),
        ("3rd of July", date(2025, 7, 3)),
        ("03-Jul-2025", date(2025, 7, 3)),
        ("2025-Jul-03", date(2025, 7, 3)),
        ("this Friday", date(2025, 7, 4)),
        ("on Friday", date(2025, 7, 4)),
        ("next Friday", date(2025, 7, 11)),
        ("tomorrow", date(2025, 7, 1)),
        ("today", MONDAY),
        ("end of month", date(2025, 6, 30)),
        ("end of next month", date(2025, 7, 31)),
        ("next week", date(2025, 7, 11)),
        ("end of the week", date(2025, 7, 4)),
        ("within 2 weeks", date(2025, 7, 14)),
        ("within 5 business days", date(2025, 7, 7)),
        ("end of Q3", date(2025, 9, 30)),
        ("mid-July", date(2025, 7, 15)),
        ("end of August", date(2025, 8, 31)),
    ],
)
def test_forms(text, expected):
    assert [f.day for f in find_dates(f"by {text}.", MONDAY)] == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05-09-25", date(2025, 9, 5)),  # 9 May is past, 5 September is ahead
        ("07/03/2025", date(2025, 7, 3)),  # 3 July is nearest ahead of 30 June
        ("13/07/2025", date(2025, 7, 13)),  # only one valid reading
        ("07/13/2025", date(2025, 7, 13)),
    ],
)
def test_ambiguous_numeric_dates_take_the_nearest_reading_ahead(text, expected):
    assert [f.day for f in find_dates(text, MONDAY)] == [expected]


def test_date_without_year_rolls_to_next_year_when_long_past():
    assert find_dates("January 6th", date(2024, 12, 19))[0].day == date(2025, 1, 6)
    assert find_dates("June 27", MONDAY)[0].day == date(2025, 6, 27)


def test_no_date_in_plain_words():
    assert find_dates("We may provide more details soon.", MONDAY) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        # a weekday naming the explicit date beside it is that date, not the next such weekday
        ("no later than Friday the 21st of November 2025.", date(2025, 11, 21)),
        ("we will update the report until this friday (05-09-25)", date(2025, 9, 5)),
        ("on Friday, 3 July 2025", date(2025, 7, 3)),
    ],
)
def test_weekday_beside_an_explicit_date_names_it(text, expected):
    assert [found.day for found in find_dates(text, date(2025, 9, 1))] == [expected]


def test_weekday_and_a_later_separate_date_are_both_kept():
    found = find_dates("by Friday, and the audit on 2025-07-10", date(2025, 7, 1))
    assert [f.day for f in found] == [date(2025, 7, 4), date(2025, 7, 10)]


@pytest.mark.parametrize(
    "text, expected, ambiguous",
    [
        ("on Tuesday, June 13, 2023", date(2023, 6, 13), False),
        ("on Friday, June 13, 2023", date(2023, 6, 13), True),
        ("on 2023-06-13 (Fri)", date(2023, 6, 13), True),
        ("on 2023-06-13 (Tue)", date(2023, 6, 13), False),
        ("by end of day on Tuesday, June 13, 2023", date(2023, 6, 13), False),
    ],
)
def test_a_weekday_never_moves_the_date_beside_it(text, expected, ambiguous):
    (found,) = find_dates(text, date(2023, 6, 8))
    assert (found.day, found.ambiguous) == (expected, ambiguous)


def test_next_weekday_after_a_date_is_another_day():
    found = find_dates("on 2023-06-13, next Friday the audit", date(2023, 6, 8))
    assert [f.day for f in found] == [date(2023, 6, 13), date(2023, 6, 16)]


@pytest.mark.parametrize("text", ["extension 2.5.29.9", "OID 1.3.6.1.4.1", "in the 3 days before"])
def test_an_oid_or_a_look_back_is_no_date(text):
    assert find_dates(text, date(2024, 6, 17)) == []


@pytest.mark.parametrize(
    "text",
    [
        "we will deploy version 1.2.23 of the linter",
        "upgraded to v1.2.23",
        "Version: 2.1.24 is in production",
        "release 2024.10.1 of certbot",
        "built with zlint3.1.25",
    ],
)
def test_a_version_number_is_no_date(text):
    assert find_dates(text, MONDAY) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on 1.7.25 we revoke", date(2025, 7, 1)),
        ("(3.7.2025)", date(2025, 7, 3)),
        ("version 1.2.23 ships on 2025-07-03", date(2025, 7, 3)),
    ],
)
def test_a_dotted_date_beside_no_version_word_is_still_a_date(text, expected):
    assert [f.day for f in find_dates(text, MONDAY)] == [expected]

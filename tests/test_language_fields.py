"""IRG 3.x report fields in the spellings real reports use, and the moments their dates state."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analyzer.language import annotate
from analyzer.language.fields import read_fields

MARKDOWN = """## Full Incident Report

### Summary
- CA Owner CCADB unique ID: A004711
- Incident description: 17 S/MIME certificates carried a lowercase country code.
- Timeline summary:
  - Non-compliance start date: 2025-02-11
  - Non-compliance identified date: 2025-03-03 14:20 UTC
  - Non-compliance end date: 2025-03-04
- Relevant policies: S/MIME BR 7.1.4.2.2
- Source of incident disclosure: Third Party Reported

### Impact
- Total number of certificates: 17
- Total number of "remaining valid" certificates: 0
"""

BOLD = """**Summary**
* **CA Owner CCADB unique ID:** A000250
* **Timeline summary:**
    * **Non-compliance start date**: 11.02.2025
    * **Non-compliance identified date**: March 3, 2025, 09:00 CET
    * **Non-compliance end date**: Ongoing
* **Source of incident disclosure:** Self Reported

**Impact**
* **Total number of certificates:** 2,048 (of which 12 precertificates)
"""

# copied from the rendered bug page: no bullets, no bold, the value under its label
RENDERED = """Summary
CA Owner CCADB unique ID:
A003301
Timeline summary:
Non-compliance start date:
2024-12-30
Non-compliance identified date:
2025-01-06
Non-compliance end date:
2025-01-07
Source of incident disclosure:
Community Reported
Impact
Total number of certificates: 3
"""


def _by_name(text: str, day: date) -> dict:
    return {f.field: f for f in read_fields(text.splitlines(), day)}


def test_markdown_fields_and_end_of_day_dates():
    fields = _by_name(MARKDOWN, date(2025, 3, 10))
    assert fields["ca_owner_ccadb_id"].value == "A004711"
    assert fields["disclosure_source"].value == "Third Party Reported"
    assert str(fields["non_compliance_start"].time) == "2025-02-11 23:59:59+00:00"
    assert str(fields["non_compliance_identified"].time) == "2025-03-03 14:20:00+00:00"
    assert fields["certificates_affected"].number == 17
    assert fields["impact_remaining_valid_certificates"].number == 0
    assert "Incident description" not in {f.field for f in fields.values()}


def test_bold_fields_with_zones_and_day_first_dates():
    fields = _by_name(BOLD, date(2025, 3, 12))
    assert fields["ca_owner_ccadb_id"].value == "A000250"
    assert fields["non_compliance_start"].time.date() == date(2025, 2, 11)
    assert str(fields["non_compliance_identified"].time) == "2025-03-03 08:00:00+00:00"
    assert fields["non_compliance_end"].value == "Ongoing"
    assert fields["non_compliance_end"].time is None
    assert fields["certificates_affected"].number == 2048


def test_page_rendered_fields_take_the_value_from_the_next_line():
    fields = _by_name(RENDERED, date(2025, 1, 9))
    assert fields["ca_owner_ccadb_id"].value == "A003301"
    assert fields["non_compliance_identified"].time.date() == date(2025, 1, 6)
    assert fields["disclosure_source"].value == "Community Reported"
    assert fields["certificates_affected"].number == 3


def test_swappable_dates_in_a_report_read_backwards_from_the_comment():
    text = "Non-compliance identified date: 04/03/2025"
    # posted 2025-03-10: 3 April lies ahead, so the report means 4 March
    assert _by_name(text, date(2025, 3, 10))["non_compliance_identified"].time.date() == date(
        2025, 3, 4
    )


def test_a_sentence_that_starts_like_a_label_is_not_a_field():
    text = "Non-compliance start date was hard to establish from the logs we kept."
    assert read_fields([text], date(2025, 3, 10)) == []


def test_report_fields_table_keeps_ca_comments_only():
    comments = pd.DataFrame(
        {
            "bug_id": 9,
            "count": [0, 1],
            "time": pd.Timestamp("2025-03-10T12:00Z"),
            "text": [MARKDOWN, MARKDOWN],
            "role": ["ca", "community"],
        }
    )
    fields = annotate(comments).report_fields
    assert set(fields["count"]) == {0}
    assert list(fields.columns[:5]) == ["bug_id", "count", "field", "value", "time"]
    identified = fields.set_index("field").loc["non_compliance_identified", "time"]
    assert identified == pd.Timestamp("2025-03-03T14:20Z")

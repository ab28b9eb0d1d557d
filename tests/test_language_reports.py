"""Report kinds, sections and templates read from IRG headings in their many spellings."""

from __future__ import annotations

import pytest

from analyzer.language.reports import FULL_SECTIONS, read_report, report_template

IRG3 = """## Full Incident Report
### Summary
text
### Impact
text
### Timeline
text
### Related Incidents
none
### Root Cause Analysis
text
### Lessons Learned
text
### Action Items
| Action Item | Kind | Corresponding Root Cause(s) | Evaluation Criteria | Due Date | Status |
|---|---|---|---|---|---|
| Lint | Prevent | RC1 | blocks | 2025-07-01 | Done |
### Appendix
none
"""


def test_irg3_full_report_has_all_sections():
    reading = read_report(IRG3)
    assert reading.kind == "full"
    assert reading.sections_present == FULL_SECTIONS
    assert reading.sections_missing == ()
    assert reading.template == "irg-3"


@pytest.mark.parametrize(
    "style",
    ["**{}**", "{}:", "### {}", "{}", "1. {}"],
)
def test_heading_styles(style):
    names = ["Summary", "Impact", "Timeline", "Root Cause Analysis", "Action Items"]
    text = "\n\n".join(f"{style.format(name)}\nSome words here." for name in names)
    reading = read_report(text)
    assert reading.kind == "full"
    assert reading.sections_present == (
        "Summary",
        "Impact",
        "Timeline",
        "Root Cause Analysis",
        "Action Items",
    )
    assert reading.sections_missing == ("Related Incidents", "Lessons Learned", "Appendix")
    assert reading.template == "irg-1-2"


def test_old_numbered_template():
    items = [
        "1. How your CA first became aware of the problem (e.g. via a report), and the date.",
        "2. A timeline of the actions your CA took in response.",
        "3. Whether your CA has stopped, or has not yet stopped, issuing certificates.",
        "4. A summary of the problematic certificates.",
        "6. Explanation about how and why the mistakes were made or bugs introduced.",
        "7. List of steps your CA is taking to resolve the situation.",
    ]
    reading = read_report("\n\nAnswer.\n\n".join(items))
    assert reading.kind == "full"
    assert reading.template == "mozilla-7-questions"
    assert "Root Cause Analysis" in reading.sections_present


def test_preliminary_wins_over_sections():
    text = "## Preliminary Incident Report\n### Summary\nx\n### Impact\nx\n### Timeline\nx\n"
    text += "### Root Cause Analysis\nongoing\n"
    reading = read_report(text)
    assert reading.kind == "preliminary"
    assert reading.sections_missing == ()


@pytest.mark.parametrize(
    "heading",
    ["## Report Closure Summary", "**Incident Closure Summary**", "Report Closure Summary:"],
)
def test_closure(heading):
    assert read_report(f"{heading}\n- Incident description: x").kind == "closure"


def test_quoted_headings_are_not_the_commenters_report():
    text = "> ## Summary\n> ## Impact\n> ## Timeline\n> ## Root Cause Analysis\n\nWorking on it."
    assert read_report(text).kind == "update"


def test_update_and_other():
    assert read_report("Revocation is completed; next update on Friday.").kind == "update"
    assert read_report("Thank you, Ben.").kind == "other"
    assert read_report(None).kind == "other"
    assert report_template("Thank you, Ben.") is None


def test_old_template_prompts_pasted_as_quotes_still_make_a_report():
    prompts = [
        ">1. How your CA first became aware of the problem (e.g. via a problem report).",
        ">2. A timeline of the actions your CA took in response.",
        ">4. A summary of the problematic certificates.",
        ">6. Explanation about how and why the mistakes were made or bugs introduced.",
        ">7. List of steps your CA is taking to resolve the situation.",
    ]
    reading = read_report("\n\nOur answer.\n\n".join(prompts))
    assert reading.kind == "full"
    assert reading.template == "mozilla-7-questions"


def test_attachment_only_comments_are_reports_of_the_kind_they_post():
    from analyzer.language.reports import read_report

    assert read_report("Created attachment 9456123\nIncident Report").kind == "full"
    assert read_report("Created attachment 9456124\n## Incident Closure\n").kind == "closure"
    assert (
        read_report("Created attachment 9456125\nPreliminary_Incident_Report_v1.pdf\n").kind
        == "preliminary"
    )
    assert read_report("Created attachment 9456126\nserials.csv\n\nThe list.").kind == "other"
    # the sections of an attached report are not in the comment: none is claimed missing
    assert read_report("Created attachment 9456123\nIncident Report").sections_missing == ()

"""Report completeness: each full and closure report against the IRG template in force.

A report is checked against the template of the version in force when it was posted, and
flagged ``stale_template`` when it follows a template that a different one replaced more than
30 days before (CCADB Policy 6.1 gives CAs 30 days to adopt a new version).
"""

from __future__ import annotations

import re

import pandas as pd

from analyzer.ahead.action_items import action_items_tables
from analyzer.ahead.templates import Requirement, Template, builtin_templates, generations

GRACE = pd.Timedelta(days=30)
COLUMNS = [
    "bug_id",
    "count",
    "ca",
    "url",
    "posted",
    "kind",
    "template",
    "follows",
    "missing",
    "stale_template",
    "superseded",
    "text_complete",
]
_SPACES = re.compile(r"\s+")


def _present(requirement: Requirement, text: str, flat: str, header: tuple[str, ...]) -> bool:
    if requirement.part == "action_items_column":
        return any(requirement.pattern.fullmatch(cell) for cell in header)
    if requirement.part == "closing_sentence":
        return bool(requirement.pattern.search(flat))
    return bool(requirement.pattern.search(text))


def _found(template: Template, text: str) -> set[tuple[str, str]]:
    flat = _SPACES.sub(" ", text)
    tables = action_items_tables(text)
    header = tables[0].header if tables else ()
    return {(r.part, r.name) for r in template.requirements if _present(r, text, flat, header)}


def _label(part: str, name: str) -> str:
    if part == "action_items_column":
        return f"Action Items column: {name}"
    if part == "closing_sentence":
        return "closing sentence"
    return name


def follows(text: str, report: str, templates=None) -> tuple[str, pd.Timestamp | None]:
    """Which template generation a report follows, and when a different one replaced it.

    The newest generation of which at least half of what it added is present wins; ``""``
    when the text matches none (then nothing can be said about staleness).
    """
    chain = generations(report, templates)
    previous: set[tuple[str, str]] = set()
    scored = []
    for template, superseded in chain:
        added = [key for key in template.signature if key not in previous]
        found = _found(template, text)
        share = sum(key in found for key in added) / len(added) if added else 0.0
        scored.append((template.version, superseded, share))
        previous = set(template.signature)
    for version, superseded, share in reversed(scored):
        if share >= 0.5:
            return version, superseded
    return "", None


def check_report(text: str, report: str, posted: pd.Timestamp, templates=None) -> dict | None:
    """Missing parts and staleness of one report; ``None`` when no template of its kind was in
    force (closure summaries have a template only since 3.0)."""
    templates = templates or builtin_templates()
    in_force = [t for t in templates if t.report == report and t.effective <= posted]
    if not in_force:
        return None
    template = in_force[-1]
    found = _found(template, text)
    missing = [_label(*key) for key in template.signature if key not in found]
    version, superseded = follows(text, report, templates)
    stale = bool(superseded is not None and posted > superseded + GRACE)
    return {
        "template": template.version,
        "follows": version,
        "missing": missing,
        "stale_template": stale,
        "superseded": superseded if superseded is not None else pd.NaT,
    }


def completeness_from_tables(
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    bugs: pd.DataFrame,
    truncated_at: int | None = None,
) -> pd.DataFrame:
    """One row per full or closure report by the CA (columns: ``COLUMNS``).

    ``truncated_at``: stores that keep only the first N characters of a comment (the bundled
    snapshot) cannot show a whole report; rows that long get ``text_complete`` False.
    """
    kinds = comment_language.loc[
        comment_language["report_kind"].isin(["full", "closure"]),
        ["bug_id", "count", "report_kind"],
    ]
    merged = kinds.merge(
        comments[["bug_id", "count", "time", "text", "url", "is_ca_update"]],
        on=["bug_id", "count"],
    )
    merged = merged[merged["is_ca_update"].fillna(False).astype(bool) & merged["text"].notna()]
    merged = merged.merge(bugs[["bug_id", "ca"]], on="bug_id", how="left")
    templates = builtin_templates()
    rows = []
    for bug_id, count, kind, posted, text, url, ca in merged[
        ["bug_id", "count", "report_kind", "time", "text", "url", "ca"]
    ].itertuples(index=False):
        result = check_report(text, kind, posted, templates)
        if result is None:
            continue
        complete = truncated_at is None or len(text) < truncated_at
        rows.append(
            {
                "bug_id": int(bug_id),
                "count": int(count),
                "ca": ca,
                "url": url,
                "posted": posted,
                "kind": kind,
                **result,
                "text_complete": complete,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["bug_id", "count"], ignore_index=True)


def truncation_of(meta: dict[str, str]) -> int | None:
    """The store's comment-text limit, from its meta (``first 1000 characters``), if any."""
    match = re.search(r"first (\d+) characters", meta.get("comment_text", ""))
    return int(match.group(1)) if match else None


def report_completeness(corpus) -> pd.DataFrame:
    """Every full and closure report of the corpus checked against its IRG template.

    Example::

        >>> from analyzer.ahead import report_completeness
        >>> report_completeness(analyzer.load()).query("stale_template")
    """
    return completeness_from_tables(
        corpus.comments,
        corpus.comment_language,
        corpus.bugs,
        truncated_at=truncation_of(corpus.meta),
    )

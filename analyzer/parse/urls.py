"""BMO evidence links: a comment (``#cN``), a bug, a bug's history page."""

from __future__ import annotations

BMO = "https://bugzilla.mozilla.org"


def bug_url(bug_id: int) -> str:
    return f"{BMO}/show_bug.cgi?id={bug_id}"


def comment_url(bug_id: int, count: int) -> str:
    return f"{BMO}/show_bug.cgi?id={bug_id}#c{count}"


def activity_url(bug_id: int) -> str:
    return f"{BMO}/show_activity.cgi?id={bug_id}"

"""What the project knows of bugzilla.mozilla.org's conventions: its link forms and which
statuses close a bug. One module, so that a link is written one way everywhere and only links
of this form ever become an ``href``.
"""

from __future__ import annotations

import re

BMO = "https://bugzilla.mozilla.org"
CLOSED_STATUSES = frozenset({"RESOLVED", "VERIFIED", "CLOSED"})

_LINK = re.compile(
    r"^https://bugzilla\.mozilla\.org/(show_bug|show_activity)\.cgi\?id=(\d{1,12})(?:#c(\d{1,7}))?$"
)


def bug_url(bug_id: int) -> str:
    return f"{BMO}/show_bug.cgi?id={int(bug_id)}"


def comment_url(bug_id: int, count: int) -> str:
    return f"{BMO}/show_bug.cgi?id={int(bug_id)}#c{int(count)}"


def activity_url(bug_id: int) -> str:
    return f"{BMO}/show_activity.cgi?id={int(bug_id)}"


def trusted_link(value: object) -> str | None:
    """A BMO bug, comment or activity link rebuilt from its numbers, or None if not one.

    The tables' url columns are ours, but a page only ever writes a link rebuilt from numbers,
    so a string that is not exactly one of these forms never becomes an ``href``.
    """
    if not isinstance(value, str):
        return None
    match = _LINK.match(value.strip())
    if not match:
        return None
    page, bug_id, count = match.groups()
    if page == "show_activity":
        return activity_url(int(bug_id))
    return comment_url(int(bug_id), int(count)) if count is not None else bug_url(int(bug_id))

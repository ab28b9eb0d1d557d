"""Raw bugs -> the tidy thread tables of docs/tables.md.

One pass over the bugs in plain Python fills column lists; each table becomes one DataFrame at
the end (times converted once per column), so 85k bugs / 1.1M comments stay linear and fast.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from analyzer.bmo import CLOSED_STATUSES, activity_url, bug_url, comment_url
from analyzer.parse.attribution import attribute
from analyzer.parse.columns import Columns
from analyzer.parse.door import Findings, admit
from analyzer.parse.exclusion import excluded_reason
from analyzer.parse.needinfo import requests_of_bug
from analyzer.parse.overrides import applied_close, applied_exclusion, applied_next_updates
from analyzer.parse.reference import Reference
from analyzer.parse.roles import NOBODY, BugRoles
from analyzer.parse.state import collapsed_by, comment_tags, estimated_close
from analyzer.parse.whiteboard import ParsedWhiteboard, parse_whiteboard
from analyzer.store import RawBug

WHITEBOARD_FIELDS = frozenset({"whiteboard", "status_whiteboard"})


class TableBuilder:
    """Accumulates the rows of every table, bug by bug."""

    def __init__(self, reference: Reference, observed_at: pd.Timestamp) -> None:
        self.reference = reference
        self.observed_iso = observed_at.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        self.bugs = Columns("bugs")
        self.comments = Columns("comments")
        self.changes = Columns("changes")
        self.needinfos = Columns("needinfos")
        self.whiteboard = Columns("whiteboard")
        self.participants = Columns("participants")
        self.findings = Findings()
        self._parsed: dict[str, ParsedWhiteboard] = {}

    def add(self, raw: RawBug) -> None:
        admitted = admit(raw, self.findings)
        if admitted is None:  # unreadable or no longer a CA compliance bug: a finding, no row
            return
        raw = admitted
        bug, history = raw.bug, raw.history
        bug_id = raw.bug_id
        ca, known = attribute(bug.get("summary") or "", self.reference)
        assignees = {bug.get("assigned_to")} | {
            value
            for entry in history or []
            for change in entry.get("changes") or []
            if change.get("field_name") == "assigned_to"
            for value in (change.get("removed"), change.get("added"))
        }
        roles = BugRoles(ca, [a for a in assignees if a], self.reference)
        comment_at, authors, comment_roles = self._add_comments(bug_id, raw.comments, roles)
        self._add_bug(raw, ca, known, roles, comment_roles)
        self._add_changes(bug_id, history, roles, comment_at)
        seen_at = bug.get("last_change_time") or self.observed_iso
        asked = self._add_needinfos(raw, roles, comment_at, seen_at)
        self._add_whiteboard(raw, roles, comment_at)
        self._add_participants(raw, roles, authors, assignees | asked)

    # -- one table each ----------------------------------------------------------------------

    def _add_comments(self, bug_id: int, comments: list[dict], roles: BugRoles):
        """Comment rows (the hot path: one list comprehension per column); returns the bug's
        ``comment_at`` lookup, the comments' authors and their roles."""
        data = self.comments.data
        counts = [c.get("count", i) for i, c in enumerate(comments)]
        authors = [c.get("author") or c.get("creator") for c in comments]
        times = [c.get("creation_time") or c.get("time") for c in comments]
        privates = [bool(c.get("is_private", False)) for c in comments]
        roles_of = roles.roles_of(authors, times)
        data["bug_id"].extend([bug_id] * len(counts))
        data["count"].extend(counts)
        data["comment_id"].extend([c.get("id") for c in comments])
        data["author"].extend(authors)
        data["time"].extend(times)
        data["is_private"].extend(privates)
        data["text"].extend(
            [c["raw_text"] if c.get("raw_text") is not None else c.get("text") for c in comments]
        )
        data["role"].extend(roles_of)
        tags = [comment_tags(c.get("tags")) for c in comments]
        hidden = [collapsed_by(t, self.reference) for t in tags]
        data["is_ca_update"].extend(
            [
                role == "ca" and not private and not gone
                for role, private, gone in zip(roles_of, privates, hidden, strict=True)
            ]
        )
        prefix = comment_url(bug_id, 0)[:-1]
        data["url"].extend([prefix + str(count) for count in counts])
        data["tags"].extend(tags)
        data["collapsed"].extend(hidden)
        at: dict[tuple[str, str], int] | None = None

        def comment_at(account: str | None, when: str | None) -> int | None:
            nonlocal at
            if not account or not when:
                return None
            if at is None:  # built on first use: most bugs in a snapshot never ask
                at = {}
                for count, author, time in zip(counts, authors, times, strict=True):
                    if author and time:
                        at.setdefault((author.lower(), time), count)
            return at.get((account.lower(), when))

        return comment_at, authors, roles_of

    def _add_bug(
        self, raw: RawBug, ca: str, known: bool, roles: BugRoles, comment_roles: list[str]
    ) -> None:
        bug = raw.bug
        status = bug.get("status")
        summary, whiteboard = bug.get("summary") or "", bug.get("whiteboard") or ""
        resolution = bug.get("resolution") or ""
        closed, estimated = _closed_time(raw, status, comment_roles)
        overrides, known_history = self.reference.overrides, raw.history is not None
        notes = []  # provenance of every override applied to the bug
        close = applied_close(
            overrides, raw.bug_id, known_history, status in CLOSED_STATUSES, self._override_note
        )
        if close is not None:  # wins over the estimate
            closed, estimated = close.closed, False
            notes.append(close.provenance)
        excluded = excluded_reason(summary, whiteboard, resolution, status, self.reference)
        exclusion, since = applied_exclusion(
            overrides,
            raw.bug_id,
            excluded,
            bug.get("creation_time"),
            self.observed_iso,
            self._override_note,
        )
        if exclusion is not None:
            excluded = f"{exclusion.reason}; {exclusion.provenance}"
            notes.append(exclusion.provenance)
        notes += [
            n.provenance
            for n in applied_next_updates(
                overrides, raw.bug_id, known_history, self.observed_iso, self._override_note
            )
        ]
        self.bugs.append(
            bug_id=raw.bug_id,
            summary=bug.get("summary"),
            ca=ca,
            ca_known=known,
            product=bug.get("product"),
            component=bug.get("component"),
            status=status,
            resolution=bug.get("resolution") or "",
            creator=bug.get("creator"),
            assignee=bug.get("assigned_to"),
            whiteboard=bug.get("whiteboard") or "",
            opened=bug.get("creation_time"),
            closed=closed,
            closed_estimated=estimated,
            last_change_time=bug.get("last_change_time"),
            history_known=raw.history is not None,
            url=bug_url(raw.bug_id),
            filed_by=roles.of(bug.get("creator"), bug.get("creation_time"))[0],
            excluded=excluded,
            override="; ".join(notes),
            excluded_since=since,
        )

    def _override_note(self, bug_id: int, provenance: str, problem: str, action: str) -> None:
        """An override the store's facts make moot: listed, never silently dropped."""
        self.findings.add(bug_id, "reference", "override", provenance, problem, action)

    def _add_changes(self, bug_id, history, roles, comment_at) -> None:
        for seq, entry in enumerate(history or []):
            when, who = entry.get("when"), entry.get("who")
            role = roles.of(who, when)[0]
            count = comment_at(who, when)
            url = activity_url(bug_id) if count is None else comment_url(bug_id, count)
            for change in entry.get("changes") or []:
                self.changes.append(
                    bug_id=bug_id,
                    seq=seq,
                    when=when,
                    who=who,
                    field_name=change.get("field_name"),
                    removed=_text(change.get("removed")),
                    added=_text(change.get("added")),
                    role=role,
                    url=url,
                )

    def _add_needinfos(self, raw: RawBug, roles: BugRoles, comment_at, seen_at: str) -> set:
        """Needinfo rows; returns the accounts involved (they are participants too)."""
        bug_id, bug = raw.bug_id, raw.bug
        requests = requests_of_bug(raw.history, bug.get("flags"), comment_at, seen_at)
        for seq, request in enumerate(requests):
            requestee = request.requestee
            requestee_role = roles.of(requestee, request.set_at)[0] if requestee else None
            count = request.set_count
            self.needinfos.append(
                bug_id=bug_id,
                seq=seq,
                requestee=request.requestee,
                requestee_role=requestee_role,
                to_ca=requestee_role == "ca",
                setter=request.setter,
                set_at=request.set_at,
                set_url=activity_url(bug_id) if count is None else comment_url(bug_id, count),
                cleared_at=request.cleared_at,
                cleared_by=request.cleared_by,
                cleared_how=request.cleared_how,
                open=request.open,
                set_count=count,
                cleared_by_role=(
                    roles.of(request.cleared_by, request.cleared_at)[0]
                    if request.cleared_by
                    else None
                ),
            )
        return {
            account
            for request in requests
            for account in (request.requestee, request.setter, request.cleared_by)
            if account
        }

    def _add_whiteboard(self, raw: RawBug, roles: BugRoles, comment_at) -> None:
        bug_id, bug = raw.bug_id, raw.bug
        current = bug.get("whiteboard") or ""
        opened = bug.get("creation_time") or self.observed_iso
        added: dict[int, str] = {}  # timeline index -> provenance of an override's row
        if raw.history is None:
            timeline: list[tuple[str, str, str | None, str]] = [
                (self.observed_iso, current, None, bug_url(bug_id))
            ]
            overrides = applied_next_updates(
                self.reference.overrides, bug_id, False, self.observed_iso, _ignore
            )
            if overrides:  # staff know who set which date when: rows before today's value
                tags = self._parse(current).tags.split()
                timeline = [
                    (
                        max(item.set_at, opened),
                        _with_date(tags, item.day),
                        item.set_by,
                        bug_url(bug_id),
                    )
                    for item in overrides
                ] + timeline
                added = {i: item.provenance for i, item in enumerate(overrides)}
        else:
            timeline = _whiteboard_timeline(raw, current, opened, comment_at)
        for seq, (start, value, set_by, url) in enumerate(timeline):
            end = timeline[seq + 1][0] if seq + 1 < len(timeline) else None
            parsed = self._parse(value)
            self.whiteboard.append(
                bug_id=bug_id,
                seq=seq,
                valid_from=start,
                valid_to=end,
                value=value,
                tags=parsed.tags,
                next_update=parsed.next_update,
                next_update_text=parsed.next_update_text,
                next_update_status=parsed.next_update_status,
                close_on=parsed.close_on,
                set_by=set_by,
                url=url,
                set_by_role=roles.of(set_by, start)[0] if set_by else None,
                override=added.get(seq, ""),
            )

    def _parse(self, value: str) -> ParsedWhiteboard:
        parsed = self._parsed.get(value)
        if parsed is None:
            parsed = self._parsed[value] = parse_whiteboard(value, self.reference)
        return parsed

    def _add_participants(self, raw: RawBug, roles: BugRoles, authors: list, others: set) -> None:
        posted = Counter(authors)
        accounts = dict.fromkeys(a for a in posted if a)
        accounts.update(dict.fromkeys(a for a in [raw.bug.get("creator")] if a))
        accounts.update(dict.fromkeys(sorted(a for a in others if a)))
        for entry in raw.history or []:
            if entry.get("who"):
                accounts[entry["who"]] = None
        accounts.pop(NOBODY, None)
        for account in accounts:
            role, reason = roles.of(
                account, _spoke_at(raw, account) if roles.is_timed(account) else None
            )
            self.participants.append(
                bug_id=raw.bug_id,
                account=account,
                role=role,
                reason=reason,
                comments=posted.get(account, 0),
            )


def _spoke_at(raw: RawBug, account: str) -> str | None:
    """When a dated account first spoke in the bug (its first comment, else the bug's filing):
    the moment its one ``participants`` role is taken at (so a creator's is ``filed_by``)."""
    times: list[str] = [
        str(when)
        for c in raw.comments
        if (c.get("author") or c.get("creator")) == account
        and (when := c.get("creation_time") or c.get("time"))
    ]
    return min(times) if times else raw.bug.get("creation_time")


def _ignore(*_: object) -> None:
    """A note already taken elsewhere (the bug's row notes what is not applied)."""


def _with_date(tags: list[str], day: str) -> str:
    """A whiteboard value with today's tags and an override's Next-update date."""
    return " ".join([*(f"[{tag}]" for tag in tags), f"Next update {day}"])


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _closed_time(
    raw: RawBug, status: str | None, comment_roles: list[str]
) -> tuple[str | None, bool]:
    """When the bug last entered a closed status and stayed closed; estimated without history
    (:func:`analyzer.parse.state.estimated_close`)."""
    if status not in CLOSED_STATUSES:
        return None, False
    if raw.history is not None:
        closed_since = None
        for entry in sorted(raw.history, key=lambda e: e.get("when") or ""):
            for change in entry.get("changes") or []:
                if change.get("field_name") != "status":
                    continue
                if change.get("added") in CLOSED_STATUSES:
                    if closed_since is None:
                        closed_since = entry.get("when")
                else:
                    closed_since = None
        if closed_since is not None:
            return closed_since, False
    times = [c.get("creation_time") or c.get("time") for c in raw.comments]
    return estimated_close(times, comment_roles, raw.bug.get("creation_time")), True


def _whiteboard_timeline(raw: RawBug, current: str, opened: str, comment_at):
    """(valid_from, value, set_by, url) per value, walking history back from today's value."""
    changes = sorted(
        (
            (entry.get("when") or opened, entry.get("who"), change.get("removed") or "")
            for entry in raw.history or []
            for change in entry.get("changes") or []
            if change.get("field_name") in WHITEBOARD_FIELDS
        ),
        key=lambda item: item[0],
    )
    values = [current]
    for _, _, removed in reversed(changes):
        values.append(removed)
    values.reverse()
    timeline = [(opened, values[0], None, comment_url(raw.bug_id, 0))]
    for (when, who, _), value in zip(changes, values[1:], strict=True):
        count = comment_at(who, when)
        url = activity_url(raw.bug_id) if count is None else comment_url(raw.bug_id, count)
        timeline.append((max(when, opened), value, who, url))
    return timeline

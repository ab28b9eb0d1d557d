"""Needinfo requests, as BMO really records them.

History carries them in ``flagtypes.name`` changes: several flags in one value joined by
``", "``, other flags (``review?(x)``) mixed in, a retarget as the old flag removed and the new
one added in one change, ``needinfo?`` without a requestee, and clears by someone other than the
requestee. The bug's ``flags`` list has the flags open now; it is the truth for ``open``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_NEEDINFO = re.compile(r"^needinfo\?(?:\((?P<who>[^()]*)\))?$")


@dataclass
class Request:
    requestee: str | None
    setter: str | None
    set_at: str  # ISO time as BMO wrote it; converted to Timestamps once per table
    set_count: int | None
    cleared_at: str | None = None
    cleared_by: str | None = None
    cleared_how: str = "open"
    open: bool = True


def parse_flags(value: str | None) -> list[str | None]:
    """The requestees of the needinfo flags in one ``flagtypes.name`` value (None: no requestee)."""
    found: list[str | None] = []
    for token in (value or "").split(","):
        match = _NEEDINFO.match(token.strip())
        if match:
            who = (match.group("who") or "").strip()
            found.append(who or None)
    return found


def _key(account: str | None) -> str | None:
    return account.lower() if account else None


def requests_of_bug(
    history: list[dict] | None,
    flags: list[dict] | None,
    comment_at: Callable[[str | None, str | None], int | None],
    seen_at: str | None = None,
) -> list[Request]:
    """Every needinfo request of one bug, in the order they were set.

    ``comment_at(account, iso_time)`` gives the ``count`` of the comment that account posted at
    that second (the comment that set the flag), or None. ``seen_at`` (the bug's last change,
    else the sync time) bounds when a flag that history leaves open but the bug does not was
    cleared. A removal of a flag history never shows being set (a flag set on the new-bug
    form, which BMO does not record) is skipped rather than dated by guess: inventing it from
    its later removal would let a judgement at an earlier moment see the future.
    """
    done: list[Request] = []
    open_now: list[Request] = []
    asked: list[Request] = []  # every request in the order it was made
    entries = sorted(history or [], key=lambda entry: entry.get("when") or "")
    for entry in entries:
        when, who = entry.get("when"), entry.get("who")
        for change in entry.get("changes") or []:
            if change.get("field_name") != "flagtypes.name":
                continue
            removed = parse_flags(change.get("removed"))
            added = parse_flags(change.get("added"))
            for requestee in list(removed):
                if requestee in added:  # removed and re-added at once: nothing changed
                    removed.remove(requestee)
                    added.remove(requestee)
            for requestee in removed:
                request = _take(open_now, requestee)
                if request is None:
                    continue  # never recorded as set: not invented (see below)
                request.cleared_at, request.cleared_by = when, who
                request.cleared_how = "retargeted" if added else "cleared"
                request.open = False
                done.append(request)
            for requestee in added:  # asking someone already asked is one more request
                asked.append(Request(requestee, who, when, comment_at(who, when)))
                open_now.append(asked[-1])
    if flags is None:
        return _in_order(done + open_now)
    _reconcile(done, open_now, flags, comment_at)
    for request in open_now:  # history says open, the bug says not
        _close_unseen(request, asked, seen_at)
        done.append(request)
    return _in_order(done)


def _take(
    requests: list[Request], requestee: str | None, set_at: str | None = None
) -> Request | None:
    """Remove and return the oldest request of ``requestee``; given ``set_at`` (an open flag's
    creation time), the latest request set at that time, so an earlier ask left over is the
    one a later ask replaced."""
    key = _key(requestee)
    mine = [i for i, request in enumerate(requests) if _key(request.requestee) == key]
    if not mine:
        return None
    exact = [i for i in mine if set_at is not None and requests[i].set_at == set_at]
    return requests.pop(exact[-1] if exact else mine[0])


def _reconcile(
    done: list[Request],
    open_now: list[Request],
    flags: list[dict],
    comment_at: Callable[[str | None, str | None], int | None],
) -> None:
    """Trust the bug's current flags for ``open``; history fills in who and when.

    Matched requests move from ``open_now`` to ``done``; what stays in ``open_now`` is open in
    history only."""
    current = [f for f in flags if f.get("name") == "needinfo" and f.get("status") == "?"]
    for flag in current:
        requestee = flag.get("requestee") or None
        request = _take(open_now, requestee, flag.get("creation_date"))
        if request is None:
            request = _reopened(done, requestee, flag.get("creation_date"))
        if request is None:
            setter, set_at = flag.get("setter"), flag.get("creation_date")
            request = Request(requestee, setter, set_at, comment_at(setter, set_at))
        request.open, request.cleared_how = True, "open"
        request.cleared_at = request.cleared_by = None
        done.append(request)


def _close_unseen(request: Request, asked: list[Request], seen_at: str | None) -> None:
    """A request history leaves open but the bug does not show: it ended at the latest when the
    same person was asked again (BMO may have replaced the flag), else by ``seen_at``."""
    request.open, request.cleared_how = False, "cleared"
    later = asked[asked.index(request) + 1 :]
    again = next((r for r in later if _key(r.requestee) == _key(request.requestee)), None)
    if again is not None:
        request.cleared_at, request.cleared_by = again.set_at, again.setter
        request.cleared_how = "retargeted"
    elif seen_at and seen_at > (request.set_at or ""):
        request.cleared_at = seen_at


def _reopened(done: list[Request], requestee: str | None, created: str | None) -> Request | None:
    """The request history says was cleared although its flag, created before that, is open."""
    key = _key(requestee)
    for index in range(len(done) - 1, -1, -1):
        request = done[index]
        if _key(request.requestee) != key:
            continue
        if not created or (request.set_at or "") <= created < (request.cleared_at or ""):
            return done.pop(index)
    return None


def _in_order(requests: list[Request]) -> list[Request]:
    return sorted(requests, key=lambda request: request.set_at or "")

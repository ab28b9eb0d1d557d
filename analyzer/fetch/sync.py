"""The sync algorithm: every CA compliance bug, with comments and history, into the store.

Economy: one search request per page asks for comments and history inline, so a full sync of
~1,700 bugs is ~17 requests. Only when a server leaves them out are they fetched, for the new
and changed bugs only, with ``ids=``-batched ``/comment`` and ``/history`` calls.

Stable pagination: pages are keyset pages, ``order=bug_id`` plus ``bug_id > last id seen``
(boolean chart ``f1=bug_id&o1=greaterthan&v1=N``), not offsets. Bugs that change during the
sync cannot shift the pages (an offset over ``order=changeddate`` would skip one bug for every
bug that changes behind the cursor), and the last id is a resume point that stays valid.

Incremental: the search is limited to ``last_change_time >= high-water mark - overlap``. The
high-water mark is the server's clock (its ``Date`` header) when the sync *started*, so a bug
that changes while we page is seen again next time. Bugs whose ``last_change_time`` equals the
stored one are skipped, not rewritten.

Speed: while a page is being stored, the next one is already being fetched; requests still go
out one at a time (the ``/comment`` and ``/history`` calls of a page come before that).

Interrupt safety: each page is stored in one transaction, then the cursor (in meta) moves past
it. The high-water mark only moves when the whole sync completes; a rerun after Ctrl-C or
``kill -9`` resumes from the cursor and ends with the same store as an uninterrupted run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from analyzer.env import InputError
from analyzer.fetch import DEFAULT_PAGE_SIZE
from analyzer.fetch.client import MAX_URL_BYTES, BugzillaClient
from analyzer.store import RawBug, Store, utc_now_iso

PRODUCTS = ("CA Program", "NSS")
COMPONENT = "CA Certificate Compliance"
INCLUDE_FIELDS = "_default,comments,history"
OVERLAP = timedelta(hours=1)
CURSOR_KEY = "sync_cursor"


@dataclass
class Cursor:
    """Where an unfinished sync stands; kept in meta so the next run continues it."""

    source: str
    since: str | None  # last_change_time filter; None for a full sync
    started: str | None  # server time of the sync's first answer: the next high-water mark
    after_id: int = 0  # every bug with a smaller or equal id has been stored

    @classmethod
    def load(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            return None  # an unreadable cursor only costs a restart

    def dump(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass
class SyncResult:
    """What one sync did, for the summary line and the benchmarks."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    pages: int = 0
    requests: int = 0
    resumed: bool = False
    high_water: str | None = None

    @property
    def stored(self) -> int:
        return self.new + self.changed

    def summary(self) -> str:
        bugs = "bug" if self.stored == 1 else "bugs"
        requests = "request" if self.requests == 1 else "requests"
        return (
            f"Synced {self.stored} {bugs} ({self.new} new, {self.changed} changed) "
            f"in {self.requests} {requests}."
        )


def search_params(since: str | None, after_id: int, limit: int) -> list[tuple[str, str | int]]:
    """The query of one search page, in a fixed order (tests compare it exactly)."""
    params: list[tuple[str, str | int]] = [("product", p) for p in PRODUCTS]
    params += [("component", COMPONENT), ("include_fields", INCLUDE_FIELDS)]
    if since:
        params.append(("last_change_time", since))
    if after_id:
        params += [("f1", "bug_id"), ("o1", "greaterthan"), ("v1", after_id)]
    params += [("order", "bug_id"), ("limit", limit)]
    return params


def sync(
    store: Store,
    client: BugzillaClient,
    full: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
    overlap: timedelta = OVERLAP,
    progress: Callable[[SyncResult], None] | None = None,
) -> SyncResult:
    """Bring ``store`` up to date with the server behind ``client``."""
    result = SyncResult()
    cursor = Cursor.load(store.get_meta(CURSOR_KEY))
    if (
        cursor is not None
        and cursor.source == client.base_url
        and (cursor.since is None or not full)
    ):
        result.resumed = True
    else:
        cursor = Cursor(client.base_url, _since(store, client.base_url, full, overlap), None)
    known = store.last_change_times()
    requests_before = client.requests_sent
    newest_seen: str | None = None
    pending = _in_background(_search_page, client, cursor.since, cursor.after_id, page_size)
    while True:
        page = pending.result()
        if cursor.started is None:
            cursor.started = _server_time(client.last_date_header)
        fresh = [bug for bug in page if _is_fresh(bug, known)]
        raws = _complete(client, fresh)
        more = len(page) >= page_size
        if more:  # fetch the next page while this one is stored (still one request at a time)
            last_id = max(int(bug["id"]) for bug in page)
            pending = _in_background(_search_page, client, cursor.since, last_id, page_size)
        if page:
            cursor.after_id = max(int(bug["id"]) for bug in page)
        store.put_bugs(raws, meta={CURSOR_KEY: cursor.dump()} if page else None)
        for raw in raws:
            result.changed += raw.bug_id in known
            result.new += raw.bug_id not in known
            known[raw.bug_id] = raw.bug.get("last_change_time")
        result.unchanged += len(page) - len(fresh)
        for bug in page:
            newest_seen = max(newest_seen or "", bug.get("last_change_time") or "") or None
        result.pages += 1
        result.requests = client.requests_sent - requests_before
        if progress is not None:
            progress(result)
        if not more:
            break
    result.high_water = cursor.started or newest_seen or store.get_meta("last_sync_time")
    store.set_meta(
        source=client.base_url,
        history_known="true",
        last_sync_time=result.high_water or utc_now_iso(),
        **{CURSOR_KEY: None},
    )
    return result


def _is_fresh(bug: dict, known: dict[int, str | None]) -> bool:
    """New, changed, or without a change time to compare (then never trusted as unchanged)."""
    changed_at = bug.get("last_change_time")
    return changed_at is None or known.get(int(bug["id"]), "") != changed_at


def _since(store: Store, source: str, full: bool, overlap: timedelta) -> str | None:
    """Where an incremental sync starts; None (everything) when full or the store is new."""
    last = store.get_meta("last_sync_time")
    if full or not last or store.get_meta("source") != source:
        return None
    moment = datetime.strptime(last, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return (moment - overlap).strftime("%Y-%m-%dT%H:%M:%SZ")


def _in_background(function: Callable, *args: object) -> Future:
    """Run ``function`` in a daemon thread (which never holds up the exit after Ctrl-C)."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as exc:  # handed to the caller of result()
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return future


def _search_page(
    client: BugzillaClient, since: str | None, after_id: int, page_size: int
) -> list[dict]:
    document = client.get("/rest/bug", search_params(since, after_id, page_size))
    bugs = document.get("bugs")
    if not isinstance(bugs, list) or not all(isinstance(b, dict) and "id" in b for b in bugs):
        raise InputError(f"{client.base_url} does not look like Bugzilla: its search has no bugs.")
    if any(int(bug["id"]) <= after_id for bug in bugs):  # would page forever
        raise InputError(
            f"{client.base_url} ignores the bug id condition (f1=bug_id&o1=greaterthan) "
            "that paging relies on."
        )
    return bugs


def _complete(client: BugzillaClient, bugs: list[dict]) -> list[RawBug]:
    """Each bug with its comments and history, fetching what the search left out."""
    comments = _fetch_extra(client, [b["id"] for b in bugs if "comments" not in b], "comment")
    history = _fetch_extra(client, [b["id"] for b in bugs if "history" not in b], "history")
    raws = []
    for bug in bugs:
        bug_id = int(bug["id"])
        raws.append(
            RawBug(
                bug={k: v for k, v in bug.items() if k not in ("comments", "history")},
                comments=bug["comments"] if "comments" in bug else comments[bug_id],
                history=bug["history"] if "history" in bug else history[bug_id],
            )
        )
    return raws


def _fetch_extra(client: BugzillaClient, bug_ids: list[int], what: str) -> dict[int, list]:
    """``/rest/bug/{first}/{what}?ids=...`` in batches whose URLs stay under 8 KiB."""
    found: dict[int, list] = {}
    for batch in _batches(client, [int(i) for i in bug_ids], what):
        path = f"/rest/bug/{batch[0]}/{what}"
        document = client.get(path, [("ids", i) for i in batch[1:]])
        try:
            if what == "comment":
                for key, value in document["bugs"].items():
                    found[int(key)] = value["comments"]
            else:
                for item in document["bugs"]:
                    found[int(item["id"])] = item["history"]
        except (KeyError, TypeError, AttributeError, ValueError):
            raise InputError(f"{client.base_url} answered {path} in an unknown shape.") from None
    missing = [i for i in bug_ids if int(i) not in found]
    if missing:
        raise InputError(f"{client.base_url} returned no {what}s for bug {missing[0]}.")
    return found


def _batches(client: BugzillaClient, bug_ids: list[int], what: str) -> list[list[int]]:
    """Greedy batches: the first id goes in the path, each further one adds ``&ids=N``."""
    batches: list[list[int]] = []
    length = 0
    for bug_id in bug_ids:
        extra = len(f"&ids={bug_id}")
        if batches and length + extra <= MAX_URL_BYTES:
            batches[-1].append(bug_id)
            length += extra
        else:
            batches.append([bug_id])
            length = len(client.url(f"/rest/bug/{bug_id}/{what}").encode())
    return batches


def _server_time(date_header: str | None) -> str | None:
    """The server's clock from an HTTP ``Date`` header, as ISO UTC (None when absent)."""
    if not date_header:
        return None
    try:
        moment = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

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
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from analyzer.env import InputError, JobError
from analyzer.fetch import DEFAULT_PAGE_SIZE
from analyzer.fetch.client import MAX_URL_BYTES, BugzillaClient
from analyzer.store import COERCED_KEY, RESERVED_PREFIX, VANISHED_KEY, RawBug, Store, utc_now_iso
from analyzer.values import Coerced, JsonPath, read_int, read_time, shown

PRODUCTS = ("CA Program", "NSS")
COMPONENT = "CA Certificate Compliance"
INCLUDE_FIELDS = "_default,comments,history"
OVERLAP = timedelta(hours=1)
CURSOR_KEY = "sync_cursor"
MAX_REJECTED = 100  # bugs without a readable id kept in meta for analyzer quality


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
            cursor = cls(**json.loads(text))
        except (ValueError, TypeError):
            return None  # an unreadable cursor only costs a restart
        usable = (
            isinstance(cursor.source, str)
            and all(v is None or read_time(v) == v for v in (cursor.since, cursor.started))
            and read_int(cursor.after_id) is not None
        )
        return cursor if usable else None

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
    moved: int = 0  # stored open bugs found in another product or component, refetched
    rejected: list[dict] = field(default_factory=list)  # bugs without a readable id
    vanished: int = 0  # stored bugs the server no longer returns, marked this time
    coerced: int = 0  # values read as null at the door (NaN, Infinity, 10**5000, too deep)

    @property
    def stored(self) -> int:
        return self.new + self.changed

    def summary(self) -> str:
        bugs = "bug" if self.stored == 1 else "bugs"
        requests = "request" if self.requests == 1 else "requests"
        line = (
            f"Synced {self.stored} {bugs} ({self.new} new, {self.changed} changed) "
            f"in {self.requests} {requests}."
        )
        if self.moved:
            line += f" {self.moved} left the CA compliance component (refetched, not judged)."
        if self.vanished:
            line += (
                f" {self.vanished} no longer returned by the server (made private or removed): "
                "kept, not judged from now on."
            )
        if self.rejected:
            line += (
                f" {len(self.rejected)} left out: no readable bug id (analyzer quality lists them)."
            )
        if self.coerced:
            line += (
                f" {self.coerced} values JSON in SQLite cannot hold (NaN, Infinity, numbers past "
                "any size, nesting over 64 deep) were stored as null."
            )
        return line


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
    _check_source(store, client.base_url)
    local_start = utc_now_iso()
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
    if store.get_meta("source") != client.base_url:
        # the store's source is recorded before the first request, so that a first sync that
        # never finished still keeps another server's bugs out (an empty store may change it)
        store.set_meta(source=client.base_url, last_sync_time=None)
    resumed_from = cursor.after_id
    vanished_before = store.vanished_ids(VANISHED_KEY)
    known = store.last_change_times()
    for bug_id in vanished_before:  # a vanished bug the server shows again is refetched
        known[bug_id] = None
    if cursor.since is None:  # a whole listing rewrites rows SQLite cannot read (NaN, from
        for bug_id in store.unreadable_json_ids():  # before answers were read at the door)
            known[bug_id] = None
    requests_before = client.requests_sent
    coerced_before = len(client.coerced)
    newest_seen: str | None = None
    seen: set[int] = set()
    rejected: list[dict] = []
    pending = _in_background(_search_page, client, cursor.since, cursor.after_id, page_size)
    while True:
        bugs, coerced = pending.result()
        page = _admit_page(bugs, coerced, rejected)
        _check_order(client, page)
        if cursor.started is None:
            cursor.started = _server_time(client.last_date_header)
        fresh = [(bug_id, bug) for bug_id, bug in page if _is_fresh(bug_id, bug, known)]
        raws = _complete(client, fresh)
        # BMO lowers an oversized limit without a word: only an empty page is the end
        more = bool(page)
        if more:  # fetch the next page while this one is stored (still one request at a time)
            last_id = max(bug_id for bug_id, _ in page)
            pending = _in_background(_search_page, client, cursor.since, last_id, page_size)
            cursor.after_id = last_id
        store.put_bugs(raws, meta={CURSOR_KEY: cursor.dump()} if page else None)
        for raw in raws:
            result.changed += raw.bug_id in known
            result.new += raw.bug_id not in known
            known[raw.bug_id] = _change_time(raw.bug)
        result.unchanged += len(page) - len(fresh)
        for bug_id, bug in page:
            seen.add(bug_id)
            changed_at = _change_time(bug)
            if changed_at and changed_at <= local_start:
                newest_seen = max(newest_seen or "", changed_at)
        result.pages += 1
        result.requests = client.requests_sent - requests_before
        if progress is not None:
            progress(result)
        if not more:
            break
    if cursor.since is None:  # a whole listing (or the end of one, resumed): was it whole?
        covered = seen | {i for i in known if i <= resumed_from}
        recovered = _check_complete(store, client, covered, len(rejected))
        result.new += len(recovered - known.keys())
        result.changed += len(recovered & known.keys())
        seen |= recovered
    result.high_water = _high_water(
        cursor.started, newest_seen, store.get_meta("last_sync_time"), local_start
    )
    result.moved, result.vanished = _refresh_unseen(
        store, client, seen, vanished_before, cursor.since is None, result.high_water
    )
    result.requests = client.requests_sent - requests_before
    result.rejected = rejected
    result.coerced = len(client.coerced) - coerced_before
    store.set_meta(
        source=client.base_url,
        history_known="true",
        last_sync_time=result.high_water,
        rejected_bugs=json.dumps(rejected[:MAX_REJECTED]) if rejected else None,
        **{CURSOR_KEY: None},
    )
    return result


def _check_source(store: Store, base_url: str) -> None:
    """One store holds one Bugzilla: bugs of two servers would mix ids, times and accounts."""
    source = store.get_meta("source")
    if source and source != base_url and store.count():
        raise InputError(
            f"The store {store.path} holds bugs from {source[:200]}, not {base_url}; sync from "
            "that --base-url, or into another --data-dir."
        )


def _check_order(client: BugzillaClient, page: list[tuple[int, dict]]) -> None:
    """Keyset paging needs pages in ascending id order: a server that ignores ``order=bug_id``
    while capping its pages would make the next page start past bugs never sent."""
    ids = [bug_id for bug_id, _ in page]
    if any(later <= earlier for earlier, later in zip(ids, ids[1:], strict=False)):
        raise JobError(
            f"{client.base_url} ignores order=bug_id (a search page was not in ascending id "
            "order), so paging could skip bugs; nothing past the last stored page was synced."
        )


def _check_complete(
    store: Store, client: BugzillaClient, covered: set[int], unreadable: int
) -> set[int]:
    """After a whole listing, ask the server how many bugs match (``count_only``): more than
    were seen means its pages skipped some (a silent cap with another order). The skipped ones
    are then fetched by id when a light listing names them all; otherwise the sync fails
    rather than end with part of the corpus. ``unreadable``: bugs seen without a usable id.
    Returns the bugs fetched this way."""
    head = [p for p in search_params(None, 0, 0) if p[0] in ("product", "component")]
    document = client.get("/rest/bug", [*head, ("count_only", 1)])
    expected = read_int(document.get("bug_count"))
    if expected is None or expected <= len(covered) + unreadable:
        return set()  # a server without count_only, or nothing missed
    # limit=0: the server's largest answer (BMO's default is 500, its largest 10,000)
    listing = client.get(
        "/rest/bug", [*head, ("include_fields", "id"), ("order", "bug_id"), ("limit", 0)]
    )
    bugs = listing.get("bugs")
    bugs = bugs if isinstance(bugs, list) else []
    if len(bugs) < expected:
        raise JobError(
            f"{client.base_url} says {expected} bugs match but its pages sent "
            f"{len(covered) + unreadable} (it caps its answers and ignores order=bug_id); the "
            "store holds a part of the corpus only: try another --page-size, or another server."
        )
    listed = [read_int(b.get("id"), low=1) for b in bugs if isinstance(b, dict)]
    missing = sorted({i for i in listed if i is not None and i not in covered})
    for batch in _id_batches(client, missing):
        _store_by_id(store, client, batch)
    return set(missing)


def _admit_page(
    bugs: list, coerced: Sequence[Coerced] = (), rejected: list[dict] | None = None
) -> list[tuple[int, dict]]:
    """The page's bugs with a usable id; the others are left out and reported, not fatal.

    Keys a server sends under our reserved prefix are dropped (only sync may mark a bug), and
    each value the answer held that no store may hold (``coerced``, already null) is noted in
    its bug under ``COERCED_KEY``, for the parse stage's ``data_quality``."""
    marks = _marks_by_bug(coerced, lambda index: index)
    page = []
    for index, bug in enumerate(bugs):
        bug_id = read_int(bug.get("id"), low=1) if isinstance(bug, dict) else None
        if bug_id is None:
            value = bug.get("id") if isinstance(bug, dict) else bug
            if rejected is not None:
                rejected.append({"value": shown(value), "problem": "no readable bug id"})
            continue
        if any(type(key) is str and key.startswith(RESERVED_PREFIX) for key in bug):
            bug = {k: v for k, v in bug.items() if not str(k).startswith(RESERVED_PREFIX)}
        if index in marks:
            bug = {**bug, COERCED_KEY: marks[index]}
        page.append((bug_id, bug))
    return page


def _marks_by_bug(coerced: Sequence[Coerced], bug_of: Callable[..., object]) -> dict:
    """``{bug: [[where, field, what], ...]}`` for answers shaped ``{"bugs": [...]}`` or
    ``{"bugs": {id: ...}}``; ``bug_of`` maps the second key of a path to the bug."""
    marks: dict = {}
    for item in coerced:
        if len(item.path) < 3 or item.path[0] != "bugs":
            continue
        marks.setdefault(bug_of(item.path[1]), []).append([*_where(item.path[2:]), item.what])
    return marks


def _where(path: JsonPath) -> tuple[str, str]:
    """(where, field) in the door's words for a path inside one bug object."""
    if len(path) >= 2 and path[0] in ("comments", "history") and type(path[1]) is int:
        where = f"{'comment' if path[0] == 'comments' else 'history'} {path[1]}"
        return where, str(path[2]) if len(path) > 2 else path[0]
    return "bug", str(path[0])


def _change_time(bug: dict) -> str | None:
    """The bug's ``last_change_time`` when it is a real time (it is compared and stored)."""
    return read_time(bug.get("last_change_time"))


def _high_water(
    server: str | None, newest_seen: str | None, previous: str | None, local_start: str
) -> str:
    """Where the next incremental sync starts: the server's clock when this one started,
    bounded above by our clock (a Date in 2099 would hide every later change) and below by
    the newest change seen and the last mark (a Date in 1996 would make the store look old)."""
    mark = server if server is not None and server <= local_start else local_start
    lower = max(newest_seen or "", read_time(previous) or "")
    if lower and lower <= local_start and mark < lower:
        mark = lower
    return mark


def _refresh_unseen(
    store: Store,
    client: BugzillaClient,
    seen: set[int],
    vanished_before: set[int],
    whole: bool,
    when: str,
) -> tuple[int, int]:
    """Ask where the stored bugs this sync did not see are now: (moved, vanished).

    The candidates are the stored open bugs of the component (on a whole listing, every stored
    bug) not seen this time. One light ``id=`` search per batch says where each one is; an
    open bug now in another product or component is fetched whole and stored, so parsing
    leaves it out. A bug the server does not return at all (made private or removed) is kept
    and marked vanished at ``when``: it is not judged from then on. Bugs marked before are
    asked about too: one the server shows again is fetched whole (and judged again).
    """
    opened = set(store.open_bug_ids(PRODUCTS, COMPONENT))
    pool = set(store.last_change_times()) if whole else opened
    candidates = sorted(i for i in pool - seen - vanished_before)
    where = _where_now(client, sorted({*candidates, *(vanished_before - seen)}))
    back = sorted(i for i in vanished_before - seen if i in where)  # public again: refetched
    for batch in _id_batches(client, back):
        _store_by_id(store, client, batch)
    moved = [
        i
        for i, bug in where.items()
        if i in opened and (bug.get("component") != COMPONENT or bug.get("product") not in PRODUCTS)
    ]
    for batch in _id_batches(client, sorted(moved)):
        _store_by_id(store, client, batch)
    vanished = [i for i in candidates if i not in where]
    marked = []
    for bug_id in vanished:
        raw = store.get(bug_id)
        if raw is not None and isinstance(raw.bug, dict) and raw.bug:
            bug = {**raw.bug, VANISHED_KEY: when}
            marked.append(RawBug(bug, raw.comments, raw.history, key=bug_id))
    store.put_bugs(marked)
    return len(moved), len(marked)


def _store_by_id(store: Store, client: BugzillaClient, batch: list[int]) -> None:
    """Fetch these bugs whole by id (one request and its extras) and store them."""
    params = [("id", ",".join(map(str, batch))), ("include_fields", INCLUDE_FIELDS)]
    document, coerced = client.get_coerced("/rest/bug", params)
    bugs = document.get("bugs")
    found = _admit_page(bugs if isinstance(bugs, list) else [], coerced)
    store.put_bugs(_complete(client, [(i, b) for i, b in found if i in batch]))


def _where_now(client: BugzillaClient, bug_ids: list[int]) -> dict[int, dict]:
    """Each bug the server still returns, by id (``id``, ``product``, ``component``). The ids
    not found are asked again until an answer names none of them: a server that caps its
    answers without a word must not make present bugs look vanished."""
    found: dict[int, dict] = {}
    for batch in _id_batches(client, bug_ids):
        ask = set(batch)
        while ask:
            params = [
                ("id", ",".join(map(str, sorted(ask)))),
                ("include_fields", "id,product,component"),
                ("limit", 0),  # BMO's default answer is 500 bugs; 0 asks for its largest
            ]
            bugs = client.get("/rest/bug", params).get("bugs")
            if not isinstance(bugs, list):
                raise InputError(f"{client.base_url} answered an id search without bugs.")
            got = {}
            for bug in bugs:
                bug_id = read_int(bug.get("id"), low=1) if isinstance(bug, dict) else None
                if bug_id in ask:
                    got[bug_id] = bug
            if not got:
                break
            found.update(got)
            ask -= set(got)
    return found


def _id_batches(client: BugzillaClient, bug_ids: list[int]) -> list[list[int]]:
    """Comma-separated ``id=`` lists whose URLs stay well under 8 KiB."""
    batches: list[list[int]] = []
    length = 0
    budget = MAX_URL_BYTES - len(client.url("/rest/bug").encode()) - 200
    for bug_id in sorted(bug_ids):
        extra = len(str(bug_id)) + 3  # the id and an encoded comma
        if batches and length + extra <= budget:
            batches[-1].append(bug_id)
            length += extra
        else:
            batches.append([bug_id])
            length = extra
    return batches


def _is_fresh(bug_id: int, bug: dict, known: dict[int, str | None]) -> bool:
    """New, changed, or without a change time to compare (then never trusted as unchanged)."""
    changed_at = _change_time(bug)
    return changed_at is None or known.get(bug_id, "") != changed_at


def _since(store: Store, source: str, full: bool, overlap: timedelta) -> str | None:
    """Where an incremental sync starts; None (everything) when full or the store is new."""
    last = read_time(store.get_meta("last_sync_time"))
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
) -> tuple[list, list[Coerced]]:
    document, coerced = client.get_coerced("/rest/bug", search_params(since, after_id, page_size))
    bugs = document.get("bugs")
    if not isinstance(bugs, list):
        raise InputError(f"{client.base_url} does not look like Bugzilla: its search has no bugs.")
    ids = [read_int(b.get("id"), low=1) for b in bugs if isinstance(b, dict)]
    if any(bug_id is not None and bug_id <= after_id for bug_id in ids):  # would page forever
        raise InputError(
            f"{client.base_url} ignores the bug id condition (f1=bug_id&o1=greaterthan) "
            "that paging relies on."
        )
    return bugs, coerced


def _complete(client: BugzillaClient, bugs: list[tuple[int, dict]]) -> list[RawBug]:
    """Each bug with its comments and history, fetching what the search left out."""
    marks: dict[int, list] = {}
    comments = _fetch_extra(client, [i for i, b in bugs if "comments" not in b], "comment", marks)
    history = _fetch_extra(client, [i for i, b in bugs if "history" not in b], "history", marks)
    raws = []
    for bug_id, bug in bugs:
        fields = {k: v for k, v in bug.items() if k not in ("comments", "history")}
        if bug_id in marks:
            fields[COERCED_KEY] = [*fields.get(COERCED_KEY, []), *marks[bug_id]]
        raws.append(
            RawBug(
                bug=fields,
                comments=bug["comments"] if "comments" in bug else comments[bug_id],
                history=bug["history"] if "history" in bug else history[bug_id],
                key=bug_id,
            )
        )
    return raws


def _fetch_extra(
    client: BugzillaClient, bug_ids: list[int], what: str, marks: dict[int, list]
) -> dict[int, list]:
    """``/rest/bug/{first}/{what}?ids=...`` in batches whose URLs stay under 8 KiB. What the
    answers held that no store may hold is added to ``marks`` (by bug id)."""
    found: dict[int, list] = {}
    for batch in _batches(client, [int(i) for i in bug_ids], what):
        path = f"/rest/bug/{batch[0]}/{what}"
        document, coerced = client.get_coerced(path, [("ids", i) for i in batch[1:]])
        try:
            if what == "comment":
                for key, value in document["bugs"].items():
                    found[_known_id(key)] = value["comments"]
                by_bug = _marks_by_bug(coerced, lambda key: read_int(key, low=1))
            else:
                ids = [_known_id(item["id"]) for item in document["bugs"]]
                for bug_id, item in zip(ids, document["bugs"], strict=True):
                    found[bug_id] = item["history"]
                by_bug = _marks_by_bug(coerced, dict(enumerate(ids)).get)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            raise InputError(f"{client.base_url} answered {path} in an unknown shape.") from None
        for bug_id, entries in by_bug.items():
            if bug_id is not None:
                marks.setdefault(bug_id, []).extend(entries)
    missing = [i for i in bug_ids if int(i) not in found]
    if missing:
        raise InputError(f"{client.base_url} returned no {what}s for bug {missing[0]}.")
    return found


def _known_id(value: object) -> int:
    """A bug id in an answer, or ValueError (never an OverflowError of ``int(inf)``)."""
    bug_id = read_int(value, low=1)
    if bug_id is None:
        raise ValueError("not a bug id")
    return bug_id


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
    try:  # a year past 9999 is a ValueError, past a C long an OverflowError: never a crash
        moment = parsedate_to_datetime(date_header[:100])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        text = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return read_time(text)  # outside 1990-2200 it is not a clock worth reading

"""A fake Bugzilla: a real HTTP server on 127.0.0.1 that behaves like BMO's REST API.

Why a real server and not mocks: the client's retries, timeouts, cut bodies and headers are only
exercised honestly over a socket. Tests and benchmarks use it as a context manager::

    with FakeBugzilla(load_corpus("tests/fixtures/bugzilla")) as server:
        run_cli("sync", "--base-url", server.url, ...)
        server.request_count, server.log[-1].target

It implements search (see :mod:`analyzer.testing.search`), ``/rest/bug/{id}/comment``,
``/history`` and ``/attachment`` with ``ids=``, the error object, HTTP 414 over 8 KiB, the
anonymous rate limit (HTTP 400 "You have exceeded the rate limit." then 429 HTML for a while),
API-key checks, switchable faults (:class:`Faults`) and a log of every request. Mutations
(:meth:`add_comment`, :meth:`add_bug`, :meth:`set_whiteboard`) bump ``last_change_time`` and
append history the way BMO does.
"""

from __future__ import annotations

import copy
import json
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from analyzer.testing.fake_bugs import CA_COMPONENT, FakeBug
from analyzer.testing.search import SearchError, search

MAX_URL = 8192
RATE_LIMIT_MESSAGE = "You have exceeded the rate limit."
_SUB = re.compile(r"^/rest/bug/(?P<id>[^/]+)/(?P<what>comment|history|attachment)$")
_TOO_MANY = b"<html><head><title>429 Too Many Requests</title></head><body>Slow down.</body></html>"


@dataclass
class Faults:
    """Switchable misbehaviour. Counters (``*_next``) apply to the next N requests."""

    latency: float = 0.0  # seconds added to every request
    error_rate: float = 0.0  # chance of an HTTP 5xx on any request
    errors_next: int = 0  # the next N requests get HTTP 503
    drop_next: int = 0  # the next N connections are closed without an answer
    truncate_next: int = 0  # the next N bodies are cut in half
    truncate_declares_full_length: bool = True  # cut mid-body (else: short, invalid JSON)
    rate_limit_block_next: bool = False  # the next request trips the rate limit
    # values served in place of a bug's own, by bug id: {"id": "abc"} sends a junk id
    bug_overrides: dict[int, dict] = field(default_factory=dict)
    date_header: str | None = None  # the Date header sent instead of the clock's (e.g. 2099)
    trickle_seconds: float = 0.0  # send each body one byte at a time, this far apart
    trickle_headers_seconds: float = 0.0  # send the status line and headers a byte at a time
    order_instead: str | None = None  # searches use this order whatever is asked ("changeddate")
    hidden: set[int] = field(default_factory=set)  # bugs no longer returned (private, removed)
    # raw JSON text sent in place of a string value: {"@nan@": "NaN"} turns every "@nan@" in an
    # answer into NaN, for what Python's json cannot write (1e400, 5,000 digits, 100,000 deep)
    splice: dict[str, str] = field(default_factory=dict)
    gzip_body: bytes | None = None  # answer every request with this gzip-encoded body


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it (the API key itself is never recorded)."""

    target: str  # path and query exactly as sent
    path: str
    params: tuple[tuple[str, str], ...]
    status: int
    with_key: bool
    user_agent: str


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a reset, a broken pipe: the tests' clients do, on purpose) is not
    an error of the fake: socketserver would print its traceback to stderr, where the CLI under
    test writes its one-sentence messages, and a test counting those lines would fail by chance."""

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FakeBugzilla:
    """The server; start it with ``with`` (or :meth:`start` / :meth:`stop`)."""

    def __init__(
        self,
        bugs: dict[int, FakeBug] | None = None,
        *,
        api_key: str | None = None,
        rate_limit: int | None = None,
        block_seconds: float = 1.0,
        max_limit: int = 10_000,
        inline_extras: bool = True,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        seed: int = 0,
        impostor: str | None = None,
        redirect_to: str | None = None,
        ignore_charts: bool = False,
    ) -> None:
        self.bugs: dict[int, FakeBug] = copy.deepcopy(bugs or {})
        self.api_key = api_key
        self.rate_limit = rate_limit
        self.block_seconds = block_seconds
        self.max_limit = max_limit
        self.inline_extras = inline_extras
        self.faults = faults or Faults()
        self.clock = clock
        self.impostor = impostor  # "html" or "json": pretend to be some other web server
        self.redirect_to = redirect_to  # answer every request with a 301 to this base URL
        self.ignore_charts = ignore_charts  # an old server that drops fN/oN/vN conditions
        self.log: list[LoggedRequest] = []
        self.on_request: Callable[[FakeBugzilla, LoggedRequest], None] | None = None
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._window: tuple[int, int] = (-1, 0)  # (minute, anonymous requests in it)
        self._blocked_until = 0.0
        self._httpd: _QuietServer | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeBugzilla:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeBugzilla:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def request_count(self) -> int:
        return len(self.log)

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- mutations, as BMO records them ----------------------------------------------------

    def now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def add_comment(self, bug_id: int, author: str, text: str, is_private: bool = False) -> dict:
        """Post a comment: it gets the next id and count; the bug's change time moves."""
        with self._lock:
            fake = self.bugs[bug_id]
            when = self.now_iso()
            comment = {
                "id": self._next_comment_id(),
                "bug_id": bug_id,
                "count": len(fake.comments),
                "text": text,
                "raw_text": text,
                "creator": author,
                "author": author,
                "creation_time": when,
                "time": when,
                "is_private": is_private,
                "attachment_id": None,
                "tags": [],
            }
            fake.comments.append(comment)
            fake.bug["last_change_time"] = when
            if "comment_count" in fake.bug:
                fake.bug["comment_count"] = len(fake.comments)
            return copy.deepcopy(comment)

    def add_bug(self, summary: str, creator: str, text: str, product: str = "CA Program") -> int:
        """File a new bug with comment 0; it gets the next bug id."""
        with self._lock:
            bug_id = max(self.bugs, default=1_800_000) + 1
            when = self.now_iso()
            bug = {
                "id": bug_id,
                "summary": summary,
                "product": product,
                "component": CA_COMPONENT,
                "status": "NEW",
                "resolution": "",
                "whiteboard": "[ca-compliance]",
                "creator": creator,
                "assigned_to": creator,
                "creation_time": when,
                "last_change_time": when,
                "flags": [],
                "is_open": True,
            }
            self.bugs[bug_id] = FakeBug(bug, [], [])
            self.add_comment(bug_id, creator, text)
            return bug_id

    def set_whiteboard(self, bug_id: int, who: str, value: str) -> None:
        """Change the whiteboard: one history entry with the removed and added text."""
        self.change_field(bug_id, who, "whiteboard", value)

    def change_field(self, bug_id: int, who: str, field_name: str, value: str) -> None:
        with self._lock:
            fake = self.bugs[bug_id]
            when = self.now_iso()
            removed = fake.bug.get(field_name, "")
            fake.bug[field_name] = value
            fake.bug["last_change_time"] = when
            change = {"field_name": field_name, "removed": str(removed), "added": value}
            fake.history.append({"when": when, "who": who, "changes": [change]})

    def _next_comment_id(self) -> int:
        ids = [c.get("id", 0) for fake in self.bugs.values() for c in fake.comments]
        return max(ids, default=20_000_000) + 1

    # -- request handling (called from handler threads) ------------------------------------

    def answer(self, target: str, key: str | None) -> tuple[int, str, bytes]:
        """Status, content type and body for one GET ``target``."""
        if len(target) > MAX_URL:
            return 414, "text/html", b"<html><body>414 Request-URI Too Long</body></html>"
        faults = self.faults
        with self._lock:
            if faults.errors_next > 0:
                faults.errors_next -= 1
                return _html(503)
            if faults.error_rate and self._rng.random() < faults.error_rate:
                return _html(self._rng.choice((500, 502, 503)))
        if key is not None and key != self.api_key:
            return _error(401, 306, "The API key you specified is invalid. Please check the key.")
        if key is None:
            limited = self._rate_limited()
            if limited:
                return limited
        if self.impostor == "html":
            return 200, "text/html", b"<!DOCTYPE html><html><body>Welcome!</body></html>"
        if self.impostor == "json":
            return _json(200, {"status": "ok", "items": []})
        parts = urlsplit(target)
        params = parse_qsl(parts.query, keep_blank_values=True)
        with self._lock:
            status, content_type, body = self._route(parts.path, params)
        for marker, raw in self.faults.splice.items():
            body = body.replace(json.dumps(marker).encode(), raw.encode())
        return status, content_type, body

    def _rate_limited(self) -> tuple[int, str, bytes] | None:
        with self._lock:
            now = self.clock()
            if now < self._blocked_until:
                return 429, "text/html", _TOO_MANY
            minute, count = self._window
            if minute != int(now // 60):
                minute, count = int(now // 60), 0
            count += 1
            self._window = (minute, count)
            over = self.rate_limit is not None and count > self.rate_limit
            if over or self.faults.rate_limit_block_next:
                self.faults.rate_limit_block_next = False
                self._blocked_until = now + self.block_seconds
                return _error(400, 114, RATE_LIMIT_MESSAGE)
        return None

    def _route(self, path: str, params: list[tuple[str, str]]) -> tuple[int, str, bytes]:
        if path == "/rest/version":
            return _json(200, {"version": "20260314.1"})
        visible = [fake for i, fake in self.bugs.items() if i not in self.faults.hidden]
        if path == "/rest/bug":
            if self.ignore_charts:
                params = [(k, v) for k, v in params if not (k[:1] in "fov" and k[1:].isdigit())]
            if self.faults.order_instead is not None:
                params = [(k, v) for k, v in params if k != "order"]
                params.append(("order", self.faults.order_instead))
            if dict(params).get("count_only") in ("1", "true"):  # Bugzilla 5: {"bug_count": N}
                unlimited = [(k, v) for k, v in params if k not in ("limit", "offset")]
                try:
                    matched = search(visible, unlimited, len(visible) + 1, False)
                except SearchError as exc:
                    return _error(400, 108, str(exc))
                return _json(200, {"bug_count": len(matched)})
            try:
                found = search(visible, params, self.max_limit, self.inline_extras)
            except SearchError as exc:
                return _error(400, 108, str(exc))
            overrides = self.faults.bug_overrides
            if overrides:
                found = [{**bug, **overrides.get(bug.get("id", 0), {})} for bug in found]
            return _json(200, {"bugs": found})
        match = _SUB.match(path)
        if not match:
            return _error(404, 32614, f"A REST API resource was not found for 'GET {path}'.")
        ids: list[int] = []
        for raw in [match["id"]] + [v for k, v in params if k == "ids"]:
            if not raw.isdigit():
                return _error(400, 54, f"Invalid Bug ID: '{raw}' is not a valid bug number.")
            if int(raw) not in self.bugs:
                return _error(404, 101, f"Bug #{raw} does not exist.")
            if int(raw) in self.faults.hidden:
                return _error(401, 102, f"You are not authorized to access bug #{raw}.")
            if int(raw) not in ids:
                ids.append(int(raw))
        what = match["what"]
        if what == "comment":
            bugs = {str(i): {"comments": self.bugs[i].comments} for i in ids}
            return _json(200, {"bugs": bugs, "comments": {}})
        if what == "history":
            return _json(
                200,
                {
                    "bugs": [
                        {
                            "id": i,
                            "alias": self.bugs[i].bug.get("alias"),
                            "history": self.bugs[i].history,
                        }
                        for i in ids
                    ]
                },
            )
        return _json(200, {"bugs": {str(i): [] for i in ids}, "attachments": {}})

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)
            hook = self.on_request
        if hook is not None:
            hook(self, entry)  # after answering: lets a test change the data between requests

    def take_fault(self, name: str) -> bool:
        """Consume one unit of a ``*_next`` counter fault; True when it applies."""
        with self._lock:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
                return True
            return False


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBugzilla
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each small answer waits ~40 ms for a delayed ACK
    server_version = "FakeBugzilla/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        if self.fake.faults.date_header is not None:
            return self.fake.faults.date_header
        return formatdate(self.fake.clock() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        fake = self.fake
        if fake.faults.latency:
            time.sleep(fake.faults.latency)
        key = self.headers.get("X-BUGZILLA-API-KEY")
        parts = urlsplit(self.path)
        if parts.path == "/__fake__/count":  # for benchmarks in another process; not logged
            body = json.dumps({"requests": fake.request_count}).encode()
            self._send(200, "application/json", len(body), body, False)
            return
        entry = dict(
            target=self.path,
            path=parts.path,
            params=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            with_key=key is not None,
            user_agent=self.headers.get("User-Agent", ""),
        )
        if fake.take_fault("drop_next"):
            fake.record(LoggedRequest(status=0, **entry))
            self.close_connection = True
            return
        if fake.redirect_to:
            fake.record(LoggedRequest(status=301, **entry))
            self._send(301, "text/html", 0, b"", False, location=fake.redirect_to + self.path)
            return
        status, content_type, body = fake.answer(self.path, key)
        fake.record(LoggedRequest(status=status, **entry))
        slow = fake.faults.trickle_seconds or fake.faults.trickle_headers_seconds
        if fake.faults.gzip_body is not None or slow:
            self._send_slowly_or_zipped(status, content_type, body)
            return
        truncate = fake.take_fault("truncate_next")
        sent = body[: len(body) // 2] if truncate else body
        declared = (
            len(body) if truncate and fake.faults.truncate_declares_full_length else len(sent)
        )
        try:
            self._send(status, content_type, declared, sent, truncate)
        except (BrokenPipeError, ConnectionResetError):  # the client went away (or was killed)
            self.close_connection = True

    def _send_slowly_or_zipped(self, status: int, content_type: str, body: bytes) -> None:
        """A gzip body as given (a bomb: small on the wire, huge inflated), or any body one
        byte at a time (a server that never quite stops answering)."""
        faults = self.fake.faults
        zipped = faults.gzip_body
        sent = zipped if zipped is not None else body
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if zipped is not None:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(sent)))
            if faults.trickle_headers_seconds:  # every header byte in time for a per-read timeout
                buffered: list[bytes] = vars(self)["_headers_buffer"]  # what send_header kept
                head = b"".join(buffered) + b"\r\n"
                buffered.clear()
                for index in range(len(head)):
                    self.wfile.write(head[index : index + 1])
                    self.wfile.flush()
                    time.sleep(faults.trickle_headers_seconds)
            else:
                self.end_headers()
            if not faults.trickle_seconds:
                self.wfile.write(sent)
                return
            for index in range(len(sent)):
                self.wfile.write(sent[index : index + 1])
                self.wfile.flush()
                time.sleep(faults.trickle_seconds)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            self.close_connection = True

    def _send(
        self,
        status: int,
        content_type: str,
        declared: int,
        sent: bytes,
        cut: bool,
        location: str | None = None,
    ) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(declared))
        if cut:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(sent)


def _json(status: int, document: dict) -> tuple[int, str, bytes]:
    try:
        body = json.dumps(document, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate: JSON can carry it as an escape, UTF-8 cannot
        body = json.dumps(document).encode()
    return status, "application/json; charset=utf-8", body


def _error(status: int, code: int, message: str) -> tuple[int, str, bytes]:
    document = {
        "error": True,
        "code": code,
        "message": message,
        "documentation": "https://bmo.readthedocs.io/en/latest/api/",
    }
    return _json(status, document)


def _html(status: int) -> tuple[int, str, bytes]:
    return status, "text/html", f"<html><body>{status} Server Error</body></html>".encode()

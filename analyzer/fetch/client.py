"""A small, polite Bugzilla REST client: one GET at a time, rate-limited, retried with backoff.

Why its own class: the sync algorithm only asks for JSON documents; everything about being a
good citizen of bugzilla.mozilla.org (the request budget, backoff on its limit signals, never
leaking the API key) lives here, in one place a reviewer can read.

The key goes only into the ``X-BUGZILLA-API-KEY`` header. Redirects are not followed (requests
would carry the custom header to another host), and every message that leaves this module is
scrubbed of the key.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from analyzer import __version__
from analyzer.env import InputError, JobError
from analyzer.values import Coerced, load_json, one_line

USER_AGENT = (
    f"ca-incident-analyzer/{__version__} (+https://github.com/example/ca-incident-analyzer)"
)
RATE_LIMIT_MESSAGE = "You have exceeded the rate limit."
MAX_URL_BYTES = 8000  # BMO answers 414 above 8 KiB; stay a little under it
MAX_RESPONSE_BYTES = 512 * 2**20  # a 200-bug page with every comment is ~10 MB; 2 GiB is a bomb
DEADLINE_SECONDS = 300.0  # one request, start to last byte (the timeout is per socket read)
_CHUNK = 64 * 1024

Params = Sequence[tuple[str, str | int]]


class TokenBucket:
    """At most ``per_minute`` requests in any 60-second window, in small bursts.

    The bucket holds ``burst`` tokens and refills at ``(per_minute - burst) / 60`` a second, so
    even a full burst followed by steady use stays within the server's per-minute budget.
    ``per_minute`` of 0 or less disables the limit. ``clock`` and ``sleep`` are injectable.
    """

    def __init__(
        self,
        per_minute: float,
        burst: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.enabled = per_minute > 0
        self.capacity = float(max(1, min(burst, int(per_minute) - 1))) if self.enabled else 0.0
        refill = max(per_minute - self.capacity, per_minute / 2)
        self.rate = refill / 60.0 if self.enabled else 0.0
        self._clock, self._sleep = clock, sleep
        self._tokens = self.capacity
        self._stamp = clock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds slept."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        waited = 0.0
        if self._tokens < 1.0:
            waited = (1.0 - self._tokens) / self.rate
            self._sleep(waited)
            self._tokens = 1.0
            self._stamp = self._clock()
        self._tokens -= 1.0
        return waited


@dataclass
class Backoff:
    """Exponential backoff with full jitter: try ``n`` waits ``uniform(0, base * 2**n)``."""

    base: float = 2.0
    cap: float = 120.0
    retries: int = 6
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0.0, min(self.cap, self.base * (2**attempt)))


class _Retry(Exception):
    """A transient failure worth another try; the message says what happened."""

    def __init__(self, message: str, no_connection: bool = False) -> None:
        super().__init__(message)
        self.no_connection = no_connection


class _Watchdog:
    """Shuts the connection of the request in flight once the overall deadline has passed.

    A per-read timeout starts again with every byte, so a server that trickles its TLS
    handshake, its status line and headers (which requests reads before we see anything) or
    its body a byte at a time would hold one request for hours; shutting the connection from
    this timer thread ends the blocked read wherever it is. It holds its own duplicate of the
    socket's descriptor: wrapping a socket for TLS detaches the original object, and a
    descriptor number alone could be reused by another file once closed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._until: float | None = None
        self._handle: socket.socket | None = None
        self.fired = False

    def start(self, seconds: float) -> None:
        with self._lock:
            self._until, self.fired = time.monotonic() + seconds, False

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is None or self._until is None:
                return
            self._disarm()
            try:
                self._handle = socket.socket(fileno=os.dup(sock.fileno()))
            except OSError:
                return  # no descriptor to watch: the per-read timeout still applies
            left = max(0.0, self._until - time.monotonic())
            self._timer = threading.Timer(left, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def stop(self) -> None:
        with self._lock:
            self._disarm()
            self._until = None

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _fire(self) -> None:
        with self._lock:
            if self._until is None or self._handle is None:
                return
            self.fired = True
            try:  # shuts the connection for every descriptor of it: the reader sees EOF
                self._handle.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed: nothing is waiting on it


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections hand their socket to the watchdog as soon as it is
    connected (before a TLS handshake) and again before they read an answer (a connection kept
    alive from an earlier request): the deadline covers connect, headers and body."""

    def __init__(self, watchdog: _Watchdog) -> None:
        self._watchdog = watchdog
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        watchdog = self._watchdog
        pools = {}
        for scheme, pool, connection in (
            ("http", HTTPConnectionPool, HTTPConnection),
            ("https", HTTPSConnectionPool, HTTPSConnection),
        ):

            def new_conn(self, _base=connection):  # noqa: ANN001, ANN202
                sock = _base._new_conn(self)  # connected: the TLS handshake is still to come
                watchdog.watch(sock)
                return sock

            def getresponse(self, *a, _base=connection, **kw):  # noqa: ANN001, ANN202
                watchdog.watch(self.sock)  # a new socket, or a kept-alive one
                return _base.getresponse(self, *a, **kw)

            methods = {"_new_conn": new_conn, "getresponse": getresponse}
            watched = type(f"Watched{connection.__name__}", (connection,), methods)
            pools[scheme] = type(f"Watched{pool.__name__}", (pool,), {"ConnectionCls": watched})
        self.poolmanager.pool_classes_by_scheme = pools  # type: ignore[assignment]


class BugzillaClient:
    """GET JSON documents from one Bugzilla's REST API, counting every request sent."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        max_per_minute: float = 75,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 120.0,
        deadline: float = DEADLINE_SECONDS,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = _check_base_url(base_url)
        self._api_key = api_key
        self.bucket = TokenBucket(max_per_minute, clock=clock, sleep=sleep)
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self._clock = clock
        self.requests_sent = 0
        self.retries_done = 0
        self.last_date_header: str | None = None
        self.coerced: list[Coerced] = []  # values read as null at the door (NaN, too deep)
        self._answered = False  # has the server ever answered this client?
        self._watchdog = _Watchdog()
        self._session = requests.Session()
        for prefix in ("http://", "https://"):
            self._session.mount(prefix, _WatchedAdapter(self._watchdog))
        self._session.trust_env = False  # no .netrc credentials, no proxies from the environment
        self._session.headers.update(
            {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip"}
        )
        if api_key:
            if not api_key.isascii() or not api_key.isprintable():
                raise InputError("BUGZILLA_API_KEY holds characters an API key cannot have.")
            if not _key_may_travel(self.base_url):
                raise InputError(
                    f"Refusing to send BUGZILLA_API_KEY to {self.base_url} over plain http "
                    "(anyone on the way could read it); use https, or unset the key."
                )
            self._session.headers["X-BUGZILLA-API-KEY"] = api_key

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> BugzillaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str, params: Params = ()) -> str:
        """The full URL of ``path`` with ``params`` (repeated keys allowed, in order)."""
        query = urlencode([(k, str(v)) for k, v in params])
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")

    def get(self, path: str, params: Params = ()) -> dict:
        """GET one JSON object, retrying transient failures; raise one clear error otherwise."""
        return self.get_coerced(path, params)[0]

    def get_coerced(self, path: str, params: Params = ()) -> tuple[dict, list[Coerced]]:
        """:meth:`get`, and where the answer held values no store may hold (read as null)."""
        url = self.url(path, params)
        if len(url.encode()) > MAX_URL_BYTES:
            raise JobError(f"A request URL would be {len(url.encode())} bytes, over 8 KiB.")
        last_problem = ""
        for attempt in range(self.backoff.retries + 1):
            if attempt:
                self.retries_done += 1
                self._sleep(self.backoff.delay(attempt - 1))
            try:
                answer = self._get_once(url)
                self._answered = True
                return answer
            except _Retry as problem:
                last_problem = self._scrub(str(problem))
                if problem.no_connection and not self._answered and attempt >= 1:
                    # never reached at all: most likely a wrong URL, not worth minutes of backoff
                    raise JobError(f"Could not connect to {self.base_url}.") from None
        raise JobError(
            f"{self.base_url} kept failing after {self.backoff.retries + 1} attempts "
            f"(last: {last_problem}); try again later."
        )

    def _get_once(self, url: str) -> tuple[dict, list[Coerced]]:
        self.bucket.acquire()
        self.requests_sent += 1
        started = self._clock()
        self._watchdog.start(self.deadline)
        try:
            return self._answer(url, started)
        except _Retry:
            if self._watchdog.fired:
                raise _Retry(self._too_slow()) from None
            raise
        finally:
            self._watchdog.stop()

    def _too_slow(self) -> str:
        return f"an answer slower than the {self.deadline:g} s deadline"

    def _answer(self, url: str, started: float) -> tuple[dict, list[Coerced]]:
        try:
            response = self._session.get(
                url, timeout=self.timeout, allow_redirects=False, stream=True
            )
        except requests.exceptions.InvalidURL:
            raise InputError(f"{self.base_url} is not a valid URL.") from None
        except requests.exceptions.InvalidHeader:  # its message would quote the key
            raise InputError(
                "BUGZILLA_API_KEY has characters an HTTP header cannot carry."
            ) from None
        except requests.exceptions.RequestException as exc:
            raise _Retry(_connection_problem(exc), _never_connected(exc)) from None
        try:
            body = self._body(response, started)
        finally:
            response.close()
        if self._watchdog.fired:  # the socket was shut mid-answer: what was read is not whole
            raise _Retry(self._too_slow())
        self.last_date_header = response.headers.get("Date") or self.last_date_header
        return self._read(response, body)

    def _body(self, response: requests.Response, started: float) -> bytes:
        """The whole body, decompressed, within ``deadline`` seconds and ``max_bytes``.

        Read one socket read at a time (so a server sending a byte every few seconds meets the
        deadline, not only the per-read timeout) and inflated by us in bounded steps (so a
        small gzip body cannot become gigabytes in memory before we count it).
        """
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding in ("", "identity"):
            inflate = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            inflate = zlib.decompressobj(zlib.MAX_WBITS | (16 if "gzip" in encoding else 0))
        else:
            raise JobError(
                f"{self.base_url} sent a body in an encoding it was not asked for "
                f"({one_line(encoding, 30)})."
            )
        parts: list[bytes] = []
        size = 0
        try:
            while True:
                if self._clock() - started > self.deadline:
                    raise _Retry(self._too_slow())
                chunk = response.raw.read1(_CHUNK, decode_content=False)
                if not chunk:
                    break
                while chunk:
                    data = chunk if inflate is None else inflate.decompress(chunk, _CHUNK)
                    chunk = b"" if inflate is None else inflate.unconsumed_tail
                    size += len(data)
                    if size > self.max_bytes:
                        raise JobError(
                            f"{self.base_url} sent an answer over {self.max_bytes // 2**20} MiB"
                            f"{' (decompressed)' if inflate else ''}; refusing it (a smaller "
                            "--page-size may help)."
                        )
                    parts.append(data)
            if inflate is not None:
                parts.append(inflate.flush())
        except zlib.error:
            raise _Retry("a corrupt compressed body") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            timeout = isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError)
            raise _Retry("a timeout" if timeout else "a cut response body") from None
        return b"".join(parts)

    def _read(self, response: requests.Response, body: bytes) -> tuple[dict, list[Coerced]]:
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retry(f"HTTP {status}")
        if 300 <= status < 400:
            where = one_line(self._scrub(response.headers.get("Location", "elsewhere")), 200)
            raise InputError(
                f"{self.base_url} redirects to {where}; use that address as --base-url."
            )
        is_json = "json" in response.headers.get("Content-Type", "")
        try:
            document, coerced = load_json(body)
        except ValueError:
            if is_json or body[:1] in (b"{", b"["):
                raise _Retry(f"a cut or invalid JSON body (HTTP {status})") from None
            raise InputError(
                f"{self.base_url} does not look like a Bugzilla REST API "
                f"(HTTP {status} with a non-JSON answer)."
            ) from None
        if not isinstance(document, dict):
            raise InputError(f"{self.base_url} answered with JSON that is not a Bugzilla object.")
        if document.get("error"):
            message = one_line(self._scrub(str(document.get("message") or "no message")), 300)
            if RATE_LIMIT_MESSAGE.rstrip(".") in message:
                raise _Retry("the server's rate limit")
            if status == 401 or document.get("code") in (306, 32000, 410):
                raise InputError(f"Bugzilla refused the credentials: {message.rstrip('.')}.")
            if status == 404 and document.get("code") == 32614:
                raise InputError(f"{self.base_url} has no Bugzilla REST API there: {message}")
            raise JobError(f"Bugzilla answered HTTP {status}: {message.rstrip('.')}.")
        if status != 200:
            raise JobError(f"{self.base_url} answered HTTP {status} without a Bugzilla error.")
        self.coerced += coerced
        return document, coerced

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "[api key]") if self._api_key else text


# What a --base-url may hold. Anything else (userinfo's "@", a backslash, "%", whitespace or
# control characters, non-ASCII) is a character two URL parsers may read two ways, so that the
# host this module checks is not the host requests connects to: refused, never interpreted.
_HOST = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+\]")
_PATH = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:-]*)*")
_URL = re.compile(
    r"(?P<scheme>[A-Za-z]+)://(?P<host>[^/:\[\]]+|\[[^\]/]*\])(?::(?P<port>[0-9]{1,5}))?(?P<path>/.*)?"
)


def _check_base_url(base_url: str) -> str:
    """The canonical ``scheme://host[:port][/path]`` of ``base_url``, or one clear InputError.

    The host is read once, by a grammar strict enough that every URL parser agrees on it, and
    then checked against urllib3's own reading (what requests connects to): the key guard and the
    connection must never see two hosts.
    """
    shown = repr(base_url[:200])
    text = base_url.strip()
    if not text.isascii() or not text.isprintable() or any(c.isspace() for c in text):
        raise InputError(f"{shown} holds characters a Bugzilla URL cannot have.")
    for bad, what in (("\\", "a backslash"), ("@", "a user name or password"), ("%", "a %-escape")):
        if bad in text:
            raise InputError(f"{shown} must not contain {what}; give only scheme, host and path.")
    match = _URL.fullmatch(text)
    if not match:
        raise InputError(f"{shown} is not an http(s) URL such as https://bugzilla.mozilla.org.")
    scheme, host, port, path = (
        match["scheme"].lower(),
        match["host"],
        match["port"],
        match["path"] or "",
    )
    if scheme not in ("http", "https"):
        raise InputError(f"{shown} is not an http(s) URL such as https://bugzilla.mozilla.org.")
    if "?" in path or "#" in path:
        raise InputError(f"{shown} must not have a query or fragment.")
    if not (_HOST.fullmatch(host) or _IPV6.fullmatch(host)) or len(host) > 253:
        raise InputError(f"{shown} does not name a valid host.")
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InputError(f"{shown} does not name a valid host.") from None
    if port is not None and not 0 < int(port) < 65536:
        raise InputError(f"{shown} has a port out of range.")
    if not _PATH.fullmatch(path):
        raise InputError(f"{shown} has characters its path cannot have.")
    canonical = f"{scheme}://{host.lower()}" + (f":{int(port)}" if port else "") + path.rstrip("/")
    if _hosts_read(canonical) != (host.lower().strip("[]"), int(port) if port else None):
        raise InputError(f"{shown} can be read as naming two different hosts.")
    return canonical


def _hosts_read(url: str) -> tuple[str, int | None] | None:
    """(host, port) of ``url`` as both urllib and urllib3 read it, or None when they disagree."""
    try:
        split = urlsplit(url)
        ours = ((split.hostname or "").lower(), split.port)
        theirs = urllib3.util.parse_url(url)
    except (ValueError, urllib3.exceptions.LocationParseError):
        return None
    if ((theirs.host or "").lower().strip("[]"), theirs.port) != ours:
        return None
    return ours


def _key_may_travel(base_url: str) -> bool:
    """An API key goes only over https, or over http to this machine (a local test server).

    ``base_url`` is the canonical URL of ``_check_base_url``, whose host every parser reads
    alike. Only the name ``localhost`` itself and loopback addresses count as this machine.
    """
    read = _hosts_read(base_url)
    if read is None:
        return False
    if urlsplit(base_url).scheme == "https":
        return True
    host = read[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _never_connected(exc: requests.exceptions.RequestException) -> bool:
    """True when no TCP connection was made (refused, unresolvable host, connect timeout)."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _connection_problem(exc: requests.exceptions.RequestException) -> str:
    """A short description without the exception text (which carries URLs and internals)."""
    if isinstance(exc, requests.exceptions.Timeout):
        return "a timeout"
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return "a cut response body"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the connection failed"
    return type(exc).__name__

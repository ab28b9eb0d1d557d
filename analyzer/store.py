"""The local store: raw Bugzilla responses kept verbatim, one row per bug, in SQLite.

Why SQLite: every write is a transaction, so a bug is stored whole (bug, comments, history
together) or not at all, and a sync killed at any point leaves a consistent file. Parsing reads
only this store, so it can be redone without the network.

``history`` is ``None`` when it is unknown (the bundled snapshot has none), and ``[]`` when the
server said the bug has no history: later stages must tell the two apart.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import uuid
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from analyzer.env import AnalyzerError, InputError, JobError, no_room, out_of_room
from analyzer.values import read_time

STORE_FILE = "bugzilla.sqlite"
SCHEMA_VERSION = "1"
# Written by sync into a stored bug the server no longer returns (made private or removed):
# the time it was first missed. The parse stage reads it as a resolution VANISHED at that time
# (analyzer/data/excluded_resolutions.csv), so the bug is not judged from then on. A key of this
# name sent by a server is dropped by sync: only sync may say a bug vanished.
RESERVED_PREFIX = "_analyzer_"  # keys sync writes into a stored bug object; a server's are dropped
VANISHED_KEY = "_analyzer_vanished"
# Written by sync into a stored bug whose answer held values no store may hold (NaN, Infinity,
# 5,000 digits, nesting past 64): [[where, field, what], ...]; the values themselves are null.
COERCED_KEY = "_analyzer_coerced"
LOCK_WAIT_SECONDS = 30.0  # how long a writer waits for another one (a running sync)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bugs (
    bug_id INTEGER PRIMARY KEY,
    last_change_time TEXT,
    bug_json TEXT NOT NULL,
    comments_json TEXT NOT NULL,
    history_json TEXT,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
"""


@dataclass(frozen=True)
class RawBug:
    """One bug as the API returned it: the bug object, its comments, its history (or None)."""

    bug: dict
    comments: list[dict]
    history: list[dict] | None
    key: int | None = field(default=None, compare=False)  # the store's bug id, when known
    # a row the store could not read back (column, an excerpt, the problem): its bug is left
    # out of every table and named in ``data_quality`` (parse/door.py), the rest stay readable
    damage: tuple[str, str, str] | None = field(default=None, compare=False)

    @property
    def bug_id(self) -> int:
        return self.key if self.key is not None else int(self.bug["id"])


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def bundled_snapshot_path() -> Path:
    """The snapshot shipped in the package (the real corpus of 2026-03-14, no history)."""
    return Path(str(resources.files("analyzer") / "data" / "snapshot.sqlite"))


def _guarded(method):  # noqa: ANN001, ANN202 - any Store method
    """A SQLite failure in ``method`` as one sentence naming the store: damaged, locked, full."""

    @functools.wraps(method)
    def guarded(self: Store, *args, **kwargs):  # noqa: ANN202
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.DatabaseError, MemoryError) as exc:
            raise _failure(exc, self.path, writing=not self.readonly) from None

    return guarded


class Store:
    """A store file. Open with :meth:`open` (read/write) or :meth:`open_readonly`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path | str) -> Store:
        """Open (creating if needed) the store in ``data_dir`` for writing.

        A SQLite file of another program, or of another schema version, is refused rather
        than written into.
        """
        data_dir = Path(data_dir)
        path = data_dir / STORE_FILE
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS)
        except (OSError, sqlite3.Error) as exc:
            if out_of_room(exc):
                raise no_room(f"the store in {data_dir}") from None
            raise InputError(f"Cannot write the store in {data_dir}: {_reason(exc)}.") from None
        try:
            _check_schema(conn, path, creating=True)
            _check_whole(conn, path)  # never written into when damaged
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )
            conn.commit()
        except sqlite3.Error as exc:
            conn.close()
            raise _failure(exc, path, writing=True) from None
        except InputError:
            conn.close()
            raise
        conn.text_factory = _lenient_text
        return cls(conn, path, readonly=False)

    @classmethod
    def open_readonly(cls, path: Path | str, immutable: bool = False) -> Store:
        """Open an existing store file without ever writing to it.

        ``immutable`` is for the bundled snapshot, which may sit in a read-only site-packages.
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(f"No store at {path}.")
        try:
            conn = _connect_readonly(path, immutable)
        except sqlite3.Error as exc:
            raise _failure(exc, path, writing=False) from None
        try:
            _check_schema(conn, path, creating=False)
            _check_whole(conn, path)
        except sqlite3.Error as exc:
            conn.close()
            raise _failure(exc, path, writing=False) from None
        except InputError:
            conn.close()
            raise
        conn.text_factory = _lenient_text
        return cls(conn, path, readonly=True)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta ------------------------------------------------------------------------------

    @_guarded
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        value = _meta_value(key, row[0]) if row else None
        return default if value is None else value

    @_guarded
    def meta(self) -> dict[str, str]:
        rows = self._conn.execute("SELECT key, value FROM meta")
        read = {str(key): _meta_value(str(key), value) for key, value in rows}
        return {key: value for key, value in read.items() if value is not None}

    @_guarded
    def set_meta(self, **values: str | None) -> None:
        """Set several meta keys in one transaction (``None`` deletes the key)."""
        with self._conn:
            self._write_meta(values)

    def _write_meta(self, values: dict[str, str | None]) -> None:
        for key, value in values.items():
            if value is None:
                self._conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self._conn.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    # -- bugs ------------------------------------------------------------------------------

    @_guarded
    def put_bugs(
        self,
        raws: Iterable[RawBug],
        fetched_at: str | None = None,
        meta: dict[str, str | None] | None = None,
    ) -> int:
        """Store bugs, each replacing its older version, and ``meta`` (such as a resume point)
        all in one transaction, so a kill can never separate a page from its bookmark."""
        fetched_at = fetched_at or utc_now_iso()
        rows = [
            (
                raw.bug_id,
                _text_or_none(raw.bug.get("last_change_time")),
                _dumps(raw.bug),
                _dumps(raw.comments),
                None if raw.history is None else _dumps(raw.history),
                fetched_at,
            )
            for raw in raws
        ]
        with self._conn:
            self._conn.executemany(
                "INSERT INTO bugs(bug_id, last_change_time, bug_json, comments_json, "
                "history_json, fetched_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(bug_id) DO UPDATE SET last_change_time = excluded.last_change_time, "
                "bug_json = excluded.bug_json, comments_json = excluded.comments_json, "
                "history_json = excluded.history_json, fetched_at = excluded.fetched_at",
                rows,
            )
            written = dict(meta or {})
            if rows:  # a new generation on every write of bugs: what caches of tables key on
                written["generation"] = uuid.uuid4().hex
            self._write_meta(written)
        return len(rows)

    @_guarded
    def last_change_times(self) -> dict[int, str | None]:
        """Each stored bug's ``last_change_time``, to skip refetching unchanged bugs."""
        return dict(self._conn.execute("SELECT bug_id, last_change_time FROM bugs"))

    @_guarded
    def bug_signatures(self) -> dict[int, str]:
        """Per stored bug, a signature that changes whenever its row is written with other
        content: lengths and CRC-32s of its three JSON texts, its ``last_change_time`` and
        ``fetched_at``. What a cache of tables made bug by bug compares to know which bugs to
        parse again (one pass, no JSON decoded: 1.5-2.3 s at 50x the real corpus)."""
        self._conn.create_function("_analyzer_crc", 1, _crc, deterministic=True)
        rows = self._conn.execute(
            "SELECT bug_id, CAST(last_change_time AS BLOB), CAST(fetched_at AS BLOB), "
            "_analyzer_crc(CAST(bug_json AS BLOB)), _analyzer_crc(CAST(comments_json AS BLOB)), "
            "_analyzer_crc(CAST(history_json AS BLOB)) FROM bugs"
        )
        return {int(row[0]): "|".join(map(_signed, row[1:])) for row in rows}

    @_guarded
    def open_bug_ids(self, products: tuple[str, ...], component: str) -> list[int]:
        """Stored bugs that are open and (as stored) in ``component`` of ``products``."""
        marks = ",".join("?" * len(products))
        field = "CASE WHEN json_valid(bug_json) THEN json_extract(bug_json, '$.{}') END"
        query = (  # a row that is not JSON (damaged) is none of them, not a failed sync
            "SELECT bug_id FROM bugs WHERE "
            f"coalesce({field.format('status')}, '') "
            "NOT IN ('RESOLVED', 'VERIFIED', 'CLOSED') "
            f"AND coalesce({field.format('component')}, ?) = ? "
            f"AND coalesce({field.format('product')}, ?) IN ({marks})"
        )
        args = (component, component, products[0], *products)
        return [row[0] for row in self._conn.execute(query, args)]

    @_guarded
    def vanished_ids(self, key: str) -> set[int]:
        """Stored bugs that sync marked as no longer returned by the server (``key`` in the
        bug object holds the time)."""
        query = (
            "SELECT bug_id FROM bugs WHERE json_valid(bug_json) "
            "AND json_type(bug_json, '$.' || ?) IS NOT NULL"
        )
        return {row[0] for row in self._conn.execute(query, (key,))}

    @_guarded
    def unreadable_json_ids(self) -> set[int]:
        """Stored bugs with a JSON text SQLite's json functions refuse (NaN, nesting past
        their limit: written before sync read answers through ``values.load_json``)."""
        query = (
            "SELECT bug_id FROM bugs WHERE NOT json_valid(bug_json) OR NOT json_valid("
            "comments_json) OR (history_json IS NOT NULL AND NOT json_valid(history_json))"
        )
        return {row[0] for row in self._conn.execute(query)}

    @_guarded
    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM bugs").fetchone()[0]

    @_guarded
    def get(self, bug_id: int) -> RawBug | None:
        row = self._conn.execute(
            f"SELECT {_ROW} FROM bugs WHERE bug_id = ?",
            (bug_id,),
        ).fetchone()
        return _raw(row) if row else None

    def iter_raw(self, bug_ids: Iterable[int] | None = None) -> Iterator[RawBug]:
        """All stored bugs (or the given ones) in bug id order."""
        if bug_ids is None:
            yield from self.iter_raw_between(None, None)
            return
        for bug_id in sorted(set(bug_ids)):
            raw = self.get(bug_id)
            if raw is not None:
                yield raw

    def iter_raw_between(self, low: int | None, high: int | None) -> Iterator[RawBug]:
        """Stored bugs with ``low <= bug_id < high`` (None: no bound), in bug id order."""
        bounds = [("bug_id >= ?", low), ("bug_id < ?", high)]
        kept = [(clause, value) for clause, value in bounds if value is not None]
        where = " AND ".join(clause for clause, _ in kept) or "1"  # the key's index serves it
        try:
            cursor = self._conn.execute(
                f"SELECT {_ROW} FROM bugs WHERE {where} ORDER BY bug_id",
                [value for _, value in kept],
            )
            yield from (_raw(row) for row in cursor)
        except (sqlite3.DatabaseError, MemoryError) as exc:  # a generator: not @_guarded
            raise _failure(exc, self.path, writing=False) from None

    @_guarded
    def dump(self) -> list[tuple]:
        """Every bug row without fetch times: two stores with equal dumps hold the same data."""
        return list(
            self._conn.execute(
                "SELECT bug_id, last_change_time, bug_json, comments_json, history_json "
                "FROM bugs ORDER BY bug_id"
            )
        )


def _crc(blob: bytes | None) -> str:
    return "-" if blob is None else f"{len(blob)}:{zlib.crc32(blob):08x}"


# The JSON columns are read as bytes and decoded here: a cell that is not UTF-8, not JSON (cut
# short, overwritten) or of another type is then one unreadable bug, not a failed read.
_ROW = (
    "CAST(bug_json AS BLOB), CAST(comments_json AS BLOB), "
    "CASE WHEN history_json IS NULL THEN NULL ELSE CAST(history_json AS BLOB) END, bug_id"
)


class _Unreadable(ValueError):
    """One stored cell that cannot be read back: (column, excerpt, problem)."""


def _raw(row: tuple) -> RawBug:
    bug_json, comments_json, history_json, bug_id = row
    try:
        bug = _cell("bug_json", bug_json)
        if type(bug) is not dict:
            raise _Unreadable("bug_json", _excerpt(bug_json), "not a JSON object")
        comments = _cell("comments_json", comments_json)
        history = None if history_json is None else _cell("history_json", history_json)
    except _Unreadable as exc:
        column, excerpt, problem = exc.args
        return RawBug({}, [], None, key=bug_id, damage=(column, excerpt, problem))
    return RawBug(bug, comments, history, key=bug_id)


def _cell(column: str, blob: bytes | None) -> Any:  # any JSON: the door checks its shape
    if blob is None:
        raise _Unreadable(column, "NULL", "empty (NULL)")
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        raise _Unreadable(column, _excerpt(blob), "not UTF-8 text") from None
    try:
        return json.loads(text)
    except ValueError:
        raise _Unreadable(column, _excerpt(blob), "not JSON (cut short or overwritten)") from None
    except RecursionError:
        raise _Unreadable(column, _excerpt(blob), "JSON nested too deep to read") from None


def _excerpt(blob: bytes) -> str:
    text = blob[:60].decode("utf-8", "replace")
    return text if len(blob) <= 60 else text + "\u2026"


def _lenient_text(blob: bytes) -> str:
    """Text cells other than the JSON ones (times, meta): a byte that is not UTF-8 is read as
    U+FFFD rather than failing the whole read."""
    return blob.decode("utf-8", "replace")


_META_TIMES = frozenset({"last_sync_time", "snapshot_of"})


def _meta_value(key: str, value: object) -> str | None:
    """A meta value as text; a time that cannot be read (a damaged row) as none, as in a store
    never synced to the end: read commands judge as of now, and the next sync writes it anew."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif value is not None and not isinstance(value, str):
        value = str(value)
    if key in _META_TIMES and value is not None and read_time(value) is None:
        return None
    return value


def _signed(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _dumps(value: object) -> str:
    """Compact JSON. A lone surrogate (valid JSON, not valid UTF-8) is kept as its ``\\uXXXX``
    escape: the store holds whatever JSON can carry, and reads it back the same."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return text


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).rstrip(".")


def _connect_readonly(path: Path, immutable: bool) -> sqlite3.Connection:
    """A read-only connection. A WAL store in a directory we cannot write (a read-only mount,
    another user's data) cannot make its shared-memory file: with no write-ahead log beside
    it, nobody can be writing, so it is read as immutable."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?{'immutable=1' if immutable else 'mode=ro'}", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        wal = path.with_name(path.name + "-wal")
        if "unable to open" not in str(exc) or immutable or wal.exists():
            conn.close()
            raise
        conn.close()
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True)
    return conn


_COLUMNS = {"bug_id", "last_change_time", "bug_json", "comments_json", "history_json"}


def _check_schema(conn: sqlite3.Connection, path: Path, creating: bool) -> None:
    """Refuse a SQLite file that is not ours, or ours at a schema version we cannot read.

    An empty database (a new file) is fine when ``creating``.
    """
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables and creating:
        return
    if not {"bugs", "meta"} <= tables:
        raise InputError(
            f"{path} is a SQLite file but not an analyzer store (it has no bugs and meta "
            "tables); move it away or choose another --data-dir."
        )
    columns = {row[1] for row in conn.execute("PRAGMA table_info(bugs)")}
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if not _COLUMNS <= columns or version is None:
        raise InputError(
            f"{path} is a SQLite file but not an analyzer store (its tables have other "
            "columns); move it away or choose another --data-dir."
        )
    if version[0] != SCHEMA_VERSION:
        raise InputError(
            f"{path} is a store of schema version {str(version[0])[:20]!r}; this analyzer "
            f"reads version {SCHEMA_VERSION} (upgrade the analyzer, or sync into a new "
            "--data-dir)."
        )


def _check_whole(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged file before anything is read from it or written into it: SQLite's
    quick check of every page (0.2 s at 50x the real corpus; a damaged page would otherwise
    fail some later read, or a write would build on it)."""
    found = conn.execute("PRAGMA quick_check(3)").fetchall()
    if [row[0] for row in found] != ["ok"]:
        raise InputError(_damaged(path))


def _damaged(path: Path) -> str:
    return (
        f"The store {path} is damaged (SQLite finds pages it cannot read); nothing was "
        "written to it: restore it from a backup, or sync into a new --data-dir."
    )


def _failure(exc: BaseException, path: Path, writing: bool) -> AnalyzerError:
    """The error to raise for a SQLite failure: a full disk fails the job (exit 1), the rest
    are the store's state (exit 2)."""
    if isinstance(exc, MemoryError):
        return JobError(f"Out of memory while reading the store {path}.")
    if out_of_room(exc):  # SQLite rolled the transaction back: nothing stored is lost
        return no_room(f"the store {path}")
    return InputError(_problem(exc, path, writing))


def _problem(exc: BaseException, path: Path, writing: bool) -> str:
    """One true sentence for a SQLite failure: locked, read-only, unreadable, or not a store."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"The store {path} is locked by another process (a sync still running?); "
            "try again when it has finished."
        )
    if "readonly" in text or "read-only" in text:
        return f"Cannot write the store {path}: the file or its directory is read-only."
    if "unable to open" in text or "disk i/o" in text or "authoriz" in text:
        doing = "write" if writing else "read"
        return (
            f"Cannot {doing} the store {path}: permission denied or its directory "
            "is not accessible."
        )
    if "malformed" in text or "corrupt" in text:
        return _damaged(path)
    if "not a database" in text or "encrypted" in text:
        return f"{path} is not an analyzer store (not a SQLite database, or a damaged one)."
    return f"Cannot use the store {path}: {_reason(exc)}."


def open_for_reading(data_dir: Path | str | None, note=None, require_store: bool = False) -> Store:
    """The store in ``data_dir`` (default ``data/``) if there is one, else the bundled
    snapshot (saying so once). With ``require_store`` (the CLI's explicit ``--data-dir``) a
    directory without a store is an error instead: a typo must not silently read other data."""
    data_dir = Path(data_dir) if data_dir is not None else Path("data")
    path = data_dir / STORE_FILE
    if path.is_file():
        return Store.open_readonly(path)
    if require_store:
        raise InputError(
            f"No store in {data_dir}/ (sync into it first with analyzer sync --data-dir "
            f"{data_dir}, or leave out --data-dir to read data/ or the bundled snapshot)."
        )
    if note is not None:
        note(f"No store in {data_dir}/: using the bundled snapshot of 2026-03-14 (no history).")
    return Store.open_readonly(bundled_snapshot_path(), immutable=True)

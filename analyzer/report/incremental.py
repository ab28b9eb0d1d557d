"""A site written again renders only the months whose pages can have changed.

Why: after a sync that touched three bugs, a site that renders all 144 months again spends
almost all its time making the same bytes. A month's pages are a pure function of what
:func:`analyzer.report.context.build` reads for that month, the templates, the package's code
and the libraries that render them, and the ``home`` link. :class:`MonthInputs` cuts the
site's tables down to one month's part (its view, the twelve months of its trend, its
silences and open needinfos, its promises, the report-completeness rows in its window, the
bug rows it shows, the CA names its slugs depend on) and digests *that very object*, which is
then what the month is built from: an input the digest misses is an input the pages never
see. ``observed_at`` is not on a month's pages and is left out, so a sync that changes
nothing a month shows leaves the month alone.

The manifest (``OUT/.site-manifest.json``) records per month that digest, the sha256 of each
file the month wrote and the landing page's summary of it; and the sha256 of every other page.
A month is skipped only when its digest matches and each of its files is still there with the
recorded bytes. The manifest is an optimisation only: one that is missing, malformed or
foreign means "render everything", never an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.atomic import write_if_changed
from analyzer.env import InputError
from analyzer.months import Month
from analyzer.report.context import ScorecardTables
from analyzer.report.render import BUILTIN
from analyzer.report.safety import clean_text, slugify, slugs_for

MANIFEST = ".site-manifest.json"
FORMAT = "analyzer-site-manifest/1"
# Every file a site writes: a path outside these (``../x``, an absolute path) marks a manifest
# that is not ours, which is then not read at all.
_SITE_FILE = re.compile(
    r"(?:\d{4}-\d{2}/[a-z0-9-]{1,200}\.html|ca/[a-z0-9-]{1,200}\.html|due/index\.html|index\.html)"
)
_SLUG = re.compile(r"[a-z0-9-]{0,200}")
# What :func:`analyzer.report.context.build` reads of the bugs table (the rest of a bug's row
# as known at a month's end is in the month's view); tests/test_site_incremental.py holds
# this to what the context's code names.
BUG_COLUMNS = ("bug_id", "ca", "summary", "ca_known")
_LIBRARIES = ("jinja2", "markupsafe", "pandas", "numpy", "pyarrow")


# -- what a month's pages are made from ------------------------------------------------------


def salt(templates: Path | None, home: str | None) -> bytes:
    """Everything but the tables that a month's pages depend on: the package's code, the
    templates (built-in and ``--templates``), the rendering libraries and the home link."""
    from analyzer.parse.cache import code_fingerprint

    digest = hashlib.sha256(FORMAT.encode())
    digest.update(code_fingerprint().encode())
    digest.update(repr((sys.version, home)).encode())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name} {metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} -".encode())
    for root in (BUILTIN, templates):
        digest.update(b"templates")
        if root is not None:
            _feed_directory(digest, Path(root))
    return digest.digest()


def _feed_directory(digest, root: Path) -> None:  # noqa: ANN001 - a hashlib object
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode("utf-8", "surrogateescape"))
            try:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError as exc:  # the render then says which template cannot be read
                digest.update(repr(exc.strerror).encode())


class _Rows:
    """A frame shared by every month and its rows' hashes, made in one vectorised pass, so a
    month's part of it and that part's digest come from the same positions."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.hashes = _row_hashes(frame)
        self.schema = _schema(frame)

    def digest(self, positions: np.ndarray) -> bytes:
        digest = hashlib.sha256(self.schema)
        digest.update(self.hashes[positions].tobytes())
        return digest.digest()

    def frame_at(self, positions: np.ndarray) -> pd.DataFrame:
        part = self.frame.take(positions)
        part.index = pd.RangeIndex(len(positions))
        return part


@dataclass(frozen=True)
class _Part:
    """Rows of a frame shared by every month, and their digest: taken when the month is
    rendered (a month that is not needs only the digest)."""

    rows: _Rows
    positions: np.ndarray
    digest: bytes


@dataclass(frozen=True)
class MonthPart:
    """A month's part of the site's tables (:meth:`tables`) and the digest of it."""

    digest: str
    skeleton: Any  # a ScorecardTables, with the shared frames' rows not yet taken

    def tables(self) -> ScorecardTables:
        """What the month's pages are built from: the part the digest is of, its rows taken."""
        return _taken(self.skeleton)


def _taken(value: Any) -> Any:
    if isinstance(value, _Part):
        return value.rows.frame_at(value.positions)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [item.name for item in dataclasses.fields(value) if item.init]
        changed = {name: _taken(getattr(value, name)) for name in fields}
        changed = {name: new for name, new in changed.items() if new is not getattr(value, name)}
        return dataclasses.replace(value, **changed) if changed else value
    return value


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row, of every cell (vectorised, column by column)."""
    try:
        return pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except (TypeError, ValueError):  # lists (a report's missing sections): hashed by their repr
        rows = np.zeros(len(frame), dtype=np.uint64)
        for name in frame.columns:
            column = frame[name]
            try:
                cells = pd.util.hash_pandas_object(column, index=False).to_numpy()
            except (TypeError, ValueError):
                cells = pd.util.hash_pandas_object(column.map(repr), index=False).to_numpy()
            rows = (rows * np.uint64(1_000_003)) ^ cells
        return rows


def _schema(frame: pd.DataFrame) -> bytes:
    return repr(list(zip(map(str, frame.columns), map(str, frame.dtypes), strict=True))).encode()


def _positions(mask) -> np.ndarray:  # noqa: ANN001 - a boolean Series or array
    return np.flatnonzero(np.asarray(mask, dtype=bool))


class MonthInputs:
    """One month's part of a site's tables, and its digest (see the module docstring).

    The tables shared by every month (the month tables, the bugs table, report completeness)
    are hashed once per site, row by row, and a month gets the digest of its rows; the
    months' own frames (views, promises) are hashed together, one pass per kind of frame."""

    def __init__(self, salt: bytes) -> None:
        self.salt = salt
        self._held: dict[tuple[int, str], tuple[object, object]] = {}

    def of_all(self, months: list[tuple[Month, ScorecardTables]]) -> list[MonthPart]:
        """Each month's tables cut down to what its pages read, and the digest of exactly that
        (the shared tables' rows are taken only if the month is rendered). The months' own
        frames (views, promises) are hashed together, a pass per kind of frame."""
        skeletons = [self._skeleton(tables, month) for month, tables in months]
        known = _frame_digests([frame for skeleton in skeletons for frame in _frames(skeleton)])
        parts = []
        for skeleton in skeletons:
            digest = hashlib.sha256(self.salt)
            _feed(digest, skeleton, known)
            parts.append(MonthPart(digest.hexdigest(), skeleton))
        return parts

    def of(self, tables: ScorecardTables, month: Month) -> MonthPart:
        """One month's part (:meth:`of_all`)."""
        return self.of_all([(month, tables)])[0]

    def _skeleton(self, tables: ScorecardTables, month: Month) -> ScorecardTables:
        def take(frame: pd.DataFrame, positions: np.ndarray) -> _Part:
            rows = self._once(frame, "rows", _Rows)
            return _Part(rows, positions, rows.digest(positions))

        months = tables.months
        labels = [m.label for m in month.last_twelve()]
        silences = self._at(months.silences, [month.label])
        view = months.views.get(month)
        restricted_months = dataclasses.replace(
            months,
            # read only for a month without a view (one before the first bug), as the
            # month's end or ``as_of`` if earlier: clamped, so a later sync leaves it alone
            as_of=min(months.as_of, month.next_start),
            views={month: view} if view is not None else {},
            ca_months=take(months.ca_months, self._at(months.ca_months, labels)),
            totals=take(months.totals, self._at(months.totals, labels)),
            silences=take(months.silences, silences),
            needinfos=take(months.needinfos, self._at(months.needinfos, [month.label])),
            _cells={},
        )
        bugs: _Bugs = self._once(tables.bugs, "bugs", _Bugs)
        shown = pd.Series([], dtype=object) if view is None else view.bugs["ca"]
        read = [] if view is None else view.bugs["bug_id"].tolist()
        if "bug_id" in months.silences:
            read += months.silences["bug_id"].to_numpy()[silences].tolist()
        reports: _Part | pd.DataFrame | None = tables.reports
        if tables.reports is not None and len(tables.reports):
            posted = tables.reports["posted"]
            in_month = (posted >= month.start) & (posted < month.next_start)
            reports = take(tables.reports, _positions(in_month))
        restricted = dataclasses.replace(
            tables,
            bugs=take(bugs.pooled, bugs.positions(read, shown)),
            months=restricted_months,
            observed_at=None,  # not on a month's pages: a later sync leaves them as they were
            reports=reports,
        )
        return restricted

    def _once(self, source: object, kind: str, make: Callable[[Any], Any]) -> Any:
        """``make(source)``, made once per source object (the site's tables are the same
        objects for every month)."""
        held = self._held.get((id(source), kind))
        if held is None or held[0] is not source:
            held = (source, make(source))
            self._held[(id(source), kind)] = held
        return held[1]

    def _at(self, frame: pd.DataFrame, labels: list[str]) -> np.ndarray:
        """The positions of ``frame``'s rows of these months, in the frame's order."""
        groups = self._once(frame, "months", _month_groups)
        found = [groups[label] for label in labels if label in groups]
        return np.sort(np.concatenate(found)) if found else np.arange(0)


def _month_groups(frame: pd.DataFrame) -> dict:
    if not len(frame) or "month" not in frame:
        return {}
    return frame.groupby("month", sort=False).indices


def _frames(value: Any) -> Iterator[pd.DataFrame]:
    """Every frame in ``value``, as :func:`_feed` walks it."""
    if isinstance(value, pd.DataFrame):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _frames(getattr(value, item.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _frames(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _frames(item)


def _frame_digests(frames: list[pd.DataFrame]) -> dict[int, bytes]:
    """The digest of each frame, by its id: frames of one schema hashed together in one pass
    (a row's hash is what it is alone), as hashing 300 small frames one by one costs 30 times
    as much."""
    by_schema: dict[bytes, dict[int, pd.DataFrame]] = {}
    for frame in frames:
        by_schema.setdefault(_schema(frame), {})[id(frame)] = frame
    digests: dict[int, bytes] = {}
    for schema, same in by_schema.items():
        group = list(same.values())
        rows = _row_hashes(pd.concat(group, ignore_index=True))
        indexes = pd.util.hash_pandas_object(
            pd.concat([frame.index.to_series() for frame in group], ignore_index=True),
            index=False,
        ).to_numpy()
        end = 0
        for frame in group:
            begin, end = end, end + len(frame)
            digest = hashlib.sha256(schema)
            digest.update(type(frame.index).__name__.encode())
            digest.update(indexes[begin:end].tobytes())
            digest.update(rows[begin:end].tobytes())
            digests[id(frame)] = digest.digest()
    return digests


class _Bugs:
    """The columns of the bugs table a month's pages read (:data:`BUG_COLUMNS`), and after its
    rows one stand-in row per CA name (a negative bug id, no text).

    Why the columns: every sync moves an open bug's ``last_change_time``, and a bug open for
    years is on every month's pages since; its summary is what they show. Why the stand-ins:
    a CA's slug is assigned over every CA's name (``slugs_for``: "Alpha CA" and "ALPHA-CA"
    share a stem, and which gets the hash depends on both), so a month's pages depend on other
    CAs' names, though on no other row. A month gets the rows of its bugs and the stand-ins of
    the names that share a stem with its CAs' when those give its CAs the slugs all names give
    them (else every name): a new CA elsewhere leaves the month alone."""

    def __init__(self, bugs: pd.DataFrame) -> None:
        bugs = bugs[[column for column in bugs.columns if column in BUG_COLUMNS]]
        self.bugs = bugs
        self.names = bugs["ca"].fillna("").astype(str).drop_duplicates().sort_values()
        names = self.names.tolist()
        stand_ins = pd.DataFrame(index=range(len(names)))
        for column, dtype in bugs.dtypes.items():
            if dtype.kind in "biu":  # no NA in these: a zero, which nothing reads
                stand_ins[column] = np.zeros(len(names), dtype=dtype)
            else:
                stand_ins[column] = pd.Series([None] * len(names), dtype=dtype)
        stand_ins["bug_id"] = np.array(  # of the name alone, so another CA moves no month
            [-1 - int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) for name in names],
            dtype=bugs["bug_id"].dtype,
        )
        stand_ins["ca"] = names
        self.pooled = pd.concat([bugs, stand_ins.astype(bugs.dtypes.to_dict())], ignore_index=True)
        self.at = {name: len(bugs) + offset for offset, name in enumerate(names)}
        self.slugs = slugs_for(names)
        self.stems: dict[str, list[str]] = {}
        for name in names:
            self.stems.setdefault(_stem(name), []).append(name)
        self.ids = bugs["bug_id"].to_numpy()
        self.cas = bugs["ca"].fillna("").astype(str).to_numpy(dtype=object)

    def positions(self, read: list[int], shown: pd.Series) -> np.ndarray:
        """The rows of the bugs ``read`` and the stand-ins for the CAs ``shown``."""
        rows = np.flatnonzero(np.isin(self.ids, np.asarray(read, dtype=self.ids.dtype)))
        named = set(self.cas[rows].tolist()) | set(shown.fillna("").astype(str).tolist())
        names = set(named)
        for name in named:
            names.update(self.stems.get(_stem(name), [name]))
        slugs = slugs_for(names)
        if any(slugs.get(name) != self.slugs.get(name) for name in named):
            names = set(self.at)  # a clash across stems: every name, as the full table has
        stand_ins = sorted(self.at[name] for name in names if name in self.at)
        return np.concatenate([rows, np.asarray(stand_ins, dtype=np.intp)])


def _stem(name: str) -> str:
    """A name's slug without the hash a clash adds."""
    return re.sub(r"(-[0-9a-f]{8})?(-x)*$", "", slugify(name or "no-ca", set()))


def _feed(digest, value: object, known: dict[int, bytes]) -> None:  # noqa: ANN001, C901
    """Everything in ``value``, walked the way the context reads it: dataclasses field by
    field, frames by their rows' hashes (vectorised), scalars by type and value."""
    if isinstance(value, _Part):
        digest.update(b"frame")
        digest.update(value.digest)
    elif isinstance(value, pd.DataFrame):
        digest.update(b"frame")
        digest.update(
            known[id(value)] if id(value) in known else _frame_digests([value])[id(value)]
        )
    elif isinstance(value, pd.Series):
        digest.update(repr(("series", value.name, str(value.dtype))).encode())
        digest.update(pd.util.hash_pandas_object(value.index).to_numpy().tobytes())
        digest.update(_row_hashes(value.to_frame()).tobytes())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.update(type(value).__qualname__.encode())
        for item in dataclasses.fields(value):
            digest.update(item.name.encode())
            _feed(digest, getattr(value, item.name), known)
    elif isinstance(value, dict):
        digest.update(b"dict %d" % len(value))
        for key in sorted(value, key=repr):
            _feed(digest, key, known)
            _feed(digest, value[key], known)
    elif isinstance(value, np.ndarray):
        digest.update(repr(("array", str(value.dtype), value.shape)).encode())
        _feed(digest, pd.Series(value.ravel()), known)
    elif isinstance(value, set | frozenset):
        _feed(digest, sorted(value, key=repr), known)
    elif isinstance(value, list | tuple):
        digest.update(b"list %d" % len(value))
        for item in value:
            _feed(digest, item, known)
    elif (
        value is None
        or value is pd.NaT
        or isinstance(value, str | int | float | bool | pd.Timestamp | pd.Timedelta | np.generic)
    ):
        digest.update(repr((type(value).__name__, value)).encode())
    else:  # a new kind of input: say so, rather than skip a month it changed
        raise TypeError(f"no digest for a {type(value).__name__} in a month's tables")


# -- the manifest ----------------------------------------------------------------------------


@dataclass
class MonthEntry:
    """One month as the last site wrote it: its inputs' digest, its files' sha256 and what
    the landing page shows of it (None: a month with no page to summarise)."""

    digest: str
    files: dict[str, str]
    summary: dict | None


@dataclass
class Manifest:
    months: dict[str, MonthEntry] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # every other file: its sha256

    def files(self) -> dict[str, str]:
        every = dict(self.pages)
        for entry in self.months.values():
            every.update(entry.files)
        return every

    def text(self) -> str:
        """The same manifest for the same site, whichever run wrote it: keys sorted."""
        body = {
            "format": FORMAT,
            "months": {label: dataclasses.asdict(entry) for label, entry in self.months.items()},
            "pages": self.pages,
        }
        return json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def read_manifest(out: Path) -> Manifest:
    """The last site's manifest in ``out``; an empty one when there is none to trust."""
    try:
        with open(Path(out) / MANIFEST, "rb") as handle:
            body = json.loads(handle.read(64 << 20).decode("utf-8"))
        return _parsed(body)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError, InputError):
        return Manifest()


def _parsed(body: dict) -> Manifest:
    if body["format"] != FORMAT:
        raise ValueError("not this version's manifest")
    months = {}
    for label, entry in body["months"].items():
        if not isinstance(label, str) or label != Month.parse(label).label:
            raise ValueError(label)
        files = _file_digests(entry["files"])
        if not all(name.startswith(f"{label}/") for name in files):
            raise ValueError(label)
        summary = entry["summary"]
        months[label] = MonthEntry(
            digest=_text(entry["digest"]),
            files=files,
            summary=None if summary is None else _summary(summary),
        )
    return Manifest(months, _file_digests(body["pages"]))


def _file_digests(files: dict) -> dict[str, str]:
    out = {}
    for name, sha in files.items():
        if not isinstance(name, str) or not _SITE_FILE.fullmatch(name):
            raise ValueError(name)
        out[name] = _text(sha)
    return out


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    return float(value)


def _summary(summary: dict) -> dict:
    """A month's landing-page row as the manifest holds it, checked (a manifest is a file in a
    folder anyone may have written to): a name that is not clean text or a slug that is not
    one means the manifest is not ours."""
    slug = _text(summary["worst_slug"])
    worst = _text(summary["worst"])
    if not _SLUG.fullmatch(slug) or clean_text(worst, limit=1 << 20) != worst:
        raise ValueError(slug)
    cas = summary["cas"]
    if isinstance(cas, bool) or not isinstance(cas, int) or cas < 0:
        raise TypeError(cas)
    pooled = summary["pooled"]
    return {
        "cas": cas,
        "pooled": None if pooled is None else _number(pooled),
        "open_days": _number(summary["open_days"]),
        "worst": worst,
        "worst_slug": slug,
    }


def sha256_of(path: Path) -> str | None:
    """The sha256 of the regular file at ``path``; None when there is none (or not a file)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def intact(out: Path, files: dict[str, str]) -> bool:
    """Every file still there with the bytes it was written with."""
    return all(sha256_of(Path(out) / name) == sha for name, sha in files.items())


def finish(out: Path, before: Manifest, after: Manifest) -> None:
    """Remove what the last site wrote and this one did not (a CA's page whose slug changed),
    if still as written, then write the manifest of this site."""
    out = Path(out)
    now = after.files()
    for name, sha in sorted(before.files().items()):
        if name in now or sha256_of(out / name) != sha:
            continue
        path = out / name
        path.unlink(missing_ok=True)
        if path.parent != out:
            try:
                path.parent.rmdir()  # a month no site shows any more
            except OSError:
                pass  # not empty: other pages are still there
    write_if_changed(out / MANIFEST, after.text())

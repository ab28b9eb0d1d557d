"""The parse and language stages' tables, kept beside the store so that the next command
reads them back.

Why: both stages are pure functions of the stored raw responses, the reference tables and the
package's code, and at 50x the real corpus they take 45 s each command, where reading the
tables back takes a few seconds. An entry's name is a fingerprint of all of those inputs: the store
file and its write-ahead log (size and modification time), the store's meta (last sync, source,
history), the reference directory's files, the ``observed_at`` the tables are cut at, and the
code and data of the package. Any change gives a new key, and a key is only ever read back
whole. After a sync most bugs are unchanged, so an entry also records what it was made
from bug by bug (a :class:`Basis`): the next command of the same code and reference tables
starts from the newest entry of that *family* and parses again only the bugs whose stored row
changed (analyzer/parse/update.py). The cache is an optimisation only: one that cannot be
read or written means parsing again, never an error, and never a table that differs from a
fresh parse (tests/test_tables_cache.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analyzer.tables import LanguageTables, ThreadTables

Tables = ThreadTables | LanguageTables

VERSION = "tables-2"
KEEP = 2  # keys kept: the newest, and one before it (a second store, an older checkout)
_PACKAGE = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Every module and data table of the package but the bundled snapshot (the store itself
    is fingerprinted by :func:`key`)."""
    digest = hashlib.sha256()
    files = sorted(_PACKAGE.rglob("*.py")) + sorted((_PACKAGE / "data").glob("*.csv"))
    for path in files:
        digest.update(str(path.relative_to(_PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stat(path: Path) -> list:
    try:
        info = path.stat()
    except OSError:
        return [str(path.name), None]
    return [str(path.name), info.st_size, info.st_mtime_ns]


def _directory(path: Path) -> list:
    if not path.is_dir():
        return []
    out = []
    for item in sorted(path.rglob("*")):
        if item.is_file():
            out.append([str(item.relative_to(path)), hashlib.sha256(item.read_bytes()).hexdigest()])
    return out


@dataclasses.dataclass(frozen=True)
class Basis:
    """What an entry's tables were made from, bug by bug: each stored bug's signature
    (:meth:`analyzer.store.Store.bug_signatures`) and the ``observed_at`` they were cut at."""

    signatures: dict[int, str]
    observed_at: str


@dataclasses.dataclass
class Entry:
    """An entry read back: its tables and, where it recorded one, its basis."""

    tables: Tables
    basis: Basis | None


def family(reference_dir: Path, *more: str) -> str:
    """The fingerprint of what every entry that one store's entries can grow from shares: this
    version of the format, the package's code, the reference tables (and ``more``)."""
    parts = [VERSION, code_fingerprint(), _directory(Path(reference_dir)), *more]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def key(store_path: Path, meta: dict, observed_at: pd.Timestamp) -> str:
    """The fingerprint of what one store's entry is made from beyond its :func:`family`: the
    store file and its write-ahead log, the store's meta, ``observed_at``. An entry is stored
    under ``<family>-<key>``."""
    store_path = Path(store_path)
    wal = store_path.with_name(store_path.name + "-wal")
    parts = {
        "store": [str(store_path.resolve()), _stat(store_path), _stat(wal)],
        "meta": sorted(meta.items()),
        "observed_at": str(observed_at),
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _names(kind: type) -> list[str]:
    return [item.name for item in dataclasses.fields(kind)]


def _prefix(kind: type) -> str:
    return f"{VERSION}-{kind.__name__.lower()}"


def load(cache_dir: Path | None, fingerprint: str, kind: type = ThreadTables):
    """The tables (a ``kind``) stored under ``fingerprint``, or None (none stored, not
    readable, or not read back with the dtypes they were written with)."""
    if cache_dir is None:
        return None
    entry = _entry(Path(cache_dir) / f"{_prefix(kind)}-{fingerprint}", kind, with_basis=False)
    return None if entry is None else entry.tables


def load_base(cache_dir: Path | None, family_key: str, kind: type = ThreadTables) -> Entry | None:
    """The newest readable entry of ``family_key`` (a fingerprint that starts with it) that
    recorded its basis: what a changed store's tables can be updated from."""
    if cache_dir is None:
        return None
    try:
        candidates = sorted(
            Path(cache_dir).glob(f"{_prefix(kind)}-{family_key}-*"),
            key=lambda p: p.stat().st_mtime_ns,
            reverse=True,
        )
    except OSError:
        return None
    for directory in candidates:
        entry = _entry(directory, kind, with_basis=True)
        if entry is not None and entry.basis is not None:
            return entry
    return None


def _entry(directory: Path, kind: type, with_basis: bool) -> Entry | None:
    try:
        manifest = json.loads((directory / "complete").read_text())
        dtypes = manifest["tables"]
        frames: dict[str, pd.DataFrame | None] = {}
        for name in _names(kind):
            if name not in dtypes:  # the stage gave None for it
                frames[name] = None
                continue
            frame = _read(directory / f"{name}.parquet", whole=not with_basis)
            if not restore_dtypes(frame, dtypes[name]):
                return None
            frames[name] = frame
        basis = None
        if with_basis and manifest.get("observed_at") is not None:
            signed = _read(directory / "signatures.parquet")
            ids, signs = signed["bug_id"].astype("int64").tolist(), signed["signature"].tolist()
            signatures = dict(zip(ids, signs, strict=True))
            basis = Basis(signatures, str(manifest["observed_at"]))
        return Entry(kind(**frames), basis)
    except Exception:  # noqa: BLE001 - a damaged cache means parsing again, never an error
        return None


def _read(path: Path, whole: bool = True) -> pd.DataFrame:
    """One table, each column in one piece: a parquet reader hands text back in several chunks,
    and pyarrow's ``take`` on a chunked column first joins every chunk, so each later filter of
    the comments would copy all of their text (0.8 GB at 50x, 14 s of one scorecards command).
    Not ``whole``: as read, for a base that the merge (parse/update.py) joins in its one copy."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return (table.combine_chunks() if whole else table).to_pandas()


def restore_dtypes(frame: pd.DataFrame, dtypes: dict[str, str]) -> bool:
    """Give columns back what parquet does not keep: Python ``None``s in object columns (text
    or None), seconds as the unit of a time column; False when a column's dtype still differs
    from the one written."""
    if list(frame.columns) != list(dtypes):
        return False
    for name, dtype in dtypes.items():
        if str(frame[name].dtype) == dtype:
            continue
        if dtype == "object":
            column = frame[name].astype(object)
            frame[name] = column.where(column.notna(), None)
        elif dtype.startswith("datetime64["):
            frame[name] = frame[name].astype(dtype)
    return {name: str(dtype) for name, dtype in frame.dtypes.items()} == dtypes


def save(
    cache_dir: Path | None, fingerprint: str, tables: Tables, basis: Basis | None = None
) -> None:
    """Store the tables under ``fingerprint`` (written to a temporary directory, renamed
    into place when whole) with the ``basis`` they were made from, and drop all but the
    newest :data:`KEEP` keys of their kind."""
    if cache_dir is None:
        return
    kind = type(tables)
    root = Path(cache_dir)
    target = root / f"{_prefix(kind)}-{fingerprint}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        if (target / "complete").is_file():
            os.utime(target)  # the newest in use: kept by _prune
            return
        scratch = Path(tempfile.mkdtemp(prefix=".tables-", dir=root))
        try:
            dtypes = {}
            for name in _names(kind):
                frame = getattr(tables, name)
                if frame is not None:
                    frame.to_parquet(scratch / f"{name}.parquet", index=False)
                    dtypes[name] = {c: str(t) for c, t in frame.dtypes.items()}
            manifest: dict = {"tables": dtypes, "observed_at": None}
            if basis is not None:
                signed = pd.DataFrame(
                    {
                        "bug_id": pd.Series(list(basis.signatures), dtype="int64"),
                        "signature": pd.Series(list(basis.signatures.values()), dtype="str"),
                    }
                )
                signed.to_parquet(scratch / "signatures.parquet", index=False)
                manifest["observed_at"] = basis.observed_at
            (scratch / "complete").write_text(json.dumps(manifest))
            shutil.rmtree(target, ignore_errors=True)
            os.replace(scratch, target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        _prune(root, kind)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache
        return


def _prune(root: Path, kind: type) -> None:
    kept = sorted(
        (p for p in root.glob(f"{_prefix(kind)}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    older_versions = [
        p for p in root.glob("tables-*") if p.is_dir() and not p.name.startswith(f"{VERSION}-")
    ]
    for old in kept[KEEP:] + older_versions:
        shutil.rmtree(old, ignore_errors=True)

"""The whole corpus as pandas tables: the one object the CLI, the reports and notebooks share.

Each stage runs lazily, once, the first time one of its tables is asked for:
store (raw) -> parse (thread tables) -> language -> metrics (per ``as_of``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analyzer.store import RawBug, Store, open_for_reading
from analyzer.tables import LanguageTables, MetricsResult, ThreadTables
from analyzer.utc import utc

if TYPE_CHECKING:
    from analyzer.metrics import Evaluation
    from analyzer.metrics.months import MonthTables
    from analyzer.months import Month


class Corpus:
    """Tidy tables over one store; columns as in docs/tables.md, times tz-aware UTC.

    Example::

        import analyzer

        corpus = analyzer.load()  # the bundled snapshot when data/ has no store
        corpus.bugs.groupby("ca").size().nlargest(3)
        corpus.comments.merge(corpus.bugs[["bug_id", "ca"]], on="bug_id")
        corpus.metrics(as_of="2025-12-31").deadlines.query("outcome == 'missed'")

    More in docs/research.md and notebooks/.
    """

    def __init__(
        self,
        store: Store,
        data_dir: Path | str | None = None,
    ) -> None:
        self.store = store
        self.data_dir = Path(data_dir) if data_dir is not None else Path("data")
        self._evaluations: dict[pd.Timestamp, Evaluation] = {}
        self._metrics: dict[pd.Timestamp, MetricsResult] = {}
        self._months: dict[pd.Timestamp, MonthTables] = {}
        # how each stage's tables were had: "cache", "parsed"/"read", or "updated: ..."
        self.stage_sources: dict[str, str] = {}

    # -- provenance ------------------------------------------------------------------------

    @cached_property
    def meta(self) -> dict[str, str]:
        """What the store says about itself (source, last sync time, whether history is known)."""
        return self.store.meta()

    @property
    def is_snapshot(self) -> bool:
        return self.meta.get("source") == "snapshot"

    @property
    def history_known(self) -> bool:
        return self.meta.get("history_known", "true") != "false"

    @cached_property
    def observed_at(self) -> pd.Timestamp:
        """When the store last saw the server: the default ``as_of`` of every judgement."""
        value = self.meta.get("last_sync_time")
        if value:
            return utc(value)
        return pd.Timestamp.now(tz="UTC").floor("s")

    # -- stages ----------------------------------------------------------------------------

    @cached_property
    def raw(self) -> list[RawBug]:
        return list(self.store.iter_raw())

    @cached_property
    def reference(self):
        """CA aliases and domains, root program accounts, tag spellings (built-in + user's)."""
        from analyzer.parse.reference import load_reference

        return load_reference(self.data_dir / "reference")

    @cached_property
    def tables(self):
        from analyzer.parse import build_tables, cache

        if "raw" in self.__dict__:  # raw bugs already in memory (tests, notebooks)
            return build_tables(self.__dict__["raw"], self.reference, observed_at=self.observed_at)

        def parse(bug_ids: list[int] | None = None) -> ThreadTables:
            # Streamed from the store: at 50x the corpus's size the raw JSON objects alone
            # would hold ~3 GB that nothing needs once the tables are built.
            raws = self.store.iter_raw(bug_ids)
            return build_tables(raws, self.reference, observed_at=self.observed_at)

        family = cache.family(self.data_dir / "reference")
        return self._cached_stage("tables", family, parse)

    @cached_property
    def language(self):
        from analyzer.language import annotate
        from analyzer.language.pipeline import readings_version
        from analyzer.parse import cache

        if "raw" in self.__dict__:
            return annotate(self.tables.comments, cache_dir=self.cache_dir)

        def read(bug_ids: list[int] | None = None) -> LanguageTables:
            comments = self.tables.comments
            if bug_ids is not None:
                comments = comments[comments["bug_id"].isin(bug_ids)].reset_index(drop=True)
            return annotate(comments, cache_dir=self.cache_dir)

        # the same tables read by the same pipeline give the same readings
        family = cache.family(self.data_dir / "reference", readings_version())
        return self._cached_stage("language", family, read)

    def _cached_stage(self, stage: str, family: str, run: Callable):
        """A stage's tables (:mod:`analyzer.parse.cache`): read back for an unchanged store;
        for a changed one, the newest entry of ``family`` with only the bugs that changed run
        again (``run(bug_ids)``, analyzer/parse/update.py); else ``run()`` over every bug.
        ``stage_sources[stage]`` records which."""
        from analyzer.parse import cache
        from analyzer.parse.update import merged, stale_bugs

        kind = ThreadTables if stage == "tables" else LanguageTables
        fingerprint = f"{family}-{self._store_key}"
        tables = cache.load(self.cache_dir, fingerprint, kind)
        if tables is not None:
            self.stage_sources[stage] = "cache"
            return tables
        # read before the bugs, so that a write meanwhile is seen by the next command
        now = self._basis
        entry = cache.load_base(self.cache_dir, family, kind)
        if entry is not None and entry.basis is not None:
            # comments, and so the language tables, do not depend on observed_at
            base = entry.tables
            dated = (now.observed_at, base.bugs) if isinstance(base, ThreadTables) else ()
            again, dropped = stale_bugs(entry.basis, now.signatures, *dated)
            if len(again) <= len(now.signatures) // 2:  # else a fresh pass is the quicker
                tables = merged(entry.tables, run(again), dropped)
                if tables is not None:
                    count = f"{len(again)} of {len(now.signatures)} bugs"
                    self.stage_sources[stage] = f"updated: {count}"
        if tables is None:
            tables = run()
            self.stage_sources[stage] = "parsed" if kind is ThreadTables else "read"
        cache.save(self.cache_dir, fingerprint, tables, now)
        return tables

    @cached_property
    def _store_key(self) -> str:
        """The fingerprint of the store's state (:func:`analyzer.parse.cache.key`)."""
        from analyzer.parse import cache

        return cache.key(self.store.path, self.meta, self.observed_at)

    @cached_property
    def _basis(self):
        """What the tables are made from, bug by bug (:class:`analyzer.parse.cache.Basis`)."""
        from analyzer.parse.cache import Basis

        return Basis(self.store.bug_signatures(), str(self.observed_at))

    @property
    def cache_dir(self) -> Path:
        """Where the parse and language passes are cached: beside the store, or (for the
        bundled snapshot) in the user's cache directory, so that reading never creates a data
        directory."""
        if self.store.path.parent.resolve() == self.data_dir.resolve():
            return self.data_dir / ".cache"
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "ca-incident-analyzer"

    def resolve_ca(self, name: str) -> str:
        """The CA name as the bugs table spells it, for a user's ``--ca``: any alias from the
        reference table (``NETLOCK`` -> ``NetLock``) or any letter case will do."""
        from difflib import get_close_matches

        from analyzer.env import InputError
        from analyzer.parse.reference import normalise_key

        names = set(self.bugs["ca"].dropna().astype(str))
        if name in names:
            return name
        alias = self.reference.aliases.get(normalise_key(name))
        if alias in names:
            return alias
        folded = {known.casefold(): known for known in sorted(names)}
        if name.casefold() in folded:
            return folded[name.casefold()]
        hint = [folded[m] for m in get_close_matches(name.casefold(), list(folded), n=3)]
        also = f" Did you mean: {', '.join(hint)}?" if hint else ""
        raise InputError(f"No CA named {name!r} in the corpus.{also}")

    def evaluation(self, as_of: str | pd.Timestamp | None = None) -> Evaluation:
        """Every bug judged as it stood at ``as_of`` (default: the last sync), before the
        rows become tables: what :meth:`metrics` and :meth:`months` are made from. Once per
        moment."""
        from analyzer.metrics import evaluate

        stamp = self._stamp(as_of)
        if stamp not in self._evaluations:
            later = [known for known in self._evaluations if known > stamp]
            if later:  # cut back from the nearest later one: only bugs still moving are judged
                from analyzer.metrics.months import evaluation_at

                nearest = self._evaluations[min(later)]
                self._evaluations[stamp] = evaluation_at(nearest, stamp)
            else:
                self._evaluations[stamp] = evaluate(
                    self.tables,
                    self.language,
                    stamp,
                    exclusion_rules=self.reference.excluded_resolutions,
                )
        return self._evaluations[stamp]

    def metrics(
        self, as_of: str | pd.Timestamp | None = None, bug_ids: Collection[int] | None = None
    ) -> MetricsResult:
        """Deadlines and per-bug metrics as known at ``as_of`` (default: the last sync).

        Nothing later than ``as_of`` is used, so past months can be judged as they stood then;
        each ``as_of`` is computed once. Its ``ca_months`` judges every month at ``as_of``
        (as its ``breaches`` do); :attr:`ca_months` has each month as known at its own end.
        ``bug_ids``: the tables of only these bugs, as if the corpus held only them (not
        kept: a page of the bugs open at one moment needs no table of every bug, which at
        50x the real corpus costs seconds and a gigabyte). Example::

            corpus.metrics(as_of="2024-12-31T23:59:59Z").bug_metrics.nlargest(5, "overdue_days")
        """
        stamp = self._stamp(as_of)
        if bug_ids is not None:
            return self.evaluation(stamp).result(bug_ids)
        if stamp not in self._metrics:
            self._metrics[stamp] = self.evaluation(stamp).result()
        return self._metrics[stamp]

    def months(
        self, as_of: str | pd.Timestamp | None = None, rows_of: Collection[Month] | None = None
    ) -> MonthTables:
        """Every month up to ``as_of`` (default: the last sync), each as known at its end (the
        first second of the next month; the month running at ``as_of`` as known then), and
        the month-level tables the pages show (:mod:`analyzer.metrics.months`). Example::

            months = corpus.months()
            months.ca_months.query("month == '2025-12'").sort_values("rank")
            months.view(Month.parse("2025-12")).deadlines  # that month's rows, as known then

        ``rows_of``: keep the deadline rows of only these months (a command that shows one
        month); the first call for a moment decides, and a view of a month whose rows were not
        kept is an error, never an empty table.
        """
        from analyzer.metrics.months import judge_months

        stamp = self._stamp(as_of)
        if stamp not in self._months:
            needinfos = self.needinfos if self.history_known else None
            self._months[stamp] = judge_months(
                self.tables, self.evaluation(stamp), needinfos=needinfos, rows_of=rows_of
            )
        return self._months[stamp]

    def forget_judgements(self) -> None:
        """Let go of every evaluation, metrics result and month tables computed so far (each
        bug judged as plain Python objects, every month's rows: about 2 GB at 50x the real
        corpus), for a command that has taken what it still needs of them; a later call
        computes them again."""
        self._evaluations.clear()
        self._metrics.clear()
        self._months.clear()

    def _stamp(self, as_of: str | pd.Timestamp | None) -> pd.Timestamp:
        return (self.observed_at if as_of is None else utc(as_of)).floor("s")

    # -- the tables, by name ---------------------------------------------------------------

    @property
    def bugs(self) -> pd.DataFrame:
        """One row per bug: CA, status, opened, closed, current whiteboard."""
        return self.tables.bugs

    @property
    def comments(self) -> pd.DataFrame:
        """One row per comment: author, time, the author's role in the bug, ``is_ca_update``."""
        return self.tables.comments

    @property
    def changes(self) -> pd.DataFrame:
        """One row per field change in a bug's history (empty without history: the snapshot)."""
        return self.tables.changes

    @property
    def needinfos(self) -> pd.DataFrame:
        """One row per needinfo request, with when it was set, answered and cleared."""
        return self.tables.needinfos

    @property
    def whiteboard(self) -> pd.DataFrame:
        """One row per whiteboard value a bug had: tags, Next-update date, valid from/to."""
        return self.tables.whiteboard

    @property
    def participants(self) -> pd.DataFrame:
        """One row per bug and account: its role there and why, and how often it commented."""
        return self.tables.participants

    @property
    def data_quality(self) -> pd.DataFrame:
        """One row per server value the parse stage could not read, and what it did instead."""
        return self.tables.data_quality

    @property
    def comment_language(self) -> pd.DataFrame:
        """One row per comment: questions asked, report kind, IRG sections present/missing."""
        return self.language.comment_language

    @property
    def report_fields(self) -> pd.DataFrame:
        """One row per IRG 3.x Summary/Impact field a CA report states."""
        return _or_empty(self.language.report_fields, "report_fields")

    @property
    def action_items(self) -> pd.DataFrame:
        """One row per row of an Action Items table in a CA comment."""
        return _or_empty(self.language.action_items, "action_items")

    @cached_property
    def commitments(self) -> pd.DataFrame:
        """One row per dated promise in a CA comment, with its ``outcome`` at the last sync
        (kept, broken, pending, unknown: analyzer/ahead/promises.py)."""
        from analyzer.ahead.promises import with_outcomes

        return with_outcomes(
            self.language.commitments,
            self.comments,
            self.comment_language,
            self.bugs,
            self.observed_at,
        )

    @property
    def deadlines(self) -> pd.DataFrame:
        """One row per obligation as of the last sync: rule, due, outcome, evidence links."""
        return self.metrics().deadlines

    @property
    def bug_metrics(self) -> pd.DataFrame:
        """One row per bug as of the last sync: the keys of ``analyzer metrics --format json``."""
        return self.metrics().bug_metrics

    @property
    def breaches(self) -> pd.DataFrame:
        """One row per bug and interval in breach as of the last sync, with the rules behind it."""
        return _computed(self.metrics().breaches, "breaches")

    @property
    def ca_months(self) -> pd.DataFrame:
        """One row per CA and month, each as known at its end (the month running at the last
        sync as known then): bug-days open and in breach, deadlines per rule, the CA's rank
        in the month. The numbers every page shows of a CA-month (:meth:`months`)."""
        return self.months().ca_months

    @cached_property
    def silences(self) -> pd.DataFrame:
        """One row per update gap as of the last sync, weekly repeats collapsed."""
        from analyzer.ahead.silences import silences_from_tables

        return silences_from_tables(self.deadlines, self.bugs, self.metrics().as_of)

    @cached_property
    def asks(self) -> pd.DataFrame:
        """One row per reviewer ask as of the last sync: replied, re-raised, pointed to."""
        from analyzer.ahead.waiting import asks_of

        return asks_of(self, self.observed_at.floor("s"))

    @cached_property
    def waiting(self) -> pd.DataFrame:
        """One row per thing an open judged bug's CA owes at the last sync (``analyzer due``)."""
        from analyzer.ahead.waiting import waiting_table

        return waiting_table(self)

    TABLES = (
        "bugs",
        "comments",
        "changes",
        "needinfos",
        "whiteboard",
        "participants",
        "data_quality",
        "comment_language",
        "report_fields",
        "action_items",
        "commitments",
        "deadlines",
        "bug_metrics",
        "breaches",
        "ca_months",
        "silences",
        "asks",
        "waiting",
    )

    def table(self, name: str) -> pd.DataFrame:
        """A table by its name in ``TABLES`` (as ``analyzer export`` names its files)."""
        if name not in self.TABLES:
            raise KeyError(f"no table {name!r}; tables: {', '.join(self.TABLES)}")
        return getattr(self, name)

    def tables_at(self, as_of: str | pd.Timestamp) -> dict[str, pd.DataFrame]:
        """Every table of ``TABLES`` as known at ``as_of``: later events left out, metrics
        judged then, ``ca_months`` each month as known at its end and the month running at
        ``as_of`` as known then (analyzer/known_at.py). Example::

            end_of_2024 = corpus.tables_at("2024-12-31T23:59:59Z")
            end_of_2024["bugs"].query("closed.isna()")  # the bugs open at that moment
        """
        from analyzer.known_at import tables_known_at

        stamp = self._stamp(as_of)
        return tables_known_at(
            self.TABLES,
            self.tables,
            self.language,
            self.reference,
            self.metrics(stamp),
            self.months(stamp).ca_months,
            self.table,
            lambda name, known: self._ahead_at(name, stamp, known),
            stamp,
        )

    def _ahead_at(self, name: str, as_of: pd.Timestamp, known: dict) -> pd.DataFrame:
        from analyzer.ahead.waiting import table_at

        return table_at(self, name, self.metrics(as_of), known)


# Columns of the language stage's optional tables, for a stage object that did not read them.
_UTC = "datetime64[ns, UTC]"
_OPTIONAL_COLUMNS = {
    "report_fields": {
        "bug_id": "int64",
        "count": "int64",
        "field": "str",
        "value": "str",
        "time": _UTC,
        "number": "Int64",
    },
    "action_items": {
        "bug_id": "int64",
        "count": "int64",
        "item": "str",
        "due": _UTC,
        "status": "str",
        "done": "bool",
    },
}


def _computed(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if frame is None:  # only a hand-made MetricsResult lacks them; compute() always fills them
        raise LookupError(f"the metrics stage did not compute {name}")
    return frame


def _or_empty(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if frame is not None:
        return frame
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _OPTIONAL_COLUMNS[name].items()})


def load(data_dir: Path | str | None = None, note=None, require_store: bool = False) -> Corpus:
    """Open the corpus in ``data_dir`` (default ``data/``), or the bundled snapshot if none.

    ``note`` (e.g. ``print``) is told, in one line, when the bundled snapshot is used, and
    when the last sync did not finish. ``require_store`` turns the fallback into an error.
    Example::

        import analyzer

        corpus = analyzer.load()
        corpus.comments.groupby("role").size()
    """
    store = open_for_reading(data_dir, note=note, require_store=require_store)
    if note is not None and store.get_meta("sync_cursor"):
        note(
            f"The last sync into {store.path.parent}/ did not finish: this data is partial "
            "until analyzer sync completes it."
        )
    return Corpus(store, data_dir=data_dir)

"""Options shared by several commands, as decorators (one definition, one help text)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.env import Environment, InputError

if TYPE_CHECKING:
    import pandas as pd


def get_env() -> Environment:
    """The :class:`Environment` of the running CLI."""
    return click.get_current_context().find_root().obj["env"]


def data_dir_option(func: Callable) -> Callable:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Directory of the local store [default: data/]. Without this option, read "
        "commands fall back to the bundled snapshot when data/ has no store; with it, a "
        "directory without a store is an error.",
    )(func)


def load_corpus(data_dir: Path | None, as_of: pd.Timestamp | None = None):
    """The corpus a read command works on: ``--data-dir`` when given (it must hold a store),
    else ``data/`` or the bundled snapshot; notes go to stderr.

    A store whose first sync never finished holds no data (SPEC "--data-dir"): the bundled
    snapshot is read instead, or, for a ``--data-dir`` the user named, it is an error. An
    ``as_of`` later than the store's last sync is refused (:func:`check_as_of`)."""
    from analyzer.corpus import Corpus, load
    from analyzer.store import Store, bundled_snapshot_path, open_for_reading

    env = get_env()
    store = open_for_reading(data_dir, require_store=data_dir is not None)  # load() notes
    if never_synced(store.meta(), store.count()):
        where = store.path.parent
        store.close()
        if data_dir is not None:
            raise InputError(
                f"The store in {where}/ never finished its first sync, so it holds no data: "
                f"finish it with analyzer sync --data-dir {where}."
            )
        env.note(
            f"The store in {where}/ never finished its first sync, so it holds no data: "
            "using the bundled snapshot of 2026-03-14 (no history) instead."
        )
        corpus = Corpus(Store.open_readonly(bundled_snapshot_path(), immutable=True))
    else:
        store.close()
        corpus = load(data_dir, note=env.note, require_store=data_dir is not None)
    check_as_of(as_of, corpus.observed_at)
    return corpus


def never_synced(meta: dict[str, str], bugs: int) -> bool:
    """The store's first sync never finished: no sync time yet, and a sync's resume point or
    not one bug (a store written by other means, with bugs, is read as it is)."""
    if meta.get("last_sync_time") or meta.get("source") == "snapshot":
        return False
    return bool(meta.get("sync_cursor")) or bugs == 0


def check_as_of(as_of: pd.Timestamp | None, store_time: pd.Timestamp) -> None:
    """``--as-of`` can never be later than what the store knows: a later moment would invent
    weeks of silence. (One before 1990 is refused by :class:`IsoTime`.)"""
    if as_of is not None and as_of > store_time:
        raise InputError(
            f"--as-of {as_of.strftime('%Y-%m-%dT%H:%M:%SZ')} is later than the store's last "
            f"sync, {store_time.strftime('%Y-%m-%dT%H:%M:%SZ')}: nothing after it is known "
            "(sync first, or ask for an earlier moment)."
        )


# Bugzilla's CA compliance bugs start in 2014; these bounds only keep dates computable.
FIRST_YEAR, LAST_YEAR = 1990, 2200


class IsoTime(click.ParamType):
    """An ISO date or time, read as UTC when it has no zone."""

    name = "ISO-TIME"

    def convert(self, value, param, ctx) -> pd.Timestamp:  # noqa: ANN001
        import pandas as pd  # here, not at the top: ``analyzer --help`` must not load pandas

        if isinstance(value, pd.Timestamp):
            return value
        try:
            stamp = pd.Timestamp(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO date or time such as 2026-03-01T00:00:00Z", param, ctx
            )
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize(timezone.utc)
        if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
            self.fail(f"{value!r} is outside {FIRST_YEAR}-{LAST_YEAR}", param, ctx)
        return stamp.tz_convert("UTC")


def as_of_option(func: Callable) -> Callable:
    return click.option(
        "--as-of",
        type=IsoTime(),
        default=None,
        help="Judge as at this moment (ISO, UTC); nothing later is used. "
        "Default: the store's last sync time.",
    )(func)


def ca_option(func: Callable) -> Callable:
    return click.option(
        "--ca", "ca_name", default=None, metavar="NAME", help="Only this CA (as in the bugs table)."
    )(func)


def format_option(*choices: str, default: str | None = None) -> Callable:
    def decorator(func: Callable) -> Callable:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(choices),
            default=default or choices[0],
            show_default=True,
            help="Output format.",
        )(func)

    return decorator


class FiniteFloat(click.FloatRange):
    """A float in a range that is also a number: click's FloatRange lets ``nan`` through."""

    def convert(self, value, param, ctx):  # noqa: ANN001
        number = super().convert(value, param, ctx)
        if number != number:
            self.fail(f"{value!r} is not a number", param, ctx)
        return number

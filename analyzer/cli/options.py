"""Options shared by several commands, as decorators (one definition, one help text)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.env import Environment

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


def load_corpus(data_dir: Path | None):
    """The corpus a read command works on: ``--data-dir`` when given (it must hold a store),
    else ``data/`` or the bundled snapshot; notes go to stderr."""
    from analyzer.corpus import load

    return load(data_dir, note=get_env().note, require_store=data_dir is not None)


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

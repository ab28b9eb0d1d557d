"""The ``analyzer due`` command: what is pending or overdue now, and promises kept per CA."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.cli.options import (
    as_of_option,
    ca_option,
    data_dir_option,
    format_option,
    get_env,
    load_corpus,
)
from analyzer.env import InputError


@click.command("due")
@data_dir_option
@click.option(
    "--within",
    default=None,
    metavar="WINDOW",
    help="Only deadlines due within this window after --as-of (overdue ones always show): "
    "48h, 7d, 2w.",
)
@as_of_option
@ca_option
@format_option("table", "json", "md", "html")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (atomically) instead of stdout.",
)
def due(
    data_dir: Path,
    within: str | None,
    as_of,
    ca_name: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Every pending and overdue deadline of the open bugs, overdue first, then by due time.

    Each row names the CA, the bug, the rule, how long overdue or how long left, and the
    link to the comment or change that started it. Below: promises kept and broken per CA.
    Markdown is for pasting into an email; the HTML page sits beside the scorecards
    (``reports/due/``) and links to each CA's latest scorecard.

    \b
    Example:
        analyzer due --within 7d
        analyzer due --as-of 2026-03-14 --ca "Sectigo" --format md
        analyzer due --format html --out reports/due/index.html
    """
    from analyzer.ahead import due_table, parse_window, promise_summary, promises_table
    from analyzer.report.due import FORMATS, due_page

    env = get_env()
    window = parse_window(within) if within is not None else None
    corpus = load_corpus(data_dir)
    stamp = as_of if as_of is not None else corpus.observed_at
    ca_name = corpus.resolve_ca(ca_name) if ca_name is not None else None
    table = due_table(corpus, stamp, within=window, ca=ca_name)
    promises = promises_table(corpus, stamp)
    if ca_name is not None:
        promises = promises[promises["ca"] == ca_name]
    summary = promise_summary(promises)
    text = FORMATS[fmt](due_page(table, summary, stamp, within, ca_name))
    if out is None:
        env.stdout.write(text)
    else:
        write_atomically(out, text)
        env.note(f"Wrote {len(table)} deadlines to {out}.")


def write_atomically(path: Path, text: str) -> None:
    """A reader never sees half a file (:mod:`analyzer.atomic`); a bad path is bad input."""
    from analyzer.atomic import write_text

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text)
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


COMMANDS = [due]

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
    "--remind",
    is_flag=True,
    default=False,
    help="Instead of the table, print per bug a plain-text reminder draft a root program could "
    "post as it is: each outstanding item on one line with the IRG clause it rests on, the date "
    "it fell due and the comment it refers to. A bug that owes nothing gets none. (JSON and HTML "
    "always carry the drafts.)",
)
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
    remind: bool,
    out: Path | None,
) -> None:
    """One row per open judged bug, worst first: what is most overdue, or next due.

    Each row names the CA and the bug, its most overdue obligation (or the next one due) with
    the link to what started it, the weekly updates the current silence has missed, the CA's
    last update, the whiteboard's Next-update date and who set it, the assignee and open
    needinfos. JSON also lists every open deadline, and per bug everything the CA owes now
    (``waiting``: the update, each open reviewer ask with a short quote, who asked and when, an
    overdue report, broken promises) and its reminder draft. Below: promises kept and broken
    per CA. With --remind: the reminder drafts only, one block per bug.
    Markdown is for pasting into an email; the HTML page sits beside the scorecards
    (``reports/due/``) and links to each CA's latest scorecard.

    \b
    Example:
        analyzer due --within 7d
        analyzer due --as-of 2026-03-14 --ca "Sectigo" --format md
        analyzer due --format html --out reports/due/index.html
        analyzer due --remind --ca NetLock
    """
    from analyzer.ahead import parse_window
    from analyzer.report.due import FORMATS, due_page_of, to_reminders

    env = get_env()
    if within is not None:
        parse_window(within)  # bad input fails before the store is read
    if remind and fmt not in ("table", "md"):
        raise InputError(
            f"--remind writes plain-text drafts; --format {fmt} already carries them per bug "
            "(drop --remind, or use --format table)."
        )
    corpus = load_corpus(data_dir, as_of)
    ca_name = corpus.resolve_ca(ca_name) if ca_name is not None else None
    page = due_page_of(corpus, as_of, within, ca_name)
    text = to_reminders(page) if remind else FORMATS[fmt](page)
    if out is None:
        from analyzer.report.safety import terminal_safe

        env.stdout.write(terminal_safe(text))  # bug text never steers the terminal
    else:
        write_atomically(out, text)
        env.note(f"Wrote {len(page.bugs)} open bugs to {out}.")


def write_atomically(path: Path, text: str) -> None:
    """A reader never sees half a file (:mod:`analyzer.atomic`); a bad path is bad input."""
    from analyzer.atomic import write_text

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text)
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


COMMANDS = [due]

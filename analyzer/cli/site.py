"""The ``analyzer site`` command: every month's scorecards, every CA's history, the due page."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO, cast

import click

from analyzer.cli.options import data_dir_option, get_env, load_corpus


@click.command("site")
@data_dir_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write the site into (created if needed).",
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of Jinja2 templates overriding the built-in ones.",
)
def site(data_dir: Path, out: Path, templates: Path | None) -> None:
    """Write a static site: every month's scorecards since the first bug, every CA's history
    page, the due page and a landing page, all linked.

    OUT/index.html is the landing page; OUT/YYYY-MM/ holds a month's scorecards (HTML),
    OUT/ca/<ca>.html each CA's history, OUT/due/index.html what is due now. Pages are
    static, self-contained and printable; every table is computed once. Written again into
    the same folder, only the months whose pages can have changed are rendered (a manifest,
    OUT/.site-manifest.json, records what each month was made from); the result is what a
    fresh site writes.

    \b
    Example:
        analyzer site --out site/
        analyzer site --data-dir data/ --out /var/www/ca-incidents/
    """
    import jinja2

    from analyzer.env import InputError
    from analyzer.report.site import write_site

    env = get_env()
    began = time.perf_counter()
    if templates is not None and not templates.is_dir():
        raise InputError(f"--templates {templates} is not a directory.")
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file, not a directory.")
    corpus = load_corpus(data_dir)

    def progress(items: Iterable, label: str) -> Iterable:
        if not env.stderr_isatty:
            return items
        return _bar(list(items), label)

    def _bar(items: list, label: str) -> Iterable:
        stream = cast(TextIO, env.stderr)
        with click.progressbar(items, label=f"{label:<10}", file=stream) as bar:
            yield from bar

    try:
        written = write_site(corpus, out, templates=templates, progress=progress)
    except jinja2.TemplateError as exc:
        raise InputError(f"A template in --templates failed: {exc.message}.") from None
    print(str(out / "index.html"), file=env.stdout)
    env.note(
        f"Wrote {written.pages} pages ({len(written.months)} months, "
        f"{written.months[0]} to {written.months[-1]}; {len(written.rendered)} rendered, "
        f"the rest unchanged since the last site) into {out} "
        f"in {time.perf_counter() - began:.1f} s."
    )


COMMANDS = [site]

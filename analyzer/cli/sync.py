"""The ``analyzer sync`` command: a thin layer over :func:`analyzer.fetch.sync.sync`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import FiniteFloat, data_dir_option, get_env
from analyzer.env import Environment
from analyzer.fetch import DEFAULT_PAGE_SIZE

if TYPE_CHECKING:
    from analyzer.fetch.sync import SyncResult

DEFAULT_BASE_URL = "https://bugzilla.mozilla.org"


@click.command("sync")
@click.option(
    "--base-url",
    default=DEFAULT_BASE_URL,
    show_default=True,
    metavar="URL",
    help="The Bugzilla to fetch from.",
)
@data_dir_option
@click.option("--full", is_flag=True, help="Refetch every bug, not only those changed since.")
@click.option(
    "--max-rate",
    type=FiniteFloat(min=0, max=100_000),
    default=75,
    show_default=True,
    help="At most this many requests a minute (BMO's anonymous limit); 0 for no limit.",
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 10_000),
    default=DEFAULT_PAGE_SIZE,
    show_default=True,
    help="Bugs per search request (at most the server's cap, 10,000 on BMO).",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 20),
    default=6,
    show_default=True,
    help="Retries of a failed request before giving up.",
)
@click.option(
    "--backoff",
    type=FiniteFloat(min=0, max=3600),
    default=2.0,
    show_default=True,
    help="Base of the exponential backoff, in seconds (the n-th retry waits up to base*2^n).",
)
def sync_command(
    base_url: str,
    data_dir: Path | None,
    full: bool,
    max_rate: float,
    page_size: int,
    retries: int,
    backoff: float,
) -> None:
    """Fetch new and changed CA compliance bugs with comments and history into the store.

    Incremental by default: only bugs changed since the last sync are asked for, and an
    interrupted sync continues where it stopped. The API key, if any, is read from the
    environment variable BUGZILLA_API_KEY and sent only in the X-BUGZILLA-API-KEY header.
    Exit status: 1 when the server keeps failing, 2 for bad flags, an unwritable data
    directory, or a URL that is not a Bugzilla.

    \b
    Example:
        analyzer sync --data-dir data/
        BUGZILLA_API_KEY=... analyzer sync --full --max-rate 300
    """
    from analyzer.fetch.client import Backoff, BugzillaClient
    from analyzer.fetch.sync import sync
    from analyzer.store import Store

    env = get_env()
    client = BugzillaClient(
        base_url,
        api_key=env.api_key,
        max_per_minute=max_rate,
        backoff=Backoff(base=backoff, retries=retries),
    )
    with Store.open(data_dir or Path("data")) as store, client:
        progress = _Progress(env) if env.stderr_isatty else None
        try:
            result = sync(store, client, full=full, page_size=page_size, progress=progress)
        finally:
            if progress is not None:
                progress.done()
    env.note(result.summary())


class _Progress:
    """One self-updating status line on a terminal (the total is unknown until the end)."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.shown = False

    def __call__(self, result: SyncResult) -> None:
        seen = result.new + result.changed + result.unchanged
        line = f"Syncing: {seen} bugs checked, {result.stored} stored, {result.requests} requests"
        click.echo(f"\r{line}", file=self.env.stderr, nl=False)
        self.shown = True

    def done(self) -> None:
        if self.shown:
            click.echo("", file=self.env.stderr)


COMMANDS = [sync_command]

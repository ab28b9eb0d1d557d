"""The ``analyzer`` command: a thin layer over the library, one module per command.

``main(args, env)`` runs the real CLI in-process with an injectable :class:`Environment`, turns
:class:`AnalyzerError` into one sentence on stderr and its exit code, and never shows a
traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import traceback
from collections.abc import Sequence

import click

from analyzer.env import AnalyzerError, Environment, ExitStatus, no_room, out_of_room


class _ClosedPipe(Exception):
    """stdout's reader went away; not an OSError, which click would turn into exit 1."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # noqa: ANN201 - what the command returns
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if isinstance(exc, _ClosedPipe) or _closed_pipe(exc):
                raise _ClosedPipe from None
            raise


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(package_name="ca-incident-analyzer")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Judge how certificate authorities handle their Bugzilla incident reports.

    \b
    Example:
        analyzer sync --data-dir data/
        analyzer metrics --ca "Sectigo" --format table
        analyzer scorecards --month 2026-02 --out reports/
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register() -> None:
    from analyzer.cli import due, export, metrics, quality, scorecards, site, sync

    for module in (sync, export, metrics, quality, scorecards, due, site):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(args: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI; return the exit status instead of exiting (so tests can call it)."""
    env = env or Environment()
    args = list(sys.argv[1:] if args is None else args)
    debug = "--debug" in args
    try:
        # click writes help, version and its own errors to sys.stdout/sys.stderr: point those
        # at the environment's streams so an injected environment sees everything.
        with contextlib.redirect_stdout(env.stdout), contextlib.redirect_stderr(env.stderr):
            try:
                cli.main(args=args, prog_name="analyzer", standalone_mode=False, obj={"env": env})
            except SystemExit:
                # click's own answer to a closed pipe while it prints help or a version: a
                # wrapper around stdout, then exit(1)
                if type(sys.stdout).__name__ == "_PacifyFlushWrapper":
                    raise _ClosedPipe from None
                raise
            env.stdout.flush()  # a write that fails (closed pipe, full disk) fails here
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show(file=env.stderr)
        return ExitStatus.USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except (click.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        print(
            "Interrupted: what was stored so far is kept; run again to continue.", file=env.stderr
        )
        return ExitStatus.CTRL_C
    except AnalyzerError as exc:
        if debug:
            traceback.print_exc(file=env.stderr)
        print(f"Error: {_safe(str(exc))}", file=env.stderr)
        # a full disk fails the job (exit 1), whichever writer reported it as a path's problem
        return ExitStatus.ERROR if _out_of_room_behind(exc) else exc.exit_status
    except Exception as exc:  # the last line of defence: one sentence, not a traceback
        if isinstance(exc, _ClosedPipe) or _closed_pipe(exc):
            # the reader has gone (``| head``): a normal end, as for any Unix filter
            _silence(env.stdout)
            return ExitStatus.SUCCESS
        if debug:
            traceback.print_exc(file=env.stderr)
        if out_of_room(exc):
            where = getattr(exc, "filename", None)
            if where is None:  # no file named: the standard output, whose last flush would fail
                _silence(env.stdout)
            print(f"Error: {_safe(str(no_room(where or 'the output')))}", file=env.stderr)
            return ExitStatus.ERROR
        print(
            f"Error: unexpected {type(exc).__name__}: {_safe(str(exc))} "
            "(run with --debug for details).",
            file=env.stderr,
        )
        return ExitStatus.ERROR
    return ExitStatus.SUCCESS


def _out_of_room_behind(exc: BaseException) -> bool:
    """Whether ``exc`` was raised for a write that found no room (its cause or context)."""
    seen = exc.__cause__ or exc.__context__
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, OSError) and out_of_room(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _closed_pipe(exc: BaseException | None) -> bool:
    return isinstance(exc, BrokenPipeError) or (
        isinstance(exc, OSError) and exc.errno in (errno.EPIPE, errno.ECONNRESET)
    )


def _silence(stream: object) -> None:
    """Send what is still buffered for a closed stdout nowhere, so the interpreter's last
    flush does not fail again (Python would print "Exception ignored" and exit 120)."""
    try:
        fileno = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # an in-memory stream (tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fileno)
    finally:
        os.close(devnull)


def _safe(message: str) -> str:
    """An error sentence that cannot steer the terminal (it may quote a server or a path)."""
    from analyzer.report.safety import terminal_safe

    return terminal_safe(message)

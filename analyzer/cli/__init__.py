"""The ``analyzer`` command: a thin layer over the library, one module per command.

``main(args, env)`` runs the real CLI in-process with an injectable :class:`Environment`, turns
:class:`AnalyzerError` into one sentence on stderr and its exit code, and never shows a
traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Sequence

import click

from analyzer.env import AnalyzerError, Environment, ExitStatus


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
            cli.main(args=args, prog_name="analyzer", standalone_mode=False, obj={"env": env})
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
        return exc.exit_status
    except BrokenPipeError:
        return ExitStatus.SUCCESS
    except Exception as exc:  # the last line of defence: one sentence, not a traceback
        if debug:
            traceback.print_exc(file=env.stderr)
        print(
            f"Error: unexpected {type(exc).__name__}: {_safe(str(exc))} "
            "(run with --debug for details).",
            file=env.stderr,
        )
        return ExitStatus.ERROR
    return ExitStatus.SUCCESS


def _safe(message: str) -> str:
    """An error sentence that cannot steer the terminal (it may quote a server or a path)."""
    from analyzer.report.safety import terminal_safe

    return terminal_safe(message)

"""The `analyzer quality` command: how well the reference data and parsers cover the store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from analyzer.cli.options import data_dir_option, format_option, get_env, load_corpus
from analyzer.values import one_line


@click.command("quality")
@data_dir_option
@format_option("text", "json")
def quality(data_dir: Path, fmt: str) -> None:
    """Data quality of the parsed threads, to check before trusting a scorecard.

    Prints the share of bugs attributed to a known CA and every summary prefix that is not,
    whiteboard Next-update dates parsed and every value that could not be read, comments and
    participants by role, and how many bugs have a CA-side voice. Extend the reference tables
    by dropping CSVs of the same names into DATA_DIR/reference/ (see docs/parse.md).

    \b
    Example:
        analyzer quality
        analyzer quality --data-dir data/ --format json
    """

    from analyzer.parse.quality import quality_report, render_text
    from analyzer.report.safety import terminal_safe

    env = get_env()
    corpus = load_corpus(data_dir)
    report = quality_report(
        corpus.tables,
        rejected=_rejected(corpus.meta.get("rejected_bugs")),
        reviewed=corpus.reference.reviewed_not_ca.keys(),
        report_kinds=corpus.comment_language,
    )
    if fmt == "json":
        json.dump(report.as_dict(), env.stdout, indent=2, ensure_ascii=False)
        env.stdout.write("\n")
    else:
        env.stdout.write(terminal_safe(render_text(one_line_cells(report))))


def one_line_cells(report):  # noqa: ANN001, ANN201 - a QualityReport
    """``report`` with every text in it on one line: CA names, summary prefixes, accounts,
    whiteboard values and tags are anyone's text, and a newline in one would print as a
    forged row of the report (JSON escapes them itself)."""
    import dataclasses

    def flat(value: object) -> object:
        if isinstance(value, str):
            return one_line(value, 2000)
        if isinstance(value, list):
            return [flat(item) for item in value]
        if isinstance(value, dict):
            return {flat(key): flat(item) for key, item in value.items()}
        return value

    fields = dataclasses.fields(report)
    return dataclasses.replace(report, **{f.name: flat(getattr(report, f.name)) for f in fields})


def _rejected(text: str | None) -> list[dict]:
    """What sync recorded of the bugs it could not store; an unreadable record is none."""
    try:
        items = json.loads(text) if text else []
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [
        {"value": str(item.get("value")), "problem": str(item.get("problem"))}
        for item in items
        if isinstance(item, dict)
    ]


COMMANDS = [quality]

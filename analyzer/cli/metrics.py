"""The `analyzer metrics` and `analyzer summary` commands: deadlines per bug, and their totals."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

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

# pandas and the stages load inside the commands, so that ``analyzer --help`` stays fast.
if TYPE_CHECKING:
    import pandas as pd

    from analyzer.corpus import Corpus
    from analyzer.metrics import MetricsResult
    from analyzer.tables import ThreadTables


@click.command("metrics")
@data_dir_option
@as_of_option
@click.option("--bug", "bug_ids", type=int, multiple=True, metavar="ID", help="Only this bug.")
@ca_option
@format_option("table", "json", "csv")
def metrics_command(
    data_dir: Path, as_of: pd.Timestamp | None, bug_ids: tuple[int, ...], ca_name, fmt: str
) -> None:
    """Per-bug responsiveness metrics and every deadline with its outcome and evidence.

    Each deadline is judged under the CCADB Incident Reporting Guidelines version in force when
    it started; nothing after --as-of is used.

    \b
    Example:
        analyzer metrics --ca "Sectigo" --format table
        analyzer metrics --bug 1883843 --as-of 2024-06-30 --format json
    """
    from analyzer.metrics import compute
    from analyzer.report.safety import terminal_safe

    env = get_env()
    corpus = load_corpus(data_dir, as_of)
    ca_name = corpus.resolve_ca(ca_name) if ca_name is not None else None
    tables = _select(corpus.tables, bug_ids, ca_name)
    result = compute(
        tables,
        _language(corpus),
        as_of or corpus.observed_at,
        exclusion_rules=corpus.reference.excluded_resolutions,
    )
    if fmt == "json":
        _write_json_lines(_as_json(result), env.stdout)
    elif fmt == "csv":
        from analyzer.report.safety import csv_safe

        text = csv_safe(_iso_times(result.bug_metrics)).to_csv(index=False)
        env.stdout.write(terminal_safe(text))
    else:
        env.stdout.write(terminal_safe(_as_table(result)))


@click.command("summary")
@data_dir_option
@as_of_option
@format_option("text", "json")
def summary_command(data_dir: Path, as_of: pd.Timestamp | None, fmt: str) -> None:
    """Deadlines of every bug by rule and outcome, and by year, with what the store cannot show.

    \b
    Example:
        analyzer summary
        analyzer summary --as-of 2025-12-31 --format json
    """
    from analyzer.metrics import compute
    from analyzer.metrics.summary import summarize

    env = get_env()
    corpus = load_corpus(data_dir, as_of)
    result = compute(
        corpus.tables,
        _language(corpus),
        as_of or corpus.observed_at,
        exclusion_rules=corpus.reference.excluded_resolutions,
    )
    summary = summarize(result, corpus.tables)
    if fmt == "json":
        payload = {
            "as_of": _iso(summary.as_of),
            "bugs": summary.bugs,
            "by_rule": _records(summary.by_rule.reset_index(names="rule")),
            "by_year": _records(summary.by_year.reset_index(names="year")),
            "notes": summary.notes,
        }
        json.dump(payload, env.stdout, indent=2)
        env.stdout.write("\n")
        return
    out = env.stdout
    out.write(f"Deadlines as of {_iso(summary.as_of)} over {summary.bugs} bugs\n\n")
    out.write("By rule and outcome (met % of those judged; missed_with_caveat: the store may\n")
    out.write("lack what would show them met, see below):\n")
    out.write(summary.by_rule.to_string(na_rep="-") + "\n\n")
    out.write("By year due (missed/total):\n")
    out.write(summary.by_year.to_string() + "\n\n")
    out.write("What this store cannot show:\n")
    for note in summary.notes:
        out.write(f"- {note}\n")


COMMANDS = [metrics_command, summary_command]


def _language(corpus: Corpus):
    """The language stage's tables, or None (the metrics then use their fallback and say so)."""
    try:
        return corpus.language
    except ImportError:
        return None


def _select(tables: ThreadTables, bug_ids: tuple[int, ...], ca_name: str | None) -> ThreadTables:
    import pandas as pd

    from analyzer.tables import ThreadTables

    bugs = tables.bugs
    keep = pd.Series(True, index=bugs.index)
    if bug_ids:
        missing = sorted(set(bug_ids) - set(bugs["bug_id"]))
        if missing:
            raise InputError(f"Bug {missing[0]} is not in the store.")
        keep &= bugs["bug_id"].isin(bug_ids)
    if ca_name is not None:  # already resolved to the bugs table's spelling
        keep &= bugs["ca"] == ca_name
    if keep.all():
        return tables
    ids = set(bugs.loc[keep, "bug_id"])
    return ThreadTables(
        **{
            name: frame[frame["bug_id"].isin(ids)]
            for name, frame in vars(tables).items()
            if isinstance(frame, pd.DataFrame)
        }
    )


def _write_json_lines(items: list[dict], out) -> None:
    """A JSON array with one bug per line: valid JSON, greppable, and fast (C encoder)."""
    out.write("[\n")
    for index, item in enumerate(items):
        out.write(json.dumps(item, ensure_ascii=False))
        out.write(",\n" if index + 1 < len(items) else "\n")
    out.write("]\n")


def _iso(stamp) -> str | None:
    from analyzer.utc import iso

    return iso(stamp)


def _plain(value):
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return _iso(value)
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain JSON values: ISO UTC times, None for missing, Python numbers."""
    plain = _iso_times(frame).astype(object)
    plain = plain.where(plain.notna(), None)
    return [{k: _plain(v) for k, v in row.items()} for row in plain.to_dict("records")]


def _as_json(result: MetricsResult) -> list[dict]:
    from analyzer.metrics.frames import DEADLINE_COLUMNS, METRIC_COLUMNS

    deadlines: dict[int, list[dict]] = {}
    keys = ["bug_id", *(c for c in DEADLINE_COLUMNS if c not in ("bug_id", "ca"))]
    for row in _records(result.deadlines[keys]):
        deadlines.setdefault(row.pop("bug_id"), []).append(row)
    bugs = _records(result.bug_metrics[METRIC_COLUMNS])
    return [{**bug, "deadlines": deadlines.get(bug["bug_id"], [])} for bug in bugs]


def _iso_times(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame = frame.copy()
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.DatetimeTZDtype):
            frame[name] = frame[name].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return frame


_TABLE = [
    ("bug_id", "bug", 8),
    ("ca", "ca", 22),
    ("status", "status", 10),
    ("opened", "opened", 10),
    ("closed", "closed", 10),
    ("first_ca_response_hours", "1st_resp_h", 10),
    ("full_report_days", "report_d", 8),
    ("ca_updates", "updates", 7),
    ("max_update_gap_days", "max_gap_d", 9),
    ("missed_updates", "upd_late", 8),
    ("needinfo_late", "ni_late", 7),
    ("comments_late", "c_late", 6),
    ("compliance", "compliant", 9),
]


def _as_table(result: MetricsResult) -> str:
    frame = result.bug_metrics
    outcomes = result.deadlines.groupby(["bug_id", "outcome"]).size().unstack(fill_value=0)
    header = " ".join(_align(title, width, name) for name, title, width in _TABLE)
    lines = [header + "  met/missed/pending/unknown"]
    for row in frame.to_dict("records"):
        cells = [_align(_cell(row[name], width), width, name) for name, _, width in _TABLE]
        counts = [
            int(outcomes.at[row["bug_id"], o])
            if row["bug_id"] in outcomes.index and o in outcomes.columns
            else 0
            for o in ("met", "missed", "pending", "unknown")
        ]
        lines.append(" ".join(cells) + "  " + "/".join(map(str, counts)))
    lines.append(
        f"{len(frame)} bugs as of {_iso(result.as_of)}; questions: {result.questions_source}"
    )
    return "\n".join(lines) + "\n"


def _cell(value, width: int) -> str:
    import pandas as pd

    from analyzer.values import one_line

    if isinstance(value, pd.Timestamp):
        text = value.strftime("%Y-%m-%d")
    elif value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.1f}"
    else:  # a CA name from a summary is anyone's text: one line, or it forges table rows
        text = one_line(str(value), width)
    return text if len(text) <= width else text[: width - 1] + "…"


def _align(text: str, width: int, column: str) -> str:
    return f"{text:<{width}}" if column in ("ca", "status") else f"{text:>{width}}"

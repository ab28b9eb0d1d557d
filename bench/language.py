"""Benchmark of the language stage: accuracy on the labelled sets, throughput, and the snapshot.

    python bench/language.py            # everything
    python bench/language.py --comments 50000 --skip-snapshot
    python bench/language.py --processes [DATA_DIR]   # spaCy's n_process 1 vs 2, cold


Accuracy is printed per split: ``dev`` was used while writing the rules, ``test`` was written
apart but some rules were fixed after seeing it, ``holdout`` was written last and measured once.
Throughput runs ``annotate`` without a cache on one core over a synthetic corpus built from all
labelled texts in a mix of lengths (short replies to long joined reports), each made unique.
CPU seconds are printed beside wall seconds because the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

import pandas as pd

from analyzer.language import annotate
from analyzer.language import eval_sets as ev
from analyzer.language.pipeline import nlp
from analyzer.language.text import blocks

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "language_eval"
SPLITS = ("dev", "test", "holdout")


def _sentences(items: list[ev.Item]) -> int:
    texts = [b.text for item in items for b in blocks(item.text) if b.kind != "table"]
    return sum(len(list(doc.sents)) for doc in nlp().pipe(texts))


def accuracy() -> None:
    print("== accuracy on tests/language_eval (targets: questions P,R >= 0.90; report kinds")
    print("   accuracy >= 0.90; commitment dates exact >= 0.85)")
    for split in SPLITS:
        questions = ev.load_set(EVAL_DIR, "questions", split)
        reports = ev.load_set(EVAL_DIR, "reports", split)
        commitments = ev.load_set(EVAL_DIR, "commitments", split)
        if not (questions or reports or commitments):
            continue
        print(f"-- {split}")
        if questions:
            q = ev.score_questions(questions)
            print(
                f"questions   : P={q.precision:.3f} R={q.recall:.3f} "
                f"({q.true_positive} right of {q.predicted} found, {q.expected} expected; "
                f"{len(questions)} comments, {_sentences(questions)} sentences)"
            )
        if reports:
            r = ev.score_reports(reports)
            wrong = {f"{a}->{b}": n for (a, b), n in r.confusion.items() if a != b}
            print(
                f"report kind : accuracy={r.accuracy:.3f} ({r.correct}/{r.total} comments); "
                f"template {r.templates_correct}/{r.templates_total}; errors {wrong or 'none'}"
            )
        if commitments:
            c = ev.score_commitments(commitments)
            print(
                f"commitments : dates exact={c.exact:.3f} precision={c.dates.precision:.3f} "
                f"({c.dates.true_positive} of {c.dates.expected} expected, "
                f"{c.dates.predicted} found; kind right {c.kinds_correct}; "
                f"{len(commitments)} comments)"
            )


def new_readings() -> None:
    """Precision and recall of the readings issue 14 added (target >= 0.95 on holdout)."""
    print("== expects-reply, closing notice, report fields, attachment kinds, promise date+kind")
    print("   (precision / recall; targets >= 0.95 on the holdout split)")
    for split in SPLITS:
        print(f"-- {split}")
        replies = ev.load_set(EVAL_DIR, "replies", split)
        if replies:
            scores = ev.score_replies(replies)
            for name, score in scores.items():
                print(f"{name:15}: {_pr(score)} ({len(replies)} comments)")
        attachments = ev.load_set(EVAL_DIR, "attachments", split)
        if attachments:
            print(f"attachment kind: {_pr(ev.score_attachment_kinds(attachments))} "
                  f"({len(attachments)} comments)")  # fmt: skip
        fields = ev.load_set(EVAL_DIR, "fields", split)
        if fields:
            print(f"report fields  : {_pr(ev.score_fields(fields))} ({len(fields)} comments)")
        promises = ev.load_set(EVAL_DIR, "promises", split)
        if promises:
            p = ev.score_promises(promises)
            print(
                f"promise d+kind : {_pr(p.pairs)} ({len(promises)} comments); "
                f"ambiguous flag {_pr(p.ambiguous)}"
            )


def _pr(score: ev.Score) -> str:
    return (
        f"P={score.precision:.3f} R={score.recall:.3f} "
        f"[{score.true_positive} right, {score.predicted} found, {score.expected} expected]"
    )


def long_comments() -> None:
    """CPU seconds for one comment at BMO's limit (65,535 characters) of hostile shapes."""
    from datetime import date

    from analyzer.language.read import read_comments

    limit = 65_535
    shapes = {
        '"a." pairs with a URL': ("a." * limit)[: limit - 30] + " see example.com/x?y=1 end",
        '"?" run': "?" * limit,
        "one sentence, many dates": ("We will post it by 2025-01-06 and " * 2000)[:limit],
        '"- " marks': "- " * (limit // 2),
        "table rows": (
            "| Action Item | Due Date | Status |\n|---|---|---|\n"
            + "| x | 2025-01-01 | Done |\n" * 4000
        )[:limit],  # fmt: skip
    }
    print("== one comment of 65,535 characters (BMO's limit), CPU seconds")
    for name, text in shapes.items():
        start = time.process_time()
        read_comments([text], [date(2025, 1, 1)])
        print(f"{name:26}: {time.process_time() - start:.3f} s")


def snapshot_throughput() -> None:
    """Comments per CPU second on the bundled snapshot's comments, without a cache."""
    import analyzer

    comments = analyzer.load().comments
    annotate(comments.head(50))
    with_text = comments[comments["text"].fillna("").str.strip() != ""]
    for label, frame in (("all comments", comments), ("comments with text", with_text)):
        start = time.process_time()
        annotate(frame, cache_dir=None)
        cpu = time.process_time() - start
        print(
            f"snapshot    : {label}: {len(frame):,} in {cpu:.2f} s CPU = "
            f"{len(frame) / cpu:,.0f} comments per CPU second (no cache)"
        )


def synthetic_comments(count: int, seed: int = 5) -> pd.DataFrame:
    """``count`` comments built from every labelled text, in a BMO-like mix of lengths: 60% one
    short text (a reply, a question, an update), 30% two or three texts joined (a longer answer),
    10% five reports joined (a long full report with appendix). Each is made unique."""
    items = [
        i for task in ("questions", "reports", "commitments") for i in ev.load_set(EVAL_DIR, task)
    ]
    reports = [i for i in items if i.name.startswith("r")]
    rng = random.Random(seed)
    texts, picks = [], []
    for n in range(count):
        roll = rng.random()
        if roll < 0.6:
            parts = [rng.choice(items)]
        elif roll < 0.9:
            parts = rng.sample(items, rng.choice((2, 3)))
        else:
            parts = rng.sample(reports, 5)
        picks.append(parts[0])
        texts.append("\n\n".join(p.text for p in parts) + f"\n\nRef {n}.")
    return pd.DataFrame(
        {
            "bug_id": [1_000_000 + n // 12 for n in range(count)],
            "count": [n % 12 for n in range(count)],
            "author": "someone@example.com",
            "time": [pd.Timestamp(p.attrs.get("time", "2025-06-30T10:00:00Z")) for p in picks],
            "is_private": False,
            "text": texts,
            "role": [p.attrs.get("role", "ca") for p in picks],
        }
    )


def throughput(count: int) -> None:
    comments = synthetic_comments(count)
    lengths = comments["text"].str.len()
    print(
        f"== throughput: {count} synthetic comments, median {lengths.median():.0f} chars, "
        f"mean {lengths.mean():.0f}, max {lengths.max()}"
    )
    annotate(comments.head(50))  # load spaCy and the tables outside the timing
    start, cpu_start = time.perf_counter(), time.process_time()
    annotate(comments, cache_dir=None)
    cold, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(
        f"no cache    : {cold:.2f} s wall = {count / cold:,.0f} comments/s; {cpu:.2f} s CPU = "
        f"{count / cpu:,.0f} comments/s of CPU (one process, one core; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        annotate(comments, cache_dir=Path(cache_dir))
        first = time.perf_counter() - start
        start = time.perf_counter()
        annotate(comments, cache_dir=Path(cache_dir))
        warm = time.perf_counter() - start
    print(f"cache       : first run {first:.2f} s (writes the cache), rerun {warm:.2f} s")


def snapshot() -> None:
    import analyzer

    corpus = analyzer.load()
    comments = corpus.comments
    start = time.perf_counter()
    tables = annotate(comments, cache_dir=None)
    took = time.perf_counter() - start
    with_text = comments["text"].fillna("").str.strip() != ""
    language = tables.comment_language[with_text.to_numpy()]
    roles = comments.loc[with_text, "role"].to_numpy()
    print(
        f"== bundled snapshot: {len(comments)} comments, {int(with_text.sum())} with text "
        f"(comment 0 only, first 1,000 characters); annotate took {took:.2f} s"
    )
    for role in ("ca", "root_program", "community"):
        kinds = language[roles == role]["report_kind"].value_counts().to_dict()
        print(f"report kinds ({role}):", kinds)
    print("templates   :", language["report_template"].value_counts().to_dict())
    print(
        f"questions   : {int(language['questions'].sum())} in "
        f"{int((language['questions'] > 0).sum())} comments "
        f"({int(language[roles != 'ca']['questions'].gt(0).sum())} by non-CA accounts); "
        f"commitments (CA comments): {len(tables.commitments)}"
    )


def processes(data_dir: str | None) -> None:
    """Whether spaCy's own ``n_process=2`` pays for a cold language pass: every distinct text of
    a store's comments (the bundled snapshot's by default) read by ``read_comments`` with the
    spaCy pass in one process, then in two, alternating, in one run. CPU counts the children
    spaCy starts (they are joined before the timing ends). Readings must be equal."""
    import resource
    from datetime import date

    import analyzer
    from analyzer.language import read, stage

    comments = (analyzer.load(data_dir) if data_dir else analyzer.load()).comments
    text = stage._text_array(comments["text"])
    days = stage._day_labels(comments)
    first: dict[str, int] = {}
    for index, key in enumerate(stage._keys(text, days)):
        if key is not None:
            first.setdefault(key, index)
    chosen = list(first.values())
    texts = text.take(chosen).to_pylist()
    dates = [None if days[i] == "None" else date.fromisoformat(days[i]) for i in chosen]
    real = read.nlp

    class Piped:  # the pipeline, its pass run with ``n_process``
        def __init__(self, n: int) -> None:
            self.n = n

        def pipe(self, *args, **kwargs):
            return real().pipe(*args, n_process=self.n, **kwargs)

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    print(f"== cold read of {len(texts):,} distinct texts ({len(comments):,} comments)")
    read.read_comments(texts[:50], dates[:50])  # spaCy and the tables loaded outside the timing
    readings = {}
    try:
        for n in (1, 2, 1, 2):
            read.nlp = lambda n=n: Piped(n)  # type: ignore[assignment]
            began_cpu, began = cpu(), time.perf_counter()
            readings[n] = read.read_comments(texts, dates)
            wall, used = time.perf_counter() - began, cpu() - began_cpu
            print(f"n_process={n}: {wall:.2f} s wall, {used:.2f} s CPU (with its children)")
    finally:
        read.nlp = real
    print(f"same readings: {readings[1] == readings[2]}; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=20_000, help="synthetic corpus size")
    parser.add_argument("--skip-snapshot", action="store_true")
    parser.add_argument(
        "--processes", nargs="?", const="", metavar="DATA_DIR",
        help="only time a cold pass with spaCy's n_process 1 vs 2 (default: the snapshot)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.processes is not None:
        processes(args.processes or None)
        return
    accuracy()
    new_readings()
    long_comments()
    throughput(args.comments)
    if not args.skip_snapshot:
        snapshot_throughput()
        snapshot()


if __name__ == "__main__":
    main()

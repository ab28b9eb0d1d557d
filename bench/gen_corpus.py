"""Grow the real corpus's shape to N times its size, as API-shaped raw bugs in a store.

Why: the scale benchmark needs 10x and 50x corpora that look like the real one to every stage
(authors per CA, thread lengths, comment cadence, whiteboard and Next-update spellings, status
mix, needinfo set/clear/retarget), with comment text and history the snapshot lacks.

Each synthetic bug is grown from one real bug of the bundled snapshot (its template): same CA
prefix, same status, same authors in the same order, same thread length, its inter-comment gaps
jittered. Text and history are synthesised from that skeleton. A seed makes it deterministic.

Example:
    python bench/gen_corpus.py --scale 10 --out /tmp/bench/10x --seed 1
"""

from __future__ import annotations

import argparse
import calendar
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from analyzer.store import STORE_FILE, RawBug, Store, open_for_reading

BATCH_BUGS = 2_000
FIRST_BUG_ID = 3_000_000
FIRST_COMMENT_ID = 40_000_000
DAY = 86_400
NEXT_UPDATE_ERA = 1_654_041_600  # 2022-06-01: Next-update dates in the whiteboard become common
CA_PROGRAM_ERA = 1_672_531_200  # 2023-01-01: bugs move from product NSS to CA Program

ROOT_PROGRAM_DOMAINS = {"mozilla.com", "mozilla.org", "ccadb.org", "apple.com", "chromium.org"}
SHARED_ROOT_DOMAINS = {"google.com", "microsoft.com"}  # root program staff and a CA each
PUBLIC_MAIL = {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "protonmail.com",
               "disabled.tld", "gmx.de", "web.de", "icloud.com", "mail.com"}  # fmt: skip
ROOT_STAFF = ["incident-reporting@ccadb.org", "bwilson@mozilla.com", "rootprogram@apple.com"]

# Next-update spellings seen in the real whiteboards (tests/test_parse_whiteboard.py), weighted.
NEXT_UPDATE_STYLES = [
    ("Next update {y:04d}-{m:02d}-{d:02d}", 80),
    ("Next update {y:04d}-{m:02d}-{d:02d} ", 2),
    ("Next update {m}-{d}-{y:04d}", 3),
    ("Next update {d:02d}-{mon}-{y:04d}", 4),
    ("Next update {y:04d}-{mon}-{d:02d}", 3),
    ("Next update {d}-{mon}-{y:04d}", 3),
    ("Next update at {d}.{m}.{y:04d}", 2),
    ("[next-update: {y:04d}-{m:02d}-{d:02d}-]", 2),
    ("Next update TBD", 1),  # unparseable on purpose: a data quality finding
]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

ISSUES = [
    "Delayed revocation of {n} OV certificates",
    "Certificates issued with invalid {field} field",
    "CRL not updated within {n} hours",
    "OCSP responder returned unknown for {n} certificates",
    "Audit report not disclosed in CCADB within 90 days",
    "Misissued EV certificates with incorrect jurisdiction",
    "Intermediate CA certificate not disclosed",
    "S/MIME certificates with non-compliant {field}",
    "Incorrect CAA checking for {n} domains",
    "Failure to publish CP/CPS update",
]
FIELDS = ["subject:organizationName", "keyUsage", "extendedKeyUsage", "serialNumber", "SAN"]
FILLER = [
    "We have reviewed the issuance logs for the affected period.",
    "The certificate profile has been corrected and deployed to production.",
    "Our compliance team is working with the engineering team on the remaining items.",
    "All affected subscribers have been contacted and informed of the revocation.",
    "The linting pipeline now runs zlint and pkilint before every signature.",
    "We identified the change that introduced the defect in our release of last month.",
    "This incident did not affect certificates issued from other issuing CAs.",
    "A full list of affected certificates is attached as a CSV file with crt.sh links.",
    "We continue to monitor the situation and will report any new findings here.",
    "The validation staff have received additional training on this requirement.",
    "Our CPS section 4.9.1.1 describes the revocation timeline that applies here.",
    "The root cause was a configuration drift between staging and production systems.",
    "We have added an automated check that compares each profile against the BRs.",
    "No further certificates with this problem were issued after the fix was deployed.",
]
QUESTIONS = [
    "Can you explain why the revocation did not happen within five days?",
    "What controls will prevent this from recurring?",
    "Could you share the list of affected certificates?",
    "When will the next update be posted?",
    "Why was this not detected by your pre-issuance linting?",
    "Have you checked whether other CAs in your hierarchy are affected?",
    "Is the action item list complete?",
    "How many certificates in total were affected?",
]
REMARKS = [
    "Thanks for the update.",
    "I am not sure this addresses the root cause described above.",
    "Other CAs have reported similar problems in the past.",
    "This looks like the same issue as the one reported last year.",
]
FULL_SECTIONS = ["Summary", "Impact", "Timeline", "Related Incidents", "Root Cause Analysis",
                 "Lessons Learned", "Action Items", "Appendix"]  # fmt: skip


@dataclass
class Template:
    """A real bug reduced to what a synthetic copy keeps."""

    summary_prefix: str | None  # text before the first colon; None when the summary has none
    summary: str
    status: str
    resolution: str
    tags: str  # whiteboard without any Next-update mention
    authors: list[str]
    times: list[int]  # epoch seconds of each comment


def iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def epoch(value: str) -> int:
    return calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ"))


def domain(account: str) -> str:
    return account.rsplit("@", 1)[-1].lower()


def load_templates(data_dir: Path | None = None) -> tuple[list[Template], str]:
    """The real bugs (bundled snapshot unless ``data_dir`` has a store) and its sync time."""
    store = open_for_reading(data_dir)
    try:
        sync_time = store.get_meta("last_sync_time") or "2026-03-14T06:35:52Z"
        templates = [_template(raw) for raw in store.iter_raw()]
    finally:
        store.close()
    return [t for t in templates if t.authors], sync_time


def _template(raw: RawBug) -> Template:
    bug = raw.bug
    summary = bug.get("summary") or ""
    prefix = summary.split(":", 1)[0] if ":" in summary else None
    whiteboard = bug.get("whiteboard") or ""
    tags = " ".join(_tags(whiteboard))
    comments = sorted(raw.comments, key=lambda c: c.get("count", 0))
    return Template(
        summary_prefix=prefix,
        summary=summary,
        status=bug.get("status") or "NEW",
        resolution=bug.get("resolution") or "",
        tags=tags or "[ca-compliance]",
        authors=[c.get("author") or c.get("creator") for c in comments],
        times=[epoch(c.get("time") or c["creation_time"]) for c in comments],
    )


def _tags(whiteboard: str) -> list[str]:
    """The bracketed tags of a whiteboard, dropping Next-update mentions."""
    return [
        part.strip() + "]"
        for part in whiteboard.split("]")
        if part.strip().startswith("[") and "next" not in part.lower()
    ]


class BugGrower:
    """Builds one synthetic bug from a template; state is the rng and the comment id counter."""

    def __init__(self, rng: random.Random, sync_time: int) -> None:
        self.rng = rng
        self.sync_time = sync_time
        self.next_comment_id = FIRST_COMMENT_ID

    def grow(self, bug_id: int, t: Template) -> RawBug:
        rng = self.rng
        times = self._times(t.times)
        authors = t.authors
        ca_side, primary = _ca_side(authors, t.summary_prefix)
        root_staff = [a for a in dict.fromkeys(authors) if _is_root(a, primary)]
        root_staff = root_staff or [rng.choice(ROOT_STAFF)]
        closes = t.status in ("RESOLVED", "VERIFIED", "CLOSED")
        style = _pick_style(rng)
        history = _History()
        # Filing, assignment and triage.
        opened = times[0]
        triager = rng.choice(root_staff)
        # Triage comes before the second comment, so never after a short thread's close.
        next_at = times[1] if len(times) > 1 else opened + 2 * DAY
        triaged = min(opened + rng.randint(600, 2 * DAY), max(opened + 1, next_at - 1))
        history.add(
            triaged,
            triager,
            [
                ("assigned_to", "nobody@mozilla.org", primary),
                (
                    "status",
                    "NEW" if t.status != "UNCONFIRMED" else "UNCONFIRMED",
                    "ASSIGNED" if t.status != "UNCONFIRMED" else "UNCONFIRMED",
                ),
                ("whiteboard", "[ca-compliance]", t.tags),
            ],
        )
        whiteboard = t.tags
        flags: dict[str, tuple[str, int]] = {}  # requestee -> (setter, set time)
        comments: list[dict] = []
        ca_comments = sum(1 for a in authors if a in ca_side)
        ca_seen = 0
        has_full = False
        reopen_at = len(times) // 2 if closes and len(times) > 6 and rng.random() < 0.03 else -1
        for count, (author, when) in enumerate(zip(authors, times, strict=True)):
            is_ca = author in ca_side
            if is_ca:
                ca_seen += 1
                last_ca = ca_seen == ca_comments and closes and t.resolution == "FIXED"
                if last_ca and ca_seen > 1:
                    kind = "closure"
                elif count == 0 or (ca_seen == 1 and rng.random() < 0.7):
                    kind = "preliminary" if rng.random() < 0.6 or count > 0 else "full"
                elif not has_full:
                    kind = "full"
                else:
                    kind = "update"
                has_full = has_full or kind == "full"
                text = _ca_text(rng, kind, when)
                # The CA answers open needinfos; someone else sometimes clears them instead.
                mine = [r for r in flags if r in ca_side]
                if mine and rng.random() < 0.9:
                    history.add(when, author, [("flagtypes.name", _join(mine), "")])
                    for r in mine:
                        del flags[r]
                if kind in ("update", "full") and when > NEXT_UPDATE_ERA:
                    if rng.random() < 0.55:
                        new = f"{t.tags} {_next_update(style, when + rng.randint(5, 30) * DAY)}"
                        editor = rng.choice([author, triager])
                        history.add(
                            when + rng.randint(0, 7200), editor, [("whiteboard", whiteboard, new)]
                        )
                        whiteboard = new
            else:
                text, asks = _other_text(rng, count, authors)
                if asks and count > 0 and author in root_staff and rng.random() < 0.5:
                    self._ask(history, flags, author, when, ca_side, primary, authors[0])
                elif flags and rng.random() < 0.2:
                    self._retarget_or_clear(history, flags, author, when, ca_side)
            comments.append(self._comment(bug_id, count, author, when, text))
            if count == reopen_at:
                history.add(
                    when + 60,
                    triager,
                    [("status", "ASSIGNED", "RESOLVED"), ("resolution", "", "FIXED")],
                )
                history.add(
                    max(when + 61, times[count + 1] - 60),
                    authors[count + 1],
                    [("status", "RESOLVED", "REOPENED"), ("resolution", "FIXED", "")],
                )
        if closes:
            closed = min(times[-1] + rng.randint(0, 2 * DAY), self.sync_time - 60)
            closed = max(closed, triaged + 60)
            closer = authors[-1] if authors[-1] in root_staff else triager
            before = "REOPENED" if reopen_at >= 0 else "ASSIGNED"
            change = [("status", before, t.status), ("resolution", "", t.resolution)]
            if flags and rng.random() < 0.7:
                change.append(("flagtypes.name", _join(list(flags)), ""))
                flags.clear()
            if "Next update" in whiteboard or "next-update" in whiteboard:
                change.append(("whiteboard", whiteboard, t.tags))
                whiteboard = t.tags
            history.add(max(closed, times[-1]), closer, change)
        entries = history.entries()
        last_change = max([times[-1]] + [history.last])
        bug = {
            "id": bug_id,
            "summary": _summary(rng, t),
            "product": "CA Program" if opened >= CA_PROGRAM_ERA else "NSS",
            "component": "CA Certificate Compliance",
            "creation_time": iso(opened),
            "creator": authors[0],
            "status": t.status,
            "resolution": t.resolution,
            "assigned_to": primary,
            "whiteboard": whiteboard,
            "flags": [_flag(requestee, setter, at) for requestee, (setter, at) in flags.items()],
            "last_change_time": iso(last_change),
        }
        return RawBug(bug, comments, entries)

    def _times(self, real: list[int]) -> list[int]:
        """The template's cadence: gaps jittered, the thread moved a little, never past sync."""
        rng = self.rng
        start = real[0] + rng.randint(-15 * DAY, 15 * DAY)
        times = [start]
        for before, after in zip(real, real[1:], strict=False):
            gap = max(after - before, 1)
            times.append(times[-1] + max(1, int(gap * math.exp(rng.gauss(0.0, 0.3)))))
        excess = times[-1] - (self.sync_time - 3600)
        if excess > 0:
            shift = excess + rng.randint(3600, 3 * DAY)
            times = [x - shift for x in times]
        return times

    def _comment(self, bug_id: int, count: int, author: str, when: int, text: str) -> dict:
        self.next_comment_id += 1
        stamp = iso(when)
        return {
            "id": self.next_comment_id,
            "bug_id": bug_id,
            "count": count,
            "creator": author,
            "author": author,
            "creation_time": stamp,
            "time": stamp,
            "text": text,
            "is_private": count > 0 and self.rng.random() < 0.005,
            "attachment_id": None,
            "tags": [],
        }

    def _ask(self, history, flags, setter, when, ca_side, primary, reporter) -> None:
        """A needinfo to the CA, sometimes to two accounts at once or to the reporter."""
        rng = self.rng
        others = [a for a in ca_side if a != primary]
        asked = [primary]
        if others and rng.random() < 0.15:
            asked.append(rng.choice(others))
        elif reporter not in ca_side and rng.random() < 0.1:
            asked = [reporter]
        asked = [a for a in asked if a not in flags]
        if asked:
            history.add(when, setter, [("flagtypes.name", "", _join(asked))])
            for a in asked:
                flags[a] = (setter, when)

    def _retarget_or_clear(self, history, flags, who, when, ca_side) -> None:
        rng = self.rng
        old = rng.choice(list(flags))
        setter, _ = flags.pop(old)
        targets = [a for a in ca_side if a != old and a not in flags]
        if not targets and old in ca_side and domain(old) not in PUBLIC_MAIL:
            targets = [f"compliance@{domain(old)}"]  # a colleague who has not spoken yet
        if targets and rng.random() < 0.6:
            new = rng.choice(targets)
            ca_side.add(new)
            history.add(when, who, [("flagtypes.name", f"needinfo?({old})", f"needinfo?({new})")])
            flags[new] = (who, when)
        else:
            history.add(when, who, [("flagtypes.name", f"needinfo?({old})", "")])


class _History:
    """History entries keyed by (when, who), merged the way BMO groups one edit's changes."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], list[dict]] = {}
        self.last = 0

    def add(self, when: int, who: str, changes: list[tuple[str, str, str]]) -> None:
        bucket = self._entries.setdefault((when, who), [])
        bucket.extend({"field_name": f, "removed": r, "added": a} for f, r, a in changes)
        self.last = max(self.last, when)

    def entries(self) -> list[dict]:
        return [
            {"when": iso(when), "who": who, "changes": changes}
            for (when, who), changes in sorted(self._entries.items())
        ]


def _is_root(account: str, primary: str | None) -> bool:
    dom = domain(account)
    if dom in ROOT_PROGRAM_DOMAINS:
        return True
    return dom in SHARED_ROOT_DOMAINS and (primary is None or domain(primary) != dom)


def _ca_side(authors: list[str], prefix: str | None) -> tuple[set[str], str]:
    """Who speaks for the CA: the busiest non-root, non-public account and its domain mates."""
    counts = Counter(a for a in authors if domain(a) not in ROOT_PROGRAM_DOMAINS)
    corporate = [a for a, _ in counts.most_common() if domain(a) not in PUBLIC_MAIL]
    if corporate:
        primary = corporate[0]
    else:
        slug = "".join(ch for ch in (prefix or "ca").lower() if ch.isalnum()) or "ca"
        return {f"compliance@{slug}.example"}, f"compliance@{slug}.example"
    if domain(primary) in SHARED_ROOT_DOMAINS:
        return {primary}, primary
    return {a for a in counts if domain(a) == domain(primary)}, primary


def _pick_style(rng: random.Random) -> str:
    styles, weights = zip(*NEXT_UPDATE_STYLES, strict=True)
    return rng.choices(styles, weights)[0]


def _next_update(style: str, when: int) -> str:
    y, m, d = time.gmtime(when)[:3]
    return style.format(y=y, m=m, d=d, mon=MONTHS[m - 1])


def _join(accounts: list[str]) -> str:
    return ", ".join(f"needinfo?({a})" for a in accounts)


def _flag(requestee: str, setter: str, at: int) -> dict:
    stamp = iso(at)
    return {
        "name": "needinfo",
        "status": "?",
        "requestee": requestee,
        "setter": setter,
        "creation_date": stamp,
        "modification_date": stamp,
        "type_id": 800,
        "is_active": 1,
    }


def _summary(rng: random.Random, t: Template) -> str:
    if t.summary_prefix is None:
        return t.summary
    issue = rng.choice(ISSUES).format(n=rng.randint(2, 4000), field=rng.choice(FIELDS))
    return f"{t.summary_prefix}: {issue}"


def _fill(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(FILLER, k=rng.randint(low, high)))


def _date(when: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(when))


def _ca_text(rng: random.Random, kind: str, when: int) -> str:
    promise = f"We will provide the next update on or before {_date(when + 7 * DAY)}."
    if kind == "preliminary":
        return (
            "Preliminary Incident Report\n\n## Summary\n\n"
            f"{_fill(rng, 3, 8)}\n\n## Impact\n\n{_fill(rng, 1, 5)}\n\n"
            f"We will post a full incident report by {_date(when + 14 * DAY)}."
        )
    if kind == "full":
        parts = ["Full Incident Report"]
        for section in FULL_SECTIONS:
            if section == "Appendix" and rng.random() < 0.3:
                continue
            if section == "Timeline":
                rows = [
                    f"- {iso(when - k * DAY)[:16].replace('T', ' ')} UTC: {rng.choice(FILLER)}"
                    for k in range(rng.randint(3, 12), 0, -1)
                ]
                body = "\n".join(rows)
            elif section == "Action Items":
                rows = [
                    f"| {rng.choice(FILLER)[:40]} | Prevent | {_date(when + k * 10 * DAY)} |"
                    for k in range(1, rng.randint(2, 6))
                ]
                body = "| Action Item | Kind | Due Date |\n|---|---|---|\n" + "\n".join(rows)
            else:
                body = "\n\n".join(_fill(rng, 2, 6) for _ in range(rng.randint(1, 3)))
            parts.append(f"## {section}\n\n{body}")
        return "\n\n".join(parts)
    if kind == "closure":
        return (
            "## Report Closure Summary\n\n- **Incident description:** "
            f"{_fill(rng, 1, 2)}\n- **Incident Root Cause(s):** {_fill(rng, 1, 2)}\n"
            f"- **Remediation description:** {_fill(rng, 1, 3)}\n"
            "- **Commitment summary:** We will continue to monitor.\n\n"
            "We request that this bug be closed."
        )
    text = "\n\n".join(_fill(rng, 1, 5) for _ in range(rng.randint(1, 3)))
    return f"{text}\n\n{promise}" if rng.random() < 0.6 else text


def _other_text(rng: random.Random, count: int, authors: list[str]) -> tuple[str, bool]:
    """A report from outside, questions (sometimes quoting an earlier comment) or a remark;
    and whether it asks the CA something."""
    if count == 0:
        return f"{_fill(rng, 4, 14)}\n\n{_fill(rng, 2, 8)}\n\n{rng.choice(QUESTIONS)}", True
    if rng.random() < 0.35:
        return f"{rng.choice(REMARKS)} {_fill(rng, 0, 4)}", False
    asked = " ".join(rng.sample(QUESTIONS, k=rng.randint(1, 3)))
    if rng.random() < 0.3:
        quoted = rng.randrange(count)
        header = f"(In reply to {authors[quoted]} from comment #{quoted})"
        quote = "\n".join(f"> {line}" for line in rng.sample(FILLER + QUESTIONS, k=2))
        return f"{header}\n{quote}\n\n{_fill(rng, 0, 4)} {asked}", True
    return f"{rng.choice(REMARKS)} {_fill(rng, 0, 5)} {asked}", True


def synthetic_bug_ids(scale: float, n_templates: int, seed: int) -> list[tuple[int, int]]:
    """(copy, template index) of every synthetic bug: whole copies, then a seeded sample."""
    whole = int(scale)
    pairs = [(k, i) for k in range(whole) for i in range(n_templates)]
    rest = round((scale - whole) * n_templates)
    if rest:
        picked = sorted(random.Random(seed).sample(range(n_templates), rest))
        pairs += [(whole, i) for i in picked]
    return pairs


def generate(
    out_dir: Path, scale: float, seed: int = 1, source_dir: Path | None = None
) -> dict[str, int]:
    """Write a store of ``scale`` times the real corpus into ``out_dir``; return its counts."""
    templates, sync_iso = load_templates(source_dir)
    sync_time = epoch(sync_iso)
    grower = BugGrower(random.Random(seed), sync_time)
    pairs = synthetic_bug_ids(scale, len(templates), seed)
    bugs = comments = 0
    with Store.open(out_dir) as store:
        batch: list[RawBug] = []
        for copy, index in pairs:
            bug_id = FIRST_BUG_ID + copy * 10_000 + index
            raw = grower.grow(bug_id, templates[index])
            batch.append(raw)
            bugs += 1
            comments += len(raw.comments)
            if len(batch) >= BATCH_BUGS:
                store.put_bugs(batch, fetched_at=sync_iso)
                batch = []
        store.put_bugs(batch, fetched_at=sync_iso)
        store.set_meta(
            source="generated",
            history_known="true",
            last_sync_time=sync_iso,
            generated_scale=str(scale),
            generated_seed=str(seed),
        )
    return {"bugs": bugs, "comments": comments}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, required=True, help="1 = the real corpus's size")
    parser.add_argument("--out", type=Path, required=True, help="data dir for the new store")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="replace an existing store")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    target = args.out / STORE_FILE
    if target.exists():
        if not args.force:
            parser.error(f"{target} exists; pass --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    counts = generate(args.out, args.scale, args.seed)
    print(
        f"{counts['bugs']} bugs, {counts['comments']} comments in {target} "
        f"({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

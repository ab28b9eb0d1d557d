"""Data quality of the thread tables: what the curated reference data and parsers do not cover.

Numbers a root program engineer checks before trusting a scorecard: the share of bugs attributed
to a known CA (and every prefix that is not), every Next-update mention that could not be read,
and how many bugs have a CA-side voice at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd

from analyzer.parse.state import cut_texts
from analyzer.tables import ThreadTables


@dataclass
class QualityReport:
    bugs: int
    attributed: int
    unattributed: list[dict] = field(default_factory=list)  # prefix, bugs, example bug ids
    whiteboard_values: int = 0
    next_update: dict[str, int] = field(default_factory=dict)  # parsed/unparsed/absent
    unparsed: list[dict] = field(default_factory=list)  # bug_id, seq, value, text
    tags: dict[str, int] = field(default_factory=dict)
    comment_roles: dict[str, int] = field(default_factory=dict)
    participant_reasons: dict[str, int] = field(default_factory=dict)
    bugs_filed_by_ca: int = 0
    bugs_with_ca_comment: int = 0
    history_known: int = 0
    cas_without_ca_voice: list[dict] = field(default_factory=list)  # ca, bugs
    possible_ca_staff: list[dict] = field(default_factory=list)  # account, ca, comments
    # accounts a person reviewed and decided are not the CA's (ca_accounts.csv role community)
    reviewed_not_ca: int = 0
    # server values the parse stage could not read: bug_id, where, field, value, problem, action
    unreadable: list[dict] = field(default_factory=list)
    # bugs the last sync could not store (no readable id): value, problem
    rejected_by_sync: list[dict] = field(default_factory=list)
    # what the store lacks and how it is read (SPEC "When the store lacks history or text")
    store_lacks: dict = field(default_factory=dict)

    @property
    def attributed_share(self) -> float:
        return self.attributed / self.bugs if self.bugs else 0.0

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["attributed_share"] = round(self.attributed_share, 4)
        return data


def quality_report(
    tables: ThreadTables,
    rejected: list[dict] | None = None,
    reviewed: Collection[tuple[str, str]] = (),
    report_kinds: pd.DataFrame | None = None,
) -> QualityReport:
    """``rejected``: the bugs the last sync left out (meta ``rejected_bugs``); ``reviewed``:
    (CA, account) pairs a person already decided are not the CA's, left off the candidates;
    ``report_kinds``: the language stage's ``bug_id, count, report_kind`` (to count the cut
    texts that show no kind)."""
    bugs, comments, whiteboard = tables.bugs, tables.comments, tables.whiteboard
    unknown = bugs.loc[~bugs["ca_known"]]
    unattributed = [
        {
            "prefix": prefix,
            "bugs": len(rows),
            "bug_ids": [int(b) for b in rows["bug_id"]],
            "summaries": [] if prefix else list(rows["summary"]),
        }
        for prefix, rows in unknown.groupby("ca", sort=False)
    ]
    unattributed.sort(key=lambda item: (-item["bugs"], item["prefix"].lower()))
    unparsed = whiteboard.loc[whiteboard["next_update_status"] == "unparsed"]
    first = comments.loc[comments["count"] == 0]
    tags = whiteboard.drop_duplicates("bug_id", keep="last")["tags"].str.split().explode()
    decided = set(reviewed)
    return QualityReport(
        bugs=len(bugs),
        attributed=int(bugs["ca_known"].sum()),
        unattributed=unattributed,
        whiteboard_values=len(whiteboard),
        next_update=_counts(whiteboard["next_update_status"]),
        unparsed=[
            {
                "bug_id": int(r.bug_id),
                "seq": int(r.seq),
                "value": r.value,
                "text": r.next_update_text,
            }
            for r in unparsed.itertuples()
        ],
        tags=_counts(tags.dropna()),
        comment_roles=_counts(comments["role"]),
        participant_reasons=_counts(tables.participants["reason"]),
        bugs_filed_by_ca=int(first.loc[first["role"] == "ca", "bug_id"].nunique()),
        bugs_with_ca_comment=int(comments.loc[comments["role"] == "ca", "bug_id"].nunique()),
        history_known=int(bugs["history_known"].sum()),
        cas_without_ca_voice=_cas_without_ca_voice(bugs, comments),
        possible_ca_staff=[
            item
            for item in _possible_ca_staff(bugs, comments)
            if (item["ca"], item["account"].lower()) not in decided
        ],
        reviewed_not_ca=len(decided),
        unreadable=_unreadable(tables.data_quality),
        rejected_by_sync=list(rejected or []),
        store_lacks=store_lacks(tables, report_kinds),
    )


def store_lacks(tables: ThreadTables, report_kinds: pd.DataFrame | None = None) -> dict:
    """How often each reading of what the store lacks applies (SPEC "When the store lacks
    history or text"), and the estimated closes that passed over later comments."""
    bugs, comments, board = tables.bugs, tables.comments, tables.whiteboard
    unknown = bugs.loc[~bugs["history_known"].fillna(False).astype(bool)]
    running = unknown.loc[unknown["closed"].isna(), "bug_id"]
    current = board.loc[board["bug_id"].isin(running)].drop_duplicates("bug_id", keep="last")
    known = dict(zip(bugs["bug_id"], bugs["history_known"], strict=True))
    history = comments["bug_id"].map(known).fillna(False).astype(bool)
    cut = comments.loc[cut_texts(comments["text"], history), ["bug_id", "count", "role"]]
    shapeless = 0
    if report_kinds is not None and len(cut):
        by_ca = cut.loc[cut["role"] == "ca", ["bug_id", "count"]]
        kinds = by_ca.merge(report_kinds[["bug_id", "count", "report_kind"]], how="left")
        shapeless = int(kinds["report_kind"].isin(["update", "other"]).sum())
    estimated = bugs.loc[bugs["closed_estimated"].fillna(False).astype(bool)]
    later = comments.merge(estimated[["bug_id", "closed"]], on="bug_id")
    later = later.loc[later["time"] > later["closed"]]
    passed = [
        {
            "bug_id": int(bug_id),
            "closed": rows["closed"].iloc[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "comments_passed_over": len(rows),
            "last_comment": rows["time"].max().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for bug_id, rows in later.groupby("bug_id")
    ]
    collapsed = comments.loc[comments["collapsed"].fillna(False).astype(bool), "tags"]
    return {
        "history_unknown": len(unknown),
        "next_update_for_running_gap": int(current["next_update"].notna().sum()),
        "close_on_for_running_gap": int(current["close_on"].notna().sum()),
        "cut_texts": len(cut),
        "cut_texts_without_kind": shapeless,
        "closed_estimated": len(estimated),
        "closes_passing_over_comments": passed,
        "collapsed_comments": _counts(collapsed.str.split().explode()) if len(collapsed) else {},
    }


def _unreadable(findings: pd.DataFrame | None) -> list[dict]:
    if findings is None or findings.empty:
        return []
    return [
        {**row, "bug_id": int(row["bug_id"])} for row in findings.astype(object).to_dict("records")
    ]


def _cas_without_ca_voice(bugs: pd.DataFrame, comments: pd.DataFrame) -> list[dict]:
    """Known CAs none of whose bugs has a CA-side comment: their domains may be missing."""
    known = bugs.loc[bugs["ca_known"], ["bug_id", "ca"]]
    voiced = set(comments.loc[comments["role"] == "ca", "bug_id"])
    per_ca = known.assign(voiced=known["bug_id"].isin(voiced)).groupby("ca")
    silent = per_ca["voiced"].sum() == 0
    sizes = per_ca.size()[silent]
    return [{"ca": ca, "bugs": int(n)} for ca, n in sizes.sort_values(ascending=False).items()]


def _possible_ca_staff(
    bugs: pd.DataFrame, comments: pd.DataFrame, least: int = 5, share: float = 0.9
) -> list[dict]:
    """Community accounts whose comments are nearly all on one known CA's bugs: candidates for
    ``ca_accounts.csv`` (to be checked by a person, never added automatically)."""
    ca_of = bugs.loc[bugs["ca_known"]].set_index("bug_id")["ca"]
    posted = comments.assign(ca=comments["bug_id"].map(ca_of))
    community = posted.loc[posted["role"] == "community"]
    totals = community.groupby("author").size()
    top = community.dropna(subset=["ca"]).groupby(["author", "ca"]).size()
    found = []
    for (author, ca), count in top.items():
        if count >= least and count >= share * totals[author]:
            found.append({"account": author, "ca": ca, "comments": int(count)})
    return sorted(found, key=lambda item: (-item["comments"], item["account"]))


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items()}


def render_text(report: QualityReport) -> str:
    """The report as plain text, every unattributed prefix and unparsed value listed."""
    n = report.bugs or 1
    lines = [
        f"Bugs: {report.bugs} (history known for {report.history_known})",
        f"Attributed to a known CA: {report.attributed} of {report.bugs} "
        f"({report.attributed_share:.1%})",
        f"Not attributed: {report.bugs - report.attributed} bugs, by summary prefix:",
    ]
    for item in report.unattributed:
        label = item["prefix"] or "(no prefix)"
        ids = ", ".join(str(b) for b in item["bug_ids"])
        lines.append(f"  {item['bugs']:>4}  {label}  [bugs {ids}]")
        lines.extend(f"          {summary}" for summary in item["summaries"])
    status = report.next_update
    mentions = status.get("parsed", 0) + status.get("unparsed", 0)
    lines += [
        "",
        f"Whiteboard values: {report.whiteboard_values}; with a Next-update mention: {mentions} "
        f"(parsed {status.get('parsed', 0)}, unparsed {status.get('unparsed', 0)})",
    ]
    if report.unparsed:
        lines.append("Unparsed Next-update mentions (kept, no date used):")
        lines.extend(
            f"  bug {item['bug_id']} value #{item['seq']}: {item['text']!r} in {item['value']!r}"
            for item in report.unparsed
        )
    else:
        lines.append("Unparsed Next-update mentions: none")
    lines += ["", "Comments by role of the author:"]
    lines += [f"  {role:<13} {count}" for role, count in report.comment_roles.items()]
    lines.append("Participants by why they have their role:")
    lines += [f"  {reason:<21} {count}" for reason, count in report.participant_reasons.items()]
    lines += [
        f"Bugs whose comment 0 is by the CA side: {report.bugs_filed_by_ca} "
        f"({report.bugs_filed_by_ca / n:.1%})",
        f"Bugs with any CA-side comment: {report.bugs_with_ca_comment} "
        f"({report.bugs_with_ca_comment / n:.1%})",
    ]
    if report.cas_without_ca_voice:
        lines.append("Known CAs with no CA-side comment in any of their bugs (domains missing?):")
        lines += [f"  {item['bugs']:>4}  {item['ca']}" for item in report.cas_without_ca_voice]
    if report.reviewed_not_ca:
        lines.append(
            f"Accounts reviewed and recorded as not the CA's (ca_accounts.csv, role community): "
            f"{report.reviewed_not_ca}"
        )
    if report.possible_ca_staff:
        lines.append(
            "Community accounts commenting almost only on one CA's bugs "
            "(check, then record the decision in ca_accounts.csv with its reason):"
        )
        lines += [
            f"  {item['comments']:>4}  {item['account']} -> {item['ca']}"
            for item in report.possible_ca_staff
        ]
    lines.append("")
    lines += _unreadable_lines(report.unreadable)
    if report.rejected_by_sync:
        lines.append(
            f"Bugs the last sync left out: {len(report.rejected_by_sync)} (no readable bug id):"
        )
        lines += [f"  id {item['value']}" for item in report.rejected_by_sync]
    lines += ["", *_lacks_lines(report.store_lacks)]
    lines += ["", "Current whiteboard tags:"]
    lines += [f"  {tag:<24} {count}" for tag, count in report.tags.items()]
    return "\n".join(lines) + "\n"


def _lacks_lines(lacks: dict) -> list[str]:
    """One line per reading of what the store lacks (SPEC "When the store lacks history or
    text"), each saying what is assumed."""
    if not lacks:
        return []
    lines = [
        "What the store lacks, and how it is read:",
        f"  whiteboard history unknown for {lacks['history_unknown']} bugs; of those still "
        f"open, {lacks['next_update_for_running_gap']} carry a Next-update date and "
        f"{lacks['close_on_for_running_gap']} a [close on] tag, read from the start of the "
        "update gap running at the sync",
        f"  texts cut short: {lacks['cut_texts']}; {lacks['cut_texts_without_kind']} of the "
        "CA's show no report kind (unknown, never 'no report')",
        f"  closing time estimated for {lacks['closed_estimated']} bugs (the last comment, "
        "or the last before a silence of 90+ days followed only by community comments)",
    ]
    passed = lacks["closes_passing_over_comments"]
    if passed:
        lines.append(f"  estimated closes that pass over later community comments: {len(passed)}")
        lines += [
            f"    bug {item['bug_id']}: closed {item['closed']}, "
            f"{item['comments_passed_over']} later comment(s) up to {item['last_comment']}"
            for item in passed[:SHOWN_FINDINGS]
        ]
    collapsed = lacks["collapsed_comments"]
    shown = ", ".join(f"{tag} {n}" for tag, n in collapsed.items()) if collapsed else "none"
    lines.append(f"  comments BMO shows collapsed (no update, no reply owed): {shown}")
    return lines


SHOWN_FINDINGS = 200  # lines of unreadable values in the text report (JSON has them all)


def _unreadable_lines(found: list[dict]) -> list[str]:
    if not found:
        return ["Server values that could not be read: none"]
    lines = [f"Server values that could not be read: {len(found)} (kept verbatim in the store):"]
    for item in found[:SHOWN_FINDINGS]:
        lines.append(
            f"  bug {item['bug_id']} {item['where']} {item['field']}: {item['value']} "
            f"({item['problem']}; {item['action']})"
        )
    if len(found) > SHOWN_FINDINGS:
        lines.append(f"  ... and {len(found) - SHOWN_FINDINGS} more (--format json lists all)")
    return lines

"""Convert the real 2026-03-14 corpus snapshot into the store format shipped in the package.

Usage:
    python scripts/build_snapshot.py ../shared/data/webpki-observatory \
        analyzer/data/snapshot.sqlite

The source has bugs (no assignee, flags, history or last_change_time) and every comment's
author, time and privacy (text only for comment 0, its first 1,000 characters). Comments are
given the API's shape (``bug_id``, ``count``, ``creator``, ``creation_time``); history is stored
as unknown (NULL), not as empty.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.store import _SCHEMA, SCHEMA_VERSION, RawBug, Store  # noqa: E402


def convert(source: Path) -> list[RawBug]:
    bugs = json.loads((source / "bugs_raw.json").read_text())
    comments = json.loads((source / "comments_cache.json").read_text())
    raws = []
    for bug in sorted(bugs, key=lambda b: b["id"]):
        bug = dict(bug)
        bug.setdefault("component", "CA Certificate Compliance")
        thread = []
        for count, comment in enumerate(comments.get(str(bug["id"]), [])):
            converted = {
                "bug_id": bug["id"],
                "count": count,
                "author": comment["author"],
                "creator": comment["author"],
                "time": comment["time"],
                "creation_time": comment["time"],
                "is_private": comment.get("is_private", False),
            }
            if "text" in comment:
                converted["text"] = comment["text"]
            thread.append(converted)
        raws.append(RawBug(bug, thread, None))
    return raws


def main(source: str, target: str) -> None:
    meta = json.loads((Path(source) / "bugs_meta.json").read_text())
    target_path = Path(target)
    target_path.unlink(missing_ok=True)
    conn = sqlite3.connect(target_path)
    conn.executescript(_SCHEMA)
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    conn.commit()
    store = Store(conn, target_path, readonly=False)
    raws = convert(Path(source))
    store.put_bugs(raws, fetched_at=meta["last_fetched"][:19] + "Z")
    store.set_meta(
        source="snapshot",
        snapshot_of="2026-03-14T06:35:52Z",
        last_sync_time=meta["last_fetched"][:19] + "Z",
        history_known="false",
        comment_text="comment 0 only, first 1000 characters",
        origin="systematicreasoning/webpki-observatory pipeline/ops_cache (commit a412e76b)",
    )
    conn.execute("VACUUM")
    conn.close()
    print(f"{len(raws)} bugs, {sum(len(r.comments) for r in raws)} comments -> {target_path}")


if __name__ == "__main__":
    main(*sys.argv[1:3])

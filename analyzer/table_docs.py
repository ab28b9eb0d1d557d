"""Every table's and column's description, read from docs/tables.md, for datasette.

Why: ``analyzer export --format sqlite`` writes a datasette metadata file beside the database so
that ``datasette corpus.sqlite -m metadata.json`` shows what each column means. docs/tables.md
is the one place the columns are described; the package (which does not ship docs/) carries
its parsed form, ``analyzer/data/table_docs.json``, and a test holds the two equal. After
editing docs/tables.md run::

    python -m analyzer.table_docs docs/tables.md
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any

_HEADING = re.compile(r"^##\s+`?([a-z_][a-z0-9_]*)`?\s*(.*)$")
_ROW = re.compile(r"^\|(.+)\|\s*$")
_SEPARATOR = re.compile(r"^\|[\s:|-]+\|\s*$")
PACKAGED = "table_docs.json"


def _cells(line: str) -> list[str]:
    match = _ROW.match(line.strip())
    if not match:
        return []
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", match.group(1))]


def _about(rest: str) -> str:
    """A heading's words after the table name: ``(one row per bug)`` -> ``one row per bug``."""
    rest = rest.strip()
    if rest.startswith("(") and ")" in rest:
        inside, after = rest[1:].split(")", 1)
        rest = inside + after
    return rest.strip(" :;")


def parse(text: str) -> dict[str, dict[str, Any]]:
    """``{table: {"description": str, "columns": {column: description}}}`` of docs/tables.md:
    each ``## name (...)`` section, its first paragraph, and the rows of its column tables
    (``| column | type | meaning |``; a description is "meaning [type]")."""
    tables: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    paragraph: list[str] = []
    in_table = False
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = {"description": _about(heading.group(2)), "columns": {}}
            tables[heading.group(1)] = current
            paragraph, in_table = [], False
            continue
        if current is None or line.startswith("#"):
            current = None if line.startswith("#") else current
            continue
        cells = _cells(line)
        if cells:
            if _SEPARATOR.match(line.strip()) or cells[0].lower() == "column":
                in_table = True
                continue
            if in_table and len(cells) >= 2:
                name = cells[0].strip("`")
                kind = cells[1].strip("`")
                meaning = " ".join(cells[2:]).strip() if len(cells) > 2 else ""
                current["columns"][name] = f"{meaning} [{kind}]" if meaning else f"[{kind}]"
            continue
        in_table = False
        if not current["columns"] and not current.get("_said"):
            if line.strip():
                paragraph.append(line.strip())
            elif paragraph:
                current["description"] = ". ".join(
                    part for part in (current["description"], " ".join(paragraph)) if part
                )
                current["_said"] = True
                paragraph = []
    for table in tables.values():
        table.pop("_said", None)
    return tables


def descriptions() -> dict[str, dict[str, Any]]:
    """The packaged descriptions (docs/tables.md as parsed when the package was built)."""
    text = (resources.files("analyzer") / "data" / PACKAGED).read_text("utf-8")
    return json.loads(text)


def datasette_metadata(
    database: str, tables: dict[str, list[str]], docs: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """datasette's metadata for the exported ``tables`` (name -> its columns) in the database
    file named ``database`` (its stem): ``databases -> NAME -> tables -> T -> description,
    columns``. A column docs/tables.md does not describe gets none (a test forbids that)."""
    docs = descriptions() if docs is None else docs
    out: dict[str, Any] = {}
    for name, columns in tables.items():
        about = docs.get(name, {})
        described = about.get("columns", {})
        out[name] = {
            "description": about.get("description", ""),
            "columns": {c: described[c] for c in columns if c in described},
        }
    return {
        "title": "CA incident thread analyzer: tidy tables",
        "description": "Columns as documented in docs/tables.md.",
        "databases": {database: {"tables": out}},
    }


def main(argv: list[str]) -> None:
    source = Path(argv[0] if argv else "docs/tables.md")
    target = Path(__file__).parent / "data" / PACKAGED
    parsed = parse(source.read_text("utf-8"))
    target.write_text(json.dumps(parsed, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"{target}: {len(parsed)} tables")


if __name__ == "__main__":
    main(sys.argv[1:])

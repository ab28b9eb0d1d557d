"""Action Items tables: read by the language stage (``analyzer.language.action_items``); kept
here as names for the code that imported them from ``ahead``."""

from analyzer.language.action_items import (
    MarkdownTable,
    action_items_tables,
    completed_items,
    is_done,
    item_key,
    markdown_tables,
)

__all__ = [
    "MarkdownTable",
    "action_items_tables",
    "completed_items",
    "is_done",
    "item_key",
    "markdown_tables",
]

"""What the pages call things: rule names for people, and the name of "no CA" (a bug whose
summary names no known CA), the same on every page that links to another.
"""

from __future__ import annotations

RULE_LABELS = {
    "first_response": "First response (72 h)",
    "initial_disclosure": "Disclosed within 72 h of identification",
    "full_report": "Full report (14 days)",
    "update_cadence": "Regular updates",
    "action_item_update": "Action item updates (3 days)",
    "needinfo_response": "Needinfo answered (7 days)",
    "comment_response": "Comments answered (7 days)",
}
RULE_SHORT = {
    "first_response": "First resp.",
    "initial_disclosure": "Disclosure",
    "full_report": "Full report",
    "update_cadence": "Updates",
    "action_item_update": "Action items",
    "needinfo_response": "Needinfo",
    "comment_response": "Comments",
}
NO_CA = "(no CA prefix)"

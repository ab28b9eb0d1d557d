"""What the pages call things: rule names for people, and the name of "no CA" (a bug whose
summary names no known CA), the same on every page that links to another.
"""

from __future__ import annotations

RULE_LABELS = {
    "first_response": "First response (72 h)",
    "full_report": "Full report (14 days)",
    "update_cadence": "Regular updates",
    "needinfo_response": "Needinfo answered (7 days)",
    "question_response": "Questions answered (7 days)",
}
RULE_SHORT = {
    "first_response": "First resp.",
    "full_report": "Full report",
    "update_cadence": "Updates",
    "needinfo_response": "Needinfo",
    "question_response": "Questions",
}
NO_CA = "(no CA prefix)"

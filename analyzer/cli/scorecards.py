"""The `analyzer scorecards` command (placeholder until its stage lands)."""

COMMANDS: list = []

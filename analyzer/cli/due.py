"""The `analyzer due` command (placeholder until its stage lands)."""

COMMANDS: list = []

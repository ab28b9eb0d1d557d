"""The `analyzer quality` command (placeholder until its stage lands)."""

COMMANDS: list = []

"""The `analyzer sync` command (placeholder until its stage lands)."""

COMMANDS: list = []

"""The `analyzer metrics` command (placeholder until its stage lands)."""

COMMANDS: list = []

"""The `analyzer export` command (placeholder until its stage lands)."""

COMMANDS: list = []

"""The command-line shell (Typer + Rich)."""

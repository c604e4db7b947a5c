"""``python -m repatria`` runs the CLI."""

from repatria.cli.main import main

main()

"""`python -m warehouse`: the command line (warehouse/cli.py)."""

from warehouse.cli import cli

cli()

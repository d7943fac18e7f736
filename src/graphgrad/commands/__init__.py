"""Subcommands of the `graphgrad` command line (see graphgrad.cli)."""

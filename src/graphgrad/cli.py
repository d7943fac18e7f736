"""The `graphgrad` command line: one subcommand per module in graphgrad.commands.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func(args) -> exit code`` as the parser's default.
"""
import argparse
import importlib
import sys

#: Command modules, in the order `graphgrad --help` lists them.
COMMANDS = ("demo",)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="graphgrad",
        description="Compute graphs and automatic differentiation: forward and backward "
                    "propagation, and neural networks built on them.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"graphgrad.commands.{name}").register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["demo"] + list(argv or sys.argv[1:]))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""The `graphgrad` command line: one subcommand per module in graphgrad.commands.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func(args) -> exit code`` as the parser's default, and may define ``prepare(parser, tokens)
-> tokens`` to rearrange its arguments before argparse reads them (`graph` and `explain` move an
expression that starts with '-' behind '--').

A refused option ends with exit status 2 and one line (``graphgrad train: error: argument
--epochs: must be a whole number >= 1, got 0 (see graphgrad train --help)``); Ctrl-C outside
training (which saves first) ends with status 130 and one line, without a traceback.
"""
import argparse
import importlib
import pkgutil
import sys

from . import commands

#: Commands listed first by `graphgrad --help`; any other module in graphgrad.commands follows.
ORDER = ("train", "graph", "explain", "demo")


class Parser(argparse.ArgumentParser):
    """argparse, with its errors said in one line (the usage is one --help away)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def command_names():
    found = [m.name for m in pkgutil.iter_modules(commands.__path__)]
    return [n for n in ORDER if n in found] + sorted(n for n in found if n not in ORDER)


def build_parser():
    parser = Parser(
        prog="graphgrad",
        description="Compute graphs and automatic differentiation: forward and backward "
                    "propagation, and neural networks built on them. Plain `graphgrad`, with "
                    "no command, trains: it is `graphgrad train` (an MLP on the embedded 8x8 "
                    "digits, writing metrics.json, curves.png and a checkpoint to "
                    "runs/digits-<time>/).",
        epilog="Options follow their command (graphgrad train --epochs 5); `graphgrad COMMAND "
               "--help` lists them.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                title="commands (default: train)")
    parser.preparers, parser.subcommands = {}, sub.choices
    for name in command_names():
        module = importlib.import_module(f"graphgrad.commands.{name}")
        module.register(sub)
        if hasattr(module, "prepare"):
            parser.preparers[name] = module.prepare
    return parser


def _attach_signed_numbers(parser, tokens):
    """'--lr -1e-3' and '--lr -inf' as '--lr=-1e-3', '--lr=-inf': argparse takes only
    '-1' and '-1.5' for numbers, anything else starting with '-' for an option, and would
    answer 'expected one argument' instead of checking the value."""
    single = {option for action in parser._actions if action.nargs is None
              for option in action.option_strings}
    out, i = [], 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            return out + tokens[i:]
        if token in single and i + 1 < len(tokens) and _signed_number(tokens[i + 1]):
            out.append(f"{token}={tokens[i + 1]}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


def _signed_number(text):
    if not text.startswith("-"):
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def main(argv=None):
    parser = build_parser()
    tokens = list(sys.argv[1:] if argv is None else argv)
    if tokens and tokens[0] in parser.subcommands:
        subparser = parser.subcommands[tokens[0]]
        rest = _attach_signed_numbers(subparser, tokens[1:])
        if tokens[0] in parser.preparers:
            rest = parser.preparers[tokens[0]](subparser, rest)
        tokens = [tokens[0], *rest]
    args = parser.parse_args(tokens)
    if args.command is None:       # the main job
        args = parser.parse_args(["train"])   # any option without a command failed above
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"graphgrad {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

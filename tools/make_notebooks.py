"""Build notebooks/*.ipynb (without outputs) from their Python sources notebooks/src/*.py.

A source is a script in the "percent" format: a line ``# %%`` starts a code cell and
``# %% [markdown]`` a Markdown cell, whose lines are comments ("# text"). Edit the source, then

    python tools/make_notebooks.py            # writes notebooks/NNN_name.ipynb
    python tools/make_notebooks.py --check    # exit 1 if a notebook differs from its source

(tests/test_notebooks.py runs the check and then every notebook.)
"""
import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"


def cells_of(text):
    """[(kind, source)] from percent-format text."""
    cells, kind, lines = [], None, []

    def flush():
        body = "\n".join(lines).strip("\n")
        if kind is not None and body:
            cells.append((kind, body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind == "markdown":
            lines.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        elif kind == "code":
            lines.append(line)
    flush()
    return cells


def notebook_of(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    for i, (kind, body) in enumerate(cells_of(path.read_text(encoding="utf-8"))):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(body)
        cell["id"] = f"{path.stem[:3]}-{i:03d}"
        nb.cells.append(cell)
    return nb


def text_of(nb):
    return nbformat.writes(nb) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for src in sorted(SOURCES.glob("*.py")):
        target = OUT / (src.stem + ".ipynb")
        text = text_of(notebook_of(src))
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target.name)
        if not args.check:
            target.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date (run python tools/make_notebooks.py):", ", ".join(stale))
        return 1
    if not args.check:
        print("written:", ", ".join(stale) or "nothing (all up to date)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The lecture notebooks (notebooks/*.ipynb): stored without outputs, in step with their sources
(notebooks/src/*.py, built by tools/make_notebooks.py), and each runs top to bottom without an
error in a fresh ipykernel (matplotlib's Agg backend), within a per-cell timeout. The notebooks
assert the notes' numbers (and what they show), so a run without an error is a check of them."""
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300          # seconds; the whole set runs in about a minute on a 2-core machine
LECTURES = ["000", "001", "002", "003", "004"]


def _missing(*modules):
    return [m for m in modules if importlib.util.find_spec(m) is None]


def test_every_lecture_has_a_notebook_stored_without_outputs():
    assert {p.name[:3] for p in NOTEBOOKS} >= set(LECTURES)
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        assert cells[0]["cell_type"] == "markdown" and "What note" in "".join(cells[0]["source"])
        assert "Exercises" in "".join(cells[-1]["source"]), path.name
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_every_notebook_asserts_the_notes_numbers():
    """A notebook that only prints cannot fail: each checks its key numbers with assert."""
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        asserts = sum(line.lstrip().startswith("assert ") for line in code.splitlines())
        assert asserts >= 10, f"{path.name}: {asserts} asserts"


def test_notebook_sources_are_ruff_clean():
    """make test's ruff covers src, tests, bench, examples and tools; the notebooks' sources
    (and their drawing helper) are checked here."""
    if _missing("ruff"):
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT / "notebooks")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_notebooks_match_their_sources():
    if _missing("nbformat"):
        pytest.skip("nbformat is not installed (pip install -e '.[test]')")
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_notebooks
    finally:
        sys.path.pop(0)
    assert make_notebooks.main(["--check"]) == 0, "run python tools/make_notebooks.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    missing = _missing("nbclient", "nbformat", "ipykernel", "matplotlib")
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: pip install -e '.[test,all]'")
    import nbclient
    import nbformat

    monkeypatch.setenv("MPLBACKEND", "Agg")             # the kernel inherits the environment
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name}: {error}")
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")

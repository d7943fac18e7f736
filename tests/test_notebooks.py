"""The lecture notebooks (notebooks/*.ipynb): stored without outputs, in step with their sources
(notebooks/src/*.py, built by tools/make_notebooks.py), and each runs top to bottom without an
error in a fresh ipykernel (matplotlib's Agg backend), within a per-cell timeout."""
import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300          # seconds; the whole set runs in about a minute on a quiet machine
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

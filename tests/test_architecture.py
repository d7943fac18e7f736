"""The layers of ARCHITECTURE.md hold in the code: arrows point down, no import circles, no
private name taken from another package, no oversized module (tools/import_graph.py reads every
import statement with ast, function-level ones included)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
import_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_graph)


@pytest.fixture(scope="module")
def graph():
    return import_graph.imports()


def test_every_module_has_a_layer(graph):
    for module in graph:
        import_graph.layer_of(module)          # raises KeyError naming the module otherwise


def test_arrows_point_down(graph):
    assert import_graph.upward_arrows(graph) == []


def test_no_import_circles(graph):
    assert import_graph.circles(graph) == []


def test_no_private_names_across_packages():
    assert import_graph.private_imports() == []


def test_the_checks_can_fail(tmp_path):
    """A toy package with an upward arrow, a circle and a private import is caught."""
    pkg = tmp_path / "graphgrad"
    (pkg / "ops").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ops" / "__init__.py").write_text("")
    (pkg / "ops" / "shape.py").write_text("def f():\n    from .. import primitives\n")
    (pkg / "primitives.py").write_text("from .ops.shape import _broadcast\n")
    graph = import_graph.imports(pkg)
    assert import_graph.circles(graph) == [["graphgrad.ops.shape", "graphgrad.primitives"]]
    assert import_graph.upward_arrows(graph) == [("graphgrad.primitives", "graphgrad.ops.shape", 1)]
    assert import_graph.private_imports(pkg) == [
        ("graphgrad.primitives", "graphgrad.ops.shape._broadcast", 1)]


def test_peers_do_not_import_each_other(tmp_path):
    pkg = tmp_path / "graphgrad"
    (pkg / "nn").mkdir(parents=True)
    (pkg / "optim").mkdir()
    for init in (pkg, pkg / "nn", pkg / "optim"):
        (init / "__init__.py").write_text("")
    (pkg / "optim" / "sgd.py").write_text("from ..nn import module\n")
    (pkg / "nn" / "module.py").write_text("")
    arrows = import_graph.upward_arrows(import_graph.imports(pkg))
    assert arrows == [("graphgrad.optim.sgd", "graphgrad.nn.module", 1)]


def test_modules_stay_small():
    """No source file over ~400 lines: split it by what its parts do."""
    long = {str(path.relative_to(ROOT)): n for path in (ROOT / "src").rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 420}
    assert long == {}


def test_the_diagram_lists_every_layer(graph, capsys):
    assert import_graph.main([]) == 0
    printed = capsys.readouterr().out
    for name, _ in import_graph.LAYERS:
        assert name in printed


def test_architecture_md_shows_the_diagram_of_the_code(graph):
    """ARCHITECTURE.md quotes `python3 tools/import_graph.py`; regenerate it when layers move."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert import_graph.layer_diagram(graph) in text

"""graphgrad's import graph, read from the source with `ast` (function-level imports included),
checked against the layers of ARCHITECTURE.md and drawn as text.

    python tools/import_graph.py            # the layers and the arrows between them
    python tools/import_graph.py --modules  # every module and what it imports

An import may point to its own layer or to one below it, never up, and the modules may not
import each other in a circle. tests/test_architecture.py runs the same checks.
"""
import argparse
import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "graphgrad"

#: Bottom to top. A module belongs to the first layer with a prefix that names it (a package
#: name covers all its modules); an arrow may point only within its layer or downwards.
LAYERS = [
    ("state", ["graphgrad._state", "graphgrad.errors"]),
    ("tensor", ["graphgrad.grad_mode", "graphgrad.tensor", "graphgrad.numpy_refusal",
                "graphgrad.random", "graphgrad.view_tracking", "graphgrad.tensor_format",
                "graphgrad.tensor_data",
                "graphgrad.device", "graphgrad.cuda", "graphgrad.accelerator",
                "graphgrad.backends"]),
    ("node", ["graphgrad.node", "graphgrad.grad_fn_names"]),
    ("recording", ["graphgrad.recording"]),
    ("primitives", ["graphgrad.primitives"]),
    ("ops", ["graphgrad.ops"]),
    ("engine", ["graphgrad.autodiff", "graphgrad.transforms", "graphgrad.check",
                "graphgrad.creation", "graphgrad._tensor_methods", "graphgrad.io",
                "graphgrad._tensor_core", "graphgrad._tensor_inplace", "graphgrad._tensor_views",
                "graphgrad.hooks",
                "graphgrad.numpy_dispatch", "graphgrad.sampling",
                "graphgrad.linalg", "graphgrad.autograd", "graphgrad.func",
                "graphgrad.vmap", "graphgrad.pytree", "graphgrad.tracing"]),
    ("graphview", ["graphgrad.graphview"]),
    ("nn", ["graphgrad.nn"]),
    ("optim", ["graphgrad.optim"]),
    ("data", ["graphgrad.data", "graphgrad.utils"]),
    ("train", ["graphgrad.train", "graphgrad.distributed", "graphgrad.compile"]),
    ("cli", ["graphgrad.commands", "graphgrad.cli", "graphgrad.__main__", "graphgrad",
             "graphgrad.playground"]),
]   # "graphgrad" itself is the public API (its __init__), which re-exports every layer
#: Layers that sit side by side: neither may import the other (graph view, nn, optim, data).
PEERS = {"graphview", "nn", "optim", "data"}


def modules(root=PACKAGE):
    """{dotted module name: source path} for every module of the package."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(name, level, importer, is_package):
    """The dotted name an import statement refers to (relative imports made absolute)."""
    if level == 0:
        return name
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _target(name, known):
    """The module a dotted name lives in: the longest known prefix."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def statements(root=PACKAGE):
    """Every import of a graphgrad module: (importer, imported module, name or None, line)."""
    known = modules(root)
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node.module or "", node.level, module, is_package)
                names = [(f"{base}.{alias.name}", alias.name) for alias in node.names]
            else:
                continue
            for dotted, name in names:
                target = _target(dotted, known)
                if target is not None and target != module:
                    yield module, target, None if target == dotted else name, node.lineno


def imports(root=PACKAGE):
    """{module: {imported graphgrad module: first line}}."""
    graph = {module: {} for module in modules(root)}
    for module, target, _, line in statements(root):
        graph[module].setdefault(target, line)
    return graph


def private_imports(root=PACKAGE):
    """Underscored names or modules taken from another package: [(importer, name, line)]."""
    def package(m):
        return m if modules(root)[m].name == "__init__.py" else m.rpartition(".")[0]
    def private(name):
        return name.startswith("_") and not name.startswith("__")
    return [(module, f"{target}.{name}" if name else target, line)
            for module, target, name, line in statements(root)
            if package(module) != package(target)
            and (name and private(name) or any(map(private, target.split("."))))]


def layer_of(module):
    """(index, name) of the layer a module belongs to."""
    best = None
    for index, (name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + ".") and prefix != "graphgrad":
                if best is None or len(prefix) > best[2]:
                    best = (index, name, len(prefix))
    if best is None:
        raise KeyError(f"{module} is in no layer of tools/import_graph.py: add it to LAYERS")
    return best[:2]


def upward_arrows(graph):
    """Imports that point to a higher layer or a peer: [(importer, imported, line)]."""
    wrong = []
    for module, edges in graph.items():
        low, low_name = layer_of(module)
        for target, line in edges.items():
            high, high_name = layer_of(target)
            sideways = high_name != low_name and {low_name, high_name} <= PEERS
            if high > low or sideways:
                wrong.append((module, target, line))
    return wrong


def circles(graph):
    """Every import circle, as a list of modules (Tarjan's strongly connected components)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(graph.get(w, ()))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def layer_diagram(graph):
    """The layers from top to bottom, each with the layers it imports."""
    arrows = {}
    for module, edges in graph.items():
        for target in edges:
            a, b = layer_of(module)[1], layer_of(target)[1]
            if a != b:
                arrows.setdefault(a, set()).add(b)
    order = [name for name, _ in LAYERS]
    lines = []
    for name in reversed(order):
        below = sorted(arrows.get(name, ()), key=order.index, reverse=True)
        lines.append(f"{name:>11} → {', '.join(below) if below else '(nothing)'}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="list every module's imports")
    args = parser.parse_args(argv)
    graph = imports()
    if args.modules:
        for module in sorted(graph):
            print(f"{module}: {', '.join(sorted(graph[module])) or '-'}")
    else:
        print(layer_diagram(graph))
    problems = [f"upward: {a} imports {b} (line {n})" for a, b, n in upward_arrows(graph)]
    problems += [f"circle: {' ↔ '.join(c)}" for c in circles(graph)]
    problems += [f"private: {a} imports {b} (line {n})" for a, b, n in private_imports()]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

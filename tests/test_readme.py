"""The README is true as written.

* Every ```python block runs, in order, in one namespace, as a newcomer pasting them into one
  session would run them, in a fresh folder. The README defines everything its blocks use
  (X, Y and the model come from its own lines), so the namespace starts empty: no prelude.
  An expression whose line ends in `# True` must give True, and what the comments promise
  (∂y/∂x = sin x + x cos x, 3x², 24, ...) is checked in CLAIMS below, by the line's text.
* Every ```bash line that starts with `graphgrad` runs as `python -m graphgrad ...` in a
  subprocess. Only the ones that need a dataset this machine does not have are skipped, with
  the reason; the test downloads nothing. Long runs are shortened by options added here,
  never in the README (SHORTENED).
* The make targets install what the README says, and its links point at files.
"""
import ast
import io
import json
import math
import re
import shlex
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
HAS_DOT = shutil.which("dot") is not None


def blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.M | re.S)


def command_lines():
    """The `graphgrad ...` lines of the bash blocks, without their comments."""
    lines = []
    for block in blocks("bash"):
        for line in block.splitlines():
            if line.startswith("graphgrad"):
                lines.append(shlex.split(line, comments=True))
    return lines


# ---------------------------------------------------------------------------------- Python
def _sin_x_cos(ns):
    x = ns["x"].array.astype(np.float64)
    return np.sin(x) + x * np.cos(x)


def _check_jvp(value, ns):
    out, tangent = value
    x = ns["x"].array.astype(np.float64)
    return np.allclose(out.array, np.tanh(x), rtol=1e-6) and \
        np.allclose(tangent.array, 1 - np.tanh(x) ** 2, rtol=1e-5)


def _softmax_jacobian(value, ns):
    x = ns["x"].array.astype(np.float64)
    s = np.exp(x) / np.exp(x).sum()
    return np.allclose(np.asarray(value.array), np.diag(s) - np.outer(s, s), atol=1e-6)


def _explained_as_g(value, ns):
    listing = str(ns["gg"].explain(ns["loss"]))
    return listing == str(ns["g"].explain()) and "0.bias.grad" in listing


#: README line (its code, as written) -> a check of the value it gives (or prints).
CLAIMS = {
    'x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)':
        lambda value, ns: ns["x"].dtype == ns["gg"].float32,
    "x.grad":                                                       # sin x + x cos x
        lambda value, ns: np.allclose(value.array, _sin_x_cos(ns), rtol=1e-5),
    "gg.grad(lambda x: (x ** 3).sum())(x)":                         # 3x²
        lambda value, ns: np.allclose(value.array, 3 * ns["x"].array ** 2),
    "gg.jvp(gg.tanh, (x,), (gg.ones(3),))": _check_jvp,
    "gg.jacobian(gg.softmax, x)": _softmax_jacobian,
    "gg.hessian(lambda x: (x ** 3).sum())(x)":                      # diag(6x)
        lambda value, ns: np.allclose(value.array, np.diag(6 * ns["x"].array)),
    "gg.grad(gg.grad(gg.grad(lambda x: x ** 4)))(gg.tensor(1.0))":  # 24
        lambda value, ns: value.item() == 24,
    "g.inputs, g.parameters, g.hidden, g.outputs":                  # V, Θ, D, D'
        lambda value, ns: [[v.name for v in nodes] for nodes in value] == [
            ["v0"], ["0.weight", "0.bias", "2.weight", "2.bias"], ["v1", "v2", "v3"], ["v4"]],
    "print(gg.explain(loss))": _explained_as_g,
    "gg.graph(t * gg.sin(t)).inputs":                               # t is an input node
        lambda value, ns: [(v.record, v.kind) for v in value] == [(ns["t"], "input")],
    "gg.trace(lambda x: x * gg.sin(x), 2.0)":
        lambda value, ns: [v.name for v in value.inputs] == ["x"] and len(value) == 3,
}


def _run_statement(node, source, ns):
    """Execute one statement; the value of an expression statement (printing captured)."""
    if isinstance(node, ast.Expr):
        code = compile(ast.Expression(node.value), "README.md", "eval")
        with redirect_stdout(io.StringIO()):
            return eval(code, ns)
    exec(compile(ast.Module([node], []), "README.md", "exec"), ns)
    return None


def test_the_python_blocks_run_in_order_and_say_what_is_true(tmp_path, monkeypatch):
    from graphgrad.graphview import GraphvizNotFoundError
    monkeypatch.chdir(tmp_path)
    ns = {"__name__": "__readme__"}
    checked = set()
    for block in blocks("python"):
        lines = block.splitlines()
        for node in ast.parse(block).body:
            source = ast.get_source_segment(block, node)
            line = lines[node.end_lineno - 1]
            try:
                value = _run_statement(node, source, ns)
            except GraphvizNotFoundError as e:   # the README says drawing needs Graphviz
                assert not HAS_DOT and "(Graphviz)" in line and "apt-get install graphviz" \
                    in str(e), line
                continue
            if re.search(r"#\s*True\b", line):
                assert isinstance(value, (bool, np.bool_)) and value, f"{line}: {value!r}"
            if source in CLAIMS:
                assert CLAIMS[source](value, ns), f"README: {source} gave {value!r}"
                checked.add(source)
    assert checked == set(CLAIMS), f"README lines no longer there: {set(CLAIMS) - checked}"
    assert (tmp_path / "model.safetensors").stat().st_size > 10_000
    if HAS_DOT:
        assert (tmp_path / "mlp.svg").read_text().lstrip().startswith("<?xml")


def test_the_three_ways_to_delta_agree_on_a_scalar_graph_only_to_rounding():
    """Why the README writes np.allclose: on 004's scalar example the three sums differ in the
    last bits, so == is False, while np.allclose holds (and each is 004's df/dx)."""
    import graphgrad as gg
    g = gg.trace(lambda x: gg.sqrt(x ** 2 + gg.exp(x ** 2)) + gg.cos(x ** 2 + gg.exp(x ** 2)),
                 np.float64(1.5))
    u, w = g.inputs[0], g.outputs[0]
    ways = [g.forward_propagation(u)[w], g.backward_propagation(w)[u], g.path_sum(u, w)]
    assert len({float(value) for value in ways}) > 1      # not bit for bit
    for value in ways:
        assert np.allclose(value, 27.780454912912, rtol=1e-12)


# ---------------------------------------------------------------------------- the commands
#: Options the test adds to a README command to make it quick (they follow the README's own,
#: so argparse takes them over it): one epoch, no download, output in the test's folder.
SHORTENED = {"train": ["--epochs", "1", "--no-download"]}


def _dataset_missing(args):
    """Why the command cannot run here (a dataset that is not on this machine), or None."""
    if "--data" not in args:
        return None
    name = args[args.index("--data") + 1]
    if name not in ("mnist", "fashion-mnist"):
        return None
    from graphgrad.data.idx import FASHION_MNIST, MNIST, DataNotFoundError, locate
    try:
        locate(MNIST if name == "mnist" else FASHION_MNIST, download=False)
    except DataNotFoundError:
        return (f"{name} is not on this machine (the test downloads nothing; the README says "
                "how to get it)")
    return None


def graphgrad(args, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "graphgrad", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


COMMANDS = command_lines()


def test_the_readme_shows_commands():
    assert len(COMMANDS) >= 7 and all(c[0] == "graphgrad" for c in COMMANDS)


@pytest.mark.parametrize("args", [c[1:] for c in COMMANDS], ids=[" ".join(c) for c in COMMANDS])
def test_each_readme_command_runs(args, tmp_path):
    reason = _dataset_missing(args)
    if reason:
        pytest.skip(reason)
    run_args = list(args)
    if args[0] in SHORTENED:
        run_args += SHORTENED[args[0]] + ["--out", str(tmp_path / "run")]
    done = graphgrad(run_args, tmp_path)
    if args[0] == "graph" and args[-1].endswith(".svg") and not HAS_DOT:
        assert done.returncode == 1 and "apt-get install graphviz" in done.stderr
        assert "-o graph.dot" in done.stderr       # what the README says works without it
        return
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr           # no warning a newcomer cannot act on
    check = {"train": _trained, "explain": _explained, "graph": _drawn, "demo": _demo}[args[0]]
    check(args, done.stdout, tmp_path)


def _trained(args, out, folder):
    metrics = json.loads((folder / "run" / "metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["epochs_run"] == 1
    assert (folder / "run" / "checkpoint.ckpt").is_file()
    assert "test accuracy:" in out


def _explained(args, out, folder):
    assert "x.grad" in out and "27.780" in out      # 004's df/dx at 1.5


def _drawn(args, out, folder):
    path = folder / args[args.index("-o") + 1]
    text = path.read_text()
    assert text.startswith("digraph") if path.suffix == ".dot" else "<svg" in text
    assert f"wrote {path.name} (7 nodes, 7 edges)" in out


def _demo(args, out, folder):
    values = re.findall(r"df/dx = +(\S+)", out)
    assert len(values) == 3 and all(math.isclose(float(v), 27.7804549129) for v in values)
    assert "a = x ** 2" in out and "at x = 1.5" in out


def test_plain_graphgrad_is_the_main_job_and_prints_the_readmes_accuracy(tmp_path):
    """`make train` runs `graphgrad train`; plain `graphgrad` is the same. The README's
    98.61 % is 354 of the 359 test digits; a different BLAS may round one sum differently,
    so one digit either way is allowed."""
    stated = re.search(r"prints `test accuracy: ([\d.]+) %`", README)
    assert stated, "the README no longer states the main job's accuracy"
    done = graphgrad([], tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    printed = float(re.search(r"test accuracy: ([\d.]+) %", done.stdout)[1])
    assert abs(printed - float(stated[1])) <= 100 / 359 + 1e-9, (printed, stated[1])
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("digits-")
    assert {p.name for p in run.iterdir()} >= {"metrics.json", "curves.png", "checkpoint.ckpt"}
    help_text = " ".join(graphgrad(["--help"], tmp_path).stdout.split())
    assert "Plain `graphgrad`, with no command, trains" in help_text


# ------------------------------------------------------------------------- make and links
def _make_dry_run(target):
    """The commands `make TARGET` would run from scratch (-B: as if nothing were built)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(["make", "-n", "-B", target, "PYTHON=python3"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_train_installs_only_the_runtime_extras_and_make_test_adds_torch():
    train = _make_dry_run("train")
    assert "-e '.[plot,progress,safetensors]'" in train
    assert "torch" not in train and "test" not in train.replace("installed-train", "")
    test = _make_dry_run("test")
    assert "'.[test,all]'" in test and "'torch==2.13.0'" in test and "pytest" in test


def test_relative_links_point_at_files():
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if "://" not in target:
            assert (ROOT / target).exists(), target

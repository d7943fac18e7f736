"""The command-line expression language: a whitelist over Python's ast, evaluated by walking the
tree (never eval/exec), and the `graphgrad graph` / `graphgrad explain` commands."""
import ast
import builtins
import math
import shutil

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.cli import main
from graphgrad.graphview.expression import ExpressionError, parse, parse_assignments

F004 = "sqrt(x**2 + exp(x**2)) + cos(x**2 + exp(x**2))"


def f004(x):
    return math.sqrt(x ** 2 + math.exp(x ** 2)) + math.cos(x ** 2 + math.exp(x ** 2))


def test_evaluates_004_in_float64_without_eval(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must never run")
    real_compile = builtins.compile

    def parse_only(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "only ast.parse may compile: to a tree, not to code"
        return real_compile(source, filename, mode, flags, *args, **kwargs)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", parse_only)
    e = parse(F004, variables={"x"})
    value = e(x=np.float64(1.5))
    assert value.dtype == np.float64 and value == pytest.approx(f004(1.5), rel=1e-15)
    assert parse("-x ** 2 + +y / 2 - max(x, y) * pi")(x=2.0, y=3.0) == \
        pytest.approx(-4 + 1.5 - 3 * math.pi)


@pytest.mark.parametrize("text,what", [
    ("__import__('os')", "unknown function '__import__'"),
    ("__import__('os').system('true')", "calling anything but a listed function"),
    ("x.real", "attribute access"),
    ("exp.__globals__", "attribute access"),
    ("(lambda: 1)()", "calling anything but"),
    ("lambda x: x", "lambda"),
    ("[a for a in x]", "comprehensions"),
    ("{a: 1 for a in x}", "comprehensions"),
    ("sum(a for a in x)", "unknown function 'sum'"),
    ("x[0]", "subscripts"),
    ("__builtins__", "dunder name"),
    ("x.__class__", "attribute access"),
    ("open('f')", "unknown function 'open'"),
    ("exp(x=1)", "keyword arguments"),
    ("exp(x, x)", "exp with 2 arguments"),
    ("'text'", "the constant 'text'"),
    ("x < 1", "comparisons"),
    ("(y := 2)", "assignments"),
    ("x ^ 2", "use ** for powers"),
    ("f'{x}'", "strings"),
    ("exp", "used as a value"),
    ("1 +", "not valid syntax"),
    ("1" + "0" * 400 + " * x", "beyond the float64 range"),
    ("-" * 20000 + "x", "nested too deeply"),
    ("x+" * 150_000 + "x", "longer than the limit"),
])
def test_rejects_everything_outside_the_language(text, what):
    with pytest.raises(ExpressionError, match="expression: ") as info:
        parse(text)
    assert what in str(info.value)


def test_deep_nesting_is_evaluated_without_recursion_or_refused_cleanly():
    assert parse("-" * 900 + "x")(x=2.0) == 2.0          # our walk is iterative
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("-" * 9000 + "x")                          # Python's own parser gives up
    with pytest.raises(ExpressionError, match="too many nested parentheses"):
        parse("(" * 300 + "x" + ")" * 300)


def test_variables_need_values_and_assignments_are_checked():
    with pytest.raises(ExpressionError, match="no value for 'y'; give it with --at y="):
        parse("x * y", variables={"x": 1.0})
    assert parse_assignments("x=1.5, y=2") == {"x": 1.5, "y": 2.0}
    assert isinstance(parse_assignments("x=1.5")["x"], np.float64)
    for bad, what in (("x", "name=value"), ("x=abc", "not a number"), ("exp=1", "reserved"),
                      ("__x=1", "reserved"), ("1x=2", "name=value")):
        with pytest.raises(ExpressionError, match=what):
            parse_assignments(bad)


def test_repeated_subexpressions_become_one_node():
    x = gg.tensor(np.float64(1.5), requires_grad=True, name="x")
    out = parse("exp(x**2) + x**2 + exp(x**2)")(x=x)
    g = gg.graph(out)
    assert [v.op for v in g.nodes] == [None, "pow", "exp", "add", "add"]


# ------------------------------------------------------------------------------ command line
def test_graph_command_rejects_and_runs_nothing(tmp_path, capsys):
    marker = tmp_path / "pwned"
    code = main(["graph", f"__import__('os').system('touch {marker}')", "--at", "x=1"])
    assert code == 2 and not marker.exists()
    err = capsys.readouterr().err
    assert "graphgrad graph: error: expression: not allowed" in err
    assert main(["explain", "x.__class__", "--at", "x=1"]) == 2
    assert main(["graph", "x * y", "--at", "x=1"]) == 2
    assert "no value for 'y'" in capsys.readouterr().err
    assert main(["explain", "2 * 3"]) == 2
    assert "no variables" in capsys.readouterr().err
    assert main(["explain", "x", "--at", "x=2"]) == 2
    assert "no graph" in capsys.readouterr().err


def test_graph_command_writes_dot_without_graphviz(tmp_path, capsys):
    assert main(["graph", F004, "--at", "x=1.5"]) == 0
    dot = capsys.readouterr().out
    # 004: x→a, a→b, a→c, b→c, c→d, c→e, d→f, e→f
    assert dot.startswith("digraph") and dot.count(" -> ") == 8
    path = tmp_path / "graph.dot"
    assert main(["graph", "x*y + sin(x)", "--at", "x=1.5,y=2", "-o", str(path),
                 "--show", "value"]) == 0
    assert "x (input)" in path.read_text().replace("<B>", "").replace("</B>", "").replace(
        "<I>", "").replace("</I>", "")


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's `dot` is not installed (apt-get install graphviz)")
def test_graph_command_renders_svg(tmp_path, capsys):
    path = tmp_path / "graph.svg"
    assert main(["graph", "x*y + sin(x)", "--at", "x=1.5,y=2", "-o", str(path)]) == 0
    assert "<svg" in path.read_text() and "wrote" in capsys.readouterr().out


def test_graph_command_without_graphviz_says_what_to_install(tmp_path, monkeypatch, capsys):
    import graphgrad.graphview.render as render
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    assert main(["graph", "x*2", "--at", "x=1", "-o", str(tmp_path / "g.png")]) == 1
    err = capsys.readouterr().err
    assert "Install Graphviz" in err and "-o graph.dot" in err


# ------------------------------------------------------------------ long, signed, Unicode
@pytest.mark.parametrize("text", ["-x**2", "2**-1", "-2**2", "x/y/2", "max(x, y)*-3",
                                  "(x + 1)*(y - 2)**3", "sqrt(x)**2 - -y", "+x - +1e-3",
                                  "x**y**2", "exp(-(x*y))/2", "ℌ*x"])
def test_the_long_expression_reader_builds_what_python_builds(text):
    from graphgrad.graphview.expression import _Reader
    assert ast.dump(_Reader(text).expression()) == ast.dump(ast.parse(text, mode="eval"))


def test_a_flat_sum_of_thousands_of_terms_is_read_evaluated_and_differentiated(capsys):
    n = 5000
    text = " + ".join(f"{i}*x" for i in range(1, n + 1))
    with pytest.raises(RecursionError):
        ast.parse(text, mode="eval")                 # too long for Python's own ast
    expression = parse(text, variables={"x": 1.0})
    assert expression(x=2.0) == 2.0 * n * (n + 1) / 2
    x = gg.tensor(np.float64(2.0), requires_grad=True)
    expression(x=x).backward()
    assert x.grad.item() == n * (n + 1) / 2          # d/dx Σ i·x
    assert parse("*".join(["x"] * 3000))(x=1.0) == 1.0
    assert main(["explain", text, "--at", "x=1", "--precision", "0"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("/dx = 1e+07")      # 12,502,500
    with pytest.raises(ExpressionError, match=r"not allowed: '\[' \(at column 10002\)"):
        parse("x+" * 5000 + "x[0]")                  # the reader keeps the whitelist
    with pytest.raises(ExpressionError, match=r"not allowed: the function 'exp' used as a "):
        parse("x+" * 5000 + "exp")


def test_an_expression_starting_with_minus_is_read_as_the_expression(capsys):
    for argv in (["explain", "-x**2", "--at", "x=3"], ["explain", "--at", "x=3", "-x**2"],
                 ["explain", "--at", "x=3", "--", "-x**2"], ["explain", "--", "-x**2", "--at",
                                                            "x=3"],
                 ["explain", "--precision", "1", "-x**2", "--at=x=3"]):
        assert main(argv) == 0, argv
        assert capsys.readouterr().out.rstrip().split("= ")[-1] in ("-6.000", "-6.0")
    assert main(["graph", "-1.5*x", "--at", "x=2"]) == 0
    assert capsys.readouterr().out.startswith("digraph")
    with pytest.raises(SystemExit) as info:                # a real unknown option stays one
        main(["explain", "--bogus", "x", "--at", "x=1"])
    assert info.value.code == 2


def test_unicode_identifiers_are_read_as_python_reads_them(capsys):
    assert parse("α*β + ℌ")(α=2.0, β=3.0, H=1.0) == 7.0
    assert parse("ﬁ*2").variables == ["fi"]               # NFKC, as Python
    assert parse_assignments("ℌ=3, ﬁ=2") == {"H": 3.0, "fi": 2.0}
    assert main(["explain", "α*ℌ", "--at", "α=2,ℌ=3"]) == 0
    out = capsys.readouterr().out
    assert "dv0/dα = 3.000" in out and "dv0/dH = 2.000" in out


def test_precision_from_0_to_17(capsys):
    assert main(["explain", "x/3", "--at", "x=1", "--precision", "17"]) == 0
    assert "0.33333333333333331" in capsys.readouterr().out
    assert main(["explain", "x/3", "--at", "x=1", "--precision", "0"]) == 0

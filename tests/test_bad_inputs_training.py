"""A catalogue of bad inputs to model and optimizer construction, fit and the command line:
each is refused with its exact error type (or exit status) and one line that names the
problem, and nothing that existed before is lost (a previous checkpoint stays byte for byte)."""
import json
import math

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.cli import main

F = gg.nn.functional
NAN, INF = math.nan, math.inf


def _param():
    return gg.zeros(3, requires_grad=True)


def _other_models_state():
    other = gg.nn.Linear(5, 2, generator=0)
    opt = gg.optim.Adam(other.parameters())
    other(gg.ones(1, 5)).sum().backward()
    opt.step()
    return opt.state_dict()


# ------------------------------------------------------------------ nn and optim construction
CONSTRUCTION = [
    ("SGD lr -1", lambda: gg.optim.SGD([_param()], lr=-1.0), ValueError,
     r"^Invalid learning rate: -1.0$"),
    ("SGD lr nan", lambda: gg.optim.SGD([_param()], lr=NAN), ValueError,
     r"^Invalid learning rate: nan$"),
    ("Adam lr inf", lambda: gg.optim.Adam([_param()], lr=INF), ValueError,
     r"^Invalid learning rate: inf$"),
    ("Adam lr text", lambda: gg.optim.Adam([_param()], lr="0.1"), TypeError,
     r"^Invalid learning rate: '0.1' \(expected a number, got str\)$"),
    ("SGD momentum -0.5", lambda: gg.optim.SGD([_param()], lr=0.1, momentum=-0.5), ValueError,
     r"^Invalid momentum value: -0.5$"),
    ("AdamW weight_decay nan", lambda: gg.optim.AdamW([_param()], weight_decay=NAN),
     ValueError, r"^Invalid weight_decay value: nan$"),
    ("Adam beta1 = 1", lambda: gg.optim.Adam([_param()], betas=(1.0, 0.999)), ValueError,
     r"^Invalid beta parameter at index 0: 1.0$"),
    ("Adam betas a number", lambda: gg.optim.Adam([_param()], betas=0.9), TypeError,
     r"^Invalid betas: 0.9"),
    ("Adam eps < 0", lambda: gg.optim.Adam([_param()], eps=-1e-8), ValueError,
     r"^Invalid epsilon value: -1e-08$"),
    ("RMSprop alpha inf", lambda: gg.optim.RMSprop([_param()], alpha=INF), ValueError,
     r"^Invalid alpha value: inf$"),
    ("Adadelta rho 1.5", lambda: gg.optim.Adadelta([_param()], rho=1.5), ValueError,
     r"^Invalid rho value: 1.5$"),
    ("Nesterov without momentum", lambda: gg.optim.SGD([_param()], lr=0.1, nesterov=True),
     ValueError, r"^Nesterov momentum requires a momentum and zero dampening$"),
    ("no parameters", lambda: gg.optim.Adam([]), ValueError, r"empty parameter list"),
    ("a bare tensor", lambda: gg.optim.Adam(_param()), TypeError, r"wrap it in a list"),
    ("LBFGS history_size 0", lambda: gg.optim.LBFGS([_param()], history_size=0), ValueError,
     r"^Invalid history_size value: 0$"),
    ("optimizer state of another model",
     lambda: gg.optim.Adam(gg.nn.Linear(4, 2).parameters()).load_state_dict(
         _other_models_state()), ValueError,
     r"parameter 0 has shape \(2, 5\), but the parameter has shape \(2, 4\)"),
    ("scheduler of a non-optimizer",
     lambda: gg.optim.lr_scheduler.StepLR(object(), step_size=1), TypeError,
     r"needs a graphgrad Optimizer"),
    ("Dropout p 1.5", lambda: gg.nn.Dropout(1.5), ValueError, r"\[0, 1\].*1\.5"),
    ("MLP without output", lambda: gg.nn.MLP([4]), ValueError,
     r"needs at least an input and an output size"),
    ("attention heads", lambda: gg.nn.MultiheadAttention(5, 2), ValueError,
     r"embed_dim 5 is not divisible by num_heads 2"),
    ("module state of another model",
     lambda: gg.nn.Linear(3, 2).load_state_dict(gg.nn.Linear(4, 2).state_dict()),
     gg.nn.StateDictError, r"shape mismatch for 'weight': \(2, 4\).*\(2, 3\)"),
]


@pytest.mark.parametrize("what,make,error,message", CONSTRUCTION,
                         ids=[c[0] for c in CONSTRUCTION])
def test_construction(what, make, error, message):
    with pytest.raises(error, match=message) as info:
        make()
    assert type(info.value) is error or error is gg.nn.StateDictError
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ fit
@pytest.fixture
def previous(tmp_path):
    """A checkpoint written by an earlier run, that no failed call may change."""
    x, y = gg.data.moons(n_samples=40, seed=0)
    model = gg.nn.MLP([2, 8, 2], generator=0)
    opt = gg.optim.Adam(model.parameters())
    path = tmp_path / "previous.ckpt"
    gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=2, checkpoint=path)
    return path, path.read_bytes()


def _fit(**changes):
    x, y = gg.data.moons(n_samples=40, seed=0)
    model = gg.nn.MLP([2, 8, 2], generator=0)
    options = dict(model=model, loss_fn=F.cross_entropy,
                   optimizer=gg.optim.Adam(model.parameters()), train_data=(x, y), epochs=2)
    options.update(changes)
    return lambda: gg.train.fit(**options)


FIT = [
    ("epochs -1", dict(epochs=-1), ValueError, r"^fit: epochs must be >= 0, got -1$"),
    ("epochs 2.5", dict(epochs=2.5), TypeError, r"^fit: epochs must be a whole number"),
    ("a torch-like optimizer", dict(optimizer=object()), TypeError,
     r"^fit: optimizer must be a graphgrad Optimizer"),
    ("loss not callable", dict(loss_fn="cross_entropy"), TypeError,
     r"^fit: loss_fn must be callable, got str$"),
    ("a function as callback", dict(callbacks=[print]), TypeError,
     r"^fit: callbacks\[0\] is a builtin_function_or_method, not a Callback"),
    ("empty training data", dict(train_data=(np.zeros((0, 2), np.float32), np.zeros(0, int))),
     ValueError, r"^fit: train_data is empty$"),
    ("empty validation data", dict(val_data=(np.zeros((0, 2), np.float32), np.zeros(0, int))),
     ValueError, r"^fit: val_data is empty$"),
    ("batch size 0", dict(batch_size=0), ValueError, r"batch_size .*positive integer.*0"),
    ("a scheduler that is not one", dict(scheduler="cosine"), TypeError,
     r"^fit: scheduler must be an lr or batch-size scheduler"),
    ("checkpoint in a missing folder", dict(checkpoint="/nonexistent/run/c.ckpt"),
     FileNotFoundError, r"^fit: the folder of checkpoint '/nonexistent/run/c.ckpt' does not "),
    ("resume a missing file", dict(resume="/nonexistent/c.ckpt"), FileNotFoundError,
     r"^fit: resume='/nonexistent/c.ckpt': no such checkpoint file$"),
]


@pytest.mark.parametrize("what,changes,error,message", FIT, ids=[c[0] for c in FIT])
def test_fit(what, changes, error, message, previous):
    path, before = previous
    changes.setdefault("checkpoint", path)
    with pytest.raises(error, match=message) as info:
        _fit(**changes)()
    assert type(info.value) is error and "\n" not in str(info.value)
    assert path.read_bytes() == before


def test_fit_checkpoint_is_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder; give a file name in it"):
        _fit(checkpoint=tmp_path)()


def test_fit_resume_from_a_file_that_is_no_checkpoint(tmp_path, previous):
    gg.save(gg.nn.Linear(2, 2).state_dict(), tmp_path / "weights.npz")
    with pytest.raises(ValueError, match=r"weights.npz is not a training checkpoint \(it has no "
                                         r"'model', 'optimizer', 'epoch', 'history'\)"):
        _fit(resume=tmp_path / "weights.npz", checkpoint=previous[0])()
    assert previous[0].read_bytes() == previous[1]


def test_fit_resume_into_a_different_model(previous):
    path, before = previous
    x, y = gg.data.moons(n_samples=40, seed=0)
    model = gg.nn.MLP([2, 16, 2], generator=0)
    with pytest.raises(gg.nn.StateDictError, match=r"shape mismatch for '0.weight'"):
        gg.train.fit(model, F.cross_entropy, gg.optim.Adam(model.parameters()), (x, y),
                     epochs=4, resume=path, checkpoint=path)
    assert path.read_bytes() == before


def test_fit_nan_loss(previous):
    path, before = previous

    def nan_loss(out, target):
        return F.cross_entropy(out, target) * math.nan
    with pytest.raises(gg.train.DivergenceError, match=r"^training diverged: the training "
                                                      r"loss is nan at epoch 3, step 1 of 2 "):
        _fit(loss_fn=nan_loss, resume=path, checkpoint=path, epochs=4)()
    assert path.read_bytes() == before


# ------------------------------------------------------------------ the command line
@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A finished `graphgrad train` run, whose files no refused command may touch."""
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", "--data", "moons", "--samples", "60", "--hidden", "8", "--epochs",
                 "2", "--no-plots", "--quiet", "--out", str(out)]) == 0
    return out


CLI = [  # (arguments, exit status, what the one line must say)
    (["train", "--epochs", "0"], 2, "argument --epochs: must be a whole number >= 1, got 0"),
    (["train", "--epochs", "1e3"], 2, "argument --epochs: expected a whole number, got '1e3'"),
    (["train", "--lr", "0"], 2, "argument --lr: must be a finite number > 0, got 0"),
    (["train", "--lr", "nan"], 2, "argument --lr: must be a finite number > 0, got nan"),
    (["train", "--lr", "-inf"], 2, "argument --lr: must be a finite number > 0, got -inf"),
    (["train", "--batch-size", "0"], 2, "argument --batch-size: must be a whole number >= 1"),
    (["train", "--hidden", "32", "0"], 2, "argument --hidden: must be a whole number >= 1"),
    (["train", "--val-fraction", "-0.5"], 2,
     "argument --val-fraction: must be a finite number >= 0 and < 1, got -0.5"),
    (["train", "--val-fraction", "1"], 2, "argument --val-fraction: must be a finite number"),
    (["train", "--data", "moons", "--samples", "1"], 2,
     "argument --samples: must be a whole number >= 2, got 1"),
    (["train", "--samples", "100"], 2, "--samples applies to the 2-D sets"),
    (["train", "--data", "xor", "--noise", "inf"], 2, "argument --noise: must be a finite"),
    (["train", "--weight-decay", "-1"], 2, "argument --weight-decay: must be a finite number"),
    (["train", "--seed", "-1"], 2, "argument --seed: must be a whole number >= 0, got -1"),
    (["train", "--patience", "-2"], 2, "argument --patience: must be a whole number >= 0"),
    (["train", "--optimizer", "lbfgs", "--weight-decay", "0.1"], 2,
     "the lbfgs optimizer takes no weight decay"),
    (["train", "--patience", "3", "--val-fraction", "0"], 2, "give --val-fraction > 0"),
    (["train", "--new-schedule"], 2, "--new-schedule applies only with --resume"),
    (["train", "--data", "cifar"], 2, "argument --data: invalid choice: 'cifar'"),
    (["train", "--resume", "{tmp}/missing.ckpt"], 1, "--resume: no checkpoint"),
    (["train", "--resume", "{tmp}/corrupt.ckpt"], 1, "--resume: load: "),
    (["train", "--resume", "{run}/checkpoint.ckpt", "--hidden", "9"], 2,
     "--hidden 9: the run in"),
    (["train", "--out", "{tmp}/a-file/run"], 1, "a-file is a file, not a folder"),
    (["train", "--data", "moons", "--samples", "4", "--epochs", "1"], 1,
     "--val-fraction 0.1 of 4 training samples holds out none"),
    (["train", "--data", "mnist", "--no-download"], 1, "were not found in:"),
    (["explain", "x", "--at", "x=1", "--precision", "-3"], 2,
     "argument --precision: must be between 0 and 17"),
    (["explain", "x*2", "--at", "x=1", "--precision", "99"], 2, "between 0 and 17"),
    (["explain", "x +", "--at", "x=1"], 2, "expression: not valid syntax"),
    (["graph", "__import__('os')", "--at", "x=1"], 2, "not allowed: a call of the unknown"),
    (["explain", "x*y", "--at", "x=1"], 2, "no value for 'y'"),
]


@pytest.mark.parametrize("argv,status,said", CLI, ids=[" ".join(c[0][:3]) for c in CLI])
def test_command_line(argv, status, said, run_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRAPHGRAD_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "corrupt.ckpt").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "a-file").write_text("not a folder")
    before = {p.name: p.read_bytes() for p in run_folder.iterdir()}
    argv = [a.format(tmp=tmp_path, run=run_folder) for a in argv]
    if argv[0] == "train" and "--out" not in argv and "--resume" not in argv:
        argv += ["--out", str(run_folder)]     # a refused run must not touch this run's files
    try:
        code = main(argv)
    except SystemExit as e:                    # argparse
        code = e.code
    err = capsys.readouterr().err
    assert code == status
    assert err.count("\n") == 1 or "were not found in:" in said, err   # one line
    assert err.startswith(f"graphgrad {argv[0]}: error: ") and said in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in run_folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "corrupt.ckpt"]


def test_the_catalogue_has_at_least_40_entries():
    assert len(CONSTRUCTION) + len(FIT) + 4 + len(CLI) >= 40


def test_metrics_json_is_strict_json(run_folder):
    def refuse(name):
        raise ValueError(name)
    metrics = json.loads((run_folder / "metrics.json").read_text(), parse_constant=refuse)
    assert metrics["status"] == "completed" and metrics["history"]["epochs"] == [1, 2]

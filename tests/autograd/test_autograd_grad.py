"""gg.autograd.grad and gg.autograd.backward with torch.autograd's signatures, return types and
errors; gg.gradients keeps its messages and gains PyTorch's; the namespace's switches."""
import subprocess
import sys

import numpy as np
import pytest

import graphgrad as gg

X = np.array([0.5, -1.0, 2.0])
W = np.array([1.5, 0.25, -0.5])


def _np(t):
    return t.detach().numpy()


def _leaves(lib):
    x = lib.tensor(X, requires_grad=True)
    w = lib.tensor(W, requires_grad=True)
    unused = lib.tensor(W, requires_grad=True)
    return x, w, unused


def test_grad_of_a_list_of_inputs_matches_torch(torch):
    for lib, grad in ((gg, gg.autograd.grad), (torch, torch.autograd.grad)):
        x, w, _ = _leaves(lib)
        y = (x.sin() * w).sum()
        result = grad(y, [x, w], create_graph=True)
        assert isinstance(result, tuple) and len(result) == 2
        if lib is gg:
            ours = result
        else:
            theirs = result
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-15)
    assert ours[0].requires_grad                          # create_graph keeps the graph


def test_unused_inputs_allow_unused_and_materialize_grads(torch):
    outcomes = {}
    for lib, grad in ((gg, gg.autograd.grad), (torch, torch.autograd.grad)):
        x, w, unused = _leaves(lib)
        y = (x * w).sum()
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph. "
                                               "Set allow_unused=True"):
            grad(y, [x, unused], retain_graph=True)
        none = grad(y, [x, unused], retain_graph=True, allow_unused=True)
        zeros = grad(y, [x, unused], retain_graph=True, materialize_grads=True)
        with pytest.raises(ValueError, match="Expected allow_unused to be True"):
            grad(y, [x, unused], allow_unused=False, materialize_grads=True)
        outcomes[lib.__name__] = (none[1], zeros[1].tolist(), _np(none[0]))
    assert outcomes["graphgrad"][0] is None and outcomes["torch"][0] is None
    assert outcomes["graphgrad"][1] == outcomes["torch"][1] == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(outcomes["graphgrad"][2], outcomes["torch"][2], rtol=0)


def test_gradients_errors_say_what_pytorch_says_and_more():
    x, w, unused = _leaves(gg)
    y = (x * w).sum()
    with pytest.raises(gg.GradientError, match=r"index 1 appears to not have been used.*"
                                               r"shape \(3,\) was not used"):
        gg.gradients(y, [x, unused], retain_graph=True)
    with pytest.raises(gg.GradientError, match="One of the differentiated Tensors does not "
                                               "require grad.*shape \\(\\)"):
        gg.gradients(y, [x, gg.tensor(1.0)], retain_graph=True)
    with pytest.raises(gg.GradientError, match="grad can be implicitly created only for scalar "
                                               r"outputs.*shape \(3,\).*gradient="):
        gg.gradients(x * 2, [x])
    with pytest.raises(gg.ShapeError, match=r"mismatch in shape.*\(2,\).*\(3,\)"):
        gg.gradients(x * 2, [x], grad_outputs=gg.ones(2))
    with pytest.raises(gg.GradientError, match="got 2 tensors and 1 gradients"):
        gg.gradients([x * 2, y], [x], grad_outputs=[gg.ones(3)])
    with pytest.raises(gg.GradientError, match="element 0 of tensors does not require grad "
                                               "and does not have a grad_fn"):
        gg.gradients(gg.ones(2), [x])
    with pytest.raises(gg.GradientError, match="`inputs` argument to `grad\\(\\)` cannot be "
                                               "empty"):
        gg.gradients(y, [])
    with pytest.raises(TypeError, match="all inputs have to be Tensors, but got int"):
        gg.gradients(y, [x, 3])
    with pytest.raises(gg.DtypeError, match="only Tensors of floating point dtype can require "
                                            "gradients.*int64"):
        gg.grad(lambda v: v.sum())([1, 2])
    with pytest.raises(gg.GradientError, match="grad can be implicitly created only for scalar "
                                               "outputs.*one-element"):
        gg.grad(lambda v: v * 2)([1.0, 2.0])
    # one grad_output per output, None for a one-element output, as in PyTorch
    (g,) = gg.gradients([x * 2, y], [x], grad_outputs=[gg.ones(3, dtype=gg.float64), None])
    np.testing.assert_allclose(_np(g), 2 + W, rtol=1e-15)


def test_the_same_errors_in_torch(torch):
    """The PyTorch sentences the tests above look for, checked against PyTorch itself."""
    x, w, _ = _leaves(torch)
    y = (x * w).sum()
    for call, message in (
            (lambda: torch.autograd.grad(x * 2, [x]), "grad can be implicitly created only "
                                                      "for scalar outputs"),
            (lambda: torch.autograd.grad([x * 2, y], [x], grad_outputs=[torch.ones(3)]),
             "got 2 tensors and 1 gradients"),
            (lambda: torch.autograd.grad(torch.ones(2), [x]), "element 0 of tensors does not "
                                                              "require grad and does not have "
                                                              "a grad_fn"),
            (lambda: torch.autograd.grad(y, []), "`inputs` argument to `grad\\(\\)` cannot be "
                                                 "empty"),
            (lambda: torch.autograd.grad(y, [x, torch.tensor(1.0)]),
             "One of the differentiated Tensors does not require grad"),
            (lambda: torch.autograd.grad(y, [x, 3]), "all inputs have to be Tensors"),
            (lambda: torch.tensor([1, 2]).requires_grad_(), "only Tensors of floating point "
                                                            "dtype can require gradients")):
        with pytest.raises(RuntimeError, match=message):
            call()


def test_dict_inputs_and_batched_grad_outputs(torch):
    results = {}
    for lib, grad in ((gg, gg.autograd.grad), (torch, torch.autograd.grad)):
        x, w, _ = _leaves(lib)
        y = x * w
        by_name = grad(y.sum(), {"x": x, "w": w}, retain_graph=True)
        batched = grad(y, [x], grad_outputs=lib.tensor(np.eye(3)), is_grads_batched=True)
        results[lib.__name__] = (by_name, batched)
    (ours, ours_b), (theirs, theirs_b) = results["graphgrad"], results["torch"]
    assert list(ours) == list(theirs) == ["x", "w"]
    for k in ours:
        np.testing.assert_allclose(_np(ours[k]), _np(theirs[k]), rtol=0)
    np.testing.assert_allclose(_np(ours_b[0]), _np(theirs_b[0]), rtol=0)
    np.testing.assert_allclose(_np(ours_b[0]), np.diag(W), rtol=0)


def test_backward_of_several_tensors_in_one_sweep(torch):
    grads = {}
    for lib, backward in ((gg, gg.autograd.backward), (torch, torch.autograd.backward)):
        x, w, _ = _leaves(lib)
        a, b = (x * w).sum(), x.exp()
        backward([a, b], [None, lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)])
        first = (_np(x.grad), _np(w.grad))
        x.grad = w.grad = None
        backward((x * w * 3).sum(), inputs=[w])
        grads[lib.__name__] = first + (x.grad, _np(w.grad))
    ours, theirs = grads["graphgrad"], grads["torch"]
    for i in (0, 1, 3):
        np.testing.assert_allclose(ours[i], theirs[i], rtol=1e-15)
    assert ours[2] is None and theirs[2] is None
    x, w, _ = _leaves(gg)
    with pytest.raises(gg.GradientError, match="got 2 tensors and 1 gradients"):
        gg.autograd.backward([x.sum(), w.sum()], [gg.tensor(1.0)])
    with pytest.raises(gg.GradientError, match="`inputs` argument to `backward\\(\\)` cannot"):
        gg.autograd.backward(x.sum(), inputs=[])


def test_anomaly_switches_as_in_torch():
    x = gg.tensor([0.0, 1.0], requires_grad=True)
    with gg.autograd.detect_anomaly():
        y = gg.sqrt(x).sum()
        with pytest.raises(gg.AnomalyError, match="sqrt"):
            y.backward()
    gg.sqrt(x).sum().backward()                          # off again after the block
    assert np.isinf(x.grad.numpy()[0])
    gg.autograd.set_detect_anomaly(True)                 # a call turns it on from now on
    try:
        with pytest.raises(gg.AnomalyError):
            gg.sqrt(x).sum().backward()
    finally:
        gg.autograd.set_detect_anomaly(False)
    with gg.autograd.set_detect_anomaly(True):           # a block turns it back off after
        pass
    gg.sqrt(x).sum().backward()


def test_grad_mode_switches_are_the_engine_s():
    assert gg.autograd.no_grad is gg.no_grad and gg.autograd.enable_grad is gg.enable_grad
    assert gg.autograd.set_grad_enabled is gg.set_grad_enabled
    with gg.autograd.no_grad():
        assert not (gg.ones(2, requires_grad=True) * 2).requires_grad


def test_namespaces_are_imported_on_first_use():
    code = ("import sys, graphgrad as gg; lazy = ('graphgrad.autograd', 'graphgrad.func'); "
            "assert not any(m in sys.modules for m in lazy), sys.modules.keys(); "
            "gg.autograd.grad; gg.func.vmap; assert all(m in sys.modules for m in lazy); "
            "assert {'autograd', 'func'} <= set(gg.__all__)")
    subprocess.run([sys.executable, "-c", code], check=True)

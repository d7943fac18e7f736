"""gradcheck never passes on NaN, and speaks PyTorch: gg.autograd.gradcheck / gradgradcheck with
torch.autograd's signatures, defaults and input rules; gg.gradcheck accepts the same keywords."""
import warnings

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.primitives import registry


def _f64(values, requires_grad=True):
    return gg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_nan_on_both_sides_fails_as_in_torch(torch):
    x = torch.tensor([-1.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError):
        torch.autograd.gradcheck(torch.sqrt, (x,))
    assert torch.autograd.gradcheck(torch.sqrt, (x,), raise_exception=False) is False
    with np.errstate(invalid="ignore"):
        with pytest.raises(gg.GradcheckError, match="NaN never agrees"):
            gg.gradcheck(gg.sqrt, [np.array([-1.0])])
        assert gg.gradcheck(gg.sqrt, [np.array([-1.0])], raise_exception=False) is False
        with pytest.raises(gg.GradcheckError, match="NaN"):
            gg.autograd.gradcheck(gg.sqrt, (_f64([-1.0]),))
        assert gg.autograd.gradcheck(gg.sqrt, (_f64([-1.0]),), raise_exception=False) is False
        # random projections too
        with pytest.raises(gg.GradcheckError, match="NaN"):
            gg.gradcheck(gg.sqrt, [np.array([-1.0, 4.0])], fast_mode=True)


def test_nan_on_one_side_fails_too():
    @gg.primitive(name="nan_derivative")
    def ident(x):
        return x * 1.0
    try:
        ident.defelementwise(lambda v, out, x: v * np.nan)
        assert not gg.gradcheck(ident, [np.array([0.5])], raise_exception=False)
    finally:
        del registry["nan_derivative"]


def test_only_tensors_that_require_grad_are_differentiated(torch):
    a, b = np.array([1.0, 2.0]), np.array([3.0, -4.0])
    calls = []

    def f(x, y, k):
        calls.append(type(y).__name__)
        return x * y * k
    assert gg.autograd.gradcheck(f, (_f64(a), _f64(b, requires_grad=False), 3))
    assert set(calls) == {"Tensor"}
    assert torch.autograd.gradcheck(lambda x, y, k: x * y * k,
                                    (torch.tensor(a, requires_grad=True), torch.tensor(b), 3))
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gg.autograd.gradcheck(f, (_f64(a, requires_grad=False),))
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        torch.autograd.gradcheck(lambda x: x * 2, (torch.tensor(a),))


def test_single_precision_warns_and_is_checked_in_its_own_dtype(torch):
    x32 = gg.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not of double precision"):
        ok = gg.autograd.gradcheck(gg.sin, (x32,), raise_exception=False)
    with pytest.warns(UserWarning, match="not of double precision"):
        tok = torch.autograd.gradcheck(torch.sin, (torch.tensor([1.0], requires_grad=True),),
                                       raise_exception=False)
    assert ok is tok is False                   # finite differences in float32 are too coarse
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gg.autograd.gradcheck(gg.sin, (_f64([1.0]),))


def test_modes_and_keywords():
    x = _f64([0.3, -0.8])
    assert gg.autograd.gradcheck(gg.tanh, x, check_forward_ad=True, check_grad_dtypes=True,
                                 fast_mode=True, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert gg.gradcheck(gg.tanh, [np.array([0.3])], check_backward_ad=False)
    assert gg.gradcheck(func=gg.tanh, inputs=[np.array([0.3])], check_forward_ad=False)
    with pytest.raises(ValueError, match="at least one of check_forward_ad or "
                                         "check_backward_ad"):
        gg.autograd.gradcheck(gg.tanh, x, check_backward_ad=False)


def test_the_modes_check_what_they_say():
    """A wrong forward rule passes when only backward propagation is checked (PyTorch's
    default) and fails with check_forward_ad=True."""
    @gg.primitive(name="wrong_forward")
    def double(x):
        return 2 * x
    try:
        double.defvjp(lambda g, out, x: 2 * g)
        double.defjvp(lambda t, out, x: 3 * t)
        x = _f64([0.5, 1.5])
        assert gg.autograd.gradcheck(double, (x,))
        assert not gg.autograd.gradcheck(double, (x,), check_forward_ad=True,
                                         raise_exception=False)
        with pytest.raises(gg.GradcheckError, match="forward"):
            gg.gradcheck(double, [np.array([0.5])])
    finally:
        del registry["wrong_forward"]


def test_gradgradcheck_matches_torch_and_catches_a_lost_second_derivative(torch):
    x = _f64([0.3, 0.8])
    assert gg.autograd.gradgradcheck(lambda v: v.sin() * v, (x,))
    assert gg.autograd.gradgradcheck(lambda v: v.sin() * v, (x,), check_fwd_over_rev=True)
    u = gg.tensor([1.0, -2.0], dtype=gg.float64, requires_grad=True)
    assert gg.autograd.gradgradcheck(lambda a, b: (a * b.exp(), a.sum()),
                                     (x, u), (_f64([1.0, 2.0]), _f64(3.0)))
    assert torch.autograd.gradgradcheck(lambda v: v.sin() * v,
                                        (torch.tensor([0.3, 0.8], dtype=torch.float64,
                                                      requires_grad=True),))

    @gg.primitive(name="first_order_only_2")
    def square(v):
        return v * v
    try:
        square.defelementwise(
            lambda g, out, v: g * 2 * (v.detach() if isinstance(v, gg.Tensor) else v))
        assert gg.autograd.gradcheck(square, (x,))
        assert not gg.autograd.gradgradcheck(square, (x,), raise_exception=False)
    finally:
        del registry["first_order_only_2"]


def test_gradgradcheck_differentiates_the_grad_outputs_too(monkeypatch):
    """The pullback (x, w) ↦ wᵀ J(x) is checked in w as well: with the cotangent made a
    constant again (issue 17's bug, put back by a patch), gradgradcheck fails."""
    x, w = _f64([0.3, 0.8]), _f64([1.5, -0.5])
    assert gg.autograd.gradgradcheck(gg.exp, (x,), (w,))
    assert gg.autograd.gradgradcheck(gg.exp, (x,), (w,), check_fwd_over_rev=True)
    import graphgrad.transforms as transforms
    seed = transforms._seed

    def constant_seed(root, gradient, who):
        g = seed(root, gradient, who)
        return g.detach() if isinstance(g, gg.Tensor) else g
    monkeypatch.setattr(transforms, "_seed", constant_seed)
    assert not gg.autograd.gradgradcheck(gg.exp, (x,), (w,), raise_exception=False)
    assert gg.autograd.gradgradcheck(gg.exp, (x,), (_f64([1.5, -0.5], requires_grad=False),))

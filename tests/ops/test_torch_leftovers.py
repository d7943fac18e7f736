"""Issue 17's leftovers against PyTorch: Tensor.where, bitwise_not and the shifts, alpha= and
rounding_mode= on the functions, scatter(reduce=), scatter_reduce_, view(dtype), tensor_split,
index_put(_), the random fills (normal_, uniform_, bernoulli_, exponential_), the in-place
forms of the functions (addcmul_, addcdiv_, lerp_, floor_, ...), the shape changes in place
(unsqueeze_, squeeze_, t_, transpose_), Tensor.unfold, gg.numel, gg.finfo/iinfo and
gg.set_num_threads/get_num_threads; the recorded indexing writes (x[i] = v, index_put_,
scatter_, ...) on tensors in the graph are in test_recorded_writes.py."""
import inspect

import numpy as np
import pytest

import graphgrad as gg


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _same(ours, theirs, rtol=1e-12):
    a, b = _np(ours), _np(theirs)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, a.shape, b.dtype, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)


def _pair(torch, array, requires_grad=True):
    array = np.asarray(array)
    return (gg.tensor(array.copy(), requires_grad=requires_grad),
            torch.tensor(array.copy(), requires_grad=requires_grad))


# ------------------------------------------------------------------------------ where, bits
def test_tensor_where_is_self_where_condition_else_other(torch, rng):
    data, other = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    (x, xt), (o, ot) = _pair(torch, data), _pair(torch, other)
    cond = data > 0
    for ours, theirs in [(x.where(gg.tensor(cond), o), xt.where(torch.tensor(cond), ot)),
                         (x.where(gg.tensor(cond), 2.5), xt.where(torch.tensor(cond), 2.5)),
                         (gg.where(gg.tensor(cond), x, 0.0),
                          torch.where(torch.tensor(cond), xt, 0.0))]:
        _same(ours, theirs)
        w = rng.normal(size=(2, 3))
        ours.backward(gg.tensor(w))
        theirs.backward(torch.tensor(w))
    _same(x.grad, xt.grad)
    _same(o.grad, ot.grad)
    got = gg.where(gg.tensor(cond))                       # the one-argument form: nonzero
    want = torch.where(torch.tensor(cond))
    assert len(got) == len(want) and all(np.array_equal(_np(a), _np(b))
                                         for a, b in zip(got, want))


def test_bitwise_not_and_shifts(torch):
    ints = np.array([[-8, -1, 0], [3, 7, 100]])
    bools = np.array([True, False, True])
    for data in (ints, bools, ints.astype(np.int32), ints.astype(np.uint8)):
        _same(gg.bitwise_not(gg.tensor(data)), torch.bitwise_not(torch.tensor(data)))
        _same(gg.tensor(data).bitwise_not(), ~torch.tensor(data))
        _same(~gg.tensor(data), ~torch.tensor(data))
    with pytest.raises(TypeError):
        gg.bitwise_not(gg.tensor([1.5]))
    with pytest.raises(RuntimeError):
        torch.bitwise_not(torch.tensor([1.5]))
    shifts = np.array([0, 1, 3])
    for a, b in [(ints, shifts), (ints, 2), (ints.astype(np.int32), shifts)]:
        bt = torch.tensor(b) if isinstance(b, np.ndarray) else b
        bg = gg.tensor(b) if isinstance(b, np.ndarray) else b
        _same(gg.bitwise_left_shift(gg.tensor(a), bg),
              torch.bitwise_left_shift(torch.tensor(a), bt))
        _same(gg.tensor(a).bitwise_right_shift(bg), torch.tensor(a).bitwise_right_shift(bt))
    _same(gg.tensor(ints) << 2, torch.tensor(ints) << 2)
    _same(gg.tensor(ints) >> gg.tensor(shifts), torch.tensor(ints) >> torch.tensor(shifts))
    _same(64 >> gg.tensor(shifts), 64 >> torch.tensor(shifts))
    _same(gg.tensor(bools) << 1, torch.tensor(bools) << 1)
    with pytest.raises(TypeError):
        gg.bitwise_left_shift(gg.tensor([1.0]), 1)


# ------------------------------------------------------------------------------ alpha, rounding
@pytest.mark.parametrize("name", ["add", "sub"])
def test_alpha_on_the_functions(name, torch, rng):
    (x, xt), (y, yt) = _pair(torch, rng.normal(size=(2, 3))), _pair(torch, rng.normal(size=3))
    ours, theirs = getattr(gg, name)(x, y, alpha=-2.5), getattr(torch, name)(xt, yt, alpha=-2.5)
    _same(ours, theirs)
    w = rng.normal(size=(2, 3))
    ours.backward(gg.tensor(w))
    theirs.backward(torch.tensor(w))
    _same(x.grad, xt.grad)
    _same(y.grad, yt.grad)
    i, j = np.array([[1, 2, 3]]), np.array([4, 5, 6])
    _same(getattr(gg, name)(gg.tensor(i), gg.tensor(j), alpha=3),
          getattr(torch, name)(torch.tensor(i), torch.tensor(j), alpha=3))
    _same(getattr(gg, name)(gg.tensor(i), 2, alpha=3), getattr(torch, name)(torch.tensor(i), 2,
                                                                          alpha=3))
    f64, f32 = rng.normal(size=3), rng.normal(size=3).astype(np.float32)
    for p, q in [(f64, j), (f64, f32), (f32, j)]:     # other is converted before scaling
        _same(getattr(gg, name)(gg.tensor(p), gg.tensor(q), alpha=0.1),
              getattr(torch, name)(torch.tensor(p), torch.tensor(q), alpha=0.1), rtol=1e-15)
    with pytest.raises(TypeError, match="alpha"):
        getattr(gg, name)(gg.tensor(i), gg.tensor(j), alpha=0.5)
    with pytest.raises(RuntimeError, match="alpha"):
        getattr(torch, name)(torch.tensor(i), torch.tensor(j), alpha=0.5)
    # the plain call is the primitive's, as before; alpha is keyword-only, as in torch
    assert getattr(gg, name)(x, y).grad_fn.prim.name == name
    with pytest.raises(TypeError, match="2 positional arguments"):
        getattr(gg, name)(x, y, 2.0)
    with pytest.raises(TypeError, match="2 positional arguments"):
        getattr(torch, name)(xt, yt, 2.0)
    assert str(inspect.signature(getattr(gg, name))) == "(input, other, *, alpha=1)"


@pytest.mark.parametrize("mode", ["trunc", "floor", None])
@pytest.mark.parametrize("fn", ["div", "divide"])
def test_rounding_mode_on_the_functions(fn, mode, torch, rng):
    a = rng.uniform(-5, 5, size=(2, 3))
    b = rng.uniform(0.5, 2, size=3) * np.array([1, -1, 1])
    (x, xt), (y, yt) = _pair(torch, a), _pair(torch, b)
    ours = getattr(gg, fn)(x, y, rounding_mode=mode)
    theirs = getattr(torch, fn)(xt, yt, rounding_mode=mode)
    _same(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    _same(x.grad, xt.grad)          # zero for the rounded quotients
    _same(y.grad, yt.grad)
    ints, divisors = np.array([[-7, 7, 5], [0, -9, 9]]), np.array([2, 2, -3])
    for p, q in [(ints, divisors), (ints, 2), (ints.astype(np.int32), divisors)]:
        qg = gg.tensor(q) if isinstance(q, np.ndarray) else q
        qt = torch.tensor(q) if isinstance(q, np.ndarray) else q
        _same(getattr(gg, fn)(gg.tensor(p), qg, rounding_mode=mode),
              getattr(torch, fn)(torch.tensor(p), qt, rounding_mode=mode))
        _same(gg.tensor(p).div(qg, rounding_mode=mode), torch.tensor(p).div(qt, rounding_mode=mode))
    _same(gg.div(gg.tensor(ints), 2.5, rounding_mode=mode),
          torch.div(torch.tensor(ints), 2.5, rounding_mode=mode), rtol=1e-6)


def test_rounding_mode_errors(torch):
    zero = np.array([1, 0])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.div(torch.tensor([3, 4]), torch.tensor(zero), rounding_mode="trunc")
    for mode in ("trunc", "floor"):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            gg.div(gg.tensor([3, 4]), gg.tensor(zero), rounding_mode=mode)
    with pytest.raises(ValueError, match="rounding_mode"):
        gg.divide(gg.tensor([1.0]), 2.0, rounding_mode="round")
    with pytest.raises(TypeError):
        gg.div(gg.tensor([1.0]), 2.0, "floor")
    with pytest.raises(TypeError):
        torch.div(torch.tensor([1.0]), torch.tensor(2.0), "floor")


# ------------------------------------------------------------------------------ scatter
IDX = np.array([[0, 0, 2], [1, 1, 1]])


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce(reduce, torch, rng):
    x, src = rng.normal(size=(3, 3)), rng.normal(size=(2, 3))
    want = torch.scatter(torch.tensor(x), 1, torch.tensor(IDX), torch.tensor(src), reduce=reduce)
    _same(gg.scatter(gg.tensor(x), 1, gg.tensor(IDX), gg.tensor(src), reduce=reduce), want)
    want = torch.tensor(x).scatter(1, torch.tensor(IDX), 1.5, reduce=reduce)
    _same(gg.tensor(x).scatter(1, gg.tensor(IDX), 1.5, reduce=reduce), want)
    ints = np.arange(9).reshape(3, 3)
    want = torch.tensor(ints).scatter_(0, torch.tensor(IDX), torch.full((2, 3), 3), reduce=reduce)
    got = gg.tensor(ints).scatter_(0, gg.tensor(IDX), gg.full((2, 3), 3), reduce=reduce)
    _same(got, want)
    with pytest.raises(ValueError, match="add or multiply"):
        gg.scatter(gg.tensor(x), 1, gg.tensor(IDX), gg.tensor(src), reduce="sum")


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_in_place_with_gradients(reduce, include_self, torch, rng):
    """scatter_reduce_ on a non-leaf is recorded: values and gradients of x and src as torch's
    (ties in amax/amin: torch shares the gradient evenly, so do we)."""
    x, src = rng.normal(size=(3, 3)), rng.normal(size=(2, 3))
    src[1, 1] = src[1, 0]                       # a tie for amax/amin
    (xg, xt), (sg, st) = _pair(torch, x), _pair(torch, src)
    yg, yt = xg * 1.5, xt * 1.5
    assert yg.scatter_reduce_(1, gg.tensor(IDX), sg, reduce, include_self=include_self) is yg
    yt.scatter_reduce_(1, torch.tensor(IDX), st, reduce, include_self=include_self)
    _same(yg, yt)
    w = rng.normal(size=(3, 3))
    (yg * gg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    _same(xg.grad, xt.grad)
    _same(sg.grad, st.grad)
    plain = gg.tensor(x.copy())                 # outside the graph: a plain write
    plain.scatter_reduce_(1, gg.tensor(IDX), gg.tensor(src), reduce, include_self=include_self)
    _same(plain, torch.tensor(x).scatter_reduce(1, torch.tensor(IDX), torch.tensor(src), reduce,
                                                include_self=include_self))
    assert plain._version == 1 and not plain.requires_grad


# ------------------------------------------------------------------------------ view(dtype)
@pytest.mark.parametrize("src,dst", [("float32", "int32"), ("float32", "float64"),
                                     ("float32", "float16"), ("float64", "int8"),
                                     ("int64", "float64"), ("bool", "uint8"), ("uint8", "bool"),
                                     ("int16", "int32")])
def test_view_dtype_reinterprets_the_bytes(src, dst, torch, rng):
    data = (rng.normal(size=(3, 8)) * 10).astype(src) if src != "uint8" else \
        rng.integers(0, 2, size=(3, 8)).astype(np.uint8)
    ours = gg.tensor(data).view(getattr(gg, dst) if dst != "bool" else gg.bool)
    theirs = torch.tensor(data).view(getattr(torch, dst))
    a, b = _np(ours), _np(theirs)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))
    base = gg.tensor(data)
    v = base.view(dtype=getattr(gg, dst) if dst != "bool" else gg.bool)
    base.add_(1) if src != "bool" else base.logical_not()
    assert v._version == base._version                        # one storage, one counter


def test_view_dtype_is_outside_the_graph_and_checks_like_torch(torch):
    x = gg.tensor(np.ones((2, 4), np.float32), requires_grad=True)
    xt = torch.ones(2, 4, requires_grad=True)
    for dtype in ("int32", "float32", "float64"):
        ours, theirs = x.view(getattr(gg, dtype)), xt.view(getattr(torch, dtype))
        assert ours.requires_grad is theirs.requires_grad is False
        assert ours.grad_fn is None and theirs.grad_fn is None
    base, base_t = gg.ones(2, 4), torch.ones(2, 4)
    for ours, theirs in [(lambda: base[:, :3].view(gg.float64),
                          lambda: base_t[:, :3].view(torch.float64)),
                         (lambda: base.t().view(gg.float64),
                          lambda: base_t.t().view(torch.float64)),
                         (lambda: base[:, 1:3].view(gg.float64),
                          lambda: base_t[:, 1:3].view(torch.float64)),
                         (lambda: gg.tensor(1.0).view(gg.float64),
                          lambda: torch.tensor(1.0).view(torch.float64))]:
        with pytest.raises(RuntimeError) as theirs_error:
            theirs()
        with pytest.raises(ValueError) as ours_error:
            ours()
        assert str(theirs_error.value).split(" to view")[0] == \
            str(ours_error.value).split(" to view")[0]
    assert tuple(base.t().view(gg.int32).shape) == tuple(base_t.t().view(torch.int32).shape)
    assert gg.tensor(1.0).view(gg.int32).item() == torch.tensor(1.0).view(torch.int32).item()
    assert base.view(2, 4).shape == (2, 4) and base.view(-1).shape == (8,)


# ------------------------------------------------------------------------------ tensor_split
@pytest.mark.parametrize("how", [2, 3, 7, [1, -2], [3, 1], (1, 9), [], "t0", "t1",
                                 "sections", "indices"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_tensor_split(how, dim, torch, rng):
    data = rng.normal(size=(5, 6))
    (x, xt) = _pair(torch, data)
    kwargs_g, kwargs_t, args_g, args_t = {}, {}, (), ()
    if how == "t0":
        args_g, args_t = (gg.tensor(2),), (torch.tensor(2),)
    elif how == "t1":
        args_g, args_t = (gg.tensor([2, 4]),), (torch.tensor([2, 4]),)
    elif how == "sections":
        kwargs_g = kwargs_t = {"sections": 4}
    elif how == "indices":
        kwargs_g = kwargs_t = {"indices": [1, 4]}
    else:
        args_g = args_t = (how,)
    ours = gg.tensor_split(x, *args_g, dim=dim, **kwargs_g)
    theirs = torch.tensor_split(xt, *args_t, dim=dim, **kwargs_t)
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    total_g = total_t = 0
    for k, (a, b) in enumerate(zip(ours, theirs)):
        _same(a, b)
        total_g = total_g + (a * (k + 1)).sum()
        total_t = total_t + (b * (k + 1)).sum()
    total_g.backward()
    total_t.backward()
    _same(x.grad, xt.grad)
    assert [tuple(p.shape) for p in x.tensor_split(*args_g, dim=dim, **kwargs_g)] == \
        [tuple(p.shape) for p in theirs]


def test_tensor_split_errors(torch):
    for bad in [lambda m: m.tensor_split(m.arange(6), 0),
                lambda m: m.tensor_split(m.tensor(3.0), 1),
                lambda m: m.tensor_split(m.arange(6), m.tensor([[1]])),
                lambda m: m.tensor_split(m.arange(6), m.tensor([1.0])),
                lambda m: m.tensor_split(m.arange(6), 2, dim=1)]:
        with pytest.raises((RuntimeError, IndexError, TypeError)):
            bad(torch)
        with pytest.raises((ValueError, IndexError, TypeError)):
            bad(gg)


# ------------------------------------------------------------------------------ index_put
INDICES = [lambda m: (m.tensor([0, 2, 0]), m.tensor([1, 1, 1])),
           lambda m: (m.tensor([3, 1]),),
           lambda m: (m.tensor([[True, False, True], [False, False, True], [True, True, False],
                                [False, True, False]]),),
           lambda m: (m.tensor([True, False, True, True]),)]


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("which", range(len(INDICES)))
def test_index_put(which, accumulate, torch, rng):
    data = rng.normal(size=(4, 3))
    target = np.zeros((4, 3))[tuple(_np(i) for i in INDICES[which](gg))].shape
    for values in (rng.normal(size=target), rng.normal(size=target[-1:]), np.array(2.5)):
        (x, xt), (v, vt) = _pair(torch, data), _pair(torch, values)
        ours = x.index_put(INDICES[which](gg), v, accumulate=accumulate)
        theirs = xt.index_put(INDICES[which](torch), vt, accumulate=accumulate)
        _same(ours, theirs)
        w = rng.normal(size=(4, 3))
        (ours * gg.tensor(w)).sum().backward()
        (theirs * torch.tensor(w)).sum().backward()
        _same(x.grad, xt.grad)
        if which or accumulate:              # torch's gradient of repeated writes is unspecified
            _same(v.grad, vt.grad)
        # in place on a non-leaf: recorded, the same numbers
        (x, xt), (v, vt) = _pair(torch, data), _pair(torch, values)
        y, yt = x * 2, xt * 2
        assert y.index_put_(INDICES[which](gg), v, accumulate=accumulate) is y
        yt.index_put_(INDICES[which](torch), vt, accumulate=accumulate)
        _same(y, yt)
        (y * gg.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        _same(x.grad, xt.grad)
        _same(v.grad, vt.grad)
    assert gg.index_put(gg.tensor(data), INDICES[0](gg), gg.tensor(1.0, dtype=gg.float64)).shape \
        == (4, 3)


def test_index_put_errors(torch):
    for m, errors in [(torch, (RuntimeError, IndexError, TypeError)),
                      (gg, (ValueError, IndexError, TypeError))]:
        x = m.zeros(4, 3, dtype=m.float64)
        for bad in [lambda: x.index_put((m.tensor([0]),), m.ones(3, dtype=m.float32)),
                    lambda: x.index_put((m.tensor([0, 1]),), m.ones(4, dtype=m.float64)),
                    lambda: x.index_put((m.tensor([0]), m.tensor([0]), m.tensor([0])),
                                        m.ones(1, dtype=m.float64)),
                    lambda: x.index_put((m.tensor([5]),), m.ones(3, dtype=m.float64)),
                    lambda: x.index_put((m.tensor([0.0]),), m.ones(3, dtype=m.float64))]:
            with pytest.raises(errors):
                bad()


# ------------------------------------------------------------------------------ random fills
FILLS = {   # method: (arguments, the distribution's mean and standard deviation)
    "normal_": ((1.0, 2.0), 1.0, 2.0), "uniform_": ((-1.0, 3.0), 1.0, 4 / 12 ** 0.5),
    "bernoulli_": ((0.3,), 0.3, (0.3 * 0.7) ** 0.5), "exponential_": ((2.0,), 0.5, 0.5),
}


@pytest.mark.parametrize("name", sorted(FILLS))
def test_random_fills_in_place(name, torch):
    """Each fill keeps the tensor and its dtype, draws from its distribution (the sample mean
    and spread of 20,000 draws within 5 standard errors, as torch's), reproducibly from a
    generator; a fill of a tensor in the graph is recorded, and the old value gets no gradient
    (as torch's); a leaf that requires grad is refused."""
    args, mean, std = FILLS[name]
    x = gg.zeros(20_000, dtype=gg.float64)
    assert getattr(x, name)(*args) is x and x.dtype == np.float64
    t = getattr(torch.zeros(20_000, dtype=torch.float64), name)(*args).numpy()
    for sample in (x.numpy(), t):
        assert abs(sample.mean() - mean) < 5 * std / 20_000 ** 0.5
        assert abs(sample.std() - std) < 0.05 * std
    draws = [getattr(gg.zeros(3), name)(*args, generator=gg.Generator().manual_seed(7)).numpy()
             for _ in range(2)]
    np.testing.assert_array_equal(*draws)
    for lib in (gg, torch):
        leaf = lib.ones(3, requires_grad=True)
        y = leaf * 2
        getattr(y, name)(*args)
        (y * 3).sum().backward()
        np.testing.assert_array_equal(leaf.grad.numpy(), np.zeros(3))
        with pytest.raises(RuntimeError, match="leaf Variable"):
            getattr(leaf, name)(*args)


def test_random_fill_keywords_and_errors(torch):
    x = gg.zeros(1000)
    x.uniform_(**{"from": 2.0, "to": 3.0})
    assert 2 <= x.numpy().min() and x.numpy().max() < 3
    x.normal_(std=0.0, mean=4.0)
    np.testing.assert_array_equal(x.numpy(), 4.0)
    mask = gg.tensor([0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gg.zeros(2, 4).bernoulli_(mask).numpy(), [[0, 1, 0, 1]] * 2)
    assert gg.zeros(3, dtype=gg.int64).bernoulli_(0.5).dtype == np.int64     # as torch
    for call in (lambda lib: lib.zeros(3).uniform_(2.0, 1.0),
                 lambda lib: lib.zeros(3).normal_(0.0, -1.0),
                 lambda lib: lib.zeros(3).exponential_(0.0),
                 lambda lib: lib.zeros(3).bernoulli_(1.5),
                 lambda lib: lib.zeros(3, dtype=lib.int64).normal_()):
        for lib in (gg, torch):
            with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
                call(lib)


# ------------------------------------------------------------------------------ in-place forms
def _hand_written_adam(lib, steps, data, lr=0.1, betas=(0.9, 0.999), eps=1e-8):
    """Adam as tutorials write it, with the in-place forms on the parameter and its state."""
    p = lib.tensor(data[0].copy(), requires_grad=True)
    m, v = lib.zeros_like(p), lib.zeros_like(p)
    for t in range(1, steps + 1):
        loss = ((p - lib.tensor(data[1])) ** 2).sum() + p.abs().sum()
        p.grad = None
        loss.backward()
        with lib.no_grad():
            m.mul_(betas[0]).add_(p.grad, alpha=1 - betas[0])
            v.mul_(betas[1]).addcmul_(p.grad, p.grad, value=1 - betas[1])
            denom = (v / (1 - betas[1] ** t)).sqrt_().add_(eps)
            p.addcdiv_(m, denom, value=-lr / (1 - betas[0] ** t))
            p.clamp_min_(-0.5).lerp_(lib.zeros_like(p), 0.01)
    return p.detach().numpy()


def test_in_place_forms_in_a_hand_written_optimizer(torch, rng):
    data = rng.normal(size=(2, 5, 3))
    np.testing.assert_allclose(_hand_written_adam(gg, 5, data),
                               _hand_written_adam(torch, 5, data), rtol=1e-12, atol=1e-12)


def test_in_place_forms_refuse_what_torch_refuses(torch):
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="can't be cast"):
            lib.tensor([1, 2]).reciprocal_()                 # a float result into int64
        with pytest.raises((RuntimeError, ValueError), match="broadcast shape"):
            lib.ones(3).addcmul_(lib.ones(2, 3), lib.ones(3))
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            x.floor_()


# ------------------------------------------------------------------ shape changes in place
RESHAPING = [("unsqueeze_", (0,)), ("unsqueeze_", (-1,)), ("squeeze_", ()), ("squeeze_", (1,)),
             ("t_", ()), ("transpose_", (0, 2))]


@pytest.mark.parametrize("name, args", RESHAPING)
def test_shape_changes_in_place_as_torch(name, args, torch, rng):
    """y.<name>(...) on a non-leaf: the same tensor in the new shape, its version counter moved,
    the gradient through it; a value saved before it is refused by backward, as in torch."""
    shape = (3, 4) if name == "t_" else (2, 1, 3)
    (x, xt) = _pair(torch, rng.normal(size=shape))
    results = []
    for lib, leaf in ((gg, x), (torch, xt)):
        y = leaf * 2
        before = y._version
        assert getattr(y, name)(*args) is y
        w = lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape)))
        (y.exp() * w).sum().backward()
        results.append((tuple(y.shape), y._version - before, _np(y)))
    (shape_g, bumps_g, y_g), (shape_t, bumps_t, y_t) = results
    assert shape_g == shape_t and bumps_g == bumps_t == 1
    np.testing.assert_allclose(y_g, y_t, rtol=1e-12)
    _same(x.grad, xt.grad)
    for leaf in (x, xt):
        y = leaf * 1
        saved = y * y                          # saves y's old value
        getattr(y, name)(*args)
        with pytest.raises(RuntimeError, match="modified (by an inplace|in place)"):
            saved.sum().backward()


@pytest.mark.parametrize("name, args", RESHAPING)
def test_shape_changes_in_place_on_leaves_and_views(name, args, torch):
    """A leaf that requires grad is refused while recording and allowed under no_grad; a plain
    tensor changes shape (version + 1) and its views keep theirs, as in torch."""
    shape = (3, 4) if name == "t_" else (2, 1, 3)
    for lib in (gg, torch):
        x = lib.ones(shape, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            getattr(x, name)(*args)
        with lib.no_grad():
            getattr(x, name)(*args)
        plain = lib.arange(12.0)[:int(np.prod(shape))].reshape(shape)
        view = plain[0]
        getattr(plain, name)(*args)
        assert plain._version == 1 and tuple(view.shape) == shape[1:]
    assert tuple(x.shape) == tuple(getattr(torch.ones(shape), name)(*args).shape)


def test_shape_change_in_place_under_no_grad_of_a_recorded_tensor_is_refused(torch):
    """torch lets it through and its backward then fails on the shapes; graphgrad says why at
    once."""
    x, xt = gg.ones((2, 3), requires_grad=True), torch.ones((2, 3), requires_grad=True)
    y, yt = x * 2, xt * 2
    with torch.no_grad():
        yt.t_()
    with pytest.raises(RuntimeError, match="shape"):
        yt.sum().backward()
    with gg.no_grad(), pytest.raises(gg.InplaceError, match="t_: .*grad mode is off"):
        y.t_()
    assert y.shape == (2, 3)


def test_shape_change_in_place_carries_the_forward_tangent(torch, rng):
    a, v = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))

    def f(lib):
        def fn(x):
            y = x * x
            y.t_()
            return y.sum(0)
        return fn
    ours = gg.jvp(f(gg), (gg.tensor(a),), (gg.tensor(v),))
    theirs = torch.func.jvp(f(torch), (torch.tensor(a),), (torch.tensor(v),))
    for o, t in zip(ours, theirs):
        _same(o, t)


# ------------------------------------------------------------------ unfold
@pytest.mark.parametrize("shape, args", [((3, 7), (1, 3, 2)), ((5, 2), (0, 2, 1)),
                                         ((2, 4, 5), (-1, 5, 2)), ((), (0, 1, 1)),
                                         ((4, 3), (0, 2, 3))])
def test_unfold_values_gradients_and_second_order(shape, args, torch, rng):
    (x, xt) = _pair(torch, rng.normal(size=shape))
    y, yt = x.unfold(*args), xt.unfold(*args)
    _same(y, yt)
    w = rng.normal(size=tuple(yt.shape))
    (gx,) = gg.gradients((y * y * gg.tensor(w)).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad((yt * yt * torch.tensor(w)).sum(), [xt], create_graph=True)
    _same(gx, gt)
    (gx * gx).sum().backward()
    (gt * gt).sum().backward()
    _same(x.grad, xt.grad)
    v = rng.normal(size=shape)
    _same(gg.jvp(lambda t: t.unfold(*args), (gg.tensor(x.array),), (gg.tensor(v),))[1],
          torch.func.jvp(lambda t: t.unfold(*args), (xt.detach(),), (torch.tensor(v),))[1])


def test_unfold_is_a_view_and_checks_like_torch(torch):
    x = gg.arange(10.0)
    windows = x.unfold(0, 4, 3)
    assert np.shares_memory(windows.array, x.array)
    x.add_(1)
    assert windows.tolist() == [[1.0, 2.0, 3.0, 4.0], [4.0, 5.0, 6.0, 7.0],
                                [7.0, 8.0, 9.0, 10.0]]
    for args, match in [((1, 4, 1), "maximum size for tensor at dimension 1 is 3 but size is 4"),
                        ((1, 2, 0), "step is 0 but must be > 0"),
                        ((1, -1, 1), "size is -1 but must be >= 0")]:
        with pytest.raises(RuntimeError, match=match):
            torch.ones(2, 3).unfold(*args)
        with pytest.raises(gg.ShapeError, match=match):
            gg.ones(2, 3).unfold(*args)
    with pytest.raises(IndexError, match="Dimension out of range"):
        gg.ones(2, 3).unfold(2, 1, 1)


# ------------------------------------------------------------------ numel, finfo, iinfo, threads
def test_numel_as_torch(torch):
    for shape in [(2, 3), (), (0, 4)]:
        assert gg.numel(gg.ones(shape)) == torch.numel(torch.ones(shape)) == int(np.prod(shape))
    for bad in (3, [1, 2], np.ones(2)):
        with pytest.raises(TypeError, match="must be Tensor"):
            torch.numel(bad)
        with pytest.raises(TypeError, match="must be Tensor"):
            gg.numel(bad)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", None])
def test_finfo_as_torch(name, torch):
    ours = gg.finfo() if name is None else gg.finfo(getattr(gg, name))
    theirs = torch.finfo() if name is None else torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_as_torch(name, torch):
    ours, theirs = gg.iinfo(getattr(gg, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min, ours.dtype) == \
        (theirs.bits, theirs.max, theirs.min, theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_finfo_and_iinfo_refuse_the_other_kind(torch):
    for lib in (gg, torch):
        with pytest.raises(TypeError, match="floating point"):
            lib.finfo(lib.int32)
        with pytest.raises(TypeError, match="integer|not supported"):
            lib.iinfo(lib.float32)
        with pytest.raises(TypeError):
            lib.iinfo(lib.bool)


def test_num_threads_says_what_it_can_do(monkeypatch, torch):
    """Without threadpoolctl set_num_threads warns that nothing changed (and get_num_threads
    does not pretend otherwise); with it, the BLAS pools are limited through it."""
    import sys
    import types

    from graphgrad.backends import cpu
    for lib in (gg, torch):
        with pytest.raises(RuntimeError, match="positive integer"):
            lib.set_num_threads(0)
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)        # import fails
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with pytest.warns(RuntimeWarning, match="changes nothing.*threadpoolctl"):
        gg.set_num_threads(5)
    assert gg.get_num_threads() == 3
    calls = []
    fake = types.SimpleNamespace(
        threadpool_limits=lambda limits, user_api: calls.append((limits, user_api)),
        threadpool_info=lambda: [{"user_api": "blas", "num_threads": 4},
                                 {"user_api": "openmp", "num_threads": 8}])
    monkeypatch.setitem(sys.modules, "threadpoolctl", fake)
    gg.set_num_threads(2)
    assert calls == [(2, "blas")] and cpu.get_num_threads() == 4


def test_unfold_windows_without_overlap_write_through_as_torch(torch):
    """Windows that do not overlap write into the base, as torch's; overlapping ones are
    read-only here (torch lets such a write through, order-dependent)."""
    for lib in (gg, torch):
        x = lib.arange(6.0)
        x.unfold(0, 2, 2).add_(1)
        assert x.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0] and x._version == 1
    with pytest.raises(gg.InplaceError, match="read-only"):
        gg.arange(6.0).unfold(0, 2, 1).add_(1)

"""The tensor API a PyTorch user types first: size(), dim(), numel(), clone(), to(...), the
dtype casts, item/tolist/format, numpy() refused on tensors that require grad, and lists of
tensors refused by operations — each compared with PyTorch."""
import numpy as np
import pytest

import graphgrad as gg


def test_size_dim_numel_element_size_match_torch(torch):
    a = np.zeros((2, 3, 4), np.float32)
    ours, theirs = gg.tensor(a), torch.tensor(a)
    assert ours.size() == tuple(theirs.size()) and isinstance(ours.size(), tuple)
    assert isinstance(ours.size(), gg.Size) and repr(ours.size()) == "gg.Size([2, 3, 4])"
    for d in (0, 1, -1, -3):
        assert ours.size(d) == theirs.size(d) and ours.size(dim=d) == theirs.size(dim=d)
    with pytest.raises(IndexError) as mine:
        ours.size(3)
    with pytest.raises(IndexError) as torchs:
        theirs.size(3)
    assert str(mine.value) == str(torchs.value)
    assert ours.size()[1:] == (3, 4) and isinstance(ours.size()[1:], gg.Size)
    assert ours.size().numel() == theirs.size().numel() == 24
    assert (ours.dim(), ours.ndimension(), ours.numel(), ours.nelement()) == \
        (theirs.dim(), theirs.ndimension(), theirs.numel(), theirs.nelement())
    for dtype in (np.float32, np.float64, np.int64, np.bool_, np.uint8, np.float16):
        assert gg.tensor(np.zeros(2, dtype)).element_size() == \
            torch.tensor(np.zeros(2, dtype)).element_size()
    assert ours.shape == (2, 3, 4) and ours.size == 24       # read as a number: NumPy's count
    assert gg.tensor(5.0).size() == tuple(torch.tensor(5.0).size()) == ()
    for obj in (gg.tensor(5.0), torch.tensor(5.0)):
        with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no "
                                             "dimensions"):
            obj.size(0)


def test_clone_is_a_differentiable_copy(both):
    (x,), (xt,) = both.leaves(np.array([1.0, 2.0, 3.0]))
    c, ct = x.clone(), xt.clone()
    assert c.array is not x.array and not np.shares_memory(c.array, x.array)
    assert c.grad_fn.torch_name == type(ct.grad_fn).__name__ == "CloneBackward0"
    both.backward((c * c).sum(), (ct * ct).sum(), np.float64(1.0))
    both.assert_same_grads([x], [xt], 1e-15)
    with gg.no_grad():
        c.mul_(0)
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_detach_contiguous_cpu_share_or_return_self(torch):
    x = gg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.contiguous() is x and x.cpu() is x and x.to("cpu") is x
    t = x.T                               # a non-contiguous view
    c = t.contiguous()
    assert c is not t and c.array.flags.c_contiguous and c.grad_fn.torch_name == "CloneBackward0"
    tt = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).T
    assert type(tt.contiguous().grad_fn) is type(None) and tt.contiguous() is not tt
    d = x.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.array, x.array)


def test_to_overloads_follow_torch(torch):
    a = np.array([1.5, -2.5], np.float32)
    ours, theirs = gg.tensor(a), torch.tensor(a)
    pairs = [((gg.float64,), (torch.float64,)), (("cpu",), ("cpu",)),
             (("cpu", gg.float64), ("cpu", torch.float64)),
             ((gg.tensor([1]),), (torch.tensor([1]),)),
             ((), ()), ((gg.float16,), (torch.float16,))]
    for mine, theirs_args in pairs:
        got, want = ours.to(*mine), theirs.to(*theirs_args)
        assert np.dtype(got.dtype) == np.dtype(str(want.dtype).split(".")[1])
        np.testing.assert_array_equal(got.array, want.numpy())
    assert ours.to(gg.float32) is ours and ours.to(dtype=gg.float32, copy=True) is not ours
    assert ours.to(device="cpu") is ours and ours.to(gg.device("cpu"), gg.float32) is ours
    assert ours.to(device=gg.device("cpu"), dtype=gg.float64).dtype == np.float64
    assert ours.to(gg.float64, non_blocking=True, copy=False).dtype == np.float64
    with pytest.raises(RuntimeError, match="Invalid device string: 'float64'"):
        ours.to("float64")
    with pytest.raises(RuntimeError, match="Invalid device string: 'float64'"):
        theirs.to("float64")
    for device in ("cuda", "cuda:0", "mps", gg.device("cuda", 1)):
        with pytest.raises(RuntimeError, match="CPU"):
            ours.to(device)
    with pytest.raises(RuntimeError, match="CPU"):
        ours.cuda()


def test_dtype_casts_follow_torch(torch):
    a = np.array([1.7, -2.2, 0.0])
    ours, theirs = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for name in ("float", "double", "half", "long", "int", "short", "bool", "byte", "char"):
        got, want = getattr(ours, name)(), getattr(theirs, name)()
        np.testing.assert_array_equal(got.array, want.detach().numpy(), err_msg=name)
        assert got.dtype == want.detach().numpy().dtype, name
        assert got.requires_grad == want.requires_grad, name
        assert (got.grad_fn is None) == (want.grad_fn is None), name
    assert ours.double() is ours
    ours.float().sum().backward()
    theirs.float().sum().backward()
    np.testing.assert_array_equal(ours.grad.array, theirs.grad.numpy())
    assert ours.grad.dtype == np.float64
    i = gg.tensor([1, 2])
    assert i.type_as(gg.tensor([0.5])).dtype == np.float32
    assert torch.tensor([1, 2]).type_as(torch.tensor([0.5])).dtype == torch.float32


def test_item_tolist_and_format_as_torch(torch):
    for value in (3.14159, 2.5, -0.0, 7):
        ours, theirs = gg.tensor(value), torch.tensor(value)
        assert f"{ours}" == f"{theirs}" and format(ours, "") == format(theirs, "")
        assert ours.item() == theirs.item() and type(ours.item()) is type(theirs.item())
        spec = ".4f" if isinstance(value, float) else "d"
        assert format(ours, spec) == format(theirs, spec)
    x, xt = gg.tensor(2.5, requires_grad=True), torch.tensor(2.5, requires_grad=True)
    assert f"{x:.3f}" == f"{xt:.3f}" == "2.500"
    v, vt = gg.tensor([1.5, 2.0]), torch.tensor([1.5, 2.0])
    for obj in (v, vt):
        with pytest.raises(TypeError, match="unsupported format string passed to Tensor"):
            format(obj, ".2f")
    assert f"{v}" == str(v)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to "
                       "Scalar"):
        v.item()
    with pytest.raises(ValueError):           # NumPy-minded code catches ValueError: also fine
        v.item()
    assert gg.tensor([[1, 2], [3, 4]]).tolist() == torch.tensor([[1, 2], [3, 4]]).tolist()
    assert gg.tensor([[1.5]]).item() == torch.tensor([[1.5]]).item() == 1.5
    assert [10, 20, 30][gg.tensor(1)] == 20 and [10, 20, 30][torch.tensor(1)] == 20


def test_numpy_of_a_tensor_that_requires_grad_is_refused_as_in_torch(torch):
    x, xt = gg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0],
                                                                      requires_grad=True)
    message = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() " \
              "instead."
    for obj in (x, xt):
        with pytest.raises(RuntimeError) as info:
            obj.numpy()
        assert str(info.value) == message
        with pytest.raises(RuntimeError) as info:
            np.asarray(obj)
        assert str(info.value) == message
    assert x.detach().numpy() is x.array
    forced = x.numpy(force=True)
    assert forced.tolist() == xt.numpy(force=True).tolist() and forced is not x.array
    y = gg.tensor([1.0, 2.0])
    assert y.numpy() is y.array and np.asarray(y) is y.array


def test_lists_of_tensors_that_require_grad_are_refused_by_operations(torch):
    """gg.exp([x, x + 2]) used to compute on a constant copy: the gradient was silently lost
    ((gg.mean([x, x+2]) * x).backward() gave 2, not 3). PyTorch refuses lists; so do we."""
    x = gg.tensor(1.0, requires_grad=True)
    xt = torch.tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError):
        torch.exp([xt, xt + 2])
    for call, name in ((lambda: gg.exp([x, x + 2]), "exp"),
                       (lambda: gg.mean([x, x + 2]) * x, "mean"),
                       (lambda: gg.max([x, x + 2]), "max"),
                       (lambda: x + [x, x], "add"),
                       (lambda: gg.matmul([x, x], gg.ones(2)), "matmul"),
                       (lambda: gg.tensor([x, x]), "tensor")):
        with pytest.raises(TypeError, match=rf"^{name}: an operand is a list or tuple holding "
                                            "a tensor that requires grad"):
            call()
    # stacking first keeps the gradient: d/dx mean(x, x + 2) · x = (2x + 2)/2 + x/... = 3 at 1
    (gg.stack([x, x + 2]).mean() * x).backward()
    (torch.stack([xt, xt + 2]).mean() * xt).backward()
    assert x.grad.item() == xt.grad.item() == 3.0
    with gg.no_grad():
        with pytest.raises(TypeError, match="exp"):
            gg.exp([x, x])
    assert gg.exp([gg.tensor(0.0), gg.tensor(0.0)]).tolist() == [1.0, 1.0]


def test_is_floating_point_is_tensor_as_tensor(torch):
    a = np.arange(3.0)
    assert gg.is_tensor(gg.tensor(a)) == torch.is_tensor(torch.tensor(a)) is True
    assert gg.is_tensor(a) == torch.is_tensor(a) is False
    for value in (a, a.astype(np.int64), a.astype(np.float16), a > 0):
        assert gg.is_floating_point(gg.tensor(value)) == \
            torch.is_floating_point(torch.tensor(value))
        assert gg.tensor(value).is_floating_point() == torch.tensor(value).is_floating_point()
    shared, shared_t = gg.as_tensor(a), torch.as_tensor(a)
    a[0] = 9.0
    assert shared.tolist() == shared_t.tolist() == [9.0, 1.0, 2.0]
    assert gg.as_tensor([1.0, 2.0]).dtype == np.float32 == \
        torch.as_tensor([1.0, 2.0]).numpy().dtype
    t = gg.tensor([1.0])
    assert gg.as_tensor(t) is t and gg.as_tensor(t, dtype=gg.float64).dtype == np.float64
    assert gg.as_tensor(a, dtype=gg.float32).dtype == np.float32


def test_new_factories_take_the_tensors_dtype(torch):
    x, xt = gg.tensor([1.0], dtype=gg.float64), torch.tensor([1.0], dtype=torch.float64)
    for name, args in (("new_zeros", (2, 3)), ("new_ones", ((2,),)), ("new_empty", (2,))):
        ours, theirs = getattr(x, name)(*args), getattr(xt, name)(*args)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.float64, name
    full, fullt = x.new_full((2,), 7), xt.new_full((2,), 7)
    assert full.tolist() == fullt.tolist() and full.dtype == np.float64
    nt = x.new_tensor([1, 2])
    assert nt.dtype == np.float64 and nt.tolist() == xt.new_tensor([1, 2]).tolist()
    assert x.new_zeros(2, dtype=gg.int64).dtype == np.int64

"""Backward propagation: accumulation, fan-out, retained and freed graphs, higher order,
recording switches, in-place checks, anomaly detection, long chains."""
import numpy as np
import pytest

import graphgrad as gg


def test_leaf_gradients_accumulate_across_backward_calls():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    assert x.grad.tolist() == [2 + 3, 4 + 3]


def test_fan_out_sums_the_paths_002():
    """002: y feeds u and v which both feed L; ∂L/∂y sums both paths."""
    y = gg.tensor(0.5, dtype=gg.float64, requires_grad=True)
    u, v = y.exp(), y * y
    L = u * v
    L.backward()
    expected = np.exp(0.5) * 0.25 + np.exp(0.5) * 2 * 0.5
    assert np.isclose(y.grad.item(), expected, rtol=1e-15)


def test_using_a_node_twice_counts_twice():
    y = gg.tensor(3.0, requires_grad=True)
    (y * y).backward()
    assert y.grad.item() == 6.0


def test_gradient_has_the_leafs_dtype_and_shape_under_broadcasting():
    w = gg.tensor(np.ones((1, 3), np.float32), requires_grad=True)
    x = gg.tensor(np.arange(6.0).reshape(2, 3))             # float64
    (w * x).sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.shape == (1, 3)
    assert w.grad.tolist() == [[3.0, 5.0, 7.0]]


def test_non_scalar_backward_needs_a_gradient():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(gg.GradientError, match="gradient="):
        y.backward()
    with pytest.raises(gg.ShapeError, match=r"\(3,\).*\(2,\)"):
        y.backward(gradient=np.ones(3))
    y.backward(gradient=np.array([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]


def test_backward_on_something_that_needs_no_grad_is_refused():
    with pytest.raises(gg.GradientError, match="does not require grad"):
        gg.tensor([1.0]).sum().backward()


def test_second_backward_through_a_freed_graph_raises_and_retain_graph_allows_it():
    x = gg.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward(retain_graph=True)
    y.backward()
    assert np.isclose(x.grad.item(), 2 * (np.exp(2) * 3), rtol=1e-6)
    with pytest.raises(gg.FreedGraphError, match="retain_graph=True"):
        y.backward()


def test_a_chain_of_100000_operations_needs_no_recursion():
    x = gg.tensor(1.0, dtype=gg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert np.isclose(x.grad.item(), 1.00001 ** 100_000, rtol=1e-9)


def test_no_grad_and_enable_grad_as_context_managers_and_decorators():
    x = gg.tensor(1.0, requires_grad=True)
    with gg.no_grad():
        assert not (x * 2).requires_grad
        with gg.enable_grad():
            assert (x * 2).requires_grad
        assert not gg.is_grad_enabled()
    assert gg.is_grad_enabled()

    @gg.no_grad()
    def frozen(t):
        return t * 2
    assert not frozen(x).requires_grad
    with gg.set_grad_enabled(False):
        assert not (x + 1).requires_grad


def test_create_graph_gives_differentiable_gradients():
    x = gg.tensor(2.0, dtype=gg.float64, requires_grad=True)
    y = x ** 4
    (g,) = gg.gradients(y, x, create_graph=True)
    assert g.item() == 32.0 and g.requires_grad
    (h,) = gg.gradients(g, x, create_graph=True)
    assert h.item() == 48.0
    h.backward()
    assert x.grad.item() == 48.0                       # d³/dx³ x⁴ = 24x


def test_backward_create_graph_accumulates_a_differentiable_grad():
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    gx = x.grad
    assert gx.requires_grad and gx.tolist() == [3.0, 12.0]
    x.grad = None
    gx.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]


def test_gradients_wrt_intermediate_tensors_and_inputs_argument():
    x = gg.tensor(3.0, requires_grad=True)
    h = x * x
    y = h.sin()
    dy_dh, dy_dx = gg.gradients(y, [h, x], retain_graph=True)
    assert np.isclose(dy_dh.item(), np.cos(9.0), rtol=1e-6)
    assert np.isclose(dy_dx.item(), np.cos(9.0) * 6, rtol=1e-6)
    w = gg.tensor(1.0, requires_grad=True)
    (y * w).backward(inputs=[w])
    assert x.grad is None and np.isclose(w.grad.item(), np.sin(9.0), rtol=1e-6)
    with pytest.raises(gg.GradientError, match="not used"):
        gg.gradients(x * 2, [x, w])
    assert gg.gradients(x * 2, [x, w], allow_unused=True)[1] is None


def test_in_place_change_of_a_saved_tensor_is_caught():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    a = gg.tensor([3.0, 4.0])
    y = (x * a).sum()
    a.mul_(2)                                  # a was saved for ∂y/∂x
    with pytest.raises(gg.InplaceError, match="modified in place"):
        y.backward()


def test_in_place_change_of_an_operand_no_rule_reads_is_allowed():
    """add saves no value, and x·w keeps w's value only for ∂/∂x: changing what no rule reads
    leaves the gradients right (PyTorch allows it too), and backward must not refuse."""
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    x = gg.tensor([3.0, 4.0])
    y = (w + x).sum() + (x * w).sum()
    with gg.no_grad():
        w.add_(10)                             # read by no rule: x's value is what ∂/∂w needs
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 5.0])
    z = (w + x).sum()
    x.add_(1)                                  # an operand of add, which saves nothing
    z.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 6.0])


def test_in_place_change_through_a_view_is_caught():
    x = gg.tensor([[1.0, 2.0]], requires_grad=True)
    a = gg.tensor([[3.0, 4.0]])
    y = (x * a.T.T).sum()                      # saves a view of a
    a.add_(1)
    with pytest.raises(gg.InplaceError):
        y.backward()


def test_in_place_changes_before_use_or_after_backward_are_fine():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    a = gg.tensor([3.0, 4.0])
    a.add_(1)
    y = (x * a).sum()
    y.backward()
    a.add_(1)
    assert x.grad.tolist() == [4.0, 5.0]


def test_in_place_on_a_parameter_needs_no_grad():
    w = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(gg.InplaceError, match="no_grad"):
        w -= 0.1
    with gg.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5] and w.requires_grad and w._version == 1


def test_detect_anomaly_names_the_operation_that_made_nan():
    x = gg.tensor([0.0, 1.0], requires_grad=True)
    with gg.detect_anomaly(), np.errstate(divide="ignore"):
        y = gg.sqrt(x).sum()
        with pytest.raises(gg.AnomalyError, match="'sqrt'") as info:
            y.backward()
    assert "test_autodiff.py" in str(info.value)          # the forward stack is shown
    y2 = gg.sqrt(gg.tensor([0.0], requires_grad=True)).sum()
    with np.errstate(divide="ignore"):
        y2.backward()                                     # off: no check, inf flows through


def test_zero_gradient_primitives():
    x = gg.tensor([1.3, -0.7], requires_grad=True)
    (gg.floor(x) + gg.sign(x) + gg.round(x) + gg.ceil(x)).sum().backward()
    assert x.grad is None or x.grad.tolist() == [0.0, 0.0]


def test_max_and_min_split_ties_like_pytorch():
    x = gg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]
    y = gg.tensor([2.0, 2.0], requires_grad=True)
    gg.maximum(y, gg.tensor([2.0, 1.0])).sum().backward()
    assert y.grad.tolist() == [0.5, 1.0]


def test_shape_mismatch_names_operation_and_shapes():
    with pytest.raises(gg.ShapeError, match=r"add.*\(2, 3\).*\(4,\)"):
        gg.ones(2, 3) + gg.ones(4)
    with pytest.raises(gg.ShapeError, match=r"matmul.*\(2, 3\).*\(2, 3\)"):
        gg.ones(2, 3) @ gg.ones(2, 3)
    with pytest.raises(ValueError):
        gg.ones(2, 3).reshape(4, 2)


@pytest.mark.parametrize("shape", [(), (3,)])
def test_many_paths_into_one_node_accumulate(shape):
    x = gg.tensor(np.full(shape, 2.0), dtype=gg.float64, requires_grad=True)
    h = x * 1.0
    (h * h + h * 3.0 + h.exp() + h).sum().backward()
    assert np.allclose(x.grad.array, 2 * 2.0 + 3.0 + np.exp(2.0) + 1.0)


def test_a_failed_backward_leaves_nothing_behind():
    """An error in the middle of a sweep must not leave partial gradients on the graph."""
    x = gg.tensor([0.0, 4.0], dtype=gg.float64, requires_grad=True)
    with gg.detect_anomaly(), np.errstate(divide="ignore"):
        h = x * 1.0
        y = (gg.sqrt(h) + h.exp()).sum()
        with pytest.raises(gg.AnomalyError):
            y.backward(retain_graph=True)
    x.grad = None
    y2 = (h.exp()).sum()                 # shares h's node with the failed sweep
    y2.backward()
    assert np.allclose(x.grad.array, np.exp([0.0, 4.0]))


def test_values_no_rule_needs_are_freed_and_backward_frees_the_rest():
    """A node keeps only what its backward rule reads (exp: its output; x + 1 and x * 2:
    nothing), so dropped intermediates go at once; backward releases what was kept."""
    import gc
    import weakref
    x = gg.tensor(np.random.default_rng(0).random(3), requires_grad=True)
    a = x * 2.0
    b = a + 1.0
    c = b.exp()
    y = (c * 3.0).sum()
    dropped = [weakref.ref(t.array) for t in (a, b)]
    kept = weakref.ref(c.array)
    del a, b, c
    gc.collect()
    assert all(r() is None for r in dropped) and kept() is not None
    y.backward()
    gc.collect()
    assert kept() is None
    assert np.allclose(x.grad.array, 3 * 2 * np.exp(2 * x.array + 1))


def test_implicit_backward_of_a_complex_output_is_refused_as_in_pytorch(torch):
    z = gg.tensor(np.array([1 + 2j]), requires_grad=True)
    with pytest.raises(gg.GradientError, match="only for real scalar outputs"):
        (z * z).sum().backward()
    t = torch.tensor([1 + 2j], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for real scalar outputs"):
        (t * t).sum().backward()

"""The cache of programs (one per input signature, bounded, least recently used dropped),
check=True, the printed program, inference, a compiled optimizer step and fit(compile=True)."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.compile import CompileCheckError

F = gg.nn.functional


def setup(dtype=np.float64, seed=0):
    gg.manual_seed(seed)
    model = gg.nn.Sequential(gg.nn.Linear(3, 8, dtype=dtype), gg.nn.Tanh(),
                             gg.nn.Linear(8, 2, dtype=dtype))
    opt = gg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


def batch(n, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return gg.tensor(rng.normal(size=(n, 3)).astype(dtype)), gg.tensor(rng.integers(0, 2, n))


def test_a_new_input_shape_records_a_second_program():
    model, _, step = setup()
    twin, _, eager = setup()
    compiled = gg.compile(step)
    for n in (8, 8, 5, 8, 5, 5):
        x, y = batch(n, n)
        assert compiled(x, y).item() == eager(x, y).item()
    assert compiled.traces == 2 and len(compiled.cache) == 2
    for p, q in zip(model.parameters(), twin.parameters()):
        assert np.array_equal(p.array, q.array)


def test_the_cache_keeps_the_most_recently_used_programs():
    _, _, step = setup()
    compiled = gg.compile(step, cache_size=2)
    for n in (4, 5, 6):
        compiled(*batch(n))
    assert len(compiled.cache) == 2 and compiled.traces == 3
    compiled(*batch(5))                  # kept: replayed
    assert compiled.traces == 3
    compiled(*batch(4))                  # dropped first (least recently used): recorded again
    assert compiled.traces == 4 and len(compiled.cache) == 2
    compiled(*batch(6))                  # dropped when 4 came back
    assert compiled.traces == 5
    with pytest.raises(ValueError, match="cache_size"):
        gg.compile(step, cache_size=0)


def test_requires_grad_and_dtype_are_part_of_the_signature():
    f = gg.compile(lambda x: (x * 2).sum().detach())
    f(gg.ones(3))
    f(gg.ones(3, requires_grad=True))
    f(gg.ones(3, dtype=gg.float64))
    assert f.traces == 3


def test_check_runs_eager_alongside_and_passes_a_faithful_program():
    model, _, step = setup()
    twin, _, eager = setup()
    compiled = gg.compile(step, check=3)
    for i in range(6):
        x, y = batch(8, i)
        assert compiled(x, y).item() == eager(x, y).item()
    assert compiled.checks_left == 0
    for p, q in zip(model.parameters(), twin.parameters()):
        assert np.array_equal(p.array, q.array)


def test_check_catches_a_deliberately_broken_program():
    _, _, step = setup()
    compiled = gg.compile(step, check=True)
    x, y = batch(8)
    compiled(x, y)                       # recorded
    program = compiled.program
    assert "np.tanh(" in program.source
    program.compile(program.source.replace("np.tanh(", "np.sin(", 1))
    with pytest.raises(CompileCheckError, match="differs from eager"):
        compiled(x, y)


def test_the_program_prints_as_straight_line_numpy():
    _, _, step = setup()
    compiled = gg.compile(step)
    with pytest.raises(RuntimeError, match="no program yet"):
        str(compiled.program)
    compiled(*batch(8))
    text = str(compiled.program)
    assert text.startswith("def program(x0, x1):")
    for piece in ("np.matmul(", "np.tanh(", ".grad = make(", "np.subtract(p", "return"):
        assert piece in text
    assert " for " not in text.split("np.matmul(", 1)[1]    # no loops after the prologue


def test_inference_compiles_a_module_under_no_grad():
    model, _, _ = setup()
    compiled = gg.compile(model)
    x, _ = batch(16)
    with gg.no_grad():
        expected = model(x).array.copy()
        first, second = compiled(x), compiled(x)
    assert np.array_equal(first.array, expected) and np.array_equal(second.array, expected)
    assert second.array is not first.array          # results are fresh arrays every call
    assert "np.matmul" in str(compiled.program) and ".grad" not in str(compiled.program)


def test_an_optimizer_step_alone_reads_the_gradients_when_it_runs():
    model, opt, _ = setup()
    twin, twin_opt, _ = setup()
    update = gg.compile(lambda: opt.step())
    for i in range(5):
        x, y = batch(8, i)
        for m, o in ((model, opt), (twin, twin_opt)):
            o.zero_grad()
            F.cross_entropy(m(x), y).backward()
        update()
        twin_opt.step()
    assert update.traces == 1
    for p, q in zip(model.parameters(), twin.parameters()):
        assert np.array_equal(p.array, q.array)


def test_a_reset_optimizer_state_is_noticed_and_recorded_again():
    model, opt, step = setup()
    compiled = gg.compile(step)
    compiled(*batch(8))
    compiled(*batch(8, 1))
    opt.state.clear()                 # momentum buffers gone: the program cannot run
    twin, twin_opt, eager = setup()
    for p, q in zip(model.parameters(), twin.parameters()):
        q.array[...] = p.array
    x, y = batch(8, 2)
    assert compiled(x, y).item() == eager(x, y).item()
    assert compiled.traces == 2
    for p, q in zip(model.parameters(), twin.parameters()):
        assert np.array_equal(p.array, q.array)


def test_fit_with_compile_trains_exactly_as_eager_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 3))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    histories, weights = [], []
    for compile in (False, True):
        model, opt, _ = setup()
        history = gg.train.fit(model, F.cross_entropy, opt, (x, y), val_data=(x[:20], y[:20]),
                               epochs=3, batch_size=16, seed=1, progress=False,
                               compile=compile)
        histories.append(history)
        weights.append([p.array.copy() for p in model.parameters()])
    for key in ("loss", "accuracy", "val_loss"):
        assert histories[0][key] == histories[1][key]
    for a, b in zip(*weights):
        assert np.array_equal(a, b)


def test_returned_values_are_fresh_every_call():
    _, _, step = setup()
    compiled = gg.compile(step)
    losses = [compiled(*batch(8, i)) for i in range(4)]
    assert len({id(loss.array) for loss in losses}) == 4
    assert len({loss.item() for loss in losses}) == 4


def test_switching_a_module_to_eval_records_the_step_again():
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(3, 4, dtype=np.float64),
                             gg.nn.BatchNorm1d(4, dtype=np.float64))
    compiled = gg.compile(model)
    x, _ = batch(6)
    with gg.no_grad():
        compiled(x)
        compiled(x)
        model.eval()
        for _ in range(2):
            assert np.array_equal(compiled(x).array, model(x).array)
        model.train()
        compiled(x)
    assert compiled.traces == 3 and compiled.eager_reason is None


def test_a_frozen_or_replaced_parameter_records_the_step_again():
    model, opt, step = setup()
    twin, twin_opt, eager = setup()
    compiled = gg.compile(step)
    for i in range(6):
        if i == 2:
            for m in (model, twin):
                m[0].weight.requires_grad_(False)
        if i == 4:
            for m in (model, twin):
                m[2].bias = gg.nn.Parameter(gg.zeros(2, dtype=gg.float64))
            for m, o in ((model, opt), (twin, twin_opt)):
                o.param_groups[0]["params"][3] = m[2].bias
        x, y = batch(8, i)
        assert compiled(x, y).item() == eager(x, y).item()
    assert compiled.traces == 3
    for p, q in zip(model.parameters(), twin.parameters()):
        assert np.array_equal(p.array, q.array)


def test_tensors_inside_lists_and_dicts_are_inputs():
    model, _, _ = setup()
    compiled = gg.compile(lambda xs, scale: model(xs["a"][0]).sum() * scale)
    with gg.no_grad():
        for i in range(4):
            x, _ = batch(8, i)
            assert compiled({"a": [x]}, 2.0).item() == model(x).sum().item() * 2.0
    assert compiled.traces == 1


def test_a_closure_variable_bound_to_another_model_records_the_step_again():
    model, _, _ = setup(seed=1)
    compiled = gg.compile(lambda x: model(x))
    x, _ = batch(8)
    with gg.no_grad():
        first = compiled(x).array
        model, _, _ = setup(seed=2)          # as when a notebook cell is run again
        assert np.array_equal(compiled(x).array, model(x).array)
        assert not np.array_equal(first, model(x).array)
    assert compiled.traces == 2 and compiled.eager_reason is None


def test_eager_work_on_another_thread_during_a_trace_is_not_recorded():
    import threading
    model, _, step = setup()
    twin, _, eager = setup()
    other = gg.nn.Linear(3, 2, dtype=np.float64)
    seen = []

    def elsewhere(x):
        seen.append(other(x).sum().item())     # would fail the trace on the tracing thread

    def with_a_thread(x, y):
        worker = threading.Thread(target=elsewhere, args=(x,))
        worker.start()
        worker.join()
        return step(x, y)
    compiled = gg.compile(with_a_thread)
    for i in range(3):
        x, y = batch(8, i)
        assert compiled(x, y).item() == eager(x, y).item()
    assert compiled.eager_reason is None and compiled.traces == 1 and len(seen) == 1
    _, _, alone = setup()
    reference = gg.compile(alone)
    reference(*batch(8))
    assert compiled.program.n_ops == reference.program.n_ops


def test_gradients_kept_from_step_to_step_are_not_overwritten():
    model, _, step = setup()
    twin, _, eager = setup()
    compiled = gg.compile(step)
    kept, kept_eager = [], []
    for i in range(4):
        x, y = batch(8, i)
        compiled(x, y)
        eager(x, y)
        kept.append(model[0].weight.grad)          # a list of the gradients, as eager mode
        kept_eager.append(twin[0].weight.grad)     # gives them: a new array every step
    for a, b in zip(kept, kept_eager):
        assert np.array_equal(a.array, b.array)
    unkept = gg.compile(setup()[2])
    for i in range(4):
        unkept(*batch(8, i))
    assert unkept.traces == 1            # nobody holds the gradients: replayed every time


def test_comparisons_are_recorded_however_they_are_reached():
    """The comparisons' code is swapped while tracing: an alias, an operator and a reflected
    operator (Tensor.__rand__ wraps bitwise_and) all replay with the new values."""
    from graphgrad.ops.compare import gt as greater  # an alias graphgrad does not hold

    def fn(x):
        positive = greater(x, 0.0)
        small = x < 0.5
        both = True & positive                       # Tensor.__rand__
        return (positive & small).to(gg.float64) + both.to(gg.float64) * x

    compiled = gg.compile(fn)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = gg.tensor(rng.normal(size=(5, 3)))
        assert np.array_equal(compiled(x).array, fn(x).array)
    assert compiled.traces == 1 and compiled.eager_reason is None


def test_the_hook_follows_an_entry_point_made_since_the_last_trace(monkeypatch):
    """tracing.watch keeps the cells it patches from call to call, and looks them up again when
    a primitive's entry point changed (an unwatched one would make results look constant)."""
    from graphgrad import recording, tracing
    from graphgrad.primitives import registry

    gg.compile(lambda x: x * 2)(gg.tensor([1.0]))          # a first watch: the cells are kept
    prim = registry["tanh"]
    fresh = recording.make_call(prim, 1, False)
    monkeypatch.setattr(prim, "call", fresh)
    seen = []
    tracing.watch(lambda p, out, *rest: seen.append((p.name, float(out[0]))))
    try:
        with pytest.raises(RuntimeError, match="already watching"):
            tracing.watch(lambda *a: None)
        fresh(gg.tensor([0.5]))
    finally:
        tracing.unwatch()
    fresh(gg.tensor([0.25]))                                # unwatched: not reported
    assert seen == [("tanh", float(np.tanh(np.float32(0.5))))]

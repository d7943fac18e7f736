"""gg.compile replays a training step exactly as eager mode runs it: the same losses and the
same weights, gradients and optimizer state, bit for bit, step after step (the program does
eager mode's NumPy operations in eager mode's order, into buffers of its own)."""
import warnings

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.compile import CompileWarning

F = gg.nn.functional


def mlp(sizes, dtype, act=gg.nn.Tanh, seed=0):
    gg.manual_seed(seed)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [gg.nn.Linear(a, b, dtype=dtype), act()]
    return gg.nn.Sequential(*layers[:-1])


def pair(make_model, make_opt, loss=F.cross_entropy, clip=None):
    """Two identical (model, optimizer, step)s: one to run eagerly, one to compile."""
    out = []
    for _ in range(2):
        model = make_model()
        opt = make_opt(model.parameters())

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            value = loss(model(x), y)
            value.backward()
            if clip == "norm":
                gg.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            elif clip == "value":
                gg.nn.utils.clip_grad_value_(model.parameters(), 0.01)
            opt.step()
            return value
        out.append((model, opt, step))
    return out


def assert_same(eager, compiled):
    (m1, o1, _), (m2, o2, _) = eager, compiled
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(p.array, q.array)
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            assert np.array_equal(p.grad.array, q.grad.array)
    for s, t in zip(o1.state.values(), o2.state.values()):
        for k in s:
            a, b = s[k], t[k]
            a, b = (a.array, b.array) if isinstance(a, gg.Tensor) else (a, b)
            assert np.array_equal(a, b), k


def train_both(eager, compiled, batches, **options):
    step = gg.compile(compiled[2], **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for x, y in batches:
            a, b = eager[2](x, y), step(x, y)
            assert a.item() == b.item()
    assert_same(eager, compiled)
    return step


def batches(n, batch, features, classes, dtype, seed=1):
    rng = np.random.default_rng(seed)
    return [(gg.tensor(rng.normal(size=(batch, features)).astype(dtype)),
             gg.tensor(rng.integers(0, classes, batch))) for _ in range(n)]


OPTIMIZERS = {
    "sgd": lambda p: gg.optim.SGD(p, lr=0.1),
    "momentum": lambda p: gg.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "nesterov": lambda p: gg.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "dampening-maximize": lambda p: gg.optim.SGD(p, lr=0.01, momentum=0.5, dampening=0.3,
                                                 maximize=True),
    "adam": lambda p: gg.optim.Adam(p, lr=1e-2),
    "adam-l2-amsgrad": lambda p: gg.optim.Adam(p, lr=1e-2, weight_decay=1e-2, amsgrad=True),
    "adamw": lambda p: gg.optim.AdamW(p, lr=1e-2, weight_decay=0.1),
    "rmsprop (its own step)": lambda p: gg.optim.RMSprop(p, lr=1e-2, momentum=0.5),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_gives_eager_modes_trajectory(name, dtype):
    both = pair(lambda: mlp((2, 16, 16, 2), dtype), OPTIMIZERS[name])
    step = train_both(*both, batches(200, 32, 2, 2, dtype))
    assert step.traces == 1 and len(step.cache) == 1


def test_a_thousand_float32_steps_stay_bit_identical():
    both = pair(lambda: mlp((2, 16, 16, 2), np.float32), lambda p: gg.optim.Adam(p, lr=1e-2))
    data = batches(10, 32, 2, 2, np.float32)
    train_both(*both, data * 100)


@pytest.mark.parametrize("clip", ["norm", "value"])
def test_gradient_clipping(clip):
    both = pair(lambda: mlp((4, 32, 3), np.float32, gg.nn.ReLU),
                lambda p: gg.optim.SGD(p, lr=0.5, momentum=0.9), clip=clip)
    train_both(*both, batches(50, 16, 4, 3, np.float32))


def test_a_scheduler_changing_lr_between_steps_is_followed():
    both = pair(lambda: mlp((3, 8, 2), np.float64), lambda p: gg.optim.Adam(p, lr=0.05))
    eager, compiled = both
    schedulers = [gg.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)
                  for o in (eager[1], compiled[1])]
    step = gg.compile(compiled[2])
    for x, y in batches(20, 8, 3, 2, np.float64):
        assert eager[2](x, y).item() == step(x, y).item()
        for s in schedulers:
            s.step()
    assert compiled[1].param_groups[0]["lr"] < 0.05 / 50
    assert_same(eager, compiled)
    assert step.traces == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_mlp_many_classes_and_the_big_layout(dtype):
    both = pair(lambda: mlp((20, 64, 40), dtype, gg.nn.ReLU),
                lambda p: gg.optim.SGD(p, lr=0.05, momentum=0.9))
    train_both(*both, batches(30, 64, 20, 40, dtype))


def test_layer_norm_batch_norm_and_running_statistics():
    def model():
        gg.manual_seed(3)
        return gg.nn.Sequential(gg.nn.Linear(5, 12, dtype=np.float64),
                                gg.nn.BatchNorm1d(12, dtype=np.float64), gg.nn.ReLU(),
                                gg.nn.Linear(12, 12, dtype=np.float64),
                                gg.nn.LayerNorm(12, dtype=np.float64), gg.nn.Tanh(),
                                gg.nn.Linear(12, 3, dtype=np.float64))
    both = pair(model, lambda p: gg.optim.AdamW(p, lr=1e-2))
    step = train_both(*both, batches(30, 16, 5, 3, np.float64))
    assert "update_running_stats" in str(step.program)
    (m1, _, _), (m2, _, _) = both
    for a, b in zip(m1.buffers(), m2.buffers()):
        assert np.array_equal(a.array, b.array)
    assert m1[1].num_batches_tracked.item() == 30


def test_an_attention_block():
    class Block(gg.nn.Module):
        def __init__(self):
            super().__init__()
            gg.manual_seed(4)
            self.embed = gg.nn.Linear(6, 8, dtype=np.float64)
            self.attn = gg.nn.MultiheadAttention(8, 2, dtype=np.float64)
            self.norm = gg.nn.LayerNorm(8, dtype=np.float64)
            self.head = gg.nn.Linear(8, 3, dtype=np.float64)

        def forward(self, x):
            h = self.embed(x)
            a, _ = self.attn(h, h, h)
            return self.head(self.norm(h + a).mean(dim=1))
    both = pair(Block, lambda p: gg.optim.Adam(p, lr=1e-2))
    rng = np.random.default_rng(2)
    data = [(gg.tensor(rng.normal(size=(4, 5, 6))), gg.tensor(rng.integers(0, 3, 4)))
            for _ in range(15)]
    train_both(*both, data)


@pytest.mark.parametrize("loss", [F.mse_loss, F.binary_cross_entropy_with_logits])
def test_other_fused_losses(loss):
    def model():
        return mlp((3, 10, 2), np.float64)
    both = pair(model, lambda p: gg.optim.SGD(p, lr=0.1, momentum=0.5), loss=loss)
    rng = np.random.default_rng(5)
    data = [(gg.tensor(rng.normal(size=(8, 3))), gg.tensor(rng.uniform(0, 1, (8, 2))))
            for _ in range(20)]
    train_both(*both, data)


def test_dropout_draws_fresh_numbers_as_eager_mode_does():
    def model():
        gg.manual_seed(6)
        return gg.nn.Sequential(gg.nn.Linear(4, 32, dtype=np.float64), gg.nn.ReLU(),
                                gg.nn.Dropout(0.3), gg.nn.Linear(32, 2, dtype=np.float64))
    eager, compiled = pair(model, lambda p: gg.optim.SGD(p, lr=0.1))
    step = gg.compile(compiled[2])
    losses = []
    for x, y in batches(12, 16, 4, 2, np.float64):
        gg.manual_seed(100)
        a = eager[2](x, y).item()
        gg.manual_seed(100)
        b = step(x, y).item()
        assert a == b
        losses.append(b)
    assert_same((eager[0], eager[1], None), (compiled[0], compiled[1], None))
    gg.manual_seed(1)
    x, y = batches(1, 16, 4, 2, np.float64)[0]
    assert step(x, y).item() != step(x, y).item()      # a new mask each call
    assert step.eager_reason is None and "dropout_mask" in str(step.program)


def test_compiled_training_follows_torch(torch):
    """The oracle: PyTorch's SGD with momentum on the same network and data."""
    model = mlp((3, 8, 2), np.float64)
    opt = gg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    weights = [torch.tensor(p.array.copy(), requires_grad=True) for p in model.parameters()]
    topt = torch.optim.SGD(weights, lr=0.1, momentum=0.9)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    for x, y in batches(25, 8, 3, 2, np.float64):
        topt.zero_grad()
        tx, ty = torch.tensor(x.array), torch.tensor(y.array)
        h = torch.tanh(tx @ weights[0].T + weights[1])
        tl = torch.nn.functional.cross_entropy(h @ weights[2].T + weights[3], ty)
        tl.backward()
        topt.step()
        assert abs(step(x, y).item() - tl.item()) < 1e-12
    for p, w in zip(model.parameters(), weights):
        np.testing.assert_allclose(p.array, w.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamw"])
def test_a_thousand_steps_with_decay_clipping_and_an_lr_that_changes_every_step(name):
    """The issue's bar: 1,000 float32 steps, weight decay, clipping and a scheduler that
    changes lr between every two steps; losses and weights stay bit-identical to eager mode."""
    make_opt = {"sgd": lambda p: gg.optim.SGD(p, lr=0.1, weight_decay=1e-3),
                "momentum": lambda p: gg.optim.SGD(p, lr=0.05, momentum=0.9,
                                                   weight_decay=1e-3),
                "adam": lambda p: gg.optim.Adam(p, lr=1e-2, weight_decay=1e-3),
                "adamw": lambda p: gg.optim.AdamW(p, lr=1e-2, weight_decay=0.05)}[name]
    eager, compiled = pair(lambda: mlp((2, 16, 16, 2), np.float32), make_opt, clip="norm")
    schedulers = [gg.optim.lr_scheduler.CosineAnnealingLR(o, T_max=300)
                  for o in (eager[1], compiled[1])]
    step = gg.compile(compiled[2])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for x, y in batches(10, 32, 2, 2, np.float32) * 100:
            assert eager[2](x, y).item() == step(x, y).item()
            for s in schedulers:
                s.step()
    assert step.traces == 1
    assert_same(eager, compiled)


def test_clipping_and_dropout_reached_through_aliases():
    """Functions that work on .data with NumPy are recorded however the step reaches them
    (here through partials, with dropout's own generator), never baked in as constants."""
    import functools
    clip = functools.partial(gg.nn.utils.clip_grad_value_, clip_value=0.002)
    results = []
    for compiled in (False, True):
        gg.manual_seed(0)
        model = gg.nn.Sequential(gg.nn.Linear(3, 16, dtype=np.float64), gg.nn.Tanh(),
                                 gg.nn.Linear(16, 2, dtype=np.float64))
        opt = gg.optim.SGD(model.parameters(), lr=0.5)
        drop = functools.partial(F.dropout, p=0.3, generator=gg.Generator().manual_seed(9))

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(drop(model(x)), y)
            loss.backward()
            clip(model.parameters())
            opt.step()
            return loss
        run = gg.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileWarning)
            losses = [run(x, y).item() for x, y in batches(15, 8, 3, 2, np.float64)]
        results.append((losses, [p.array.copy() for p in model.parameters()]))
    assert results[0][0] == results[1][0] and len(set(results[1][0])) == 15
    for a, b in zip(results[0][1], results[1][1]):
        assert np.array_equal(a, b)


def test_a_small_cnn_with_residuals_read_by_the_backward():
    """Convolution and max pooling keep residuals (the column matrix, the argmax): a replay
    computes them afresh, as eager mode does, rather than reading the recorded ones."""
    def model():
        gg.manual_seed(7)
        return gg.nn.Sequential(gg.nn.Conv2d(1, 4, 3, padding=1), gg.nn.ReLU(),
                                gg.nn.MaxPool2d(2), gg.nn.Flatten(), gg.nn.Linear(4 * 4 * 4, 3))
    both = pair(model, lambda p: gg.optim.SGD(p, lr=0.05, momentum=0.9))
    rng = np.random.default_rng(3)
    data = [(gg.tensor(rng.normal(size=(5, 1, 8, 8)).astype(np.float32)),
             gg.tensor(rng.integers(0, 3, 5))) for _ in range(12)]
    train_both(*both, data)


def _laid_out(model, order):
    """model with each weight matrix in the memory order `order` ('F': column-major)."""
    for p in model.parameters():
        if p.ndim == 2:
            p.array = np.asarray(p.array, order=order)
    return model


@pytest.mark.parametrize("order, blocks", [("C", "range(0, 16, 5)"), ("F", "range(0, 7, 2)")])
@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov"])
def test_sgd_updates_large_weights_block_by_block(name, order, blocks, monkeypatch):
    """A weight larger than the update's scratch is updated in blocks (CHUNK made small here)
    of rows, or of columns for a column-major weight: the same numbers as eager mode's
    one-piece update."""
    from graphgrad.compile import optimizers
    monkeypatch.setattr(optimizers, "CHUNK", 40)
    both = pair(lambda: _laid_out(mlp((7, 16, 3), np.float32), order), OPTIMIZERS[name])
    step = train_both(*both, batches(20, 8, 7, 3, np.float32))
    assert f"for _i in {blocks}:" in str(step.program)

"""The Playground's network: gg.nn.Linear layers with the chosen activation, trained by a
gg.optim optimizer on the square loss ½(o − t)² of TensorFlow Playground (tanh output for
classification, linear for regression), plus the L1/L2 penalty on the weights.

    α_0 = features(p),  α_l = f(W_l α_{l−1} + b_l),  o = g(W_out α_L + b_out)
    J = mean ½(o − t)² + λ Σ_l |W_l|₁   (L1)   or   + λ Σ_l ½‖W_l‖²   (L2)

`grid_values` evaluates every node at once over a grid of points: one vectorised forward
pass gives the heat map of each feature, each hidden neuron and the output.
"""
import numpy as np

from .. import nn, optim
from .. import ops as G
from ..grad_mode import no_grad
from .features import compute as features

ACTIVATIONS = {"relu": G.relu, "tanh": G.tanh, "sigmoid": G.sigmoid, "linear": None}


class Batches:
    """The order of one epoch's mini-batches; `batch_size` is what 003 §3.4.3's
    gg.optim.BatchSizeScheduler grows."""

    def __init__(self, batch_size, rng):
        self.batch_size, self.rng = batch_size, rng

    def epoch(self, n):
        order = self.rng.permutation(n)
        size = max(1, min(int(self.batch_size), n))
        return [order[i:i + size] for i in range(0, n, size)]


class Network:
    """Layers, optimizer and schedule for one Settings; `names` are the parameters' names in
    gg.explain's listing (W1, b1, ..., W_out, b_out)."""

    def __init__(self, settings, generator):
        sizes = [len(settings.features), *settings.networkShape, 1]
        self.layers = [nn.Linear(a, b, generator=generator) for a, b in zip(sizes, sizes[1:])]
        self.activation = ACTIVATIONS[settings.activation]
        self.regression = settings.problem == "regression"
        self.features = settings.features
        params = [p for layer in self.layers for p in layer.parameters()]
        if settings.optimizer == "adam":
            self.optimizer = optim.Adam(params, lr=settings.learningRate)
        else:
            momentum = 0.9 if settings.optimizer == "momentum" else 0.0
            self.optimizer = optim.SGD(params, lr=settings.learningRate, momentum=momentum)
        self.batches = Batches(settings.batchSize, np.random.default_rng(generator))
        self.pending = []                   # the current epoch's mini-batches still to run
        self.schedule_kind = settings.schedule
        self.scheduler = None
        self.set_learning_rate(settings.learningRate)

    # ------------------------------------------------------------------ settings
    def set_learning_rate(self, lr):
        """ε for the next steps; a schedule restarts from it (every 50 epochs: ε/2 for
        lr-decay, |B|·2 up to the training set's size for batch-growth)."""
        for group in self.optimizer.param_groups:
            group["lr"] = group["initial_lr"] = lr
        if self.schedule_kind == "lr-decay":
            self.scheduler = optim.lr_scheduler.StepLR(self.optimizer, step_size=50, gamma=0.5)
        elif self.schedule_kind == "batch-growth":
            self.scheduler = optim.BatchSizeScheduler(self.batches, step_size=50, factor=2,
                                                      max_batch_size=1 << 20)

    def set_batch_size(self, size):
        self.batches.batch_size = size

    @property
    def learning_rate(self):
        return self.optimizer.param_groups[0]["lr"]

    @property
    def names(self):
        out = {}
        for i, layer in enumerate(self.layers, 1):
            tag = "_out" if i == len(self.layers) else str(i)
            out[f"W{tag}"], out[f"b{tag}"] = layer.weight, layer.bias
        return out

    def state_dict(self):
        return {name: p.detach() for name, p in self.names.items()}

    # ------------------------------------------------------------------ the model
    def forward(self, x, pre=None):
        """(output, [α_1, ..., α_L]) as Tensors, recorded where grad mode is on;
        the pre-activations z_l = W_l α_{l−1} + b_l are appended to `pre` if it is a list."""
        hidden = []
        for layer in self.layers:
            z = layer(x)
            if pre is not None:
                pre.append(z)
            if layer is self.layers[-1]:
                return (z if self.regression else G.tanh(z)), hidden
            x = z if self.activation is None else self.activation(z)
            hidden.append(x)

    def loss(self, out, target, regularization="none", rate=0.0):
        """J = mean ½(o − t)² (+ the penalty on the weights)."""
        d = out - target
        loss = (d * d).mean() * 0.5
        if regularization != "none" and rate > 0:
            weights = [layer.weight for layer in self.layers]
            if regularization == "L1":
                penalty = sum(G.abs(w).sum() for w in weights)
            else:
                penalty = sum((w * w).sum() for w in weights) * 0.5
            loss = loss + penalty * rate
        return loss

    def train_step(self, x, t, regularization="none", rate=0.0):
        """One optimizer step on the epoch's next mini-batch of (x, t); True when it was the
        epoch's last (the scheduler then steps, once per epoch)."""
        if not self.pending:
            self.pending = self.batches.epoch(len(x))[::-1]
        index = self.pending.pop()
        out, _ = self.forward(x[index])
        loss = self.loss(out, t[index], regularization, rate)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self.pending:
            return False
        if self.scheduler is not None:
            self.scheduler.step()
        return True

    def train_epoch(self, x, t, regularization="none", rate=0.0):
        """Steps up to the end of the current epoch (a whole pass over (x, t) in mini-batches
        when none is under way). Returns the number of steps taken."""
        steps = 1
        while not self.train_step(x, t, regularization, rate):
            steps += 1
        return steps

    def evaluate(self, x, t):
        """mean ½(o − t)² over (x, t), without recording."""
        with no_grad():
            out, _ = self.forward(x)
            d = out.array - t
        return float((d * d).mean() * 0.5)

    def grid_values(self, points):
        """Every node's value at every point, (n_features + n_hidden + 1, n_points): the
        features, the hidden neurons layer by layer, then the output; one forward pass."""
        x = features(points, self.features)
        rows = [x.T]
        with no_grad():
            out, hidden = self.forward(x)
        rows += [h.array.T for h in hidden]
        rows.append(out.array.T)
        return np.concatenate(rows, 0)

    def weights(self):
        """([W_l], [b_l]) as nested lists, layer by layer."""
        return ([layer.weight.array.tolist() for layer in self.layers],
                [layer.bias.array.tolist() for layer in self.layers])

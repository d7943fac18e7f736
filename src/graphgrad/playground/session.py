"""One browser tab's Playground: settings, data, network, epoch counter and loss curve, and
the replies to the page's messages (see protocol.py for what a message may hold).

`handle(message)` returns the replies as dicts (JSON-ready: no NaN, no infinities);
`train(seconds)` runs mini-batch steps for about that long while playing. A run whose loss or
weights stop being finite is marked diverged and paused: the page says "diverged — lower the
learning rate or reset", and lowering the learning rate starts fresh weights.
"""
import math
import time

import numpy as np

from . import datasets
from .export import checkpoint_bytes, graph_file
from .features import compute as features
from .inspector import backprop_step, inspect
from .network import Network
from .protocol import encode_floats, encode_maps
from .state import MAX_LAYERS, MAX_NEURONS, NUM_POINTS, Refused, Settings

VIEW = 6.0                  # the plane shown: [−6, 6]²
MAX_HISTORY = 400           # loss-curve points kept (older ones thinned by half)
DIVERGED = "diverged — lower the learning rate or reset"


def grid_points(n):
    """The centres of an n × n grid over [−6, 6]², row by row from the top (x₂ = +6)."""
    c = (np.arange(n) + 0.5) / n * 2 * VIEW - VIEW
    x1, x2 = np.meshgrid(c, -c)
    return np.stack([x1.ravel(), x2.ravel()], 1)


class Session:
    def __init__(self, settings=None, grid=40):
        self.settings = settings or Settings()
        self.grid, self.points = grid, grid_points(grid)
        self.playing, self.restarts = False, 0
        self._new_data()
        self._new_network()

    # ------------------------------------------------------------------ building
    def _new_data(self):
        s = self.settings
        self.x_train, self.y_train, self.x_test, self.y_test = datasets.make(
            s.dataset, NUM_POINTS, s.noise / 100, s.seed, s.percTrainData / 100)
        self._features()

    def _features(self):
        names = self.settings.features
        self.f_train, self.f_test = features(self.x_train, names), features(self.x_test, names)
        self.t_train = self.y_train[:, None].astype(np.float32)
        self.t_test = self.y_test[:, None].astype(np.float32)

    def _new_network(self):
        self.network = Network(self.settings, [self.settings.seed, self.restarts])
        self.epoch, self.diverged = 0, False
        self._curve, self._kept = np.zeros((MAX_HISTORY, 3), np.float32), 0
        self.loss_train = self.loss_test = 0.0
        self._record()

    def _record(self):
        train = self.network.evaluate(self.f_train, self.t_train)
        test = self.network.evaluate(self.f_test, self.t_test)
        if not (math.isfinite(train) and math.isfinite(test)) or not self._finite_weights():
            self.diverged, self.playing = True, False
            return
        self.loss_train, self.loss_test = train, test
        if self._kept == MAX_HISTORY:          # thin the older half of the curve
            self._curve[:MAX_HISTORY // 2] = self._curve[:MAX_HISTORY:2]
            self._kept = MAX_HISTORY // 2
        self._curve[self._kept] = self.epoch, train, test
        self._kept += 1

    @property
    def history(self):
        """The loss curve: [epoch, training loss, test loss] rows, at most MAX_HISTORY."""
        return self._curve[:self._kept].tolist()

    def _finite_weights(self):
        return all(np.isfinite(p.array).all() for layer in self.network.layers
                   for p in (layer.weight, layer.bias))

    # ------------------------------------------------------------------ training
    def step(self):
        """One epoch: one pass over the training points in mini-batches (the page's `step`;
        after a pause mid-epoch, the rest of that epoch)."""
        if self.diverged:
            return 0
        s = self.settings
        with np.errstate(all="ignore"):
            steps = self.network.train_epoch(self.f_train, self.t_train, s.regularization,
                                             s.regularizationRate)
            self.epoch += 1
            self._record()
        return steps

    def train(self, seconds):
        """Mini-batch steps for about `seconds` (at least one) while playing, counting each
        finished epoch; the number of steps. A frame can thus follow every `seconds` however
        long an epoch takes."""
        end, done, s = time.perf_counter() + seconds, 0, self.settings
        with np.errstate(all="ignore"):
            while self.playing and not self.diverged:
                done += 1
                if self.network.train_step(self.f_train, self.t_train, s.regularization,
                                           s.regularizationRate):
                    self.epoch += 1
                    self._record()
                if time.perf_counter() >= end:
                    break
        return done

    # ------------------------------------------------------------------ messages
    def handle(self, message):
        """The replies to one checked message (protocol.parse's output)."""
        kind = message["type"]
        if kind == "hello":
            self.playing = False
            self._apply(Settings.from_url(message["url"]))
            return [self.state(), self.data(), self.frame()]
        if kind == "set":
            try:
                new = self.settings.change(message["key"], message["value"])
            except Refused as e:
                return [self.state(), {"type": "notice", "text": str(e)}]
            return self._apply(new)
        if kind == "action":
            return self._action(message)
        if kind == "inspect":
            return [self._inspect(message)]
        if kind == "backprop":
            return self._backprop()
        if kind == "export":
            return [self._export(message["what"])]
        return []

    def _apply(self, new):
        """Take new settings; rebuild only what they change. Replies: state (+ data) + frame."""
        old, self.settings = self.settings, new
        changed = {k for k in new.as_dict() if getattr(old, k) != getattr(new, k)}
        replies = [self.state()]
        if changed & set(Settings.DATA_KEYS):
            self._new_data()
            self._new_network()
            replies.append(self.data())
        elif changed & set(Settings.NET_KEYS):
            self._features()
            self._new_network()
        else:
            if "learningRate" in changed:
                if self.diverged:
                    self.restarts += 1
                    self._new_network()
                else:
                    self.network.set_learning_rate(new.learningRate)
            if "batchSize" in changed:
                self.network.set_batch_size(new.batchSize)
        return replies + [self.frame()]

    def _action(self, message):
        name, s = message["name"], self.settings
        if name == "play":
            self.playing = not self.diverged
            return [self.state()]
        if name == "pause":
            self.playing = False
            return [self.state()]
        if name == "step":
            self.playing = False
            self.step()
            return [self.state(), self.frame()]
        if name == "reset":
            self.playing, self.restarts = False, self.restarts + 1
            self._new_network()
            return [self.state(), self.frame()]
        if name == "regenerate":
            return self._apply(s.change("seed", (s.seed * 48271 + 11) % (2 ** 31 - 1)))
        shape = list(s.networkShape)
        if name == "add-layer" and len(shape) < MAX_LAYERS:
            shape.append(shape[-1] if shape else 2)
        elif name == "remove-layer" and shape:
            shape.pop()
        elif name in ("add-neuron", "remove-neuron") and message["layer"] <= len(shape):
            i = message["layer"] - 1
            shape[i] = min(MAX_NEURONS, shape[i] + 1) if name == "add-neuron" \
                else max(1, shape[i] - 1)
        if tuple(shape) == s.networkShape:
            return [self.state()]
        return self._apply(s.change("networkShape", shape))

    def _inspect(self, message):
        layers = len(self.settings.networkShape) + 1
        sizes = [len(self.settings.features), *self.settings.networkShape, 1]
        layer, j = message["layer"], message["index"]
        if layer > layers or j >= sizes[layer] or (message["kind"] == "edge" and
                                                   message["source"] >= sizes[layer - 1]):
            return {"type": "notice", "text": "that neuron or edge is no longer there"}
        k = min(message["point"], len(self.x_train) - 1)
        with np.errstate(all="ignore"):
            found = inspect(self.network, self.x_train[k], self.y_train[k], message)
        found["pointIndex"] = k
        return {"type": "inspect", **_finite(found)}

    def _backprop(self):
        if self.diverged:
            return [self.frame()]
        self.playing = False
        s = self.settings
        index = self.network.batches.epoch(len(self.f_train))[0]
        with np.errstate(all="ignore"):
            found = backprop_step(self.network, self.f_train[index], self.t_train[index],
                                  s.regularization, s.regularizationRate)
            self._record_only_losses()
        return [self.state(), {"type": "backprop", **_finite(found)}, self.frame()]

    def _record_only_losses(self):
        train = self.network.evaluate(self.f_train, self.t_train)
        test = self.network.evaluate(self.f_test, self.t_test)
        if math.isfinite(train) and math.isfinite(test) and self._finite_weights():
            self.loss_train, self.loss_test = train, test
        else:
            self.diverged, self.playing = True, False

    def _export(self, what):
        if what == "checkpoint":
            return {"type": "export", "filename": "playground.npz",
                    "mime": "application/octet-stream",
                    "base64": checkpoint_bytes(self.network, self.settings)}
        filename, mime, payload = graph_file(self.network, self.x_train[0], self.y_train[0])
        return {"type": "export", "filename": filename, "mime": mime, "base64": payload}

    # ------------------------------------------------------------------ replies
    def state(self):
        return {"type": "state", "settings": self.settings.as_dict(),
                "url": self.settings.to_url(), "playing": self.playing}

    def data(self):
        def rows(x, y):
            return np.round(np.concatenate([x, y[:, None]], 1), 4).tolist()
        return {"type": "data", "train": rows(self.x_train, self.y_train),
                "test": rows(self.x_test, self.y_test)}

    def frame(self):
        """What the page redraws: counters, losses, every node's heat map (encode_maps), and
        as encode_floats: the weights W_l (layer by layer, row-major (out, in)), the biases and
        the loss curve (rows epoch, training loss, test loss)."""
        with np.errstate(all="ignore"):
            values = self.network.grid_values(self.points)
        n_features = len(self.settings.features)
        scale = np.abs(values[:n_features]).max(1, keepdims=True)
        values[:n_features] /= np.where(scale > 0, scale, 1)
        layers = self.network.layers
        return {"type": "frame", "epoch": self.epoch, "lossTrain": self.loss_train,
                "lossTest": self.loss_test, "diverged": self.diverged,
                "message": DIVERGED if self.diverged else "", "grid": self.grid,
                "nodes": int(values.shape[0]), "maps": encode_maps(values),
                "weights": encode_floats([layer.weight.array for layer in layers]),
                "biases": encode_floats([layer.bias.array for layer in layers]),
                "history": encode_floats([self._curve[:self._kept]]),
                "learningRate": self.network.learning_rate,
                "batchSize": int(self.network.batches.batch_size)}


def _finite(x):
    """x with every NaN or infinity replaced by None (JSON has no NaN)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x

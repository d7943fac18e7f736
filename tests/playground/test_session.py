"""The Playground's session without a browser: settings and their URL, training, heat maps,
the inspector's gradients (against PyTorch and gg.explain), divergence, hostile messages and
the bound on sessions."""
import base64
import io
import json
import math

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.playground import datasets
from graphgrad.playground.protocol import Malformed, decode_maps, parse
from graphgrad.playground.session import DIVERGED, Session, grid_points
from graphgrad.playground.state import Refused, Settings


def run(session, text):
    return session.handle(parse(text))


def by_type(replies, kind):
    return [r for r in replies if r["type"] == kind]


# ------------------------------------------------------------------ settings and the URL
def test_every_setting_survives_the_url_round_trip():
    s = Settings()
    for key, value in [("dataset", "spiral"), ("learningRate", 0.3), ("activation", "relu"),
                       ("regularization", "L2"), ("regularizationRate", 0.003), ("noise", 25),
                       ("percTrainData", 70), ("batchSize", 17), ("networkShape", "8,1,3"),
                       ("x1sq", True), ("sinx2", "true"), ("x1", False), ("seed", 12345),
                       ("optimizer", "adam"), ("schedule", "batch-growth"),
                       ("showTestData", True), ("discretize", True)]:
        s = s.change(key, value)
    assert s.features == ("x2", "x1sq", "sinx2") and s.networkShape == (8, 1, 3)
    url = s.to_url()
    assert "networkShape=8,1,3" in url and "learningRate=0.3" in url
    assert Settings.from_url(url) == s
    assert Settings.from_url("#" + url) == s
    assert Settings.from_url(Settings().to_url()) == Settings()
    regression = Settings().change("dataset", "multigauss")
    assert regression.problem == "regression" and Settings.from_url(regression.to_url()) \
        == regression
    assert Settings.from_url("networkShape=").networkShape == ()


def test_a_broken_or_hostile_url_keeps_the_good_parts_and_the_defaults():
    s = Settings.from_url("dataset=xor&learningRate=__import__('os')&noise=7&batchSize=99"
                          "&networkShape=9,9&activation=eval&x1=maybe&unknown=1&seed=-3"
                          "&learningRate=nan&regularizationRate=inf&" + "a=b&" * 500)
    assert s == Settings().change("dataset", "xor")


@pytest.mark.parametrize("key, value", [
    ("learningRate", 0.05), ("learningRate", "1e400"), ("learningRate", True),
    ("noise", 7), ("noise", 55), ("batchSize", 0), ("batchSize", 2.5),
    ("networkShape", "1,2,3,4,5,6,7"), ("networkShape", "9"), ("networkShape", "0"),
    ("activation", "softplus"), ("dataset", "moons"), ("__class__", "x"),
    ("seed", -1), ("showTestData", "yes"), ("features", ["x1", "x3"])])
def test_values_a_control_cannot_hold_are_refused(key, value):
    with pytest.raises(Refused):
        Settings().change(key, value)


def test_the_last_feature_stays_on_and_problem_follows_the_dataset():
    with pytest.raises(Refused, match="at least one"):
        Settings().change("x1", False).change("x2", False)
    assert Settings().change("problem", "regression").dataset == "plane"
    assert Settings().change("dataset", "plane").change("dataset", "gauss").problem == \
        "classification"


# ------------------------------------------------------------------ data
@pytest.mark.parametrize("name", datasets.DATASETS)
def test_data_sets_are_reproducible_and_split_by_the_ratio(name):
    a = datasets.make(name, 500, 0.1, 7, 0.3)
    b = datasets.make(name, 500, 0.1, 7, 0.3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert len(a[0]) == 150 and len(a[2]) == 350
    targets = np.concatenate([a[1], a[3]])
    if name in datasets.CLASSIFICATION:
        assert set(np.unique(targets)) == {-1.0, 1.0}
    else:
        assert np.abs(targets).max() <= 1.0
    assert not np.array_equal(a[0], datasets.make(name, 500, 0.1, 8, 0.3)[0])


def test_circle_labels_follow_the_radius_without_noise():
    x, y, _, _ = datasets.make("circle", 500, 0.0, 3, 0.9)
    r = np.hypot(x[:, 0], x[:, 1])
    assert np.all((r < 2.5) == (y > 0)) and np.all(r[y < 0] > 3.5 - 1e-9)


# ------------------------------------------------------------------ training
def test_a_step_is_one_epoch_and_training_lowers_the_loss_on_the_circle():
    s = Session()
    frame = s.frame()
    assert frame["epoch"] == 0 and math.isfinite(frame["lossTest"])
    steps = s.step()
    assert s.epoch == 1 and steps == math.ceil(250 / 10)
    first_train, first_test = s.history[0][1:]
    for _ in range(59):
        s.step()
    assert s.epoch == 60 and len(s.history) == 61
    assert s.loss_train < 0.5 * first_train and s.loss_test < 0.5 * first_test


def test_play_trains_mini_batches_and_step_finishes_the_epoch_under_way():
    s = Session()
    s.playing = True
    assert s.train(0.0) == 1 and s.epoch == 0 and len(s.network.pending) == 24
    s.playing = False
    assert s.step() == 24 and s.epoch == 1 and s.network.pending == []
    assert s.step() == 25 and s.epoch == 2


def test_the_heat_maps_are_the_network_over_the_grid():
    s = Session(Settings().change("networkShape", "3,2").change("x1x2", True))
    frame = s.frame()
    assert frame["nodes"] == 3 + 3 + 2 + 1 and frame["grid"] == 40
    maps = decode_maps(frame["maps"], frame["nodes"])
    p = grid_points(40)
    x = np.stack([p[:, 0], p[:, 1], p[:, 0] * p[:, 1]], 1)
    (w1, w2, w3), (b1, b2, b3) = [[np.array(a) for a in group] for group in s.network.weights()]
    h1 = np.tanh(x @ w1.T + b1)
    h2 = np.tanh(h1 @ w2.T + b2)
    out = np.tanh(h2 @ w3.T + b3)
    expected = np.concatenate([(x / np.abs(x).max(0)).T, h1.T, h2.T, out.T])
    assert np.abs(maps - np.clip(expected, -1, 1)).max() <= 0.5 / 127.5 + 1e-5
    assert p[0].tolist() == [-5.85, 5.85]          # row by row from the top left


def test_actions_change_the_network_within_its_bounds():
    s = Session()
    for _ in range(6):
        run(s, '{"type": "action", "name": "add-layer"}')
    assert s.settings.networkShape == (4, 2, 2, 2, 2, 2)
    assert by_type(run(s, '{"type": "action", "name": "add-layer"}'), "frame") == []
    for _ in range(9):
        run(s, '{"type": "action", "name": "add-neuron", "layer": 1}')
    assert s.settings.networkShape[0] == 8 and len(s.network.layers) == 7
    run(s, '{"type": "action", "name": "remove-neuron", "layer": 6}')
    run(s, '{"type": "action", "name": "remove-neuron", "layer": 6}')
    assert s.settings.networkShape[5] == 1
    for _ in range(8):
        run(s, '{"type": "action", "name": "remove-layer"}')
    assert s.settings.networkShape == () and len(s.network.layers) == 1
    s.step()
    assert s.epoch == 1


def test_reset_regenerate_and_settings_that_keep_the_weights():
    s = Session()
    s.step()
    w = s.network.layers[0].weight.array.copy()
    run(s, '{"type": "set", "key": "learningRate", "value": "0.3"}')
    run(s, '{"type": "set", "key": "batchSize", "value": 5}')
    assert s.epoch == 1 and np.array_equal(w, s.network.layers[0].weight.array)
    assert s.network.learning_rate == 0.3 and s.network.batches.batch_size == 5
    run(s, '{"type": "action", "name": "reset"}')
    assert s.epoch == 0 and not np.array_equal(w, s.network.layers[0].weight.array)
    x = s.x_train.copy()
    replies = run(s, '{"type": "action", "name": "regenerate"}')
    assert by_type(replies, "data") and not np.array_equal(x, s.x_train)
    replies = run(s, '{"type": "set", "key": "activation", "value": "relu"}')
    assert s.settings.activation == "relu" and by_type(replies, "state")[0]["url"].count(
        "activation=relu") == 1


@pytest.mark.parametrize("schedule, check", [
    ("lr-decay", lambda s: s.network.learning_rate == pytest.approx(0.015)),
    ("batch-growth", lambda s: s.network.batches.batch_size == 20
     and s.network.learning_rate == 0.03)])
def test_the_schedules_of_003_halve_the_rate_or_double_the_batch(schedule, check):
    s = Session(Settings().change("schedule", schedule).change("networkShape", "2"))
    for _ in range(50):
        s.step()
    assert check(s)


def test_the_loss_with_l1_and_l2_penalties_is_the_closed_form():
    s = Session(Settings().change("networkShape", "3"))
    out = gg.tensor(np.array([[0.5], [-0.25]], np.float32))
    t = np.array([[1.0], [-1.0]], np.float32)
    w = [layer.weight.array.astype(np.float64) for layer in s.network.layers]
    mse = 0.5 * np.mean((out.array - t) ** 2)
    l1 = s.network.loss(out, t, "L1", 0.1)
    l2 = s.network.loss(out, t, "L2", 0.1)
    assert float(l1.array) == pytest.approx(mse + 0.1 * sum(np.abs(a).sum() for a in w), 1e-6)
    assert float(l2.array) == pytest.approx(mse + 0.05 * sum((a * a).sum() for a in w), 1e-6)


# ------------------------------------------------------------------ the inspector
def _torch_gradients(torch, s, point, target):
    """∂L/∂α of every hidden layer and ∂L/∂W of every layer, by PyTorch, same weights."""
    x = torch.tensor(np.array([point], np.float32))
    hidden, h = [], x
    weights = [torch.tensor(layer.weight.array.copy(), requires_grad=True)
               for layer in s.network.layers]
    biases = [torch.tensor(layer.bias.array.copy()) for layer in s.network.layers]
    for w, b in zip(weights[:-1], biases[:-1]):
        h = torch.tanh(h @ w.T + b)
        h.retain_grad()
        hidden.append(h)
    out = torch.tanh(h @ weights[-1].T + biases[-1])
    out.retain_grad()
    loss = 0.5 * ((out - target) ** 2).mean()
    loss.backward()
    return [a.grad.numpy() for a in hidden + [out]], [w.grad.numpy() for w in weights]


def test_the_inspector_gives_pytorchs_gradient_and_explains_it(torch):
    s = Session(Settings().change("networkShape", "3,2"))
    for _ in range(3):
        s.step()
    k = 4
    point, target = s.x_train[k], s.y_train[k]
    node_grads, weight_grads = _torch_gradients(torch, s, point, target)
    found = by_type(run(s, f'{{"type": "inspect", "kind": "neuron", "layer": 2, "index": 1,'
                            f' "point": {k}}}'), "inspect")[0]
    assert found["grad"] == pytest.approx(float(node_grads[1][0, 1]), rel=1e-5, abs=1e-8)
    assert found["explainGrad"] == pytest.approx(found["grad"], rel=1e-6, abs=1e-9)
    assert found["forwardLine"].startswith("h2 (1, 2) = tanh(z2) = ")
    assert found["backwardLines"] and "h2.grad(1, 2) +=" in found["backwardLines"][0]
    assert found["value"] == pytest.approx(
        float(s.network.forward(gg.tensor(np.array([point], np.float32)))[1][1].array[0, 1]))
    edge = by_type(run(s, f'{{"type": "inspect", "kind": "edge", "layer": 3, "source": 1, '
                          f'"index": 0, "point": {k}}}'), "inspect")[0]
    assert edge["grad"] == pytest.approx(float(weight_grads[2][0, 1]), rel=1e-5, abs=1e-8)
    assert "W_out.grad(1, 2) +=" in edge["backwardLines"][0]
    out = by_type(run(s, '{"type": "inspect", "kind": "neuron", "layer": 3, "index": 0}'),
                  "inspect")[0]
    assert out["forwardLine"].startswith("out (1, 1) = tanh(z_out) = ")
    gone = run(s, '{"type": "inspect", "kind": "neuron", "layer": 2, "index": 5}')
    assert gone[0]["type"] == "notice"
    w = s.network.layers[0].weight.array.copy()
    s.step()            # inspecting left no gradient behind in the optimizer's parameters
    assert not np.array_equal(w, s.network.layers[0].weight.array)


def test_the_backprop_step_is_one_sgd_step_with_its_gradients():
    s = Session(Settings().change("networkShape", "3").change("learningRate", "0.1"))
    before = [layer.weight.array.copy() for layer in s.network.layers]
    replies = run(s, '{"type": "backprop"}')
    found = by_type(replies, "backprop")[0]
    assert [len(v) for v in found["values"]] == [2, 3, 1]
    assert [np.shape(g) for g in found["edgeGrads"]] == [(3, 2), (1, 3)]
    for b, layer, g in zip(before, s.network.layers, found["edgeGrads"]):
        np.testing.assert_allclose(layer.weight.array, b - 0.1 * np.array(g), rtol=1e-5,
                                   atol=1e-7)
    assert s.epoch == 0 and by_type(replies, "frame")


def test_exports_load_with_gg_load():
    s = Session()
    s.step()
    found = run(s, '{"type": "export", "what": "checkpoint"}')[0]
    checkpoint = gg.load(io.BytesIO(base64.b64decode(found["base64"])))
    assert Settings.from_url(checkpoint["settings"]) == s.settings
    np.testing.assert_array_equal(checkpoint["model"]["W1"].array, s.network.layers[0].weight.array)
    assert set(checkpoint["model"]) == {"W1", "b1", "W2", "b2", "W_out", "b_out"}
    drawing = run(s, '{"type": "export", "what": "graph"}')[0]
    text = base64.b64decode(drawing["base64"]).decode()
    assert ("<svg" in text) if drawing["filename"].endswith(".svg") else ("digraph" in text)


# ------------------------------------------------------------------ you can't break it
def test_a_diverging_run_is_reported_and_a_lower_rate_recovers():
    s = Session(Settings().change("dataset", "plane").change("activation", "relu")
                .change("networkShape", "8,8,8,8,8,8").change("learningRate", 10))
    s.playing = True
    s.train(5.0)
    assert s.diverged and not s.playing
    frame = s.frame()
    assert frame["diverged"] and frame["message"] == DIVERGED
    json.dumps(frame, allow_nan=False)                    # strict JSON: no NaN reaches the page
    assert math.isfinite(frame["lossTrain"]) and math.isfinite(frame["lossTest"])
    epoch = s.epoch
    assert s.step() == 0 and s.epoch == epoch
    run(s, '{"type": "action", "name": "play"}')
    assert not s.playing
    json.dumps(run(s, '{"type": "inspect", "kind": "neuron", "layer": 1, "index": 0}'),
               allow_nan=False)
    run(s, '{"type": "set", "key": "learningRate", "value": 0.01}')
    assert not s.diverged and s.epoch == 0
    s.step()
    assert not s.diverged


HOSTILE = [
    "", "null", "[]", "42", '"play"', "{", '{"type": "eval", "code": "1+1"}',
    '{"type": "action", "name": "__import__(\'os\').system(\'echo hi\')"}',
    '{"type": "action", "name": "add-neuron", "layer": 99}',
    '{"type": "action", "name": "add-neuron", "layer": true}',
    '{"type": "set", "key": {"a": 1}, "value": 1}',
    '{"type": "set", "key": "learningRate", "value": {"__class__": 1}}',
    '{"type": "set", "key": "learningRate", "value": NaN}',
    '{"type": "set", "key": "learningRate", "value": Infinity}',
    '{"type": "inspect", "kind": "neuron", "layer": -1, "index": 0}',
    '{"type": "inspect", "kind": "edge", "layer": 1, "index": 0}',
    '{"type": "inspect", "kind": "neuron", "layer": 1, "index": 0, "point": 1e9}',
    '{"type": "export", "what": "/etc/passwd"}',
    "[" * 100000 + "]" * 100000, '{"type": "hello", "url": 5}',
    '{"type": "set", "key": "x", "value": [' + "1," * 50 + "1]}", b"\x00\x01binary"]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_messages_are_refused_before_the_session(text):
    with pytest.raises(Malformed):
        parse(text)


@pytest.mark.parametrize("key, value", [("learningRate", "__import__('os')"), ("eval", "1"),
                                        ("networkShape", "8,8,8,8,8,8,8"), ("seed", 2 ** 40),
                                        ("x1", "false"), ("__dict__", 1)])
def test_refused_settings_answer_with_a_notice_and_change_nothing(key, value):
    s = Session()
    s.handle({"type": "set", "key": "x2", "value": False})
    before = s.settings
    replies = s.handle({"type": "set", "key": key, "value": value})
    assert [r["type"] for r in replies] == ["state", "notice"] and s.settings == before


def test_sessions_are_bounded():
    pytest.importorskip("starlette", reason="the Playground's server needs starlette")
    from graphgrad.playground.app import Sessions
    pool = Sessions(limit=3)
    opened = [pool.start() for _ in range(3)]
    assert all(opened) and pool.start() is None
    pool.end(opened[0])
    assert pool.start() is not None and len(pool.open) == 3

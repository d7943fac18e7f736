"""torch.utils.data's surface: gg.utils.data is gg.data; DataLoader's arguments, samplers and
batch samplers (lengths, coverage, determinism with a seeded generator), default_collate and
default_convert against PyTorch's, random_split, Subset and ConcatDataset, and the errors."""
import inspect
from collections import namedtuple

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)


def _dataset(n=10):
    return TensorDataset(gg.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2)),
                         gg.tensor(np.arange(n)))


def _labels(loader):
    return np.concatenate([yb.numpy() for _, yb in loader]).tolist()


class Squares(Dataset):
    """A plain map-style dataset: sample i is (i as float32, {'square': i²})."""

    def __init__(self, n=7):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.float32(i), {"square": i * i}


def test_utils_data_is_data():
    import graphgrad.utils.data as utils_data
    assert gg.utils.data is utils_data
    for name in gg.data.__all__:
        assert getattr(gg.utils.data, name) is getattr(gg.data, name)
    from graphgrad.utils.data import DataLoader as Loader
    assert Loader is DataLoader


@pytest.mark.parametrize("name", ["DataLoader", "RandomSampler", "SequentialSampler",
                                  "BatchSampler", "SubsetRandomSampler", "WeightedRandomSampler",
                                  "ConcatDataset", "Subset"])
def test_signatures_follow_torch(name, torch):
    def positional(obj):
        return [(p.name, p.default) for p in inspect.signature(obj.__init__).parameters.values()
                if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]
    assert positional(getattr(gg.data, name)) == positional(getattr(torch.utils.data, name))
    theirs = inspect.signature(torch.utils.data.DataLoader.__init__).parameters
    ours = inspect.signature(DataLoader.__init__).parameters
    assert [k for k, p in theirs.items() if p.kind is p.KEYWORD_ONLY] == \
        [k for k, p in ours.items() if p.kind is p.KEYWORD_ONLY and k != "seed"]


def test_batches_are_lists_as_torchs(torch):
    ours = list(DataLoader(_dataset(), batch_size=4))
    theirs = list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.arange(20.0).reshape(10, 2), torch.arange(10)),
        batch_size=4))
    assert [type(b) for b in ours] == [type(b) for b in theirs] == [list] * 3
    for a, b in zip(ours, theirs):
        assert [x.shape for x in a] == [tuple(x.shape) for x in b]
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x.numpy(), y.numpy())


@pytest.mark.parametrize("sampler_of", [
    lambda ds: SequentialSampler(ds), lambda ds: RandomSampler(ds, generator=0),
    lambda ds: SubsetRandomSampler([1, 3, 5, 7, 9], generator=0),
    lambda ds: WeightedRandomSampler(np.arange(10) + 1.0, 25, generator=0)])
@pytest.mark.parametrize("dataset", [_dataset(), Squares(10)])
def test_a_sampler_decides_the_order_of_every_dataset(sampler_of, dataset):
    sampler = sampler_of(dataset)
    loader = DataLoader(dataset, batch_size=3, sampler=sampler)
    batches = list(loader)
    assert len(batches) == len(loader) == -(-len(sampler) // 3)
    first = np.concatenate([np.atleast_1d(b[0].numpy()) for b in batches])
    rows = first if first.ndim == 1 else first[:, 0] / 2
    again = sampler_of(dataset)                       # the same seed, the same order
    np.testing.assert_array_equal(rows, list(again))


def test_sequential_and_random_samplers():
    data = range(7)
    assert list(SequentialSampler(data)) == list(range(7)) and len(SequentialSampler(data)) == 7
    order = list(RandomSampler(data, generator=gg.Generator(3)))
    assert sorted(order) == list(range(7)) and order == list(RandomSampler(data,
                                                                     generator=gg.Generator(3)))
    sampler = RandomSampler(data, generator=5)        # a seed: one stream, new orders
    assert list(sampler) != list(sampler)
    long = list(RandomSampler(data, num_samples=17, generator=0))
    assert len(long) == 17 and sorted(long[:7]) == sorted(long[7:14]) == list(range(7))
    assert len(set(long[14:])) == 3
    drawn = list(RandomSampler(data, replacement=True, num_samples=50, generator=0))
    assert len(drawn) == 50 and set(drawn) <= set(range(7))
    assert len(RandomSampler(data, replacement=True, num_samples=50)) == 50
    gg.manual_seed(4)
    a = list(RandomSampler(data))
    gg.manual_seed(4)
    assert list(RandomSampler(data)) == a             # the global generator


def test_subset_and_weighted_samplers():
    picked = list(SubsetRandomSampler([10, 20, 30, 40], generator=1))
    assert sorted(picked) == [10, 20, 30, 40] and len(SubsetRandomSampler([1, 2])) == 2
    weights = [0.0, 1.0, 0.0, 3.0]
    drawn = list(WeightedRandomSampler(weights, 2000, generator=0))
    assert set(drawn) == {1, 3} and 0.70 < drawn.count(3) / 2000 < 0.80
    once = list(WeightedRandomSampler(weights, 2, replacement=False, generator=0))
    assert sorted(once) == [1, 3]
    with pytest.raises(RuntimeError, match="without replacement"):
        list(WeightedRandomSampler(weights, 3, replacement=False))
    with pytest.raises(ValueError, match="1d sequence"):
        WeightedRandomSampler([[1.0, 2.0]], 2)


def test_batch_sampler_as_torchs(torch):
    for drop_last in (False, True):
        ours = list(BatchSampler(SequentialSampler(range(10)), 3, drop_last))
        theirs = list(torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(
            range(10)), 3, drop_last))
        assert ours == theirs
        assert len(BatchSampler(range(10), 3, drop_last)) == len(theirs)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            BatchSampler(range(10), bad, False)
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            torch.utils.data.BatchSampler(range(10), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(10), 2, 1)


def test_loader_with_a_batch_sampler_or_without_batching():
    dataset = _dataset()
    loader = DataLoader(dataset, batch_sampler=[[0, 1], [9, 2, 4]])
    assert [b[1].numpy().tolist() for b in loader] == [[0, 1], [9, 2, 4]]
    assert loader.batch_size is None and len(loader) == 2
    with pytest.raises(ValueError, match="batch_size can only be changed"):
        loader.batch_size = 4
    single = list(DataLoader(dataset, batch_size=None))
    assert len(single) == 10 and single[3][1].shape == () and int(single[3][1]) == 3
    plain = list(DataLoader(Squares(3), batch_size=None))
    assert plain[2][0].shape == () and plain[2][1] == {"square": 4}
    seeded = DataLoader(dataset, batch_size=None, shuffle=True, seed=3)
    first = [int(y) for _, y in seeded]
    assert sorted(first) == list(range(10)) and first != list(range(10))
    seeded.set_epoch(0)
    assert [int(y) for _, y in seeded] == first


def test_plain_datasets_and_getitems():
    batches = list(DataLoader(Squares(), batch_size=3, shuffle=True, generator=0))
    seen = np.concatenate([b[0].numpy() for b in batches])
    assert sorted(seen.tolist()) == list(range(7))
    for values, squares in batches:
        np.testing.assert_array_equal(squares["square"].numpy(), values.numpy() ** 2)

    class Batched(Squares):
        calls = 0

        def __getitems__(self, indices):
            Batched.calls += 1
            return [self[i] for i in indices]
    assert len(list(DataLoader(Batched(), batch_size=3))) == 3 and Batched.calls == 3


def test_argument_errors_match_torch(torch):
    dataset = _dataset()
    cases = [dict(sampler=SequentialSampler(dataset), shuffle=True),
             dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], drop_last=True),
             dict(batch_size=None, drop_last=True), dict(num_workers=-1), dict(timeout=-1),
             dict(prefetch_factor=2), dict(persistent_workers=True), dict(batch_size=0)]
    for kwargs in cases:
        with pytest.raises(ValueError):
            DataLoader(dataset, **kwargs)
        torch_kwargs = {k: (torch.utils.data.SequentialSampler(range(10))
                            if k == "sampler" else v) for k, v in kwargs.items()}
        with pytest.raises(ValueError):
            torch.utils.data.DataLoader(range(10), **torch_kwargs)


def test_workers_run_in_process_and_give_the_same_batches():
    started = []
    plain = _labels(DataLoader(_dataset(), batch_size=3, shuffle=True, seed=1))
    loader = DataLoader(_dataset(), batch_size=3, shuffle=True, seed=1, num_workers=4,
                        pin_memory=True, worker_init_fn=started.append, prefetch_factor=2,
                        timeout=5)
    assert _labels(loader) == plain and started == [0]
    _labels(loader)
    assert started == [0, 0]                          # a new "worker" each epoch
    persistent = DataLoader(_dataset(), batch_size=3, num_workers=2, persistent_workers=True,
                            worker_init_fn=started.append)
    _labels(persistent)
    _labels(persistent)
    assert started == [0, 0, 0]


@pytest.mark.parametrize("batch", [
    [1.5, 2.5], [1, 2], [True, False], ["a", "b"], [np.float32(1), np.float32(2)],
    [np.ones(2, np.float64), np.zeros(2, np.float64)], [(1, 2.0), (3, 4.0)],
    [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}], [[1, 2], [3, 4]]])
def test_default_collate_matches_torch(batch, torch):
    def compare(ours, theirs):
        if isinstance(theirs, torch.Tensor):
            assert isinstance(ours, gg.Tensor) and str(ours.dtype) == str(theirs.dtype)[6:]
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        elif isinstance(theirs, dict):
            assert type(ours) is dict and list(ours) == list(theirs)
            for key in theirs:
                compare(ours[key], theirs[key])
        elif isinstance(theirs, (list, tuple)):
            assert type(ours) is type(theirs) and len(ours) == len(theirs)
            for a, b in zip(ours, theirs):
                compare(a, b)
        else:
            assert ours == theirs
    compare(default_collate(batch), torch.utils.data.default_collate(batch))


def test_collate_keeps_named_tuples_and_refuses_the_unknown(torch):
    Point = namedtuple("Point", ["x", "y"])
    batch = [Point(1.0, 2), Point(3.0, 4)]
    ours, theirs = default_collate(batch), torch.utils.data.default_collate(batch)
    assert type(ours) is Point and type(theirs) is Point
    np.testing.assert_array_equal(ours.x.numpy(), theirs.x.numpy())
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="batch must contain"):
        default_collate([object(), object()])
    assert default_convert((np.ones(2), 3))[1] == 3
    converted = default_convert({"x": np.arange(3)})
    assert isinstance(converted["x"], gg.Tensor)
    assert isinstance(default_convert((np.ones(2), 3)), list)   # a tuple becomes a list


def test_random_split_fractions_and_lengths_as_torch(torch):
    dataset = _dataset(10)
    for lengths in ([0.3, 0.3, 0.4], [0.5, 0.5], [3, 7], [0.25, 0.25, 0.25, 0.25]):
        ours = [len(s) for s in random_split(dataset, lengths, generator=0)]
        theirs = [len(s) for s in torch.utils.data.random_split(range(10), lengths)]
        assert ours == theirs
    parts = random_split(dataset, [0.3, 0.7], generator=gg.Generator(2))
    labels = sorted(np.concatenate([[int(p[i][1]) for i in range(len(p))] for p in parts]))
    assert labels == list(range(10))
    again = random_split(dataset, [0.3, 0.7], generator=gg.Generator(2))
    np.testing.assert_array_equal(parts[0].indices, again[0].indices)
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(dataset, [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0"):
        random_split(dataset, [1.2, -0.2])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(_dataset(2), [0.9, 0.05, 0.05])


def test_subset_and_concat_dataset_as_torch(torch):
    a, b = _dataset(3), _dataset(4)
    both = a + b
    theirs = torch.utils.data.ConcatDataset([range(3), range(4)])
    assert isinstance(both, ConcatDataset) and len(both) == len(theirs) == 7
    assert both.cumulative_sizes == theirs.cumulative_sizes == [3, 7]
    assert [int(both[i][1]) for i in range(7)] == [theirs[i] for i in range(7)]
    assert int(both[-1][1]) == theirs[-1] == 3
    with pytest.raises(ValueError, match="absolute value of index"):
        both[-8]
    with pytest.raises(IndexError):
        both[7]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    batches = list(DataLoader(both, batch_size=4))
    assert [len(y) for _, y in batches] == [4, 3]
    subset = Subset(b, [3, 0])
    assert int(subset[0][1]) == 3 and subset[[0, 1]][1].numpy().tolist() == [3, 0]
    assert [int(s[1]) for s in subset.__getitems__([1, 0])] == [0, 3]


def test_bench_path_stays_one_gather_per_batch(monkeypatch):
    """A shuffled TensorDataset is indexed once per batch by an index array, never sample by
    sample (what keeps bench/bench_training.py fast)."""
    dataset = _dataset(100)
    calls = []
    original = TensorDataset.__getitem__

    def counting(self, index):
        calls.append(type(index))
        return original(self, index)
    monkeypatch.setattr(TensorDataset, "__getitem__", counting)
    batches = list(DataLoader(dataset, batch_size=32, shuffle=True, generator=0))
    assert len(batches) == 4 and calls == [np.ndarray] * 4
    calls.clear()
    list(DataLoader(dataset, batch_size=32))
    assert calls == [slice] * 4


def test_random_sampler_with_replacement_draws_lazily_and_utils_data_has_torchs_modules():
    """makemore's RandomSampler(replacement=True, num_samples=1e10): nothing is drawn up front
    (PyTorch draws as it goes); batches keep the requested size and count."""
    from graphgrad.utils.data.dataloader import DataLoader
    from graphgrad.utils.data.sampler import RandomSampler
    ds = gg.data.TensorDataset(gg.tensor(np.arange(10.0)))
    huge = RandomSampler(ds, replacement=True, num_samples=int(1e10), generator=0)
    first = next(iter(DataLoader(ds, batch_size=4, sampler=huge)))[0]
    assert first.shape == (4,) and set(first.tolist()) <= set(range(10))
    small = RandomSampler(ds, replacement=True, num_samples=10, generator=0)
    assert [len(b[0]) for b in DataLoader(ds, batch_size=4, sampler=small)] == [4, 4, 2]
    assert [len(b[0]) for b in DataLoader(ds, batch_size=4, sampler=small, drop_last=True)] \
        == [4, 4]
    assert len(list(small)) == 10

"""DataLoader: each sample once per epoch, reproducible orders, batch sizes, views."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.data import DataLoader, Dataset, TensorDataset


def _dataset(n=23):
    return TensorDataset(gg.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2)),
                         gg.tensor(np.arange(n)))


def _epoch(loader):
    return np.concatenate([yb.array for _, yb in loader])


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("batch_size", [1, 5, 23, 40])
def test_every_sample_exactly_once_per_epoch(shuffle, batch_size):
    loader = DataLoader(_dataset(), batch_size=batch_size, shuffle=shuffle, seed=3)
    for _ in range(3):
        seen = _epoch(loader)
        assert sorted(seen.tolist()) == list(range(23))
    assert len(list(loader)) == len(loader) == -(-23 // batch_size)


def test_batches_pair_inputs_with_their_labels():
    for xb, yb in DataLoader(_dataset(), batch_size=4, shuffle=True, seed=0):
        np.testing.assert_array_equal(xb.array[:, 0], 2 * yb.array)


def test_seeded_orders_repeat_and_differ_between_epochs():
    a = DataLoader(_dataset(), batch_size=4, shuffle=True, seed=7)
    b = DataLoader(_dataset(), batch_size=4, shuffle=True, seed=7)
    first, second = _epoch(a), _epoch(a)
    np.testing.assert_array_equal(first, _epoch(b))
    np.testing.assert_array_equal(second, _epoch(b))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(23))
    resumed = DataLoader(_dataset(), batch_size=4, shuffle=True, seed=7)
    resumed.set_epoch(1)
    np.testing.assert_array_equal(_epoch(resumed), second)


def test_global_seed_makes_unseeded_shuffles_reproducible():
    gg.manual_seed(11)
    first = _epoch(DataLoader(_dataset(), batch_size=4, shuffle=True))
    gg.manual_seed(11)
    np.testing.assert_array_equal(first, _epoch(DataLoader(_dataset(), batch_size=4,
                                                           shuffle=True)))


def test_drop_last_and_sequential_batches_are_views():
    dataset = _dataset()
    loader = DataLoader(dataset, batch_size=5, drop_last=True)
    batches = list(loader)
    assert len(batches) == len(loader) == 4
    assert all(len(yb) == 5 for _, yb in batches)
    assert np.shares_memory(batches[1][0].array, dataset.tensors[0].array)


def test_batch_size_can_change_between_epochs():
    loader = DataLoader(_dataset(), batch_size=4)
    assert [len(y) for _, y in loader][:2] == [4, 4]
    loader.batch_size = 10
    assert [len(y) for _, y in loader] == [10, 10, 3]


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.float32(i), {"square": i * i}


def test_plain_datasets_are_collated_sample_by_sample():
    batches = list(DataLoader(Squares(), batch_size=3))
    assert [b[0].shape for b in batches] == [(3,), (3,), (1,)]
    np.testing.assert_array_equal(batches[1][1]["square"].array, [9, 16, 25])


def test_bad_batch_size_is_refused():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_dataset(), batch_size=0)


def test_random_split_partitions_reproducibly():
    dataset = _dataset(20)
    a, b = gg.data.random_split(dataset, [0.75, 0.25], seed=1)
    assert (len(a), len(b)) == (15, 5)
    labels = np.concatenate([a[np.arange(15)][1].array, b[np.arange(5)][1].array])
    assert sorted(labels.tolist()) == list(range(20))
    again, _ = gg.data.random_split(dataset, [15, 5], seed=1)
    np.testing.assert_array_equal(again.indices, a.indices)
    with pytest.raises(ValueError, match="sum"):
        gg.data.random_split(dataset, [10, 5])
    batches = list(DataLoader(a, batch_size=4, shuffle=True, seed=0))
    assert sum(len(y) for _, y in batches) == 15


def test_batch_size_scheduler_grows_the_batch_then_decays_the_lr():
    loader = DataLoader(_dataset(), batch_size=2)
    p = gg.zeros(1, requires_grad=True)
    opt = gg.optim.SGD([p], lr=0.8)
    sched = gg.optim.BatchSizeScheduler(loader, milestones=[1, 3, 4], factor=4,
                                        max_batch_size=32, optimizer=opt)
    sizes, lrs = [], []
    for _ in range(5):
        sizes.append(len(next(iter(loader))[1]))
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    assert sizes == [2, 8, 8, 23, 23] and loader.batch_size == 32
    assert lrs == pytest.approx([0.8, 0.8, 0.8, 0.8, 0.2])


def test_an_integer_generator_gives_new_orders_each_epoch_and_repeats_as_a_whole():
    a = DataLoader(_dataset(), batch_size=4, shuffle=True, generator=5)
    b = DataLoader(_dataset(), batch_size=4, shuffle=True, generator=5)
    first, second = _epoch(a), _epoch(a)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, _epoch(b))
    np.testing.assert_array_equal(second, _epoch(b))
    stream = np.random.default_rng(5)  # the orders are successive draws of one stream
    np.testing.assert_array_equal(first, stream.permutation(23))
    np.testing.assert_array_equal(second, stream.permutation(23))

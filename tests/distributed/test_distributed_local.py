"""gg.distributed in one process, without MPI (a world of one), DistributedSampler against
PyTorch's, and the split of global batches across ranks (simulated ranks, no MPI needed)."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.distributed import comm
from graphgrad.utils.data import DistributedSampler
from graphgrad.utils.data.distributed import launcher_world


@pytest.fixture
def world_of_one(monkeypatch):
    for name in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
                 "PMIX_RANK", "PMIX_SIZE", "SLURM_PROCID", "SLURM_NTASKS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(comm, "_group", None)
    gg.distributed.init()
    return gg.distributed


def test_a_single_process_is_a_world_of_one_without_mpi(world_of_one):
    D = world_of_one
    assert D.is_initialized() and D.rank() == 0 and D.world_size() == 1
    assert D.get_rank() == 0 and D.get_world_size() == 1
    t = gg.tensor([1.0, -2.0])
    for op in ("sum", "mean", "max"):
        D.all_reduce(t, op=op)
    D.broadcast(t, src=0)
    D.barrier()
    assert t.tolist() == [1.0, -2.0]
    with pytest.raises(ValueError, match="src=1 is not a rank of a world of 1"):
        D.broadcast(t, src=1)
    with pytest.raises(ValueError, match="op must be one of"):
        D.all_reduce(t, op="median")
    D.check_same("anything", np.arange(3), {"a": 1})
    D.init(timeout=5)
    D.init()                                   # again (as DistributedDataParallel does)
    assert comm._group.timeout == 5


def test_ddp_in_a_world_of_one_is_the_module(world_of_one):
    model = gg.nn.Linear(3, 2, generator=0)
    ddp = world_of_one.DistributedDataParallel(model)
    x = gg.tensor(np.ones((4, 3), np.float32))
    ddp(x).sum().backward()
    expected = gg.nn.Linear(3, 2, generator=0)
    expected(x).sum().backward()
    np.testing.assert_array_equal(model.weight.grad.array, expected.weight.grad.array)
    assert ddp.reducer is None and ddp.module is model
    assert list(ddp.state_dict()) == ["module.weight", "module.bias"]
    model.load_state_dict({k[len("module."):]: v for k, v in ddp.state_dict().items()})
    with ddp.no_sync():
        ddp(x).sum().backward()


@pytest.mark.parametrize("make, dense", [
    (lambda a: a, True),                                  # C order
    (lambda a: np.asfortranarray(a), True),               # nn.Linear's column-major weight
    (lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2), True),
    (lambda a: a[:, ::2], False),                         # not dense: C order in the bucket
], ids=["C", "F", "channels-last", "strided"])
def test_a_bucket_slot_has_its_parameters_layout(make, dense):
    from graphgrad.distributed.ddp import _Slot
    array = make(np.arange(2 * 4 * 3 * 5, dtype=np.float32).reshape(2, 4, 3, 5))
    slot = _Slot(gg.tensor(array), offset=7)
    flat = np.zeros(7 + array.size + 3, np.float32)
    view = slot.view(flat)
    view[...] = array
    assert view.shape == array.shape and np.shares_memory(view, flat)
    np.testing.assert_array_equal(view, array)
    assert not flat[:7].any() and not flat[-3:].any()
    np.testing.assert_array_equal(np.sort(flat[7:-3]), np.sort(array, axis=None))
    # the update p − ε ḡ reads both operands in one order
    assert view.strides == array.strides if dense else view.flags.c_contiguous


def test_functions_before_init_say_to_call_init(monkeypatch):
    monkeypatch.setattr(comm, "_group", None)
    with pytest.raises(gg.distributed.DistributedError, match=r"call gg.distributed.init\(\)"):
        gg.distributed.rank()
    assert not gg.distributed.is_initialized()


def test_launchers_are_recognised_by_their_variables():
    assert launcher_world({}) is None
    assert launcher_world({"PMI_RANK": "3", "PMI_SIZE": "4"}) == (3, 4)
    assert launcher_world({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2"}) == (1, 2)
    assert launcher_world({"SLURM_PROCID": "0", "SLURM_NTASKS": "8"}) == (0, 8)
    assert not comm.launched_by_mpi({"PMI_RANK": "0", "PMI_SIZE": "1"})   # mpiexec -n 1
    assert comm.launched_by_mpi({"PMI_RANK": "0", "PMI_SIZE": "2"})


CASES = [(n, replicas, drop_last) for n in (1, 5, 10, 11, 17) for replicas in (1, 2, 3, 4, 7)
         for drop_last in (False, True) if not (drop_last and n < replicas)]


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_distributed_sampler_matches_torch_in_order(torch, n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False,
                                  drop_last=drop_last)
        theirs = TorchSampler(data, num_replicas=replicas, rank=rank, shuffle=False,
                              drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) and ours.total_size == theirs.total_size


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (4, 7, False),
                                                    (16, 4, False)])
def test_distributed_sampler_shuffles_like_torch_given_the_same_permutation(
        torch, n, replicas, drop_last):
    """The orders come from different generators; given our permutation, torch's padding and
    striding (replayed from its source's rule on a SequentialSampler's indices) agree."""
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    data = list(range(n))
    for epoch in (0, 1):
        shards = []
        for rank in range(replicas):
            ours = DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=True,
                                      seed=5, drop_last=drop_last)
            ours.set_epoch(epoch)
            permutation = np.random.default_rng([5, epoch]).permutation(n)
            theirs = TorchSampler(data, num_replicas=replicas, rank=rank, shuffle=False,
                                  drop_last=drop_last)
            expected = [int(permutation[i]) for i in theirs]
            assert list(ours) == expected
            shards.append(list(ours))
        every = sorted(i for shard in shards for i in shard)
        if not drop_last:
            assert set(every) == set(data)      # each sample seen, a few twice (padding)
        assert len(every) == (n // replicas if drop_last else -(-n // replicas)) * replicas
    a = DistributedSampler(data, 2, 0, seed=5)
    b = DistributedSampler(data, 2, 0, seed=5)
    b.set_epoch(1)
    assert list(a) != list(b) or n < 3


def test_distributed_sampler_refuses_a_rank_outside_the_world(torch):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval"):
        TorchSampler(range(5), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval"):
        DistributedSampler(range(5), num_replicas=2, rank=2)


def test_distributed_sampler_is_where_torch_has_it(monkeypatch):
    import graphgrad.utils.data.distributed as module
    assert gg.utils.data.DistributedSampler is module.DistributedSampler
    assert "DistributedSampler" in gg.utils.data.__all__
    monkeypatch.setenv("PMI_RANK", "1")
    monkeypatch.setenv("PMI_SIZE", "3")
    sampler = DistributedSampler(range(9), shuffle=False)
    assert (sampler.rank, sampler.num_replicas, list(sampler)) == (1, 3, [1, 4, 7])


@pytest.mark.parametrize("world", [2, 3, 5])
def test_sharded_loaders_cover_the_single_process_batches_and_weigh_their_share(world):
    """Rank r's batches are rows ⌊rB/N⌋ … of the global ones; the weights N·b_r/B make the
    mean of the ranks' weighted losses the global batch's mean loss (last batch included)."""
    x = np.arange(23 * 2, dtype=np.float32).reshape(23, 2)
    y = np.arange(23) % 3
    data = gg.data.TensorDataset(x, y)
    single = gg.data.DataLoader(data, batch_size=8, shuffle=True, seed=3)
    ranks = [gg.distributed.ShardedLoader(data, batch_size=8, shuffle=True, seed=3, rank=r,
                                          world_size=world) for r in range(world)]
    for loader in (single, *ranks):
        loader.set_epoch(2)
    per_rank = [[(xb.array, yb.array, loader.weight) for xb, yb in loader] for loader in ranks]
    for step, (xb, yb) in enumerate(single):
        parts = [per_rank[r][step] for r in range(world)]
        np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), xb.array)
        np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), yb.array)
        assert sum(p[2] for p in parts) == pytest.approx(world)
        for p in parts:
            assert p[2] == pytest.approx(world * len(p[1]) / len(yb.array))


def test_a_weighted_sharded_loss_gives_the_global_gradient():
    """(1/N) Σ_r ∇(w_r L_r) = ∇L of the whole batch, with uneven and empty slices."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(3, 4)).astype(np.float32), rng.integers(0, 2, 3)
    data = gg.data.TensorDataset(x, y)
    world = 4                                         # 3 rows over 4 ranks: one gets none
    total = None
    for r in range(world):
        model = gg.nn.Linear(4, 2, generator=0)
        loader = gg.distributed.ShardedLoader(data, batch_size=3, rank=r, world_size=world)
        loss_fn = loader.loss(gg.nn.functional.cross_entropy)
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            assert np.isfinite(loss.item())
            loss.backward()
        g = model.weight.grad.array / world
        total = g if total is None else total + g
    ref = gg.nn.Linear(4, 2, generator=0)
    gg.nn.functional.cross_entropy(ref(gg.tensor(x)), gg.tensor(y)).backward()
    np.testing.assert_allclose(total, ref.weight.grad.array, rtol=1e-5, atol=1e-7)


def test_train_distributed_refuses_the_line_search_optimizers(world_of_one, capsys):
    from graphgrad.cli import main
    assert main(["train", "--distributed", "--optimizer", "lbfgs", "--quiet"]) == 2
    assert "--distributed: the lbfgs optimizer" in capsys.readouterr().err


def test_train_distributed_in_a_world_of_one_is_the_plain_run(world_of_one, tmp_path):
    from graphgrad.cli import main
    common = ["train", "--epochs", "1", "--no-plots", "--quiet", "--out"]
    assert main([*common, str(tmp_path / "plain")]) == 0
    assert main([*common, str(tmp_path / "dist"), "--distributed"]) == 0
    plain = gg.load(tmp_path / "plain" / "checkpoint.ckpt")["model"]
    dist = gg.load(tmp_path / "dist" / "checkpoint.ckpt")["model"]
    for key in plain:
        np.testing.assert_array_equal(plain[key].array, dist[key].array)


def test_sync_batch_norm_in_a_world_of_one_is_batch_norm_and_converts_like_torch(world_of_one,
                                                                                   torch):
    D, nn = world_of_one, gg.nn
    model = nn.Sequential(nn.Linear(3, 4, generator=0), nn.BatchNorm1d(4, momentum=0.3),
                          nn.ReLU(), nn.Sequential(nn.Unflatten(1, (1, 2, 2)),
                                                   nn.BatchNorm2d(1, affine=False)))
    model[1].running_mean.array[:] = [1, 2, 3, 4]
    before = {k: v.array.copy() for k, v in model.state_dict().items()}
    converted = D.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    assert [type(m).__name__ for m in model.modules()] == [
        "Sequential", "Linear", "SyncBatchNorm", "ReLU", "Sequential", "Unflatten",
        "SyncBatchNorm"]
    state = model.state_dict()
    assert list(state) == list(before)
    for k in before:
        np.testing.assert_array_equal(state[k].array, before[k])
    # torch's converter gives the same module kinds and keys
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Sequential(torch.nn.Unflatten(1, (1, 2, 2)),
                                                     torch.nn.BatchNorm2d(1, affine=False)))
    tmodel = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tmodel)
    assert [type(m).__name__ for m in tmodel.modules()] == [
        type(m).__name__ for m in model.modules()]
    assert list(tmodel.state_dict()) == list(state)
    # a world of one: plain batch normalisation, in training and in evaluation
    x = gg.tensor(np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32))
    bn = D.SyncBatchNorm(4, momentum=0.3)
    reference = nn.BatchNorm1d(4, momentum=0.3)
    for mode in (True, False):
        bn.train(mode)
        reference.train(mode)
        np.testing.assert_allclose(bn(x).array, reference(x).array, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.array, reference.running_var.array)

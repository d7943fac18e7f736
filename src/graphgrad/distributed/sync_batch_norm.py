"""SyncBatchNorm: batch normalisation by the statistics of the global batch, over all ranks
(torch.nn.SyncBatchNorm). With m_r values of a channel on rank r and M = Σ_r m_r,

    μ = (1/M) Σ_r Σ_{i∈r} x_i,    σ² = (1/M) Σ_r Σ_{i∈r} (x_i − μ)²,    y = γ (x − μ)/√(σ² + ε) + β

(two passes, as one process computes them). Both sums cross the ranks through sum_over_ranks,
s = Σ_r s_r on every rank, whose backward is the same all-reduce of the ranks' gradients: the
job's objective Σ_q L_q depends on s_r through every rank's copy of s, so
∂(Σ_q L_q)/∂s_r = Σ_q ∂L_q/∂s. A backward thus gives each rank ∂(Σ_q L_q)/∂x_r, and after
DistributedDataParallel's averaging the gradients are those of one process on the global batch.
"""
import numpy as np

from ..autograd import Function
from ..grad_mode import no_grad
from ..nn import BatchNorm1d, BatchNorm2d
from ..tensor import Tensor, make
from . import comm


class _SumOverRanks(Function):
    """s = Σ_r x_r on every rank; ∂/∂x_r = Σ_q g_q (the same all-reduce of the gradients)."""

    @staticmethod
    def forward(ctx, x):
        return make(_reduced(x.array))

    @staticmethod
    def backward(ctx, g):
        return sum_over_ranks(g)


def _reduced(array):
    out = np.array(array, copy=True)
    comm.all_reduce(out, "sum")
    return out


def sum_over_ranks(x):
    """Σ_r x_r, differentiable (a new tensor; `x` is left alone). On ndarrays, an ndarray."""
    if isinstance(x, Tensor):
        return _SumOverRanks.apply(x) if x.requires_grad else make(_reduced(x.array))
    return _reduced(x)


class SyncBatchNorm(BatchNorm1d):
    """Batch normalisation of input (N, C, *) per channel with the global batch's statistics
    while training in a world of several ranks (torch.nn.SyncBatchNorm); otherwise, and in
    eval mode, BatchNorm's. The running statistics move towards the global batch's (the
    variance unbiased, ·M/(M − 1)), so they stay equal on every rank. A subclass of
    gg.nn.BatchNorm1d for its parameters, buffers and state_dict keys."""

    _ranks, _expected = (2, 3, 4, 5), "at least 2D, (N, C, *),"

    def forward(self, input):
        shape = tuple(np.shape(input))
        if not (self.training and comm.is_initialized() and comm.world_size() > 1) or \
                len(shape) not in self._ranks:          # BatchNorm's, or its error
            return super().forward(input)
        momentum = self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.item())
        axes = (0, *range(2, len(shape)))
        counts = np.array([np.prod([shape[a] for a in axes])], np.float64)
        comm.all_reduce(counts, "sum")
        total = counts[0]
        if total < 2:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel over the "
                             f"ranks when training, got input of shape {shape} on rank "
                             f"{comm.rank()} and {total:g} values in all")
        at = (-1,) + (1,) * (len(shape) - 2)
        mean = sum_over_ranks(input.sum(dim=axes)) / total
        centred = input - mean.reshape(at)
        var = sum_over_ranks((centred * centred).sum(dim=axes)) / total
        out = centred * ((var + self.eps) ** -0.5).reshape(at)
        if self.weight is not None:
            out = out * self.weight.reshape(at)
        if self.bias is not None:
            out = out + self.bias.reshape(at)
        if self.track_running_stats:
            with no_grad():
                self.running_mean.mul_(1 - momentum).add_(momentum * mean.array)
                self.running_var.mul_(1 - momentum).add_(
                    momentum * var.array * (total / (total - 1)))
        return out

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """module with every BatchNorm1d/BatchNorm2d replaced by a SyncBatchNorm holding its
        parameters and buffers (torch.nn.SyncBatchNorm.convert_sync_batchnorm); the module
        itself when it is one."""
        if isinstance(module, (BatchNorm1d, BatchNorm2d)) and not isinstance(module, cls):
            held = [t.array.dtype for t in (module.weight, module.running_mean) if t is not None]
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, dtype=held[0] if held else None,
                            bias=module.bias is not None)
            converted.load_state_dict(module.state_dict())
            converted.train(module.training)
            return converted
        # every child added again, in order: re-adding one name moves it to the end
        for name, child in list(module.named_children()):
            module.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return module

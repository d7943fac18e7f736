"""gg.linalg: torch.linalg's names, re-exported from graphgrad.ops.

    vector_norm(x, ord=2, dim=None, keepdim=False)           ‖x‖_ord, every entry by default
    matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False)    'fro', 'nuc', ±1, ±2, ±inf
    norm(A, ord=None, dim=None, keepdim=False)                 either, by dim and ord
    svdvals(A)                                                 singular values, descending
"""
from .ops.norms import linalg_norm as norm
from .ops.norms import matrix_norm, vector_norm
from .ops.svd import svdvals

__all__ = ["matrix_norm", "norm", "svdvals", "vector_norm"]

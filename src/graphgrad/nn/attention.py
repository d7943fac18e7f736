"""Attention: 000's attention over the training samples, and the standard scaled dot-product
and multi-head attention of transformers (matching PyTorch).

000 defines, for labeled samples S and parameters θ = (θ′, θ″),

    f_θ(x) = Σ_{s∈S} α_θ″(x, x_s) ⟨θ′, x_s⟩,    α_θ″(x, ·) = softmax_S(β_θ″(x, ·)),

with β the dot-product score ⟨θ^q x, θ^k x′⟩ or the Mahalanobis score −‖θ″(x − x′)‖².
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .. import ops
from ..ops.linear import linear as affine
from ..random import numpy_generator
from ..tensor import Tensor, leaf
from . import init
from .conversion import array_of
from .layers import Linear, _dtype, dropout
from .module import Module, Parameter

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from ..random import GeneratorLike


def _causal(length, source):
    """Position i may attend to positions j ≤ i."""
    return np.tril(np.ones((length, source), bool))


def _additive_mask(mask, allowed_when_true, dtype):
    """A boolean mask as 0 / −∞ scores (float masks are added as they are)."""
    raw = array_of(mask)
    if raw.dtype != bool:
        return mask
    keep = raw if allowed_when_true else ~raw
    return np.where(keep, 0.0, -np.inf).astype(dtype)


def _attend(query, key, value, bias, dropout_p, scale, generator):
    """(softmax(q kᵀ · scale + bias) (dropped out) v, the attention weights)."""
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = ops.matmul(query, ops.swapaxes(key, -1, -2)) * scale
    if bias is not None:
        scores = scores + bias
    weights = ops.softmax(scores, axis=-1)
    dropped = dropout(weights, dropout_p, dropout_p > 0, generator=generator)
    return ops.matmul(dropped, value), weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | ArrayLike | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None,
                                 generator: GeneratorLike = None) -> Tensor:
    """softmax(Q Kᵀ / √d + M) V over the last two axes (…, L, d) × (…, S, d) × (…, S, d_v),
    as torch.nn.functional.scaled_dot_product_attention: a boolean attn_mask marks the pairs
    that may attend (True), a float mask is added to the scores; is_causal masks j > i."""
    dtype = array_of(query).dtype
    bias = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: pass attn_mask or is_causal, not both")
        attn_mask = _causal(query.shape[-2], key.shape[-2])
    if attn_mask is not None:
        bias = _additive_mask(attn_mask, True, dtype)
    return _attend(query, key, value, bias, dropout_p, scale, generator)[0]


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al., 2017) with torch.nn.MultiheadAttention's
    parameters, initialisation and forward: out_proj(concat_h attention(q W_qʰ, k W_kʰ, v W_vʰ)).

    Inputs are (sequence, batch, features), or (batch, sequence, features) with batch_first=True;
    masks follow PyTorch's MultiheadAttention: True in a boolean attn_mask or key_padding_mask
    means *may not* attend. add_bias_kv appends a learnt key and value (bias_k, bias_v) to every
    sequence, add_zero_attn a zero key and value after the projections."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: DTypeLike | None = None, *, generator: GeneratorLike = None) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} is not divisible by "
                             f"num_heads {num_heads}")
        dtype = _dtype(dtype, device, "MultiheadAttention")
        rng = numpy_generator(generator)
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim, self.batch_first = embed_dim // num_heads, batch_first
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self._same_dims = self.kdim == embed_dim and self.vdim == embed_dim
        if self._same_dims:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype))
            init.xavier_uniform_(self.in_proj_weight, generator=rng)
        else:
            for name, dim in (("q", embed_dim), ("k", self.kdim), ("v", self.vdim)):
                weight = Parameter(np.empty((embed_dim, dim), dtype))
                setattr(self, f"{name}_proj_weight", init.xavier_uniform_(weight, generator=rng))
        self.register_parameter("in_proj_bias",
                                Parameter(np.zeros(3 * embed_dim, dtype)) if bias else None)
        self.out_proj = Linear(embed_dim, embed_dim, bias, dtype=dtype, generator=rng)
        if bias:
            init.zeros_(self.out_proj.bias)
        self.add_zero_attn = add_zero_attn
        if add_bias_kv:
            self.bias_k = init.xavier_normal_(Parameter(np.empty((1, 1, embed_dim), dtype)),
                                              generator=rng)
            self.bias_v = init.xavier_normal_(Parameter(np.empty((1, 1, embed_dim), dtype)),
                                              generator=rng)
        else:
            self.bias_k = self.bias_v = None

    def _append(self, k, v, attn_mask, key_padding_mask, zero):
        """Keys and values with bias_k, bias_v (or zeros, `zero`) appended along the sequence
        axis -2, and the masks widened by one allowed column."""
        if zero:
            shape = k.shape[:-2] + (1, k.shape[-1])
            extra_k = extra_v = np.zeros(shape, array_of(k).dtype)
        else:
            shape = (k.shape[0], 1, self.embed_dim)
            extra_k, extra_v = (ops.broadcast_to(b, shape) for b in (self.bias_k, self.bias_v))
        k, v = ops.concatenate([k, extra_k], axis=-2), ops.concatenate([v, extra_v], axis=-2)
        return k, v, _widen(attn_mask), _widen(key_padding_mask)

    def _project(self, query, key, value):
        e, b = self.embed_dim, self.in_proj_bias
        if self._same_dims and query is key and key is value:
            packed = affine(query, self.in_proj_weight, b)
            return [packed[..., i * e:(i + 1) * e] for i in range(3)]
        weights = ((self.in_proj_weight[:e], self.in_proj_weight[e:2 * e],
                    self.in_proj_weight[2 * e:]) if self._same_dims else
                   (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight))
        biases = (None,) * 3 if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        return [affine(x, w, bias) for x, w, bias in zip((query, key, value), weights, biases)]

    def _heads(self, x):
        """(N, L, E) → (N, H, L, E/H)."""
        n, length = x.shape[0], x.shape[1]
        return ops.permute(ops.reshape(x, n, length, self.num_heads, self.head_dim), 0, 2, 1, 3)

    def _bias(self, attn_mask, key_padding_mask, is_causal, batch, length, source, dtype):
        bias = None
        if is_causal and attn_mask is None:
            bias = _additive_mask(_causal(length, source), True, dtype)
        elif attn_mask is not None:
            bias = _additive_mask(attn_mask, False, dtype)
            if np.ndim(bias) == 3:
                bias = ops.reshape(bias, batch, self.num_heads, length, source)
        if key_padding_mask is not None:
            padding = _additive_mask(key_padding_mask, False, dtype)
            padding = ops.reshape(padding, batch, 1, 1, source)
            bias = padding if bias is None else bias + padding
        return bias

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | ArrayLike | None = None, need_weights: bool = True,
                attn_mask: Tensor | ArrayLike | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """(output, attention weights averaged over heads, or per head, or None)."""
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (ops.expand_dims(t, 0) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(key_padding_mask)[None]
        elif not self.batch_first:
            query, key, value = (ops.swapaxes(t, 0, 1) for t in (query, key, value))
        batch, length = query.shape[0], query.shape[1]
        q, k, v = self._project(query, key, value)
        if self.bias_k is not None:
            k, v, attn_mask, key_padding_mask = self._append(k, v, attn_mask, key_padding_mask,
                                                             False)
        q, k, v = (self._heads(t) for t in (q, k, v))
        if self.add_zero_attn:
            k, v, attn_mask, key_padding_mask = self._append(k, v, attn_mask, key_padding_mask,
                                                             True)
        bias = self._bias(attn_mask, key_padding_mask, is_causal, batch, length, k.shape[-2],
                          array_of(query).dtype)
        drop = self.dropout if self.training else 0.0
        heads, weights = _attend(q, k, v, bias, drop, None, None)
        # the heads merged (one copy) straight into the output's order: (sequence, batch, E)
        # unless batch_first, so that the output is contiguous as PyTorch's
        first = unbatched or self.batch_first
        merged = ops.reshape(ops.permute(heads, *((0, 2, 1, 3) if first else (2, 0, 1, 3))),
                             *((batch, length) if first else (length, batch)), self.embed_dim)
        out = self.out_proj(merged)
        if average_attn_weights:
            weights = ops.mean(weights, axis=1)
        if unbatched:
            out, weights = out[0], weights[0]
        return out, (weights if need_weights else None)


def _widen(mask):
    """A mask with one more key column that every query may attend (0 / False)."""
    if mask is None:
        return None
    raw = array_of(mask)
    return np.pad(raw, [(0, 0)] * (raw.ndim - 1) + [(0, 1)])


class SampleAttention(Module):
    """000's attention over the samples S: f_θ(x) = Σ_s α(x, x_s) ⟨θ′, x_s⟩ with α the softmax
    over S of β(x, x_s):

        kind='dot':          β(x, x′) = ⟨θ^q x, θ^k x′⟩        (θ^q, θ^k ∈ R^{K×J})
        kind='mahalanobis':  β(x, x′) = −‖θ″ (x − x′)‖²         (θ″ ∈ R^{K×J})

    samples: the J-dimensional feature vectors x_s (N × J), kept as a buffer (not trained).
    Parameters: value_weight θ′ (J), and query_weight, key_weight (dot) or metric (Mahalanobis);
    bias=True adds a trainable offset (000's f has none)."""

    def __init__(self, samples: Tensor | ArrayLike, kind: Literal["dot", "mahalanobis"] = "dot",
                 key_dim: int | None = None, bias: bool = False, dtype: DTypeLike | None = None,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        if kind not in ("dot", "mahalanobis"):
            raise ValueError(f"SampleAttention: kind must be 'dot' or 'mahalanobis', not {kind!r}")
        data = array_of(samples)
        if data.ndim != 2 or not len(data):
            raise ValueError(f"SampleAttention: samples must be a non-empty (N, J) array, got "
                             f"shape {data.shape}")
        dtype = _dtype(dtype)
        rng = numpy_generator(generator)
        features = data.shape[1]
        self.kind, self.key_dim = kind, key_dim or features
        self.register_buffer("samples", leaf(data.astype(dtype)))
        bound = 1 / math.sqrt(features)
        self.value_weight = Parameter(rng.uniform(-bound, bound, features).astype(dtype))
        names = ("query_weight", "key_weight") if kind == "dot" else ("metric",)
        for name in names:
            setattr(self, name, Parameter(rng.uniform(-bound, bound, (self.key_dim, features))
                                          .astype(dtype)))
        self.register_parameter("bias", Parameter(np.zeros((), dtype)) if bias else None)

    def scores(self, x: Tensor) -> Tensor:
        """β(x, x_s) for every sample: shape (..., N)."""
        if self.kind == "dot":
            queries = affine(x, self.query_weight, None)
            keys = affine(self.samples, self.key_weight, None)
            return ops.matmul(queries, ops.swapaxes(keys, -1, -2))
        a = affine(x, self.metric, None)
        b = affine(self.samples, self.metric, None)
        cross = ops.matmul(a, ops.swapaxes(b, -1, -2))
        return 2 * cross - ops.sum(a * a, axis=-1, keepdims=True) - ops.sum(b * b, axis=-1)

    def attention(self, x: Tensor) -> Tensor:
        """α(x, x_s) = softmax over the samples of β(x, x_s): shape (..., N)."""
        return ops.softmax(self.scores(x), axis=-1)

    def forward(self, x: Tensor) -> Tensor:
        values = ops.matmul(self.samples, self.value_weight)       # g_θ′(x_s) = ⟨θ′, x_s⟩
        out = ops.matmul(self.attention(x), values)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (f"samples={self.samples.shape[0]}, features={self.samples.shape[1]}, "
                f"kind={self.kind!r}, key_dim={self.key_dim}")

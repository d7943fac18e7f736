"""Convolution as im2col + one GEMM, and its transpose, as three primitives that are each
other's adjoints, so that every derivative of any order is again one of them:

    y = conv(x, W) + b:        y[n,o,i,j] = Σ_{c,a,b} W[o,c,a,b] x_pad[n, g·C_g + c, i s₀ + a d₀,
                                                                  j s₁ + b d₁] + b[o]
                               (per group g of C_g input and O_g output channels)
    conv_transpose(y, W):      the adjoint of x ↦ conv(x, W):  ⟨conv(x, W), y⟩ = ⟨x, conv_t(y, W)⟩
    weight_grad(x, g):         the adjoint of W ↦ conv(x, W):  ⟨conv(x, W), g⟩ = ⟨W, wgrad(x, g)⟩

so ∂L/∂x = conv_t(g, W), ∂L/∂W = wgrad(x, g) and ∂L/∂b = Σ_{n,i,j} g; conv_t's are conv(g, W)
and wgrad(g, y); wgrad's are conv_t(g_op, W̄) and conv(x, W̄). Forward rules follow from
bilinearity: ẏ = conv(ẋ, W) + conv(x, Ẇ) + ḃ. Padding is ((top, bottom), (left, right)), so
that 'same' with an even kernel and conv_transpose's output_padding need nothing else.

The forward is im2col (one strided copy per kernel offset into a column buffer that is reused
from step to step, ops.im2col) and a GEMM W (O, C·kh·kw) @ cols (C·kh·kw, N·L), run in blocks
of a few samples' columns (BLOCK bytes: each block is filled, multiplied and its product copied
back to (N, O, Ho, Wo) with the bias added while it is in cache; a block still spans thousands
of columns, enough for both BLAS threads); for a shallow column matrix (a first layer,
C·kh·kw ≤ SHALLOW), where the GEMM is bound by memory, one batched matmul of per-sample GEMMs
writes (N, O, Ho, Wo) directly instead. The column buffer is kept as the residual for ∂L/∂W,
one GEMM cols @ g (N·L, O) with g copied channels last; ∂L/∂x is the GEMM Wᵀ g followed by
col2im, block by block, so the (C·kh·kw, N·L) product is never written out whole. conv1d is
conv2d on a height of 1.
"""
import numpy as np

from ..errors import DtypeError, ShapeError
from ..grad_fn_names import as_torch
from ..primitives import primitive
from . import scratch
from .im2col import col2im, column_buffer, fill_columns, im2col, ntuple, out_shape
from .layout import c_order
from .padding import _pad
from .shape import reshape


def _by_group(a, groups):
    """(G·P, Q) → (G, P, Q), or (P, Q) itself for one group: the operand of one GEMM."""
    return a if groups == 1 else a.reshape(groups, a.shape[0] // groups, a.shape[1])


def _channels_first(y):
    """(N, O, H, W) → (O, N·H·W), the layout of the columns, copied into a scratch buffer."""
    n, o, h, w = y.shape
    out = scratch.scratch((o, n, h, w), y.dtype)
    np.copyto(out, y.transpose(1, 0, 2, 3))
    return out.reshape(o, n * h * w)


#: Rows of the column matrix (C·kh·kw) up to which a convolution's GEMM is bound by memory,
#: not arithmetic (a first layer on 1 to 3 channels): there one GEMM per sample, batched in one
#: matmul, reads and writes the (N, O, H, W) layout itself, saving the transposed copies.
SHALLOW = 32


def _shallow(cols, groups):
    return groups == 1 and len(cols) <= SHALLOW


#: Bytes of the column block that one GEMM reads or writes at a time: a few samples' columns,
#: so that the block stays in cache between the GEMM and the copy or col2im beside it.
BLOCK = 4 * 2 ** 20


def _blocks(a, n, rows=None):
    """(batch slice, column block) pairs of a (…, N·L) matrix laid out sample after sample,
    each block about BLOCK bytes at `rows` rows (a's own by default)."""
    per_sample = a.shape[1] // max(n, 1)
    step = max(1, BLOCK // ((rows or len(a)) * per_sample * a.itemsize))
    for s in range(0, n, step):
        yield slice(s, s + step), a[:, s * per_sample:(s + step) * per_sample]


def _gemm(a, b, groups):
    """a (G·P, Q) @ b (G·Q, R) per group, → (G·P, R) in a scratch buffer."""
    out = scratch.scratch((a.shape[0], b.shape[1]), np.result_type(a, b))
    np.matmul(_by_group(a, groups), _by_group(b, groups), out=_by_group(out, groups))
    return out


def conv_forward(x, weight, bias, stride, padding, dilation, groups):
    """(y, cols) for x (N, C, H, W), weight (O, C/G, kh, kw), bias (O,) or None: the GEMM
    W (O, C·kh·kw) @ cols (C·kh·kw, N·L) per group and batch block, written back in
    (N, O, Ho, Wo) order."""
    n, o = x.shape[0], weight.shape[0]
    kernel = weight.shape[2:]
    ho, wo = out_shape(x.shape[2:], kernel, stride, padding, dilation)
    cols = column_buffer(x, kernel, stride, padding, dilation)
    if _shallow(cols, groups):      # per sample, (O, K) @ (K, L) written into y in place
        fill_columns(cols, x, kernel, stride, padding, dilation)
        y = np.empty((n, o, ho * wo), np.result_type(weight, cols))
        np.matmul(weight.reshape(o, -1), cols.reshape(len(cols), n, -1).transpose(1, 0, 2),
                  out=y)
        if bias is not None:
            y += bias.reshape(o, 1).astype(y.dtype, copy=False)
        return y.reshape(n, o, ho, wo), cols
    y = np.empty((n, o, ho, wo), np.result_type(weight, cols))
    for batch, part in _blocks(cols, n):   # each block's GEMM reads its columns from cache
        fill_columns(cols, x, kernel, stride, padding, dilation, batch)
        prod = _gemm(weight.reshape(o, -1), part, groups).reshape(o, -1, ho, wo)
        if bias is None:
            np.copyto(y[batch], prod.transpose(1, 0, 2, 3))
        else:
            np.add(prod.transpose(1, 0, 2, 3), bias.reshape(o, 1, 1), out=y[batch],
                   casting="unsafe")
    return y, cols


def conv_transpose_forward(y, weight, bias, stride, padding, dilation, groups, size):
    """x (N, G·C_g, *size) = col2im(Wᵀ y) (+ bias per channel) for y (N, O, Ho, Wo), one
    batch block at a time (its columns stay in cache between the GEMM and col2im)."""
    o, cg = weight.shape[:2]
    w = weight.reshape(o, -1)
    wt = w.T if groups == 1 else np.ascontiguousarray(
        _by_group(w, groups).transpose(0, 2, 1)).reshape(-1, o // groups)
    g = _channels_first(y)
    x = np.zeros((y.shape[0], groups * cg) + tuple(size), np.result_type(wt, g))
    for batch, part in _blocks(g, y.shape[0], len(wt)):
        col2im(_gemm(wt, part, groups), groups * cg, size, weight.shape[2:], stride, padding,
               dilation, channels_first=True, out=x[batch])
    if bias is not None:
        x += bias.reshape(-1, 1, 1).astype(x.dtype, copy=False)
    return x


def weight_grad_from_cols(cols, g, weight_shape, groups):
    """∂L/∂W = g colsᵀ per group, computed as its transpose cols (C·kh·kw, N·L) @ g (N·L, O)
    with g copied channels last (OpenBLAS is fastest for this shape), → (O, C/G, kh, kw)."""
    if _shallow(cols, groups):      # Σ_n g_n (O, L) @ cols_nᵀ (L, K): g is read where it lies
        n, o = g.shape[:2]
        per_sample = np.matmul(g.reshape(n, o, -1), cols.reshape(len(cols), n, -1).transpose(
            1, 2, 0))
        return per_sample.sum(axis=0).reshape(weight_shape)
    n, o, h, w = g.shape
    last = scratch.scratch((n, h, w, o), g.dtype)
    np.copyto(last, g.transpose(0, 2, 3, 1))
    last = last.reshape(n * h * w, groups, o // groups).transpose(1, 0, 2)   # (G, N·L, O_g)
    grad_t = np.matmul(_by_group(cols, groups), last if groups > 1 else last[0])
    grad = (grad_t.T if groups == 1 else grad_t.transpose(0, 2, 1)).reshape(weight_shape)
    return c_order(grad)        # laid out as the weight (the reshape may have left a view)


# ------------------------------------------------------------------------------ samples
def _conv_cases(rng):
    n = rng.normal
    return [((n(size=(2, 2, 5, 4)), n(size=(4, 1, 2, 3)), n(size=(4,))),
             {"stride": (2, 1), "padding": ((1, 0), (1, 1)), "dilation": (1, 2), "groups": 2}),
            ((n(size=(1, 3, 4, 4)), n(size=(2, 3, 3, 3)), None),
             {"stride": (1, 1), "padding": ((1, 1), (1, 1)), "dilation": (1, 1), "groups": 1})]


def _conv_t_cases(rng):
    n = rng.normal
    return [((n(size=(2, 4, 3, 2)), n(size=(4, 1, 2, 3)), n(size=(2,))),
             {"stride": (2, 1), "padding": ((1, 0), (1, 1)), "dilation": (1, 2), "groups": 2,
              "size": (5, 4)}),
            ((n(size=(1, 2, 3, 3)), n(size=(2, 3, 2, 2)), None),
             {"stride": (2, 2), "padding": ((0, 1), (1, 1)), "dilation": (1, 1), "groups": 1,
              "size": (6, 5)})]


def _wgrad_cases(rng):
    n = rng.normal
    return [((n(size=(2, 2, 5, 4)), n(size=(2, 4, 3, 2))),
             {"stride": (2, 1), "padding": ((1, 0), (1, 1)), "dilation": (1, 2), "groups": 2,
              "kernel_size": (2, 3)})]


# ------------------------------------------------------------------------------ primitives
@primitive(name="convolution", saves=("inputs", "residual"), examples=_conv_cases,
           vjp_text=("conv_transpose({g}, {1})", "weight_grad({0}, {g})",
                     "{g} summed over batch and space"))
def conv(x, weight, bias, *, stride, padding, dilation, groups):
    """y = W ⋆ x + b (cross-correlation) on (N, C, H, W); the residual is the column buffer."""
    return conv_forward(x, weight, bias, stride, padding, dilation, groups)


@primitive(name="convolution_transpose", saves=("inputs",), examples=_conv_t_cases,
           vjp_text=("conv({g}, {1})", "weight_grad({g}, {0})", "{g} summed over batch, space"))
def conv_transpose(y, weight, bias, *, stride, padding, dilation, groups, size):
    """x = conv_t(y, W) + b: the adjoint of conv in its input, of spatial size `size`."""
    return conv_transpose_forward(y, weight, bias, stride, padding, dilation, groups, size)


@primitive(name="convolution_weight_grad", saves=("inputs",), examples=_wgrad_cases,
           vjp_text=("conv_transpose({1}, {g})", "conv({0}, {g})"))
def weight_grad(x, g, *, stride, padding, dilation, groups, kernel_size):
    """∂⟨conv(x, W), g⟩/∂W: the correlation of the input with the output's gradient."""
    cols = im2col(x, kernel_size, stride, padding, dilation, channels_first=True)
    shape = (g.shape[1], x.shape[1] // groups) + tuple(kernel_size)
    return weight_grad_from_cols(cols, g, shape, groups)


def _bias_grad(g):
    return g.sum(axis=(0, 2, 3))


def _bias_tangent(t):
    return t.reshape(-1, 1, 1)


def _conv_dx(g, cols, x, weight, bias, stride, padding, dilation, groups):
    return conv_transpose(g, weight, None, stride=stride, padding=padding, dilation=dilation,
                          groups=groups, size=tuple(np.shape(x)[2:]))


def _conv_dw(g, cols, x, weight, bias, stride, padding, dilation, groups):
    if cols is not None and g.__class__ is np.ndarray:     # first order: the forward's columns
        return weight_grad_from_cols(cols, g, weight.shape, groups)
    return weight_grad(x, g, stride=stride, padding=padding, dilation=dilation, groups=groups,
                       kernel_size=tuple(np.shape(weight)[2:]))


conv.defvjp(_conv_dx, _conv_dw, lambda g, cols, x, weight, bias, **p: _bias_grad(g))
conv.defjvp(lambda t, out, x, weight, bias, **p: conv(t, weight, None, **p),
            lambda t, out, x, weight, bias, **p: conv(x, t, None, **p),
            lambda t, out, x, weight, bias, **p: _bias_tangent(t))


def _conv_params(p):
    return {k: p[k] for k in ("stride", "padding", "dilation", "groups")}


conv_transpose.defvjp(
    lambda g, out, y, weight, bias, **p: conv(g, weight, None, **_conv_params(p)),
    lambda g, out, y, weight, bias, **p: weight_grad(
        g, y, kernel_size=tuple(np.shape(weight)[2:]), **_conv_params(p)),
    lambda g, out, y, weight, bias, **p: _bias_grad(g))
conv_transpose.defjvp(
    lambda t, out, y, weight, bias, **p: conv_transpose(t, weight, None, **p),
    lambda t, out, y, weight, bias, **p: conv_transpose(y, t, None, **p),
    lambda t, out, y, weight, bias, **p: _bias_tangent(t))

weight_grad.defvjp(
    lambda gw, out, x, g, **p: conv_transpose(g, gw, None, size=tuple(np.shape(x)[2:]),
                                              **_conv_params(p)),
    lambda gw, out, x, g, **p: conv(x, gw, None, **_conv_params(p)))
weight_grad.defjvp(lambda t, out, x, g, **p: weight_grad(t, g, **p),
                   lambda t, out, x, g, **p: weight_grad(x, t, **p))


# ------------------------------------------------------------------------------ public
def _shape_of(t):
    return list(np.shape(t))


def _check_common(op, x, weight, bias, groups, stride, dilation, k, transposed=False):
    """PyTorch's checks of ranks, channels, groups, bias and dtypes; shapes in the messages."""
    xs, ws = _shape_of(x), _shape_of(weight)
    dtypes = [np.result_type(a) for a in (x, weight, bias) if a is not None]
    if any(d != dtypes[0] for d in dtypes):
        raise DtypeError(f"{op}: expected scalar type {dtypes[0]} but found "
                         f"{next(d for d in dtypes if d != dtypes[0])} (input, weight and bias "
                         f"must share one dtype)")
    if len(xs) not in (k + 1, k + 2):
        raise ShapeError(f"{op}: Expected {k + 1}D (unbatched) or {k + 2}D (batched) input to "
                         f"{op}, but got input of size: {xs}")
    if len(ws) != k + 2:
        raise ShapeError(f"{op}: expected weight to be {k + 2}-dimensional (out_channels, "
                         f"in_channels / groups, {', '.join('k' * k)}), but got weight of size "
                         f"{ws}")
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ShapeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    if min(stride) <= 0:
        raise ShapeError(f"{op}: non-positive stride is not supported, got stride={stride}")
    if min(dilation) <= 0:
        raise ShapeError(f"{op}: dilation should be greater than zero, got dilation={dilation}")
    if ws[0] % groups:
        raise ShapeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                         f"{groups} at dimension 0, but got weight of size {ws} instead")
    channels = xs[-k - 1]
    expected = ws[0] if transposed else ws[1] * groups
    if channels != expected:
        raise ShapeError(f"{op}: Given {'transposed=1' if transposed else f'groups={groups}'}, "
                         f"weight of size {ws}, expected input{xs} to have {expected} channels, "
                         f"but got {channels} channels instead")
    out_channels = ws[1] * groups if transposed else ws[0]
    if bias is not None and _shape_of(bias) != [out_channels]:
        raise ShapeError(f"{op}: Given weight of size {ws}, expected bias to be 1-dimensional "
                         f"with {out_channels} elements, but got bias of size "
                         f"{_shape_of(bias)} instead")
    return len(xs) == k + 1


def _padding(op, padding, kernel, stride, dilation, k):
    """((before, after), …) per spatial dim from an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * k
        if padding != "same":
            raise ShapeError(f"{op}: Invalid padding string: {padding!r} (use 'same', 'valid', "
                             "an int or a tuple)")
        if max(stride) != 1:
            raise ShapeError(f"{op}: padding='same' is not supported for strided convolutions, "
                             f"got stride={stride}")
        # PyTorch puts the odd one out of d·(k − 1) at the end
        return tuple((d * (n - 1) // 2, d * (n - 1) - d * (n - 1) // 2)
                     for n, d in zip(kernel, dilation))
    pad = ntuple(padding, k, "padding", op)
    if min(pad) < 0:
        raise ShapeError(f"{op}: negative padding is not supported, got padding={pad}")
    return tuple((p, p) for p in pad)


def _check_fits(op, size, kernel, padding, dilation):
    padded_size = [n + a + b for n, (a, b) in zip(size, padding)]
    reach = [d * (n - 1) + 1 for n, d in zip(kernel, dilation)]
    if any(p < r for p, r in zip(padded_size, reach)):
        raise ShapeError(f"{op}: Calculated padded input size per channel: "
                         f"({' x '.join(map(str, padded_size))}). Kernel size: "
                         f"({' x '.join(map(str, reach))}). Kernel size can't be greater than "
                         f"actual input size (input of size {list(size)})")


def _conv_nd(op, k, input, weight, bias, stride, padding, dilation, groups):
    stride, dilation = ntuple(stride, k, "stride", op), ntuple(dilation, k, "dilation", op)
    unbatched = _check_common(op, input, weight, bias, groups, stride, dilation, k)
    kernel = tuple(_shape_of(weight)[2:])
    pad = _padding(op, padding, kernel, stride, dilation, k)
    xs = _shape_of(input)
    _check_fits(op, xs[-k:], kernel, pad, dilation)
    x = reshape(input, [1] * unbatched + xs[:len(xs) - k] + [1] * (2 - k) + xs[-k:])
    w = weight if k == 2 else reshape(weight, _shape_of(weight)[:2] + [1] + list(kernel))

    def lift(t):
        return (1,) * (2 - k) + t
    y = conv(x, w, bias, stride=lift(stride), padding=((0, 0),) * (2 - k) + pad,
             dilation=lift(dilation), groups=int(groups))
    ys = _shape_of(y)
    return y if (k == 2 and not unbatched) else reshape(y, ys[unbatched:2] + ys[-k:])


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d: the cross-correlation of input (N, C, H, W) or (C, H, W)
    with weight (O, C/groups, kH, kW), plus bias (O,): y[n,o] = b[o] + Σ_c W[o,c] ⋆ x[n,c]
    over the channels of o's group. padding: an int, a pair, 'valid' or 'same'."""
    return _conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@as_torch(lambda input, *args, **kwargs:
          "ConvolutionBackward0" if np.ndim(input) == 3 else "SqueezeBackward1")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d: input (N, C, L) or (C, L), weight (O, C/groups, k)."""
    return _conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """torch.nn.functional.conv_transpose2d, the adjoint of conv2d in its input (the gradient
    a conv2d sends back): input (N, C_in, H, W) or unbatched, weight (C_in, C_out/groups, kH,
    kW), H_out = (H − 1)·stride − 2·padding + dilation·(kH − 1) + output_padding + 1."""
    op, k = "conv_transpose2d", 2
    stride, dilation = ntuple(stride, k, "stride", op), ntuple(dilation, k, "dilation", op)
    extra = ntuple(output_padding, k, "output_padding", op)
    if isinstance(padding, str):
        raise ShapeError(f"{op}: padding must be an int or a pair of ints, got {padding!r}")
    pad = ntuple(padding, k, "padding", op)
    unbatched = _check_common(op, input, weight, bias, groups, stride, dilation, k, True)
    if min(pad) < 0 or min(extra) < 0:
        raise ShapeError(f"{op}: negative padding is not supported, got padding={pad}, "
                         f"output_padding={extra}")
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise ShapeError(f"{op}: output padding must be smaller than either stride or "
                         f"dilation, but got output_padding={extra}, stride={stride}, "
                         f"dilation={dilation}")
    xs, kernel = _shape_of(input), tuple(_shape_of(weight)[2:])
    size = tuple((n - 1) * s - 2 * p + d * (kk - 1) + e + 1
                 for n, s, p, d, kk, e in zip(xs[-2:], stride, pad, dilation, kernel, extra))
    if min(size) <= 0:
        raise ShapeError(f"{op}: the output size {list(size)} of input {xs} with weight "
                         f"{_shape_of(weight)}, stride={stride}, padding={pad}, dilation="
                         f"{dilation} is too small: it must be positive")
    # rows past the last window's reach (output_padding ≥ stride, allowed when < dilation)
    # receive nothing: cut from the bottom padding, and what is left added as zeros after
    beyond = [max(e - s + 1, 0) for e, s in zip(extra, stride)]
    zeros = tuple(max(b - p, 0) for b, p in zip(beyond, pad))
    x = input if not unbatched else reshape(input, [1] + xs)
    fused = bias if not any(zeros) else None
    y = conv_transpose(x, weight, fused, stride=stride, dilation=dilation, groups=int(groups),
                       padding=tuple((p, max(p - b, 0)) for p, b in zip(pad, beyond)),
                       size=tuple(n - z for n, z in zip(size, zeros)))
    if any(zeros):
        y = _pad(y, pad_width=((0, 0), (0, 0), (0, zeros[0]), (0, zeros[1])))
        if bias is not None:
            y = y + reshape(bias, (-1, 1, 1))
    return y if not unbatched else reshape(y, _shape_of(y)[1:])

"""The complementary error function erfc on arrays, for the normal CDF Φ(x) = ½ erfc(−x/√2)
(exact GELU): NumPy has no erfc, and math.erfc element by element costs ~70 ns an element.

For a = |x| ≥ 0, erfc(a) = e^(−a²) G(a) / (a + 2) with G smooth and bounded on [0, ∞) (it tends
to 1/√π). G is interpolated in t = (a − 2)/(a + 2) ∈ [−1, 1) by one polynomial per sixteenth
of that interval, fitted once, at import, to math.erfc itself (Chebyshev interpolation);
erfc(−a) = 2 − erfc(a). Evaluated in float64, the relative error is below 1e-9 everywhere
erfc does not underflow: enough to round correctly to float32 almost always. Where float64
results are wanted, math.erfc, exact to the last bit, is applied element by element.
"""
import math

import numpy as np
from numpy.polynomial import chebyshev

_PIECES, _DEGREE, _SHIFT = 16, 4, 2.0
_UNDERFLOW = 30.0           # erfc(27.3) is below the smallest float64


def _scaled(t):
    """log G at t: log((a + 2) e^(a²) erfc(a)) for a = 2 (1 + t)/(1 − t)."""
    if t >= 1:
        return -0.5 * math.log(math.pi)
    a = _SHIFT * (1 + t) / (1 - t)
    if a < 25:
        return math.log((a + _SHIFT) * math.exp(a * a) * math.erfc(a))
    # e^(a²) erfc(a) = (1/(a√π)) Σ_k (−1)^k (2k − 1)!! / (2a²)^k, converged long before it diverges
    total, term = 0.0, 1.0
    for k in range(1, 20):
        total += term
        term *= -(2 * k - 1) / (2 * a * a)
    return math.log((a + _SHIFT) * total / (a * math.sqrt(math.pi)))


def _fit():
    """Monomial coefficients, one column per power and one row per piece, of log G on each
    piece in the local variable u ∈ [−1, 1)."""
    rows = []
    for piece in range(_PIECES):
        low = -1 + 2 * piece / _PIECES

        def local(u, low=low):
            return np.array([_scaled(low + (v + 1) / _PIECES) for v in np.atleast_1d(u)])
        rows.append(chebyshev.cheb2poly(chebyshev.chebinterpolate(local, _DEGREE)))
    return np.ascontiguousarray(np.array(rows).T)


_COEFFICIENTS = _fit()
_erfc_exact = np.frompyfunc(math.erfc, 1, 1)


def erfc(x, exact=True):
    """erfc of a float64 array: exact (math.erfc per element) or, with exact=False, fitted
    (relative error below 1e-9, 4–8× faster)."""
    if exact:
        return np.asarray(_erfc_exact(x), np.float64)
    flat = np.ravel(x)
    result = np.empty(flat.shape)
    for start in range(0, flat.size, _CHUNK):
        result[start:start + _CHUNK] = _erfc_fitted(flat[start:start + _CHUNK])
    return result.reshape(np.shape(x))


#: Elements evaluated at a time: the dozen temporaries of _erfc_fitted then stay in cache and
#: below the size at which the allocator hands memory back to the system (~40 % faster on
#: 32,768 elements than all at once).
_CHUNK = 4096


def _erfc_fitted(x):
    """erfc of a 1-d float64 array by the fitted pieces."""
    a = np.abs(x)
    np.fmin(a, _UNDERFLOW, out=a)              # erfc is 0 from here on (and ±inf, NaN land here)
    denominator = a + _SHIFT
    position = a - _SHIFT                      # t, then where t falls among the pieces
    position /= denominator
    position += 1
    position *= _PIECES / 2
    piece = position.astype(np.intp)
    np.minimum(piece, _PIECES - 1, out=piece)
    position -= piece                          # the local variable u ∈ [−1, 1)
    position *= 2
    position -= 1
    log_g = np.take(_COEFFICIENTS[_DEGREE], piece)
    for power in range(_DEGREE - 1, -1, -1):  # Horner, each element with its piece's row
        log_g *= position
        log_g += np.take(_COEFFICIENTS[power], piece)
    a *= a
    log_g -= a
    result = np.exp(log_g, out=log_g)
    result /= denominator
    np.subtract(2, result, out=result, where=x < 0)
    np.copyto(result, x, where=np.isnan(x))
    return result

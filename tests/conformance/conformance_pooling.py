"""Conformance entries of pooling and resampling at torch's top level (ops/pooling.py,
ops/adaptive_pool.py, ops/resample.py): max_pool1d/2d, max_pool1d_with_indices, avg_pool1d,
adaptive_avg_pool1d, adaptive_max_pool1d, pixel_shuffle and pixel_unshuffle;
tests/ops/test_pooling.py and test_resample.py cover the rest (F.*)."""
from conformance_specs import C, F, I, same


def entries():
    return [
        same("max_pool2d", [C(F(2, 3, 6, 6), 2), C(I(2, 3, 6, 6, lo=-9, hi=9), 3, 2, 1),
                            C(F(1, 2, 7, 5), 3, 2, 1),
                            C(F(1, 2, 7, 5), (3, 2), (2, 1), (1, 0), (1, 2), True),
                            C(F(3, 5, 5), 2, 1), C(F(2, 3, 5, 5), 2, 1, 2),
                            C(F(2, 3, 1, 1), 3), C(F(3, 5), 2)]),
        same("max_pool1d", [C(F(2, 3, 8), 2), C(F(2, 3, 9), 3, 2, 1, 2, True), C(F(3, 7), 3, 1),
                            C(F(2, 3, 4), 5), C(F(5), 2)]),
        same("max_pool1d_with_indices", [C(F(2, 3, 8), 2), C(F(2, 3, 9), 3, 2, 1, 2, True),
                                         C(F(3, 7), 3, 1), C(F(5), 2)]),
        same("adaptive_max_pool1d", [C(F(2, 3, 8), 3), C(F(3, 5), 7), C(F(4), 2)]),
        same("avg_pool1d", [C(F(2, 3, 8), 2), C(F(2, 3, 9), 3, 2, 1, True, False),
                            C(F(3, 7), 3, 1, 1), C(F(2, 3, 4), 2, 1, 2),
                            C(I(2, 3, 8, lo=-9, hi=9), 3, 2, 1, False, False)]),
        same("adaptive_avg_pool1d", [C(F(2, 3, 8), 3), C(F(3, 5), 7), C(F(2, 3, 6), 1),
                                     C(F(4), 2)]),
        same("pixel_shuffle", [C(F(2, 8, 3, 2), 2), C(F(9, 2, 2), 3), C(F(1, 3, 2, 2), 2)]),
        same("pixel_unshuffle", [C(F(2, 2, 4, 6), 2), C(F(1, 6, 6), 3), C(F(1, 3, 3, 2), 2)]),
    ]

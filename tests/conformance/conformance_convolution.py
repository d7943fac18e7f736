"""Conformance entries for the convolutions (gg.conv1d, gg.conv2d, gg.conv_transpose2d, as
torch.conv1d, torch.conv2d, torch.conv_transpose2d): strides, paddings ('same' included),
dilation, groups, unbatched inputs, and the shapes PyTorch refuses."""
from conformance_specs import C, F, same


def entries():
    return [
        same("conv2d", [
            C(F(2, 3, 6, 5), F(4, 3, 3, 3), F(4)),
            C(F(1, 4, 7, 6), F(6, 2, 2, 3), None, (2, 1), (1, 0), 1, 2, label="groups 2"),
            C(F(2, 4, 6, 6), F(4, 1, 3, 3), None, 1, 1, 1, 4, label="depthwise"),
            C(F(2, 3, 6, 5), F(2, 3, 2, 3), F(2), 1, "same", 2, label="same, dilation 2"),
            C(F(3, 5, 5), F(2, 3, 3, 3), label="unbatched"),
            C(F(1, 3, 2, 2), F(2, 3, 3, 3), label="kernel larger than the input"),
            C(F(1, 4, 5, 5), F(2, 3, 3, 3), label="wrong channels"),
            C(F(5, 5), F(2, 1, 3, 3), label="2-d input"),
        ]),
        same("conv1d", [
            C(F(2, 3, 9), F(4, 3, 3), F(4), 2, 1),
            C(F(2, 4, 8), F(4, 2, 2), None, 1, "same", 2, 2, label="same, groups"),
            C(F(3, 7), F(2, 3, 3), label="unbatched"),
            C(F(1, 3, 2), F(2, 3, 3), label="kernel larger than the input"),
        ]),
        same("conv_transpose2d", [
            C(F(2, 4, 3, 3), F(4, 3, 3, 3), F(3)),
            C(F(1, 4, 3, 4), F(4, 1, 3, 2), F(2), 2, 1, 1, 2, label="stride, output_padding"),
            C(F(4, 3, 3), F(4, 2, 2, 2), None, 1, 0, 1, 1, 2, label="unbatched, dilation"),
            C(F(1, 3, 3, 3), F(4, 2, 3, 3), label="wrong channels"),
            C(F(1, 4, 3, 3), F(4, 2, 3, 3), None, 1, 0, 1, label="output_padding too large"),
        ]),
    ]

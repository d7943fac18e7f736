"""The model a ``graphgrad train`` run trains (--model): an MLP, or a small CNN on the images
that the rows of digits, MNIST and Fashion-MNIST hold."""
from .config import JobExit


def build_model(config, sizes, generator):
    """(the model, how it is described): an MLP of these sizes (inputs, *hidden, classes), or
    with --model cnn an nn.ConvNet on the square images the rows hold: conv 32 → pool → conv
    64 → pool → the hidden sizes → the classes."""
    from .. import nn
    if config.model != "cnn":
        return (nn.MLP(sizes, activation=config.activation, generator=generator),
                f"MLP {'-'.join(map(str, sizes))}")
    side = int(round(sizes[0] ** 0.5))
    if side * side != sizes[0]:
        raise JobExit(f"--model cnn: the {sizes[0]} features of {config.data} are not a square "
                      "image", 2)
    model = nn.ConvNet((1, side, side), sizes[-1], hidden=sizes[1:-1],
                       activation=config.activation, generator=generator)
    return model, (f"CNN on {side}x{side} images: conv {'-'.join(map(str, model.channels))} "
                   f"with 2x2 pooling, dense {'-'.join(map(str, sizes[1:]))}")

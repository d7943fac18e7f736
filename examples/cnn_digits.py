"""A small convolutional network on the 8×8 digits, and what its first layer learned.

nn.ConvNet((1, 8, 8), 10) is conv 3×3 (32 filters) → ReLU → max-pool 2×2 → conv 3×3 (64) →
ReLU → max-pool → dense 128 → 10, trained with Adam on 80 % of the digits and tested on the
rest. With matplotlib it draws the 32 filters of the first layer and, for a few test digits,
the first layer's feature maps (after ReLU) to examples/out/cnn_digits.png (or into the folder
given with --out).

Run: python examples/cnn_digits.py [--epochs N] [--out FOLDER]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

import graphgrad as gg

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=10, help="training epochs (10)")
parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out",
                    help="folder for the picture (examples/out)")
args = parser.parse_args()

x, y = gg.data.digits()
x = (x - x.mean()) / x.std()
train, test = gg.data.random_split(gg.data.TensorDataset(x, y), [0.8, 0.2], seed=0)
model = gg.nn.ConvNet((1, 8, 8), 10, generator=0)
opt = gg.optim.Adam(model.parameters(), lr=2e-3)
history = gg.train.fit(model, gg.nn.functional.cross_entropy, opt, train, epochs=args.epochs,
                       batch_size=32, seed=0)
model.eval()
x_test, y_test = test[:]
with gg.no_grad():
    accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
print(f"CNN on the 8x8 digits: test accuracy {accuracy:.1%} after {len(history)} epochs "
      f"(training loss {history.last('loss'):.4f})")

conv = model[1]                                    # after the Unflatten: the first Conv2d
filters = conv.weight.detach().numpy()[:, 0]       # (32, 3, 3)
images = x_test[:4].detach().numpy().reshape(-1, 1, 8, 8)
with gg.no_grad():
    maps = model[2](conv(gg.tensor(images))).detach().numpy()     # ReLU(conv(x)): (4, 32, 8, 8)
strongest = np.argsort(maps.mean(axis=(0, 2, 3)))[::-1][:6]
print(f"the first layer's 32 filters, and their maps of 4 test digits; the most active filters "
      f"are {', '.join(map(str, strongest))}")

try:
    figure = gg.train.new_figure(10, 6.5)
except ImportError as missing:
    sys.exit(f"({missing}; it would draw the filters and feature maps)")
grid = figure.add_gridspec(6, 10)
for i, f in enumerate(filters):
    axes = figure.add_subplot(grid[i // 8, i % 8])
    axes.imshow(f, cmap="RdBu_r", vmin=-np.abs(filters).max(), vmax=np.abs(filters).max())
    axes.set_axis_off()
    axes.set_title(f"filter {i}", fontsize=6)
for row, (image, fmap) in enumerate(zip(images, maps)):
    axes = figure.add_subplot(grid[4 + row // 2, (row % 2) * 5])
    axes.imshow(image[0], cmap="gray_r")
    axes.set_axis_off()
    axes.set_title(f"digit {int(y_test[row].item())}", fontsize=6)
    for j, k in enumerate(strongest[:4]):
        axes = figure.add_subplot(grid[4 + row // 2, (row % 2) * 5 + 1 + j])
        axes.imshow(fmap[k], cmap="viridis")
        axes.set_axis_off()
        axes.set_title(f"map {k}", fontsize=6)
figure.suptitle(f"first-layer filters (rows 1-4) and feature maps of test digits "
                f"(test accuracy {accuracy:.1%})", fontsize=10)
args.out.mkdir(parents=True, exist_ok=True)
figure.savefig(args.out / "cnn_digits.png", dpi=120)
print(f"filters and feature maps drawn to {args.out / 'cnn_digits.png'}")

"""A denoising autoencoder on the 8×8 digits, with its 2-D embedding (notes 003 §2.3.4).

The encoder maps 64 pixels to a code z ∈ R², the decoder maps z back to 64 pixels; in
training the input is corrupted with Gaussian noise while the clean image stays the target,
so the code has to capture what is stable in a digit. No labels are used — yet digits of one
class land near each other in the plane, which the nearest-class-mean accuracy in code space
measures. With matplotlib the embedding is drawn to examples/out/autoencoder_digits.png (or
into the folder given with --out).

Run: python examples/autoencoder_digits.py [--out FOLDER]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

import graphgrad as gg

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out",
                    help="folder for the picture (examples/out)")
out = parser.parse_args().out

x, labels = gg.data.digits()
model = gg.nn.Autoencoder([64, 32, 2], noise=0.2, activation="tanh", output="sigmoid",
                          generator=0)
opt = gg.optim.Adam(model.parameters(), lr=3e-3)
history = gg.train.fit(model, gg.nn.functional.mse_loss, opt, (x, x), epochs=150,
                       batch_size=64, seed=0, metric=None)
print(f"reconstruction error (mean squared, per pixel): {history['loss'][0]:.4f} after one "
      f"epoch, {history.last('loss'):.4f} after {len(history)}")

model.eval()
with gg.no_grad():
    code = model.encode(x).array
    noisy = x.array + np.random.default_rng(1).normal(0, 0.2, x.shape).astype(np.float32)
    clean_error = gg.nn.functional.mse_loss(model(x), x).item()
    denoised_error = gg.nn.functional.mse_loss(model(gg.tensor(noisy)), x).item()
print(f"error from noisy inputs {denoised_error:.4f} vs clean inputs {clean_error:.4f}; "
      f"the noise itself is {np.mean((noisy - x.array) ** 2):.4f}")

means = np.array([code[labels.array == c].mean(axis=0) for c in range(10)])
nearest = np.argmin(((code[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
print(f"classes are never shown, yet the nearest class mean in the 2-D code is right for "
      f"{np.mean(nearest == labels.array):.1%} of the digits (chance: 10%)")

try:
    figure = gg.train.new_figure(6, 5)
except ImportError as missing:
    sys.exit(f"({missing}; it would draw the embedding)")
axes = figure.add_subplot()
points = axes.scatter(code[:, 0], code[:, 1], c=labels.array, cmap="tab10", s=6)
for c, (u, v) in enumerate(means):
    axes.annotate(str(c), (u, v), fontsize=14, weight="bold", ha="center", va="center")
figure.colorbar(points, ax=axes, ticks=range(10), label="digit (not seen in training)")
axes.set_xlabel("code z₁")
axes.set_ylabel("code z₂")
axes.set_title("denoising autoencoder: 2-D codes of the digits\n(numbers: each class's mean code)",
               fontsize=11)
out.mkdir(parents=True, exist_ok=True)
figure.savefig(out / "autoencoder_digits.png", dpi=120)
print(f"embedding drawn to {out / 'autoencoder_digits.png'}")

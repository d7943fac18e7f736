"""XOR with a multi-layer perceptron (notes 001).

No line separates XOR's classes, so logistic regression fails on it; one hidden layer of two
units suffices. We train a 2-2-1 MLP with sigmoid units by plain gradient descent on the
binary cross-entropy and print the learned hidden features, which make the classes separable.

Run: python examples/xor_mlp.py
"""
import numpy as np

import graphgrad as gg

x = gg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = gg.tensor([0.0, 1.0, 1.0, 0.0])

model = gg.nn.Sequential(gg.nn.Linear(2, 2, generator=3), gg.nn.Sigmoid(),
                         gg.nn.Linear(2, 1, generator=4), gg.nn.Flatten(0))
optimizer = gg.optim.SGD(model.parameters(), lr=2.0)
loss_fn = gg.nn.functional.binary_cross_entropy_with_logits

for step in range(2001):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 400 == 0:
        print(f"step {step:4d}   loss {loss.item():.4f}")

with gg.no_grad():
    hidden = model[1](model[0](x))
    probability = gg.sigmoid(model(x))
print("\n x1 x2 | hidden h1   h2  | p(y=1)  y")
for xi, hi, pi, yi in zip(x.array, hidden.array, probability.array, y.array):
    print(f"  {xi[0]:.0f}  {xi[1]:.0f} |   {hi[0]:.3f}  {hi[1]:.3f} |  {pi:.3f}   {yi:.0f}")
correct = np.sum((probability.array > 0.5) == (y.array == 1))
print(f"\n{correct}/4 correct: in the hidden space (h1, h2) a line separates the classes.")

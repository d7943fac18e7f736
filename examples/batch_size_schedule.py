"""Growing the batch size instead of decaying the learning rate (notes 003 §3.4.3).

With a mean loss the noise of a mini-batch step scales like ε/|B|: dividing ε by k or
multiplying |B| by k both calm the steps down near the optimum, but the larger batches need k
times fewer parameter updates. Three runs of SGD with momentum on the embedded digits, same
seed, 30 epochs:

  * constant:          ε = 0.08, |B| = 16 throughout
  * learning-rate decay: ε ÷ 5 at epochs 10 and 20
  * batch-size growth:   |B| × 5 at epochs 10 and 20 (16 → 80 → 400)

Run: python examples/batch_size_schedule.py
"""
import graphgrad as gg

x, y = gg.data.digits()
train, test = gg.data.random_split(gg.data.TensorDataset(x, y), [0.8, 0.2], seed=0)
(x_train, y_train), (x_test, y_test) = train[:], test[:]
x_train, x_test = gg.data.standardize(x_train, x_test)
train = gg.data.TensorDataset(x_train, y_train)
test = (x_test, y_test)
loss_fn = gg.nn.functional.cross_entropy


def run(schedule):
    model = gg.nn.MLP([64, 64, 10], generator=0)
    opt = gg.optim.SGD(model.parameters(), lr=0.08, momentum=0.9)
    loader = gg.data.DataLoader(train, batch_size=16, shuffle=True, seed=0)
    if schedule == "learning-rate decay":
        scheduler = gg.optim.lr_scheduler.MultiStepLR(opt, [10, 20], gamma=0.2)
    elif schedule == "batch-size growth":
        scheduler = gg.optim.BatchSizeScheduler(loader, milestones=[10, 20], factor=5)
    else:
        scheduler = None
    batches = [len(loader)]  # per epoch; a callback sees the size the next epoch will use
    record = gg.train.LambdaCallback(on_epoch_end=lambda run, epoch, logs: batches.append(
        len(loader)))
    history = gg.train.fit(model, loss_fn, opt, loader, epochs=30,
                           scheduler=scheduler, callbacks=[record])
    tested = gg.train.evaluate(model, loss_fn, test)
    return sum(batches[:-1]), history.last("loss"), tested["accuracy"]


print(f"{'schedule':<22}{'updates':>9}{'train loss':>12}{'test accuracy':>15}")
for schedule in ("constant", "learning-rate decay", "batch-size growth"):
    updates, loss, accuracy = run(schedule)
    print(f"{schedule:<22}{updates:>9}{loss:>12.3g}{accuracy:>15.2%}")
print("\nA large constant step never settles; dividing ε by 5 twice and multiplying |B| by 5 "
      "twice both calm it, the growing batch with far fewer parameter updates.")

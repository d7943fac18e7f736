"""`graphgrad train`: train an MLP classifier and report its test accuracy (the main job).

With no options it trains on the 8×8 digits shipped with graphgrad (no download) and writes
metrics.json, curves.png and a checkpoint to runs/digits-<time>/.
"""
import sys


def register(sub):
    from ..train.job import DATASETS, OPTIMIZERS, SCHEDULES
    parser = sub.add_parser(
        "train", help="train an MLP on a dataset (default: the embedded digits) and report "
                      "its test accuracy",
        description=__doc__.split("\n\n")[1].replace("\n", " "))
    parser.add_argument("--data", choices=DATASETS, default="digits",
                        help="dataset (default digits; fashion-mnist and mnist are read from "
                             "$GRAPHGRAD_DATA, the cache or Debian's package, else downloaded)")
    parser.add_argument("--hidden", type=int, nargs="+", metavar="N",
                        help="hidden layer sizes (default: 128 64 for digits, 256 128 for "
                             "MNIST-like sets, 32 32 for the 2-D sets)")
    parser.add_argument("--activation", default="relu",
                        choices=["relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "silu"],
                        help="hidden activation (relu)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="(adam)")
    parser.add_argument("--lr", type=float, help="learning rate (default depends on the "
                                                 "optimizer: adam 1e-3, sgd 0.1, ...)")
    parser.add_argument("--batch-size", type=int, help="mini-batch size (32 for digits and "
                                                       "the 2-D sets, 128 for MNIST-like)")
    parser.add_argument("--epochs", type=int, help="epochs (30 digits, 15 fashion-mnist, "
                                                   "12 mnist, 100 for the 2-D sets)")
    parser.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (0)")
    parser.add_argument("--schedule", choices=SCHEDULES, default="cosine",
                        help="learning-rate schedule (cosine)")
    parser.add_argument("--seed", type=int, default=0, help="seed of split, weights and "
                                                            "batch order (0)")
    parser.add_argument("--out", help="output folder (default runs/<data>-<time>)")
    parser.add_argument("--samples", type=int, default=400, help="2-D sets: training samples")
    parser.add_argument("--noise", type=float, help="2-D sets: noise level")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="share of the training data held out for validation (0.1)")
    parser.add_argument("--patience", type=int, default=0,
                        help="stop after this many epochs without a better validation loss "
                             "(0: never)")
    parser.add_argument("--resume", metavar="CHECKPOINT", help="continue a run from its "
                                                               "checkpoint.ckpt")
    parser.add_argument("--no-download", action="store_true",
                        help="never download datasets")
    parser.add_argument("--no-plots", action="store_true", help="skip curves.png")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    parser.set_defaults(func=run)


def run(args):
    from ..data import DataNotFoundError
    from ..train.job import Config, run_job
    config = Config(data=args.data, hidden=args.hidden, activation=args.activation,
                    optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size,
                    epochs=args.epochs, weight_decay=args.weight_decay, schedule=args.schedule,
                    seed=args.seed, out=args.out, samples=args.samples, noise=args.noise,
                    val_fraction=args.val_fraction, patience=args.patience,
                    download=not args.no_download, plots=not args.no_plots,
                    verbose=not args.quiet, resume=args.resume)
    try:
        run_job(config)
    except DataNotFoundError as e:
        print(f"graphgrad train: {e}", file=sys.stderr)
        return 1
    return 0

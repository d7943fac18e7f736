"""`graphgrad train`: train an MLP classifier and report its test accuracy (the main job).

With no options it trains on the 8×8 digits shipped with graphgrad (no download) and writes
metrics.json, curves.png and a checkpoint to runs/digits-<time>/.

Exit status: 0 done (or nothing left to do), 1 the run failed (missing or corrupt files, a
diverged loss), 2 an option was refused, 130 / 143 stopped by Ctrl-C / SIGTERM after saving.
"""
import argparse
import sys


def _option(name, parse):
    """An argparse type: parse the text, then apply the option's check from train.config."""
    from ..train.config import CHECKS

    def convert(text):
        try:
            value = parse(text)
        except ValueError:
            kind = "a whole number" if parse is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        try:
            return CHECKS[name](value)
        except ValueError as e:  # said with the text as typed ("0", not "0.0")
            reason = str(e).rsplit(", got ", 1)[0]
            raise argparse.ArgumentTypeError(f"{reason}, got {text}") from None
    convert.__name__ = name
    return convert


def register(sub):
    from ..train.config import ACTIVATIONS, DATASETS, MODELS, OPTIMIZERS, SCHEDULES
    parser = sub.add_parser(
        "train", help="train an MLP on a dataset (default: the embedded digits) and report "
                      "its test accuracy",
        description=" ".join(__doc__.split("\n\n")[1:]).replace("\n", " "))
    add = parser.add_argument
    add("--data", choices=DATASETS, help="dataset (default digits; fashion-mnist and mnist are "
                                         "read from $GRAPHGRAD_DATA, the cache or Debian's "
                                         "package, else downloaded)")
    add("--model", choices=MODELS, help="mlp (default) or cnn: conv 32 → pool → conv 64 → "
                                        "pool → --hidden (128) → classes, for the image sets")
    add("--hidden", type=_option("hidden_size", int), nargs="*", metavar="N",
        help="hidden layer sizes (default: 128 64 for digits, 256 128 for MNIST-like sets, "
             "32 32 for the 2-D sets; none: softmax regression)")
    add("--activation", choices=ACTIVATIONS, help="hidden activation (relu)")
    add("--optimizer", choices=OPTIMIZERS, help="(adam)")
    add("--lr", type=_option("lr", float),
        help="learning rate > 0 (default depends on the optimizer: adam 1e-3, sgd 0.1, ...)")
    add("--batch-size", type=_option("batch_size", int),
        help="mini-batch size (32 for digits and the 2-D sets, 128 for MNIST-like)")
    add("--epochs", type=_option("epochs", int),
        help="epochs (30 digits, 15 fashion-mnist, 12 mnist, 100 for the 2-D sets)")
    add("--weight-decay", type=_option("weight_decay", float), help="L2 penalty (0)")
    add("--schedule", choices=SCHEDULES, help="learning-rate schedule (cosine)")
    add("--seed", type=_option("seed", int), help="seed of split, weights and batch order (0)")
    add("--out", help="output folder (default runs/<data>-<time>; when resuming, the "
                      "checkpoint's folder)")
    add("--samples", type=_option("samples", int), help="2-D sets: training samples (400)")
    add("--noise", type=_option("noise", float), help="2-D sets: noise level")
    add("--val-fraction", type=_option("val_fraction", float),
        help="share of the training data held out for validation, in [0, 1) (0.1)")
    add("--patience", type=_option("patience", int),
        help="stop after this many epochs without a better validation loss (0: never)")
    add("--resume", metavar="CHECKPOINT",
        help="continue a run from its checkpoint.ckpt, with the options saved in it")
    add("--new-schedule", action="store_true",
        help="when resuming: build the learning-rate schedule again for the remaining epochs, "
             "from --lr (needed to train past the epochs a schedule was built for)")
    add("--no-download", action="store_true", help="never download datasets")
    add("--no-plots", action="store_true", help="skip curves.png")
    add("--quiet", action="store_true", help="print nothing")
    add("--distributed", action="store_true",
        help="data-parallel over the ranks of an MPI job (mpiexec -n N graphgrad train "
             "--distributed): each rank takes its share of every batch; rank 0 writes")
    add("--compile", action=argparse.BooleanOptionalAction, default=False,
        help="run each step as a program recorded once by gg.compile (same numbers; "
             "default off, see the README)")
    parser.set_defaults(func=run)


def prepare(parser, tokens):
    """With --distributed under an MPI launcher, join the job before the options are read: a
    rank that refuses its options then leaves a joined job, which the others notice within
    seconds (they would wait in MPI_Init for a rank that never joins)."""
    if any(len(t) > 3 and "--distributed".startswith(t) for t in tokens):
        from .. import distributed
        if distributed.launched_by_mpi():
            try:
                distributed.init()
            except distributed.DistributedError:
                pass                             # said again, in one line, when the job starts
    return tokens


def run(args):
    from ..train.config import Config, JobExit, OptionError
    from ..train.job import run_job
    options = {k: getattr(args, k, None) for k in (
        "data", "model", "hidden", "activation", "optimizer", "lr", "batch_size", "epochs",
        "weight_decay", "schedule", "seed", "out", "samples", "noise", "val_fraction",
        "patience", "resume")}
    if options["resume"] is None and getattr(args, "new_schedule", False):
        return _fail(OptionError("--new-schedule applies only with --resume"))
    config = Config(**options, download=not args.no_download, plots=not args.no_plots,
                    verbose=not args.quiet, new_schedule=args.new_schedule,
                    distributed=args.distributed, compile=getattr(args, "compile", False))
    try:
        run_job(config)
    except JobExit as e:
        return _fail_distributed(e) if args.distributed else _fail(e)
    return 0


def _fail_distributed(error):
    """--distributed: rank 0 reports (another rank only a failure of its own), then a failed
    rank ends the job (MPI_Abort), since the others would wait for it forever."""
    from .. import distributed
    if not distributed.is_initialized() or distributed.world_size() == 1:
        return _fail(error)
    said = distributed.rank() == 0 or error.status == 1
    if said:
        _fail(error)
    if error.status:
        distributed.abort("graphgrad train: stopping every rank of the job" if said else None,
                          error.status)
    return error.status


def _fail(error):
    """Print the job's one line (prefixed 'error:' for a failure) and give its exit status."""
    kind = "error: " if error.status in (1, 2) else ""
    print(f"graphgrad train: {kind}{error}", file=sys.stdout if error.status == 0 else sys.stderr)
    return error.status

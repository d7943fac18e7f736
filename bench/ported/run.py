"""Run public PyTorch programs, ported only by their imports, under PyTorch and graphgrad.

    python bench/ported/run.py [NAME ...] [--reseeds K] [--threads N] [--keep DIR] [--json FILE]

Each program (a file of this folder; the header of each names its source and the few lines
changed) runs in a fresh temporary folder, each run in its own process:

1. under PyTorch, which writes the model's initial state_dict as NumPy arrays (`sync_init`);
2. under graphgrad, from those same initial weights and with the program's own seed;
3. K more times under each library (--reseeds, default 2) from the same weights, with the global
   generator reseeded right after the initialisation (seeds --seed, --seed + 1, ...). How far
   PyTorch's own reruns land from its first run is what other random draws alone (batches,
   dropout masks, noise) do to the final loss: the yardstick for graphgrad's distance, whose
   random numbers come from another generator even with the same seed.

The first table gives, per program: whether it runs to the end under graphgrad (else the first
error, at the program's line, and where in the library it was raised), the final loss under each
(the last value the program reports: a test or validation loss), their relative difference, the
largest relative difference of a PyTorch rerun to PyTorch's first run, and the time of each first
run, from after the library's import to the program's end. The second gives each library's mean
and standard deviation over its K + 1 runs. Both libraries get the same number of threads
(--threads, default 1: on a shared machine, idle OpenMP threads make PyTorch's times erratic).
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = str(HERE / "data" / "names.txt")


def _makemore(kind):
    return ("makemore.py", ["-i", NAMES, "-o", "{tmp}/out", "--max-steps", "501", "--type", kind])


#: name -> (file, command-line arguments); {tmp} is the run's temporary folder.
PROGRAMS = {
    "mlp_quickstart": ("mlp_quickstart.py", []),
    "cnn_mnist": ("cnn_mnist.py", ["--epochs", "1"]),
    "vae": ("vae.py", []),
    "bigram_charlm": ("bigram_charlm.py", []),
    "gpt_charlm": ("gpt_charlm.py", []),
    **{f"makemore_{kind}": _makemore(kind)
       for kind in ("bigram", "mlp", "rnn", "gru", "bow", "transformer")},
}

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.*)$')


def _limit_memory(gib):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))
    return limit


def run_once(name, backend, tmp, args, reseed=None):
    """One run of program `name`; returns a dict of what happened."""
    file, argv = PROGRAMS[name]
    record = Path(tmp) / f"{backend}{'' if reseed is None else f'-seed{reseed}'}.jsonl"
    env = dict(os.environ, PORTED_BACKEND=backend, PORTED_INIT=str(Path(tmp) / "init.npz"),
               PORTED_RECORD=str(record), PYTHONPATH=str(HERE), PYTHONHASHSEED="0",
               **{v: str(args.threads) for v in
                  ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    env.pop("PORTED_RESEED", None)
    if reseed is not None:
        env["PORTED_RESEED"] = str(reseed)
    command = [sys.executable, str(HERE / file), *(a.format(tmp=tmp) for a in argv)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True,
                              timeout=args.timeout, preexec_fn=_limit_memory(args.memory_gib))
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as e:
        code, out, err = "timeout", e.stdout or "", e.stderr or ""
        out, err = (s.decode() if isinstance(s, bytes) else s for s in (out, err))
    wall = time.perf_counter() - start
    log = Path(tmp) / f"{record.stem}.log"
    log.write_text(f"$ {' '.join(command)}\n--- stdout\n{out}\n--- stderr\n{err}")
    events = [json.loads(line) for line in record.read_text().splitlines()] \
        if record.exists() else []
    losses = [e["value"] for e in events if e.get("name")]
    exits = [e["t"] for e in events if e.get("event") == "exit"]
    return dict(ok=code == 0, code=code, loss=losses[-1] if losses else None, losses=losses,
                time=exits[-1] if exits and code == 0 else None, wall=wall, log=str(log),
                error=None if code == 0 else first_error(err, code))


def first_error(stderr, code):
    """'program.py:LINE: ExceptionType: message' from a traceback (the innermost frame in a
    ported file, then the innermost frame anywhere when that is inside a library)."""
    if code == "timeout":
        return "timed out"
    lines = stderr.rstrip().splitlines()
    frames = [m for m in map(_FRAME.match, lines) if m]
    message = next((s for s in reversed(lines) if s and not s[0].isspace()
                    and not s.startswith("Traceback")), f"exit status {code}")
    ours = [f for f in frames if Path(f["file"]).resolve().parent == HERE]
    where = ""
    if ours:
        where = f"{Path(ours[-1]['file']).name}:{ours[-1]['line']}"
        if frames[-1] is not ours[-1]:
            last = frames[-1]
            lib = re.sub(r".*/(site-packages|src)/", "", last["file"])
            where += f" (in {lib}:{last['line']} {last['func']})"
    return f"{where}: {message}" if where else message


def relative(a, b):
    if a is None or b is None:
        return None
    return abs(a - b) / max(abs(a), 1e-12)


def _fmt(x, spec):
    return "—" if x is None else format(x, spec)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", metavar="NAME", help=f"of {', '.join(PROGRAMS)}")
    parser.add_argument("--reseeds", type=int, default=2, metavar="K",
                        help="reruns of each library with other random draws (default 2)")
    parser.add_argument("--seed", type=int, default=12345, help="the first rerun's seed")
    parser.add_argument("--threads", type=int, default=1, help="threads for both (default 1)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run")
    parser.add_argument("--memory-gib", type=int, default=16, help="address-space limit per run")
    parser.add_argument("--keep", metavar="DIR", help="keep each program's folder (logs) here")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    unknown = [n for n in args.only if n not in PROGRAMS]
    if unknown:
        parser.error(f"unknown program(s) {', '.join(unknown)}; choose from {', '.join(PROGRAMS)}")
    results = {}
    for name in args.only or PROGRAMS:
        if args.keep:
            tmp = Path(args.keep) / name
            tmp.mkdir(parents=True, exist_ok=True)
            for stale in [*tmp.glob("*.jsonl"), *tmp.glob("*.log"), tmp / "init.npz"]:
                stale.unlink(missing_ok=True)
            tmp = str(tmp)
        else:
            tmp = tempfile.mkdtemp(prefix=f"ported-{name}-")
        r = results[name] = dict(torch=[run_once(name, "torch", tmp, args)],
                                 graphgrad=[run_once(name, "graphgrad", tmp, args)])
        for k in range(args.reseeds):
            for lib in ("torch", "graphgrad"):
                if r[lib][0]["ok"]:
                    r[lib].append(run_once(name, lib, tmp, args, reseed=args.seed + k))
        g = r["graphgrad"][0]
        print(f"{name}: torch {_fmt(r['torch'][0]['loss'], '.5g')}, graphgrad "
              f"{_fmt(g['loss'], '.5g') if g['ok'] else 'fails: ' + g['error']}",
              file=sys.stderr, flush=True)
    print_tables(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


def _stats(runs):
    losses = [r["loss"] for r in runs if r["ok"] and r["loss"] is not None]
    if not losses:
        return None
    mean = sum(losses) / len(losses)
    sd = (sum((x - mean) ** 2 for x in losses) / (len(losses) - 1)) ** 0.5 \
        if len(losses) > 1 else float("nan")
    return mean, sd, len(losses)


def print_tables(results):
    print("| program | runs to end under graphgrad | final loss torch | final loss graphgrad "
          "| rel. diff | torch reruns: largest rel. diff | time torch (s) | time graphgrad (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        t, g = r["torch"][0], r["graphgrad"][0]
        runs = "yes" if g["ok"] else f"no: {g['error']}"
        if not t["ok"]:
            runs += f" (PyTorch fails too: {t['error']})"
        ours = g["loss"] if g["ok"] else None
        spread = [relative(t["loss"], x["loss"]) for x in r["torch"][1:]]
        spread = max(spread) if spread and None not in spread else None
        print(f"| {name} | {runs} | {_fmt(t['loss'], '.5f')} | {_fmt(ours, '.5f')} "
              f"| {_fmt(relative(t['loss'], ours), '.2e')} | {_fmt(spread, '.2e')} "
              f"| {_fmt(t['time'], '.1f')} | {_fmt(g['time'], '.1f')} |")
    rows = [(n, _stats(r["torch"]), _stats(r["graphgrad"])) for n, r in results.items()]
    rows = [(n, t, g) for n, t, g in rows if t and g and t[2] > 1 and g[2] > 1]
    if rows:
        print("\n| program | torch: mean ± sd (runs) | graphgrad: mean ± sd (runs) "
              "| difference of means / torch's sd |")
        print("|---|---|---|---|")
        for name, t, g in rows:
            z = (g[0] - t[0]) / t[1] if t[1] > 0 else float("nan")
            print(f"| {name} | {t[0]:.5f} ± {t[1]:.5f} ({t[2]}) | {g[0]:.5f} ± {g[1]:.5f} ({g[2]}) "
                  f"| {z:+.2f} |")


if __name__ == "__main__":
    sys.exit(main())

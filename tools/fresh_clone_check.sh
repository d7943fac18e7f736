#!/usr/bin/env bash
# The README's two commands on a fresh clone, as a newcomer runs them, timed.
#
#   tools/fresh_clone_check.sh [--working-tree] [--keep]
#
# Clones this repository into a temporary folder (nothing but Python >= 3.10 and pip is
# assumed: the clone makes its own .venv), then
#   1. `make train`: checks that it installed no PyTorch and no test tools, that the install
#      printed no setuptools warning, that the run folder holds metrics.json, curves.png and
#      checkpoint.ckpt, and that the test accuracy is at least MIN_ACCURACY (0.97);
#   2. `make test`: ruff and the whole suite, which must pass;
# and reports the wall time of each. --working-tree copies the uncommitted changes (tracked
# and untracked files that git does not ignore) over the clone, to check work before it is
# committed; --keep leaves the clone in place. PYTHON picks the interpreter (python3).
set -euo pipefail

MIN_ACCURACY=${MIN_ACCURACY:-0.97}
working_tree=0 keep=0
for arg in "$@"; do
  case "$arg" in
    --working-tree) working_tree=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh_clone_check: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/graphgrad-fresh.XXXXXX")
clone="$dir/graphgrad"
cleanup() { if [ "$keep" = 1 ]; then echo "clone kept in $clone"; else rm -rf "$dir"; fi; }
trap cleanup EXIT

fail() { echo "fresh_clone_check: FAILED: $*" >&2; exit 1; }
seconds() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f}')" "$@"; }

git clone --quiet "$repo" "$clone"
if [ "$working_tree" = 1 ]; then
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$repo" && xargs -0 -r cp --parents -t "$clone" 2>/dev/null || true)
  echo "copied the working tree's uncommitted changes over the clone"
fi
cd "$clone"
echo "fresh clone in $clone ($(${PYTHON:-python3} --version))"

# ---------------------------------------------------------------------------- make train
start=$(seconds)
make train PYTHON="${PYTHON:-python3}" > "$dir/train.log" 2>&1 || { cat "$dir/train.log"; fail "make train"; }
train_s=$(elapsed "$start" "$(seconds)")
if grep -E "BuildBackendWarning|SetuptoolsDeprecationWarning|DeprecationWarning" "$dir/train.log"
then
  fail "the install printed the warnings above"
fi
if .venv/bin/python -c "import torch" 2>/dev/null; then fail "make train installed torch"; fi
if .venv/bin/python -c "import pytest" 2>/dev/null; then fail "make train installed pytest"; fi
run=$(ls -d runs/digits-* 2>/dev/null | head -n 1)
[ -n "$run" ] || fail "make train left no runs/digits-<time>/ folder"
for file in metrics.json curves.png checkpoint.ckpt; do
  [ -s "$run/$file" ] || fail "$run/$file is missing"
done
accuracy=$(.venv/bin/python -c "import json, sys; print(json.load(open(sys.argv[1]))['test_accuracy'])" "$run/metrics.json")
job_s=$(.venv/bin/python -c "import json, sys; print(f\"{json.load(open(sys.argv[1]))['seconds']:.1f}\")" "$run/metrics.json")
.venv/bin/python -c "import sys; sys.exit(float(sys.argv[1]) < float(sys.argv[2]))" "$accuracy" "$MIN_ACCURACY" \
  || fail "test accuracy $accuracy is below $MIN_ACCURACY"
printed=$(grep -o "test accuracy: [0-9.]* %" "$dir/train.log") || fail "make train printed no accuracy"

# ---------------------------------------------------------------------------- make test
start=$(seconds)
make test PYTHON="${PYTHON:-python3}" > "$dir/test.log" 2>&1 || { tail -n 40 "$dir/test.log"; fail "make test"; }
test_s=$(elapsed "$start" "$(seconds)")
summary=$(grep -E "^[0-9]+ passed" "$dir/test.log" | tail -n 1)

echo
echo "make train: ${train_s} s wall from a fresh clone (the training itself ${job_s} s); $printed;"
echo "            $run holds metrics.json, curves.png and checkpoint.ckpt; no torch, no test tools"
echo "make test:  ${test_s} s wall after make train (torch and the test tools installed, then ruff and pytest): $summary"

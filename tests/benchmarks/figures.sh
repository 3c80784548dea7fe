#!/usr/bin/env bash
# The model figures the README reports, in one go (hours on a 2-core CPU; minutes on a GPU box):
#  1. three phantom draws (1,500 base-family phantoms each, seeds 0.., 10000.., 20000..), each
#     trained with every default and `--seed d`, evaluated on its held-out test split;
#     summarise_draws.py writes their mean ± SD;
#  2. bench_shift.py on those three runs as bases (base i with seed i): zero-shot, batch-norm
#     adaptation and fine-tuning on n = 5, 10, 20, 50 readings of the shifted family, the
#     fine-tuning options at n = 20, the flags' AUROC.
# usage (repository root): OUT=/some/dir DEVICE=auto bash tests/benchmarks/figures.sh
# Split over sessions: DRAWS="1" trains and evaluates one draw (a trained draw is skipped), and
# `bench_shift.py --merge A.json,B.json --out PREFIX` joins shift reports of different bases.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/figures}
DEVICE=${DEVICE:-auto}
DRAWS=${DRAWS:-"0 1 2"}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=.venv/bin/python
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/log.txt"; }

bases=()
for d in $DRAWS; do
  P="$OUT/draw$d.sphericity"
  [ -e "$P" ] || $PY tests/benchmarks/make_phantom_project.py "$P" 1500 $((d * 10000)) \
    >>"$OUT/log.txt" 2>&1
  if [ ! -e "$OUT/draw$d.train.jsonl" ]; then
    log "draw $d: train (defaults, --seed $d, --device $DEVICE)"
    started=$SECONDS
    $PY -m app.cli.main train "$P" --seed "$d" --device "$DEVICE" --progress jsonl \
      >"$OUT/draw$d.train.jsonl" 2>>"$OUT/log.txt" || { log "draw $d: training failed"; exit 1; }
    echo $((SECONDS - started)) >"$OUT/draw$d.train.seconds"
  fi
  log "draw $d: evaluate (test split)"
  $PY -m app.cli.main evaluate "$P" --run latest --device "$DEVICE" --json \
    --csv "$OUT/draw$d.test.csv" >"$OUT/draw$d.eval.json" 2>>"$OUT/log.txt"
  bases+=("$P")
done
$PY tests/benchmarks/summarise_draws.py "$OUT"/draw*.eval.json --train "$OUT"/draw*.train.seconds \
  >"$OUT/draws.json" && cat "$OUT/draws.json"

log "shift benchmark on the draws"
$PY tests/benchmarks/bench_shift.py --scale default --device "$DEVICE" \
  --base "$(IFS=,; echo "${bases[*]}")" --seeds "$(echo $DRAWS | tr ' ' ',')" --option-seeds 3 \
  --work "$OUT/shift" --out "$OUT/shift" 2>>"$OUT/log.txt"
log "done"

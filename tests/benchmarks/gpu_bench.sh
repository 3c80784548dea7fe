#!/usr/bin/env bash
# One short CUDA check of the SI model (about 4-5 minutes on an H100): phantom project, then
# `sphericity bench --json --device cuda`, then a default-settings CUDA training run on 1,500
# phantoms (stopped cleanly by SIGTERM after 200 s if not done) and its evaluation on the
# held-out test split. Everything lands in $OUT.
# usage (repository root): OUT=/some/dir bash tests/benchmarks/gpu_bench.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/gpu_bench}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=.venv/bin/python
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/log.txt"; }

if ! $PY -c "import torch, torchvision" 2>/dev/null; then
  log "installing torch (needs a package index)"
  $PY -m pip install -q torch==2.14.1 torchvision==0.29.1 >>"$OUT/log.txt" 2>&1
fi
# the GPU image has no network: missing pure-Python/binary wheels may be carried in .gpu/wheels
if ! $PY -c "import numpy, sqlalchemy, alembic, PIL, skimage, shapely, pydicom" 2>/dev/null; then
  $PY -m pip install -q --no-index --no-deps --find-links .gpu/wheels shapely sqlalchemy alembic \
    mako pydicom nibabel greenlet typing_extensions markupsafe >>"$OUT/log.txt" 2>&1
fi
$PY - <<'PYEOF' | tee "$OUT/env.txt"
import torch, platform
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
if torch.cuda.is_available():
    print("gpu", torch.cuda.get_device_name(0))
print("python", platform.python_version(), "cpus", __import__("os").cpu_count())
PYEOF

P="$OUT/phantoms.sphericity"
rm -rf "$P" "$P.runs"
log "generating 1500 phantoms"
# all cores at once (sphericity generate works frame by frame)
$PY tests/benchmarks/make_phantom_project.py "$P" 1500 0 >>"$OUT/log.txt" 2>&1

log "bench"
timeout 100 $PY -m app.cli.main bench "$P" --json --device cuda --steps 30 --images 128 \
  >"$OUT/bench_cuda.json" 2>>"$OUT/log.txt"
cat "$OUT/bench_cuda.json"

log "train (defaults, cuda)"
timeout -k 20 170 $PY -m app.cli.main train "$P" --device cuda --progress jsonl \
  >"$OUT/train_cuda.jsonl" 2>>"$OUT/log.txt"
tail -n 1 "$OUT/train_cuda.jsonl" | cut -c1-400

log "evaluate (test split)"
timeout 40 $PY -m app.cli.main evaluate "$P" --run latest --device cuda --json \
  --csv "$OUT/eval_test.csv" >"$OUT/eval_test.json" 2>>"$OUT/log.txt"
head -c 1500 "$OUT/eval_test.json"
rm -rf "$P" "$P.runs"  # the project and checkpoint are large; the figures are in $OUT
log "done"

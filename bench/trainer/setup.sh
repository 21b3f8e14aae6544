#!/usr/bin/env bash
# Creates bench/trainer/.venv with TRL and the same torch / transformers / peft as the trainer.
# torch from PyPI pulls ~3 GB of CUDA wheels: uv reuses its cache (~/.cache/uv) between runs.
# Regenerate the lock with:
#   uv pip compile bench/trainer/requirements.in --generate-hashes --python-version 3.11 -o bench/trainer/requirements.lock
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# uv: $UV, else the one on PATH, else the pinned one `npm run trainer:install` puts in the trainer's venv.
uv="${UV:-$(command -v uv || echo "$here/../../runtime/trainer/.venv/bin/uv")}"
if [ ! -x "$uv" ]; then
  echo "bench/trainer/setup.sh: no uv found; run \`npm run trainer:install\` first (it installs a pinned uv), or set UV=/path/to/uv" >&2
  exit 1
fi
avail_kb=$(df -Pk "$here" | awk 'NR==2 {print $4}')
if [ "$avail_kb" -lt 8000000 ]; then
  echo "bench/trainer/setup.sh: only $((avail_kb / 1024)) MB free; torch's wheels need ~8 GB while installing" >&2
  exit 1
fi
[ -x "$here/.venv/bin/python" ] || "$uv" venv --python 3.11 "$here/.venv"
"$uv" pip install --python "$here/.venv/bin/python" --require-hashes -r "$here/requirements.lock"
# The bench scripts import palestra_trainer from runtime/trainer by path (no install, no build files there).
"$here/.venv/bin/python" -c "import trl, transformers, torch; print('trl', trl.__version__, 'transformers', transformers.__version__, 'torch', torch.__version__)"

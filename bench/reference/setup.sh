#!/usr/bin/env bash
# Creates the Python venv used by the Gymnasium reference benchmark (bench/.venv) and installs
# gymnasium + numpy into it. Idempotent: when the venv already holds the recorded versions it
# only says so and exits. It installs nothing outside bench/.venv.
#
#   bash bench/reference/setup.sh
#
# Environment:
#   PYTHON              interpreter used to create the venv (default: python3)
#   GYMNASIUM_VERSION   version to install (default: 1.4.0). If it cannot be installed, the newest
#                       1.x release that does install is used instead, and recorded.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(cd "$here/.." && pwd)/.venv"
python="${PYTHON:-python3}"
want="${GYMNASIUM_VERSION:-1.4.0}"
marker="$venv/.palestra-reference"
vpy="$venv/bin/python"

say() { echo "[bench/reference/setup] $*" >&2; }

# Two setups at once (e.g. two benchmark runs) must not interleave: serialize on a lock file.
if command -v flock >/dev/null 2>&1 && [[ -z "${PALESTRA_SETUP_LOCKED:-}" ]]; then
  export PALESTRA_SETUP_LOCKED=1
  exec flock "$here/.setup.lock" bash "${BASH_SOURCE[0]}" "$@"
fi

# What the venv holds now, as "gymnasium=X numpy=Y", or nothing if it cannot import them.
installed() {
  [[ -x "$vpy" ]] || return 0
  "$vpy" -c 'import gymnasium, numpy; print(f"gymnasium={gymnasium.__version__} numpy={numpy.__version__}")' \
    2>/dev/null || true
}

if [[ -f "$marker" ]]; then
  recorded="$(cat "$marker")"
  now="$(installed)"
  if [[ -n "${GYMNASIUM_VERSION:-}" && "$recorded" != "gymnasium=$want "* ]]; then
    say "GYMNASIUM_VERSION=$want asked for, the venv has '$recorded'; reinstalling"
  elif [[ -n "$now" && "$now" == "$recorded" ]]; then
    say "already set up: $venv ($now); nothing to do"
    exit 0
  fi
  say "venv at $venv does not match its record ('$recorded' vs '${now:-nothing importable}'); repairing"
  rm -f "$marker"
fi

if [[ ! -x "$vpy" ]] || ! "$vpy" -m pip --version >/dev/null 2>&1; then
  command -v "$python" >/dev/null 2>&1 || { say "error: '$python' not found (set PYTHON=...)"; exit 1; }
  say "creating venv at $venv with $("$python" --version 2>&1)"
  "$python" -m venv --clear "$venv"
else
  say "reusing venv at $venv"
fi

pip_install() {
  # pip's cache is left on (no --no-cache-dir), so a re-created venv installs from local wheels.
  "$vpy" -m pip install --disable-pip-version-check --progress-bar off "$@" >&2
}

say "installing gymnasium==$want and numpy into the venv"
if ! pip_install "gymnasium==$want" numpy; then
  say "gymnasium==$want did not install; trying the newest 1.x release that does"
  versions="$("$vpy" -m pip index versions gymnasium --disable-pip-version-check 2>/dev/null \
    | sed -n 's/^Available versions: //p' | tr -d ' ' | tr ',' '\n' | grep -E '^1\.[0-9]+\.[0-9]+$' || true)"
  ok=""
  for v in $versions; do
    [[ "$v" == "$want" ]] && continue
    say "trying gymnasium==$v"
    if pip_install "gymnasium==$v" numpy; then ok="$v"; break; fi
  done
  if [[ -z "$ok" ]]; then
    say "error: no gymnasium 1.x release could be installed into $venv"
    say "try by hand: $vpy -m pip install gymnasium==$want numpy"
    exit 1
  fi
  say "warning: installed gymnasium==$ok instead of $want"
fi

now="$(installed)"
if [[ -z "$now" ]]; then
  say "error: gymnasium/numpy installed but cannot be imported by $vpy"
  exit 1
fi
echo "$now" >"$marker"
say "ready: $venv ($now)"

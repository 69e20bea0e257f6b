#!/usr/bin/env bash
# Opens the course in Jupyter with the tslab TypeScript kernel (run scripts/setup.sh first;
# `npm start` does both). Extra arguments go to Jupyter, e.g. `npm start -- --port 8890`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(cat .vae-lab/python)
export PYDEVD_DISABLE_FILE_VALIDATION=1
# This checkout's kernel and plotly.js first (scripts/jupyter.ts).
export JUPYTER_PATH="$PWD/.vae-lab/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
args=(--notebook-dir="$PWD/notebooks")
[ "$(id -u)" = 0 ] && args+=(--allow-root)
# No desktop (a server, a container): print the URL instead of trying to open a browser.
[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ] && args+=(--no-browser)
echo "[start] Jupyter with the tslab kernel; open the URL below, then notebooks/00_getting_started.ipynb."
exec "$PY" -m notebook "${args[@]}" "$@"

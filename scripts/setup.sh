#!/usr/bin/env bash
# One idempotent set-up for vae-lab, used by both README commands (`npm start`, `npm test`):
# npm packages, a Jupyter with nbclient and ipykernel, this checkout's tslab kernel, and the
# compiled library.
# Each step checks first and does nothing when it is already done; a second run says so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=$ROOT/.vae-lab          # generated, gitignored: the chosen Python, the kernel, plotly.js
mkdir -p "$STATE"
did=()
say() { printf '[setup] %s\n' "$*"; }
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
# apt-get install, refreshing the package lists first only when the install cannot find a package.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# --- Node.js -------------------------------------------------------------------------------
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || die "Node.js is not installed: install Node.js 20 or newer (https://nodejs.org or your package manager)."
[ "$node_major" -ge 20 ] || die "Node.js $(node --version) is too old: vae-lab needs Node.js 20 or newer."

# --- npm packages: installed exactly as the lockfile says, again only when the lockfile changes ---
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.vae-lab-lock 2>/dev/null)" != "$lock_hash" ]; then
  say "installing npm packages (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.vae-lab-lock
  did+=("npm packages installed")
fi

# --- Jupyter: a Python that has the notebook server, nbconvert, nbclient and ipykernel ---------
has_jupyter() { "$1" -c 'import notebook, nbconvert, nbclient, ipykernel, jupyter_client' >/dev/null 2>&1; }
find_python() {
  local candidates=("${VAE_LAB_PYTHON:-}" "$(cat "$STATE/python" 2>/dev/null)" /usr/bin/python3 "$(command -v python3 || true)")
  local py
  for py in "${candidates[@]}"; do
    [ -n "$py" ] && [ -x "$py" ] && has_jupyter "$py" && { echo "$py"; return 0; }
  done
  return 1
}
if ! PY=$(find_python); then
  if can_apt; then
    say "installing Jupyter from Debian packages (apt-get)..."
    apt_install jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel
  elif command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    say "installing Jupyter with pip (user site)..."
    python3 -m pip install --user --quiet notebook nbconvert nbclient ipykernel || true
  fi
  PY=$(find_python) || die "no Jupyter found and none could be installed. Install one, then run again:
  Debian/Ubuntu: sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel
  elsewhere:     python3 -m pip install notebook nbconvert nbclient ipykernel
  (or set VAE_LAB_PYTHON to a Python that has them)"
  did+=("Jupyter installed ($PY)")
fi
if [ "$(cat "$STATE/python" 2>/dev/null)" != "$PY" ]; then echo "$PY" > "$STATE/python"; fi

# --- Fashion-MNIST: Debian packages it; as root with apt, install it rather than download it at
#     run time (without root it is downloaded into data/ on first use).
fashion=fashion-mnist/t10k-labels-idx1-ubyte.gz
if [ -z "${VAE_LAB_DATA_DIR:-}" ] && [ ! -f "data/$fashion" ] && [ ! -f "/usr/share/datasets/$fashion" ] && can_apt; then
  say "installing Fashion-MNIST from Debian's package dataset-fashion-mnist..."
  if apt_install dataset-fashion-mnist; then did+=("Fashion-MNIST installed"); else say "could not install it; it will be downloaded on first use."; fi
fi

# --- this checkout's tslab kernel and plotly.js, in .vae-lab/jupyter/ (scripts/jupyter.ts says why) --
kernel_steps=$(node --import tsx scripts/jupyter.ts --python "$PY") || die "could not write this checkout's Jupyter folder (.vae-lab/jupyter)."
while IFS= read -r line; do
  if [ -n "$line" ]; then did+=("$line"); fi
done <<< "$kernel_steps"

# --- the library: dist/ rebuilt only when a source or config file is newer than the last build --
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src tsconfig.json tsconfig.build.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  say "building the library (src/ -> dist/)..."
  npx --no-install tsc -p tsconfig.build.json
  touch "$stamp"
  did+=("library built")
fi

if [ ${#did[@]} -eq 0 ]; then
  say "already set up, nothing to do (Jupyter: $PY; tslab kernel: .vae-lab/jupyter/kernels/tslab)."
else
  say "done: $(IFS=';'; echo "${did[*]}" | sed 's/;/; /g')."
fi

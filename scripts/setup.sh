#!/usr/bin/env bash
# One idempotent set-up for vae-lab, used by both README commands (`npm start`, `npm test`):
# npm packages, a Jupyter with nbclient and ipykernel, Chromium (as root with apt), this checkout's
# tslab kernel, its committed notebooks trusted by its own Jupyter, and the compiled library. Each step checks first and does nothing when it is already done; a second run
# says so. Needs bash and Node.js only (no GNU-only tools), so it runs on Linux and macOS alike.
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
lock_hash=$(node -e 'const fs = require("fs"), crypto = require("crypto");
process.stdout.write(crypto.createHash("sha256").update(fs.readFileSync("package-lock.json")).digest("hex"))')
if [ "$(cat node_modules/.vae-lab-lock 2>/dev/null)" != "$lock_hash" ]; then
  say "installing npm packages (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.vae-lab-lock
  did+=("npm packages installed")
fi

# --- Jupyter: a Python that has the notebook server, nbconvert, nbclient and ipykernel ---------
JUPYTER_PACKAGES=("notebook<7" nbconvert nbclient ipykernel)
has_jupyter() { "$1" -c 'import notebook, nbconvert, nbclient, ipykernel, jupyter_client' >/dev/null 2>&1; }
# Where a Python with Jupyter is looked for, in order: VAE_LAB_PYTHON (then nowhere else), the
# active virtualenv, the active conda environment, python3 on PATH, Debian's /usr/bin/python3, and
# last the one an earlier run chose (so a virtualenv keeps working once it is no longer active).
candidates() {
  if [ -n "${VAE_LAB_PYTHON:-}" ]; then echo "$VAE_LAB_PYTHON"; return; fi
  if [ -n "${VIRTUAL_ENV:-}" ]; then echo "$VIRTUAL_ENV/bin/python"; fi
  if [ -n "${CONDA_PREFIX:-}" ]; then echo "$CONDA_PREFIX/bin/python"; fi
  command -v python3 || true
  echo /usr/bin/python3
  cat "$STATE/python" 2>/dev/null || true
}
find_python() {
  local py
  while IFS= read -r py; do
    if [ -n "$py" ] && [ -x "$py" ] && has_jupyter "$py"; then echo "$py"; return 0; fi
  done < <(candidates)
  return 1
}
# pip install into the first candidate that runs (a virtualenv or conda environment when one is
# active); prints why when pip refuses (PEP 668), is missing or cannot reach its index.
pip_install() {
  local py out
  py=$(candidates | while IFS= read -r c; do if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; break; fi; done)
  [ -n "$py" ] || { echo "no Python 3 found"; return 1; }
  "$py" -m pip --version >/dev/null 2>&1 || { echo "$py has no pip"; return 1; }
  say "installing Jupyter into $py with pip..." >&2
  if out=$("$py" -m pip install --quiet --retries 1 --timeout 20 "${JUPYTER_PACKAGES[@]}" 2>&1); then return 0; fi
  case "$out" in
    *externally-managed-environment*) echo "pip refuses to install into $py: it is managed by the system (PEP 668)" ;;
    *"No matching distribution"* | *"Could not find a version"* | *NewConnectionError* | *"Network is unreachable"* | *"Temporary failure in name resolution"*)
      echo "pip could not reach its package index" ;;
    *) echo "pip failed: $(printf '%s\n' "$out" | tail -n 3)" ;;
  esac
  return 1
}
if ! PY=$(find_python); then
  why=""
  if [ -z "${VAE_LAB_PYTHON:-}" ] && can_apt; then
    say "installing Jupyter from Debian packages (apt-get)..."
    apt_install jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel || why="apt-get could not install Debian's Jupyter packages"
  else
    why=$(pip_install) || true
  fi
  PY=$(find_python) || die "no Python with Jupyter found${VAE_LAB_PYTHON:+ (VAE_LAB_PYTHON=$VAE_LAB_PYTHON)}, and none could be installed: ${why:-unknown reason}.
  Create a virtual environment with Jupyter, point VAE_LAB_PYTHON at it, and run this again:
    python3 -m venv ~/.venvs/vae-lab && ~/.venvs/vae-lab/bin/pip install 'notebook<7' nbconvert nbclient ipykernel
    export VAE_LAB_PYTHON=~/.venvs/vae-lab/bin/python
  (Debian/Ubuntu: venv needs the package python3-venv; Debian's Jupyter works too:
    sudo apt-get install --no-install-recommends jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel)"
  did+=("Jupyter installed ($PY)")
fi
if [ "$(cat "$STATE/python" 2>/dev/null)" != "$PY" ]; then
  echo "$PY" > "$STATE/python"
  did+=("Jupyter chosen ($PY)")
fi

# --- Fashion-MNIST: Debian packages it; as root with apt, install it rather than download it at
#     run time (without root it is downloaded into data/ on first use).
fashion=fashion-mnist/t10k-labels-idx1-ubyte.gz
if [ -z "${VAE_LAB_DATA_DIR:-}" ] && [ ! -f "data/$fashion" ] && [ ! -f "/usr/share/datasets/$fashion" ] && can_apt; then
  say "installing Fashion-MNIST from Debian's package dataset-fashion-mnist..."
  if apt_install dataset-fashion-mnist; then did+=("Fashion-MNIST installed"); else say "could not install it; it will be downloaded on first use."; fi
fi

# --- Chromium: draws charts' static pictures, and runs the browser test. As root with apt, install
#     Debian's package; otherwise it stays optional (charts are interactive without it, and say how
#     to get their pictures). VAE_LAB_CHROMIUM names the user's own, and then nothing is installed.
has_chromium() { node --import tsx -e 'process.exit("path" in require("./src/figures/browser").findChromium() ? 0 : 1)'; }
if [ -z "${VAE_LAB_CHROMIUM:-}" ] && ! has_chromium && can_apt; then
  say "installing Chromium from Debian's package chromium (static pictures of charts, the browser test)..."
  if apt_install chromium && has_chromium; then did+=("Chromium installed"); else say "could not install Debian's chromium: charts will have no static picture, and the browser test will fail."; fi
fi

# --- this checkout's Jupyter folder, .vae-lab/jupyter/ (tslab kernel, plotly.js), and .vae-lab/trust/,
#     where this checkout's Jupyter trusts the committed notebooks (scripts/jupyter.ts says why and how)
kernel_steps=$(node --import tsx scripts/jupyter.ts --python "$PY") || die "could not write this checkout's Jupyter folders (.vae-lab/jupyter, .vae-lab/trust)."
while IFS= read -r line; do
  if [ -n "$line" ]; then did+=("$line"); fi
done <<< "$kernel_steps"

# --- the library: dist/ rebuilt only when a source or config file is newer than the last build --
#     (wasm kernels, src/speed/kernels/*.wat -> dist/kernels/, then TypeScript)
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src scripts/build-kernels.ts tsconfig.json tsconfig.build.json package-lock.json -newer "$stamp" -print | head -n 1)" ]; then
  say "building the library (src/ -> dist/)..."
  npm run --silent build
  touch "$stamp"
  did+=("library built")
fi

if [ ${#did[@]} -eq 0 ]; then
  say "already set up, nothing to do (Jupyter: $PY; tslab kernel: .vae-lab/jupyter/kernels/tslab)."
else
  say "done: $(IFS=';'; echo "${did[*]}" | sed 's/;/; /g')."
fi

# Sourced by scripts/run and scripts/test: a virtual environment with telcodesk installed at
# the exact versions of requirements.lock (scripts/lock re-pins them from pyproject.toml).
# Re-installs only when the lock or pyproject.toml changed, so repeat runs start at once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "telcodesk needs Python >= 3.11")'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.telcodesk-installed
want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.lock
  .venv/bin/python -m pip install --quiet --no-deps -e .
  # A dependency added to pyproject.toml but not locked fails here, not later at import.
  .venv/bin/python -m pip check
  echo "$want" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"

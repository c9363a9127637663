"""Create bench/peer/.venv with django-helpdesk 2.6.1 + gunicorn + psycopg (idempotent).

    python3 bench/peer/setup_peer.py          # install if missing or requirements changed
    python3 bench/peer/setup_peer.py --force  # rebuild from scratch

The peer gets its own virtualenv so nothing it pulls in (Django, DRF, ...) ever lands in
telcodesk's environment. A stamp file holding the hash of requirements.txt makes reruns
a no-op until the pins change.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

PEER_DIR = Path(__file__).resolve().parent
VENV = PEER_DIR / ".venv"
REQUIREMENTS = PEER_DIR / "requirements.txt"
STAMP = VENV / ".requirements.sha256"
VENV_PYTHON = VENV / "bin" / "python"


def _wanted_hash() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def is_ready() -> bool:
    """True when the venv exists and was built from the current requirements.txt."""
    return VENV_PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == _wanted_hash()


def ensure_venv(force: bool = False, quiet: bool = True) -> Path:
    """Build the venv if needed; return the path of its python."""
    if force and VENV.exists():
        shutil.rmtree(VENV)
    if is_ready():
        return VENV_PYTHON
    if not VENV_PYTHON.exists():
        # sys._base_executable: even when run from another venv, base the new one on the
        # real interpreter so it inherits nothing from the caller's environment.
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check"]
    if quiet:
        pip.append("-q")
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    # Sanity check: import the pieces the benchmark relies on.
    subprocess.run(
        [str(VENV_PYTHON), "-c", "import helpdesk, rest_framework, gunicorn, psycopg"],
        check=True,
    )
    STAMP.write_text(_wanted_hash() + "\n")
    return VENV_PYTHON


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--force", action="store_true", help="delete and rebuild the venv")
    ap.add_argument("-v", "--verbose", action="store_true", help="show pip output")
    args = ap.parse_args()
    already = is_ready() and not args.force
    python = ensure_venv(force=args.force, quiet=not args.verbose)
    print(f"{'already set up' if already else 'set up'}: {python}")


if __name__ == "__main__":
    main()

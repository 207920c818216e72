#!/usr/bin/env bash
# Makes sure the emulators the end-to-end tests need are installed: moto >= 5 with its
# server extra (Flask). Idempotent: does nothing when they are already importable.
#
# Order of attempts when moto is missing:
#   1. python3 -m pip install 'moto[server]>=5.1,<6'
#   2. the same with --break-system-packages (PEP 668 "externally managed" Pythons)
#   3. a virtualenv in .venv/ at the repository root; the tests then use .venv/bin/python3
#
# Prints what it did. Exit status 0 when moto is usable afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC='moto[server]>=5.1,<6'
PYTHON="${PYTHON:-python3}"

check() {
  "$1" - <<'PY' 2>/dev/null
import sys
import moto, flask
major = int(moto.__version__.split('.')[0])
sys.exit(0 if major >= 5 else 1)
PY
}

version() {
  "$1" -c 'import moto; print(moto.__version__)' 2>/dev/null || echo unknown
}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup-emulators: $PYTHON not found; install Python 3.9+ first" >&2
  exit 1
fi

if check "$PYTHON"; then
  echo "setup-emulators: moto $(version "$PYTHON") with Flask already available for $PYTHON; nothing to do"
  exit 0
fi

VENV_PY="$ROOT/.venv/bin/python3"
if [ -x "$VENV_PY" ] && check "$VENV_PY"; then
  echo "setup-emulators: moto $(version "$VENV_PY") already available in .venv/; nothing to do"
  exit 0
fi

echo "setup-emulators: moto >= 5 with Flask not found for $PYTHON; installing '$SPEC'"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

if "$PYTHON" -m pip install --quiet "$SPEC" >"$log" 2>&1 && check "$PYTHON"; then
  echo "setup-emulators: installed moto $(version "$PYTHON") with pip"
  exit 0
fi

if grep -qi 'externally.managed' "$log"; then
  echo "setup-emulators: this Python is externally managed (PEP 668); retrying with --break-system-packages"
  if "$PYTHON" -m pip install --quiet --break-system-packages "$SPEC" >"$log" 2>&1 && check "$PYTHON"; then
    echo "setup-emulators: installed moto $(version "$PYTHON") with pip --break-system-packages"
    exit 0
  fi
fi

echo "setup-emulators: installing into a virtualenv at .venv/"
if "$PYTHON" -m venv "$ROOT/.venv" >"$log" 2>&1 &&
  "$VENV_PY" -m pip install --quiet "$SPEC" >>"$log" 2>&1 &&
  check "$VENV_PY"; then
  echo "setup-emulators: installed moto $(version "$VENV_PY") in .venv/ (the tests use .venv/bin/python3)"
  exit 0
fi

echo "setup-emulators: could not install moto; last output:" >&2
cat "$log" >&2
exit 1

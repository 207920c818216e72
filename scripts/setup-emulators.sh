#!/usr/bin/env bash
# Makes sure the emulators the end-to-end tests need are installed: PostgreSQL's server binaries
# (the Redshift stand-in runs a throwaway cluster on them) and moto >= 5 with its server extra
# (Flask). Idempotent: does nothing when they are already there.
#
# PostgreSQL, when initdb is missing: the Debian package `postgresql` through apt-get (as root, or
# with passwordless sudo). No default cluster is created: the tests start their own.
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

pg_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return 0; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  done
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return 0; fi
  return 1
}

if bin="$(pg_bin)"; then
  echo "setup-emulators: PostgreSQL server binaries found in $bin; nothing to do"
else
  SUDO=''
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO='sudo -n'; else
      echo "setup-emulators: PostgreSQL (initdb, postgres) not found and not root: install the Debian package 'postgresql' or set PG_BIN" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-emulators: PostgreSQL not found and apt-get is missing: install PostgreSQL's server and set PG_BIN" >&2
    exit 1
  fi
  echo "setup-emulators: PostgreSQL not found; installing the Debian package 'postgresql'"
  # The tests run their own throwaway clusters: ask postgresql-common not to create (and start) 'main'.
  # (postgresql-common reads create_main_cluster from createcluster.conf; --force-confold keeps ours.)
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $SUDO mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  pglog="$(mktemp)"
  if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$pglog" 2>&1 &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold postgresql >>"$pglog" 2>&1 &&
    bin="$(pg_bin)"; then
    echo "setup-emulators: installed PostgreSQL ($bin)"
    rm -f "$pglog"
  else
    echo "setup-emulators: could not install PostgreSQL; last output:" >&2
    tail -n 30 "$pglog" >&2
    exit 1
  fi
fi

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

#!/usr/bin/env bash
# Create .venv (Python >= 3.11) if missing and install the project with the given extras.
# Usage: scripts/bootstrap.sh [extras]   e.g. scripts/bootstrap.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
  py=""
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
      py="$cand"; break
    fi
  done
  if [ -z "$py" ]; then
    echo "Python 3.11 ou plus récent est requis (python3.11 introuvable)." >&2
    exit 1
  fi
  echo "Création de l'environnement virtuel .venv avec $py"
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install -q -e ".[$extras]"
else
  .venv/bin/python -m pip install -q -e .
fi

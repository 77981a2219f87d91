#!/usr/bin/env bash
# Create .venv (Python >= 3.11) if missing and install the project with the given extras.
# Usage: scripts/bootstrap.sh [extras]   e.g. scripts/bootstrap.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
# The strategy workers' sandbox (SECURITY.md) needs bubblewrap (namespaces) and libseccomp
# (system-call filter): installed here when root, otherwise said loudly.
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
compgen -G "/usr/lib/*/libseccomp.so.2" >/dev/null || compgen -G "/lib/*/libseccomp.so.2" \
  >/dev/null || missing="$missing libseccomp2"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installation de$missing (bac à sable des stratégies)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) \
      >/dev/null
  else
    echo "ATTENTION : bac à sable des stratégies incomplet, paquets manquants :$missing" >&2
    echo "  Installez-les : sudo apt-get install -y$missing (voir SECURITY.md)" >&2
  fi
fi
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
# The install is editable: code changes need no reinstall, only a changed pyproject.toml
# (dependencies, entry points) or new extras do. A stamp lists "<pyproject hash> <extras>" of
# what is installed; any install of the current pyproject serves a run without extras.
stamp=".venv/.aristobot-install"
hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ -n "$extras" ]; then wanted="^$hash $extras\$"; else wanted="^$hash "; fi
if grep -q "$wanted" "$stamp" 2>/dev/null && .venv/bin/python -c 'import aristobot' 2>/dev/null
then
  : # up to date
else
  echo "Installation des dépendances dans .venv (première fois ou pyproject.toml modifié)"
  .venv/bin/python -m pip install -q --upgrade pip
  if [ -n "$extras" ]; then
    .venv/bin/python -m pip install -q -e ".[$extras]"
  else
    .venv/bin/python -m pip install -q -e .
  fi
  { grep "^$hash " "$stamp" 2>/dev/null || true; echo "$hash ${extras:-base}"; } | sort -u \
    > "$stamp.new"
  mv "$stamp.new" "$stamp"
fi
# JupyterLab refuses to start as root unless told (« Running as root is not recommended »):
# containers often run as root, so the README's `.venv/bin/jupyter lab notebooks/` must work.
# (traitlets reads the venv's etc/jupyter/jupyter_server_config.json; its .d folder holds only
# extension switches.)
if [ "$(id -u)" = "0" ] && [ ! -f .venv/etc/jupyter/jupyter_server_config.json ]; then
  mkdir -p .venv/etc/jupyter
  echo '{"ServerApp": {"allow_root": true}}' > .venv/etc/jupyter/jupyter_server_config.json
fi

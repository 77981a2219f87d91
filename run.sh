#!/usr/bin/env bash
# Install (first time) and start the whole workbench on embedded defaults:
# SQLite under var/, in-process bus, heartbeat and services inside `panel serve apps/`.
# Options are passed to `aristobot serve` (e.g. ./run.sh --port 5007).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/aristobot serve "$@"

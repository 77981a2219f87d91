#!/usr/bin/env bash
# Install (first time) and start the whole workbench on embedded defaults:
# SQLite under var/, in-process bus, heartbeat and services inside `panel serve apps/`.
# Options are passed to `aristobot serve` (e.g. ./run.sh --port 5007).
#   ./run.sh --offline [--tape FILE] [--speed N]   the same workbench with no internet: a local
#   offline Binance (synthetic market, or the tape played from now) serves every Binance URL;
#   its data lives under var/offline/. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
if [[ "${1:-}" == "--offline" ]]; then
    shift
    exec .venv/bin/aristobot offline "$@"
fi
exec .venv/bin/aristobot serve "$@"

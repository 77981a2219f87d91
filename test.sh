#!/usr/bin/env bash
# Install what the tests need and run the whole suite (unit, integration, e2e in Chromium,
# notebooks). PostgreSQL and Redis are used at the URLs below unless overridden; they must be
# reachable (set ARISTOBOT_TEST_DATABASE_URL=skip / ARISTOBOT_TEST_REDIS_URL=skip to leave one out).
# Extra arguments go to pytest (e.g. ./test.sh tests/unit -x).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh test
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installation de chromium (tests de bout en bout)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "chromium est requis pour les tests de bout en bout : sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi
export ARISTOBOT_TEST_DATABASE_URL="${ARISTOBOT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
export ARISTOBOT_TEST_REDIS_URL="${ARISTOBOT_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
.venv/bin/ruff check aristobot services apps tests benchmarks notebooks
.venv/bin/mypy --strict aristobot
exec .venv/bin/python -m pytest "$@"

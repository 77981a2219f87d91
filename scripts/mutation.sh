#!/usr/bin/env bash
# Mutation testing (mutmut), one package at a time, bounded in time. NOT part of CI.
# Usage: scripts/mutation.sh PACKAGE [MINUTES]      PACKAGE: security | validator | core |
#        repositories | all                          (MINUTES: time budget per package, 20)
# Each run works in a temporary copy of the tree (mutmut writes mutants/ there), prints
# « PACKAGE killed/total (survived, timeout, not checked) » and the surviving mutants, and
# leaves the copy's path so `mutmut show NAME` can be run in it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mutmut="$root/.venv/bin/mutmut"
[ -x "$mutmut" ] || { echo "mutmut manquant : scripts/bootstrap.sh test" >&2; exit 1; }
package="${1:?package: security | validator | core | repositories | all}"
minutes="${2:-20}"

# Files mutated and tests run for each package (fast tests only: mutmut runs, per mutant,
# the tests that reach the mutated function).
config_for() {
  case "$1" in
    security) cat <<'TOML'
only_mutate = ["aristobot/security/*"]
pytest_add_cli_args_test_selection = ["tests/unit/accounts/test_security.py",
  "tests/integration/accounts/test_ai_hosts.py",
  "tests/integration/accounts/test_key_rotation.py"]
TOML
    ;;
    validator) cat <<'TOML'
only_mutate = ["aristobot/core/strategy_validator.py"]
pytest_add_cli_args_test_selection = ["tests/unit/strategies/test_validator.py",
  "tests/unit/strategies/test_validator_escapes.py"]
TOML
    ;;
    core) cat <<'TOML'
only_mutate = ["aristobot/core/aggregator.py", "aristobot/core/heartbeat_clock.py",
  "aristobot/core/heartbeat_coherence.py", "aristobot/core/heartbeat_integrity.py",
  "aristobot/core/strategy_api.py", "aristobot/core/backtest/simulator.py",
  "aristobot/core/backtest/metrics.py"]
pytest_add_cli_args_test_selection = ["tests/unit/heartbeat", "tests/unit/backtest"]
TOML
    ;;
    repositories) cat <<'TOML'
only_mutate = ["aristobot/trading/trades.py", "aristobot/engine/selection.py"]
pytest_add_cli_args_test_selection = ["tests/integration/test_user_isolation.py",
  "tests/integration/exchanges/test_trade_journal.py", "-k", "sqlite"]
TOML
    ;;
    *) echo "paquet inconnu : $1" >&2; exit 2 ;;
  esac
}

run_one() {
  local pkg=$1 work
  work=$(mktemp -d "/tmp/aristobot-mutation-$pkg.XXXX")
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work"
  { printf '\n[tool.mutmut]\nsource_paths = ["aristobot"]\n'
    printf 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
    config_for "$pkg"; } >> "$work/pyproject.toml"
  echo "== $pkg ($(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg), copy: $work)"
  (cd "$work" && timeout --signal=INT "$((minutes * 60))" "$mutmut" run --max-children 2 \
     >"$work/mutmut.log" 2>&1) || echo "(time budget reached or mutmut stopped: partial run)"
  (cd "$work" && "$mutmut" export-cicd-stats >/dev/null 2>&1 || true)
  python3 - "$pkg" "$work/mutants/mutmut-cicd-stats.json" <<'PY'
import json, sys
pkg, path = sys.argv[1:]
try:
    s = json.load(open(path))
except OSError:
    sys.exit(f"{pkg}: no statistics (see mutmut.log)")
checked = s["killed"] + s["survived"] + s["timeout"] + s.get("suspicious", 0)
print(f"{pkg}: {s['killed']}/{checked} killed ({s['survived']} survived, {s['timeout']} timeout, "
      f"{s.get('not_checked', 0)} not checked, {s.get('no_tests', 0)} without tests, "
      f"{s['total']} mutants)")
PY
  (cd "$work" && "$mutmut" results 2>/dev/null | grep -E "survived" | head -100 || true)
}

if [ "$package" = all ]; then
  for p in security validator core repositories; do run_one "$p"; done
else
  run_one "$package"
fi

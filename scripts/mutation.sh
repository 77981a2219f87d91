#!/usr/bin/env bash
# Mutation testing (mutmut), one package at a time, bounded in time. NOT part of CI.
# Usage: scripts/mutation.sh TARGET [MINUTES]   (MINUTES: time budget per target, default 20)
#   TARGET: order_rules | aggregator | downsample | heartbeat | strategy_api | loader | validator
#           | security | repo_strategies | repo_brokers | repo_trades | repo_users | repo_results
#           | repo_sweeps | repo_webhooks | all      (what each mutates and runs: config_for below)
# Each run works in a temporary copy of the tree (mutmut writes mutants/ there, never in the
# checkout; mutants/ is git-ignored anyway), at nice 19 (the machine is shared), prints
# « TARGET killed/total (survived, timeout, not checked) » and the surviving mutants, and
# leaves the copy's path so `mutmut show NAME` can be run in it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# The project's venv, or the main checkout's shared one when run from a git worktree.
venv="$root/.venv"; [ -x "$venv/bin/mutmut" ] || venv="$(git worktree list | head -1 | cut -d' ' -f1)/.venv"
mutmut="$venv/bin/mutmut"
[ -x "$mutmut" ] || { echo "mutmut manquant : scripts/bootstrap.sh test" >&2; exit 1; }
target="${1:?target: one of the TARGETS below, or all}"
minutes="${2:-20}"

# One target = one module (or a few small ones) and the fast tests that exercise it: mutmut
# runs, per mutant, only the selected tests that reach the mutated function. PostgreSQL twins
# are deselected (-k "not postgresql"): the SQLite run kills the same mutants, faster. Of the
# two-user isolation test, a repository target runs only its own module's cases (not the
# discovery check either: it reads the source, where mutmut put its trampolines).
TARGETS="order_rules aggregator downsample heartbeat strategy_api loader validator security
  repo_strategies repo_brokers repo_trades repo_users repo_results repo_sweeps repo_webhooks"
ISOLATION='"tests/integration/test_user_isolation.py"'
iso_k() {  # -k keeping the isolation cases of module $1 and every other selected test
  printf '"-k", "not postgresql and (not test_user_isolation or %s) and %s"' "$1" \
    "not every_user_scoped_function_is_registered"
}
config_for() {
  local m t
  case "$1" in
    order_rules) m='"aristobot/core/order_rules.py"'; t='"tests/unit/exchanges/test_rules.py"' ;;
    aggregator) m='"aristobot/core/aggregator.py"'; t='"tests/unit/heartbeat/test_aggregator.py"' ;;
    downsample) m='"aristobot/core/downsample.py", "aristobot/core/timefmt.py"'
      t='"tests/unit/backtest_app/test_downsample.py", "tests/unit/core/test_timefmt.py"' ;;
    heartbeat) m='"aristobot/core/heartbeat_*"'
      t='"tests/unit/heartbeat/test_integrity.py", "tests/unit/heartbeat/test_frames_and_clock.py"' ;;
    strategy_api) m='"aristobot/core/strategy_api.py"'
      t='"tests/unit/core/test_strategy_api.py", "tests/unit/optimize/test_params.py"' ;;
    loader) m='"aristobot/core/strategy_loader.py"'
      t='"tests/unit/strategies/test_loader.py", "tests/unit/strategies/test_loader_guards.py"' ;;
    validator) m='"aristobot/core/strategy_validator.py"'
      t='"tests/unit/strategies/test_validator.py", "tests/unit/strategies/test_validator_escapes.py",
        "tests/unit/strategies/test_validator_messages.py",
        "tests/unit/optimize/test_params.py"' ;;
    security) m='"aristobot/security/*"'
      t='"tests/unit/accounts/test_security.py", "tests/integration/accounts/test_ai_hosts.py",
        "tests/integration/accounts/test_key_rotation.py"' ;;
    repo_strategies) m='"aristobot/strategies/repository.py"'
      t="$ISOLATION, \"tests/unit/strategies/test_repository_rules.py\",
        \"tests/integration/strategies/test_repository_edits.py\",
        \"tests/integration/strategies/test_repository.py\", $(iso_k aristobot.strategies.repository)" ;;
    repo_brokers) m='"aristobot/brokers/repository.py"'
      t="$ISOLATION, \"tests/unit/brokers/test_broker_draft.py\",
        \"tests/integration/exchanges/test_broker_edits.py\",
        \"tests/integration/exchanges/test_brokers.py\", $(iso_k aristobot.brokers.repository)" ;;
    repo_trades) m='"aristobot/trading/trades.py"'
      t="$ISOLATION, \"tests/integration/exchanges/test_trade_rows.py\",
        \"tests/integration/exchanges/test_trade_journal.py\", $(iso_k aristobot.trading.trades)" ;;
    repo_users) m='"aristobot/accounts/users.py"'
      t="$ISOLATION, \"tests/integration/accounts/test_password_change_sessions.py\",
        \"tests/integration/accounts/test_users.py\", $(iso_k aristobot.accounts.users)" ;;
    repo_results) m='"aristobot/backtest/results_store.py"'
      t="$ISOLATION, \"tests/integration/backtest/test_results_store.py\", $(iso_k aristobot.backtest.results_store)" ;;
    repo_sweeps) m='"aristobot/sweeps/store.py"'
      t="$ISOLATION, \"tests/integration/research/test_sweeps_store.py\", $(iso_k aristobot.sweeps.store)" ;;
    repo_webhooks) m='"aristobot/webhooks/sources.py"'
      t="$ISOLATION, \"tests/unit/webhooks\", $(iso_k aristobot.webhooks.sources)" ;;
    *) echo "cible inconnue : $1 (cibles : $TARGETS)" >&2; exit 2 ;;
  esac
  printf 'only_mutate = [%s]\npytest_add_cli_args_test_selection = [%s]\n' "$m" "$t"
}

run_one() {
  local tgt=$1 work
  work=$(mktemp -d "/tmp/aristobot-mutation-$tgt.XXXX")
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work"
  { printf '\n[tool.mutmut]\nsource_paths = ["aristobot"]\n'
    printf 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
    config_for "$tgt"; } >> "$work/pyproject.toml"
  echo "== $tgt ($(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg), copy: $work)"
  (cd "$work" && timeout --signal=INT --kill-after=30 "$((minutes * 60))" nice -n 19 "$mutmut" run --max-children 2 \
     >"$work/mutmut.log" 2>&1) || echo "(time budget reached or mutmut stopped: partial run)"
  (cd "$work" && "$mutmut" export-cicd-stats >/dev/null 2>&1 || true)
  python3 - "$tgt" "$work/mutants/mutmut-cicd-stats.json" <<'PY'
import json, sys
tgt, path = sys.argv[1:]
try:
    s = json.load(open(path))
except OSError:
    sys.exit(f"{tgt}: no statistics (see mutmut.log)")
checked = s["killed"] + s["survived"] + s["timeout"] + s.get("suspicious", 0)
print(f"{tgt}: {s['killed']}/{checked} killed ({s['survived']} survived, {s['timeout']} timeout, "
      f"{s.get('not_checked', 0)} not checked, {s.get('no_tests', 0)} without tests, "
      f"{s['total']} mutants)")
PY
  (cd "$work" && "$mutmut" results 2>/dev/null | grep -E "survived" | head -100 || true)
}

if [ "$target" = all ]; then
  for t in $TARGETS; do run_one "$t"; done
else
  run_one "$target"
fi

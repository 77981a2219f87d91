"""Sweeps as plain records: the ranges a user edits, and runs as stored and shown.

The « Optimisation » page edits one row per declared parameter (``ranges_frame``), turns the
swept rows into the engine's space (``space_from_ranges``), and keeps every finished run as a
JSON-safe record (``run_records``) that the sweeps store saves and ``runs_frame`` displays.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from aristobot.backtest.results_store import jsonable
from aristobot.errors import ValidationError
from aristobot.sweeps import messages as msg

METHODS = ("grid", "random")
RANGE_COLUMNS = msg.RANGE_COLUMNS
#: Statistics kept per run (beside the objective): enough to sort and compare runs.
KEPT_STATS = ("total_return_pct", "sharpe", "sortino", "calmar", "max_drawdown_pct",
              "win_rate_pct", "profit_factor", "net_profit", "final_balance", "expectancy")
STAT_COLUMNS = msg.STAT_COLUMNS


def default_range(default: Any) -> tuple[Any, Any, Any]:
    """A starting range around a declared default: half to double, about five values."""
    if isinstance(default, bool):
        return (False, True, 1)
    if isinstance(default, int):
        lo, hi = max(1, default // 2), max(2, default * 2)
        return (lo, hi, max(1, round((hi - lo) / 4)))
    lo_f, hi_f = default / 2, default * 2 if default else 1.0
    return (lo_f, hi_f, (hi_f - lo_f) / 4 or 0.1)


def ranges_frame(declared: dict[str, Any]) -> pd.DataFrame:
    """One editable row per declared parameter (every one swept at first)."""
    rows = [[name, default, *default_range(default), True] for name, default in
            declared.items()]
    return pd.DataFrame(rows, columns=RANGE_COLUMNS)


def space_from_ranges(ranges: pd.DataFrame, declared: dict[str, Any]) -> dict[str, Any]:
    """Return the engine's space (``{name: (start, stop, step) | [values]}``) of swept rows."""
    space: dict[str, Any] = {}
    for _, row in ranges.iterrows():
        name = str(row["Paramètre"])
        if not bool(row["Balayer"]):
            continue
        if name not in declared:
            raise ValidationError(reason=msg.PARAM_UNKNOWN.format(name=name))
        default = declared[name]
        if isinstance(default, bool):
            space[name] = [False, True]
            continue
        lo, hi, step = (_number(row[c], name, c) for c in ("De", "À", "Pas"))
        if step <= 0 or hi < lo:
            raise ValidationError(reason=msg.RANGE_ORDER.format(name=name))
        if isinstance(default, int):
            if any(v != int(v) for v in (lo, hi, step)):
                raise ValidationError(reason=msg.RANGE_INTEGER.format(name=name))
            space[name] = (int(lo), int(hi), int(step))
        else:
            space[name] = (float(lo), float(hi), float(step))
    if not space:
        raise ValidationError(reason=msg.NOTHING_SWEPT)
    return space


def _number(value: Any, name: str, column: str) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        f = math.nan
    if not math.isfinite(f):
        raise ValidationError(reason=msg.RANGE_VALUE.format(name=name, column=column))
    return f


def split_constraints(text: str) -> list[str]:
    """Constraints typed as lines or separated by « ; »."""
    return [c.strip() for c in text.replace("\n", ";").split(";") if c.strip()]


def run_records(rows: list[Any]) -> list[dict[str, Any]]:
    """Return sweep rows (``optimize.SweepRow``) as JSON-safe records, in point order."""
    out = []
    for r in sorted(rows, key=lambda r: r.index):
        stats = {k: r.stats.get(k) for k in KEPT_STATS if k in r.stats}
        out.append(jsonable({"index": r.index, "params": dict(r.params),
                             "objective": r.objective, "trades": r.trades,
                             "lookahead_ok": r.lookahead_ok, "error": r.error,
                             "stats": stats}))
    return out


def runs_frame(records: list[dict[str, Any]], names: list[str], maximize: bool = True
               ) -> pd.DataFrame:
    """One row per run, best first: ``run`` (its position), parameters, then statistics."""
    data = []
    for i, rec in enumerate(records):
        row: dict[str, Any] = {"run": i}
        row.update({n: rec["params"].get(n) for n in names})
        row["objective"] = rec.get("objective")
        row["trades"] = rec.get("trades")
        row.update({k: (rec.get("stats") or {}).get(k) for k in STAT_COLUMNS
                    if k not in ("objective", "trades")})
        row["lookahead"] = {True: "OK", False: "⚠", None: "—"}[rec.get("lookahead_ok")]
        row["error"] = rec.get("error") or ""
        data.append(row)
    frame = pd.DataFrame(data, columns=["run", *names, *STAT_COLUMNS, "lookahead", "error"])
    if frame.empty:
        return frame
    ordered = frame.sort_values("objective", ascending=not maximize, na_position="last")
    return ordered.reset_index(drop=True)


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``runs_frame`` with French column names and rounded numbers, for the table."""
    view = frame.rename(columns={**STAT_COLUMNS, **msg.RUN_COLUMNS})
    return view.round(4)


def points(space: Mapping[str, Any], constraints: Iterable[str] | str | None = None, *,
           method: str = "grid", n: int = 100, seed: int = 0,
           cap: int | None = None) -> list[dict[str, Any]]:
    """Return the parameter points of ``space`` that satisfy ``constraints``.

    ``space`` maps each parameter to values (a list, a ``range``, ``(start, stop, step)``
    with ``stop`` included, or an ``aristobot.optimize`` dimension). ``method="random"``
    draws ``n`` distinct points with ``seed``.
    """
    from aristobot import optimize as opt

    if method not in METHODS:
        raise ValidationError(reason=msg.METHOD_UNKNOWN.format(method=method))
    ps = space if isinstance(space, opt.ParamSpace) else opt.ParamSpace.of(space)
    limit = opt.DEFAULT_CAP if cap is None else int(cap)
    if method == "grid":
        return [dict(p) for p in opt.grid(ps, constraints, cap=limit)]
    return [dict(p) for p in opt.random_points(ps, constraints, n=n, seed=seed, cap=limit)]


WALK_COLUMNS = msg.WALK_COLUMNS


def _side(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"objective": row.objective, "trades": row.trades, "error": row.error,
            "lookahead_ok": row.lookahead_ok,
            "return_pct": row.stats.get("total_return_pct")}


def walk_forward_record(result: Any, verdict: str) -> dict[str, Any]:
    """Return a walk-forward (``optimize.WalkForwardResult``) as a JSON-safe record."""
    windows = [{"start": w.start, "split": w.split, "end": w.end, "params": w.best_params,
                "in_sample": _side(w.in_sample), "out_of_sample": _side(w.out_of_sample),
                "in_sample_runs": w.in_sample_runs, "error": w.error}
               for w in result.windows]
    return dict(jsonable({"kind": result.kind, "objective": result.objective,
                          "windows": windows, "verdict": verdict}))


def walk_frame(record: Mapping[str, Any] | None, when: Any = str) -> pd.DataFrame:
    """One row per window, in-sample and out-of-sample side by side (French columns);
    ``when`` formats a stored date."""
    data = []
    for i, w in enumerate((record or {}).get("windows", [])):
        ins, oos = w.get("in_sample") or {}, w.get("out_of_sample") or {}
        params = ", ".join(f"{k}={v}" for k, v in (w.get("params") or {}).items())
        data.append([i + 1, params, ins.get("objective"), oos.get("objective"),
                     ins.get("return_pct"), oos.get("return_pct"), ins.get("trades"),
                     oos.get("trades"), when(w.get("start")), when(w.get("split")),
                     when(w.get("end")), w.get("error") or oos.get("error") or ""])
    return pd.DataFrame(data, columns=WALK_COLUMNS).round(4)

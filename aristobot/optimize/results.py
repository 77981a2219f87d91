"""Results of sweeps and walk-forward analyses (plain data, picklable, no Dask inside).

A ``SweepRow`` is one finished point: its parameters, the objective's value, every statistic
of the backtester, the trade count, the look-ahead check's verdict, or the French error that
stopped it. A ``SweepResult`` holds the rows in the order of the points, the points that did
not run (cancelled), the best row, the flag raised when any run failed its look-ahead check,
and the overfitting guard (``dsr``, ``pbo``, ``verdict``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aristobot.errors import ValidationError
from aristobot.optimize import messages as msg

#: Objectives a sweep can rank by: statistic → (French label, higher is better).
OBJECTIVES: dict[str, tuple[str, bool]] = {
    key: (label, key != "max_drawdown_pct") for key, label in msg.OBJECTIVE_LABELS.items()
}


def check_objective(objective: str) -> bool:
    """Return True when ``objective`` is maximised; raise ``ValidationError`` if unknown."""
    if objective not in OBJECTIVES:
        names = ", ".join(OBJECTIVES)
        raise ValidationError(reason=msg.OBJECTIVE_UNKNOWN.format(objective=objective, names=names))
    return OBJECTIVES[objective][1]


def objective_value(stats: dict[str, Any], objective: str) -> float | None:
    """Return the finite numeric value of ``objective`` in ``stats``, else None."""
    v = stats.get(objective)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


@dataclass(frozen=True)
class SweepRow:
    """One point of a sweep that ran (``error`` set when it could not produce a result)."""

    index: int  # position of the point in the sweep's list
    params: dict[str, Any]
    objective: float | None
    stats: dict[str, Any]
    trades: int
    lookahead_ok: bool | None
    error: str | None = None
    returns: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    @property
    def flagged(self) -> bool:
        """True when the look-ahead check found the fast path differing from the exact one."""
        return self.lookahead_ok is False


def rank_key(row: SweepRow, maximize: bool) -> tuple[int, float, int]:
    """Sort key putting the best row first (undefined objectives and errors last)."""
    if row.error is not None or row.objective is None:
        return (1, 0.0, row.index)
    return (0, -row.objective if maximize else row.objective, row.index)


@dataclass
class SweepResult:
    """Outcome of ``run_sweep`` (see the module docstring)."""

    objective: str
    maximize: bool
    rows: list[SweepRow]
    total: int
    cancelled: bool = False
    missing: list[dict[str, Any]] = field(default_factory=list)
    dsr: float | None = None
    pbo: float | None = None
    verdict: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> SweepRow | None:
        ranked = sorted(self.rows, key=lambda r: rank_key(r, self.maximize))
        return ranked[0] if ranked and rank_key(ranked[0], self.maximize)[0] == 0 else None

    @property
    def flagged(self) -> bool:
        """True when any run failed the look-ahead check: the whole sweep is suspect."""
        return any(r.flagged for r in self.rows)

    @property
    def errors(self) -> list[SweepRow]:
        return [r for r in self.rows if r.error is not None]

    def to_frame(self) -> pd.DataFrame:
        """One row per finished point: parameters, objective, trades, look-ahead, error,
        then every numeric statistic (sorted best first)."""
        records = []
        for r in sorted(self.rows, key=lambda r: rank_key(r, self.maximize)):
            rec: dict[str, Any] = dict(r.params)
            rec.update(objective=r.objective, trades=r.trades, lookahead_ok=r.lookahead_ok,
                       error=r.error)
            rec.update({k: v for k, v in r.stats.items()
                        if isinstance(v, int | float) and not isinstance(v, bool)
                        and k not in rec})
            records.append(rec)
        return pd.DataFrame.from_records(records)

    def heatmap(self, x: str, y: str) -> pd.DataFrame:
        """Return the objective as a ``y`` x ``x`` table (best value where points repeat)."""
        frame = self.to_frame()
        if frame.empty or x not in frame or y not in frame:
            raise ValidationError(reason=msg.HEATMAP_AXES.format(x=x, y=y))
        agg = "max" if self.maximize else "min"
        return frame.pivot_table(index=y, columns=x, values="objective", aggfunc=agg)


@dataclass(frozen=True)
class Window:
    """Bar positions of one walk-forward window: in-sample [is_start, is_stop), then
    out-of-sample [is_stop, oos_stop)."""

    is_start: int
    is_stop: int
    oos_stop: int

    @property
    def oos_start(self) -> int:
        return self.is_stop


@dataclass(frozen=True)
class WindowResult:
    """One walk-forward window: the in-sample sweep's best point judged out of sample."""

    window: Window
    start: pd.Timestamp  # first in-sample candle
    split: pd.Timestamp  # first out-of-sample candle
    end: pd.Timestamp  # last out-of-sample candle
    best_params: dict[str, Any] | None
    in_sample: SweepRow | None  # the in-sample best run
    out_of_sample: SweepRow | None  # the same parameters out of sample
    in_sample_runs: int
    error: str | None = None


@dataclass
class WalkForwardResult:
    """Outcome of ``walk_forward``: every window, in order."""

    objective: str
    maximize: bool
    kind: str  # "rolling" | "anchored"
    windows: list[WindowResult]
    cancelled: bool = False

    @property
    def flagged(self) -> bool:
        return any(r is not None and r.flagged for w in self.windows
                   for r in (w.in_sample, w.out_of_sample))

    def to_frame(self) -> pd.DataFrame:
        """One line per window: dates, best parameters, in-sample vs out-of-sample objective,
        return and trades side by side."""
        records = []
        for i, w in enumerate(self.windows):
            rec: dict[str, Any] = {"window": i + 1, "start": w.start, "split": w.split,
                                   "end": w.end}
            rec.update({f"param_{k}": v for k, v in (w.best_params or {}).items()})
            for tag, row in (("is", w.in_sample), ("oos", w.out_of_sample)):
                rec[f"{tag}_objective"] = None if row is None else row.objective
                rec[f"{tag}_return_pct"] = None if row is None else row.stats.get(
                    "total_return_pct")
                rec[f"{tag}_trades"] = None if row is None else row.trades
            rec["error"] = w.error
            records.append(rec)
        return pd.DataFrame.from_records(records)

"""Which bars the exactness check re-evaluates, and what checking them proves.

Look-ahead hides where the fast path did nothing: a veto reading the next candle shows only on
the bars where the decision was false but would have been true without it. So the sample is
built in strata, each sized from the run:

- ``warm-up``: the first bars (windows shorter than the strategy's, where an ``__init__``
  may fail) and the first full windows;
- ``trades``: the bars around every entry and exit (before, at, after), all of them up to a
  cap, then evenly spread;
- ``near misses``: bars where the traced decision is false but one of its conditions
  flipping would make it true (``tracing.near_misses``), by class, smallest class first,
  each class wholly or by a seeded sample;
- ``uniform``: seeded random bars, whose count gives the stated guarantee: with k uniform
  bars, a divergence touching more than x = 1 - 0.05^(1/k) of the bars is missed with
  probability below 5 %. k follows the run's length (``uniform_count``): 60 from
  ``FULL_RUN`` bars up (x = 4.9 %), fewer on shorter runs, whose whole backtest costs less
  than a few dozen exact re-evaluations, never below ``MIN_UNIFORM`` (x = 9.5 %); the report
  states the x of its own sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from aristobot.core.backtest import messages as msg

#: Confidence of the stated guarantee.
CONFIDENCE = 0.95
#: Uniform bars checked on runs of ``FULL_RUN`` bars or more (guarantee: ~4.9 % of the bars at
#: 95 %); shorter runs check proportionally fewer, never below ``MIN_UNIFORM`` (~9.5 %).
UNIFORM = 60
MIN_UNIFORM = 30
FULL_RUN = 50_000
#: Trade bars (around entries and exits) checked in full up to this many, then spread.
TRADES = 96
#: Near-miss bars checked per class, and in all.
NEAR_PER_CLASS = 24
NEAR_TOTAL = 96
#: Runs shorter than ``FULL_RUN`` check proportionally fewer trade and near-miss bars (not
#: below ``MIN_SCALE`` of the full sample).
MIN_SCALE = 0.25


@dataclass(slots=True)
class Sample:
    """The bars to check (sorted, unique) and the count of each stratum."""

    bars: list[int]
    strata: dict[str, int] = field(default_factory=dict)
    uniform: int = 0
    trade_bars: int = 0  # bars around trades in all (the stratum checked some or all)
    near_bars: int = 0  # near-miss bars in all (None-equivalent -1: not traced)
    near_classes: int = 0


def guarantee_pct(uniform: int) -> float | None:
    """The share of bars (in %) a divergence must exceed to be caught at 95 % confidence."""
    if uniform <= 0:
        return None
    return float(100.0 * (1.0 - (1.0 - CONFIDENCE) ** (1.0 / uniform)))


def uniform_count(n: int) -> int:
    """The uniform bars a run of ``n`` bars checks (before the caller's budget caps it)."""
    share = min(1.0, n / FULL_RUN)
    return min(n, max(MIN_UNIFORM, round(UNIFORM * share)))


def _bars_in(n: int, parts: Sequence[np.ndarray]) -> np.ndarray:
    """The distinct bars of ``parts`` in [0, n), sorted (a mask: linear, where ``np.unique``
    hashes a million near misses of a year of 1m candles for a second)."""
    mask = np.zeros(n, dtype=bool)
    for part in parts:
        mask[part[(part >= 0) & (part < n)]] = True
    return np.flatnonzero(mask)


def _spread(values: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    if len(values) <= k:
        return values
    return np.sort(rng.choice(values, size=k, replace=False))


def plan(
    n: int,
    window: int,
    trades: Sequence[tuple[int, int]],
    near: Sequence[np.ndarray] | None,
    budget: int,
    seed: int,
) -> Sample:
    """Return the sample for a run of ``n`` bars. ``budget`` bounds the uniform, trade and
    near-miss strata together (0 or less: no sample at all); the few warm-up bars come on
    top."""
    if n <= 0 or budget <= 0:
        return Sample([])
    rng = np.random.default_rng(seed)
    # The uniform share (the stated guarantee) first; the targeted strata share the rest.
    uniform = min(uniform_count(n), max(1, budget - 8))
    scale = min(1.0, max(0, budget - UNIFORM - 8) / (TRADES + NEAR_TOTAL))
    if n < FULL_RUN:  # a short run has fewer decisions to prove: fewer trade/near bars
        scale *= max(MIN_SCALE, n / FULL_RUN)
    chosen: dict[str, np.ndarray] = {}
    warm = [b for b in (0, 1, 2, window - 2, window - 1, window, window + 1) if 0 <= b < n]
    chosen["warm-up"] = np.array(sorted(set(warm)), dtype=np.int64)
    around = _bars_in(n, [np.asarray(trades, dtype=np.int64).reshape(-1) + d
                          for d in (-1, 0, 1)])
    keep = int(TRADES * scale)
    if len(around) > keep:  # the first trades whole, the others spread evenly
        head = around[: keep // 3]
        rest = around[keep // 3:]
        pick = np.linspace(0, len(rest) - 1, num=keep - len(head)).astype(np.int64)
        chosen["trades"] = np.concatenate([head, rest[pick]]) if keep else around[:0]
    else:
        chosen["trades"] = around
    near_bars = near_classes = 0
    if near:
        total = int(NEAR_TOTAL * scale)
        per_class = max(1, int(NEAR_PER_CLASS * scale))
        parts = []
        for cls in near:  # smallest class first
            cls = cls[cls < n]
            near_classes += 1 if len(cls) else 0
            if total <= 0 or not len(cls):
                continue
            part = _spread(cls, min(per_class, total), rng)
            parts.append(part)
            total -= len(part)
        near_bars = len(_bars_in(n, list(near)))
        chosen["near misses"] = (np.concatenate(parts) if parts
                                 else np.empty(0, dtype=np.int64))
    chosen["uniform"] = np.sort(rng.choice(n, size=uniform, replace=False))
    bars = sorted(set(np.concatenate(list(chosen.values())).tolist()))
    return Sample(bars, {k: len(v) for k, v in chosen.items()}, uniform, len(around),
                  near_bars if near is not None else -1, near_classes)


def describe_sample(sample: Sample, cuts: int, n: int) -> str:
    """French summary of what the check covered (for the report)."""
    s = sample.strata
    text = msg.sample_summary(
        len(sample.bars), n,
        (s.get("trades", 0), sample.trade_bars) if sample.trade_bars else None,
        (s.get("near misses", 0), sample.near_bars, sample.near_classes)
        if sample.near_bars > 0 else None, cuts)
    x = guarantee_pct(sample.uniform)
    if x is not None:
        text += msg.guarantee(_pct(x), round(CONFIDENCE * 100))
    return text


def _pct(x: float) -> str:
    digits = 1 if x >= 1 else 2
    return f"{math.ceil(x * 10**digits) / 10**digits:.{digits}f}".replace(".", ",")

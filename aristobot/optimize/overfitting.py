"""Overfitting guard of a sweep: Deflated Sharpe Ratio, PBO by CSCV, and a French verdict.

* ``deflated_sharpe_ratio`` (Bailey & López de Prado, 2014, "The Deflated Sharpe Ratio"):
  the probability that the best of ``n_trials`` Sharpe ratios beats the Sharpe ratio the best
  of ``n_trials`` skill-less strategies would reach by luck,

      SR0 = sqrt(V) * ((1 - g) * Z^-1(1 - 1/N) + g * Z^-1(1 - 1/(N e)))   (g: Euler's constant)
      DSR = Z((SR - SR0) * sqrt(T - 1) / sqrt(1 - skew * SR + (kurt - 1) / 4 * SR^2))

  with per-period (not annualised) Sharpe ratios, V their variance across the trials, T the
  number of returns of the best trial, skew and kurt (not excess) of those returns. N = 1
  gives SR0 = 0 (the probabilistic Sharpe ratio against zero).
* ``probability_of_backtest_overfitting`` (Bailey, Borwein, López de Prado & Zhu, 2015,
  "The Probability of Backtest Overfitting"): combinatorially symmetric cross-validation of a
  T x N matrix of returns (rows: periods, columns: trials) cut into S row blocks; for each
  choice of S/2 blocks as in-sample, the in-sample best trial's rank among the out-of-sample
  performances gives w = rank / (N + 1) and the logit l = ln(w / (1 - w)); PBO is the share of
  combinations with l <= 0 (the in-sample best lands in the bottom half out of sample).

Pure numpy + ``statistics.NormalDist``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from aristobot.errors import ValidationError
from aristobot.optimize import messages as msg

EULER_GAMMA = 0.5772156649015329
_Z = NormalDist()


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Return SR0, the expected best Sharpe ratio of ``n_trials`` luck-only trials."""
    if n_trials < 1:
        raise ValidationError(reason=msg.TRIALS_MIN)
    if n_trials == 1 or sharpe_variance <= 0:
        return 0.0
    a = _Z.inv_cdf(1.0 - 1.0 / n_trials)
    b = _Z.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(sharpe_variance) * ((1.0 - EULER_GAMMA) * a + EULER_GAMMA * b)


def deflated_sharpe_ratio(sharpe: float, n_trials: int, sharpe_variance: float, n_obs: int,
                          skew: float = 0.0, kurtosis: float = 3.0) -> float | None:
    """Return the DSR (a probability in [0, 1]) of a best per-period Sharpe ratio.

    None when it is undefined (fewer than 2 returns, or a non-positive variance term).
    """
    if n_obs < 2 or not math.isfinite(sharpe):
        return None
    sr0 = expected_max_sharpe(n_trials, sharpe_variance)
    denominator = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if not denominator > 0:
        return None
    return _Z.cdf((sharpe - sr0) * math.sqrt(n_obs - 1) / math.sqrt(denominator))


def sharpe_moments(returns: np.ndarray) -> tuple[float, float, float]:
    """Return (per-period Sharpe, skewness, kurtosis) of ``returns`` (population moments;
    Sharpe with the ddof=1 deviation); zero deviation gives (0, 0, 3)."""
    r = np.asarray(returns, dtype=np.float64)
    sd = float(np.std(r, ddof=1)) if r.size >= 2 else 0.0
    if sd == 0 or not math.isfinite(sd):
        return 0.0, 0.0, 3.0
    centred = r - r.mean()
    m2 = float(np.mean(centred**2))
    skew = float(np.mean(centred**3)) / m2**1.5
    kurt = float(np.mean(centred**4)) / m2**2
    return float(r.mean()) / sd, skew, kurt


def dsr_of_trials(matrix: np.ndarray, best: int) -> float | None:
    """Return the DSR of column ``best`` of a T x N returns matrix, deflated by all N."""
    m = np.asarray(matrix, dtype=np.float64)
    sharpes = np.array([sharpe_moments(m[:, j])[0] for j in range(m.shape[1])])
    variance = float(np.var(sharpes, ddof=1)) if sharpes.size >= 2 else 0.0
    sr, skew, kurt = sharpe_moments(m[:, best])
    return deflated_sharpe_ratio(sr, m.shape[1], variance, m.shape[0], skew, kurt)


@dataclass(frozen=True)
class PBOResult:
    """Outcome of CSCV: the probability, and the logit of every combination."""

    pbo: float
    logits: tuple[float, ...]
    n_partitions: int
    n_trials: int


def _performance(sums: np.ndarray, squares: np.ndarray, n: int, metric: str) -> np.ndarray:
    mean = sums / n
    if metric == "mean":
        return mean
    var = (squares - n * mean**2) / (n - 1)
    sd = np.sqrt(np.maximum(var, 0.0))
    return np.divide(mean, sd, out=np.zeros_like(mean), where=sd > 1e-15)


def _ranks(values: np.ndarray, j: int) -> float:
    """Rank (1 = lowest, ties averaged) of ``values[j]`` among ``values``."""
    below = float(np.sum(values < values[j]))
    equal = float(np.sum(values == values[j]))
    return below + (equal + 1.0) / 2.0


def probability_of_backtest_overfitting(matrix: np.ndarray, n_partitions: int = 16,
                                        metric: str = "sharpe") -> PBOResult:
    """Return PBO by CSCV of a T x N returns matrix (see the module docstring).

    Rows beyond a multiple of ``n_partitions`` are dropped from the start (the oldest).
    ``metric`` is "sharpe" (mean / ddof-1 deviation of the block's returns) or "mean".
    In-sample ties go to the first trial. Raises ``ValidationError`` on unusable input.
    """
    m = np.asarray(matrix, dtype=np.float64)
    s = int(n_partitions)
    if m.ndim != 2 or m.shape[1] < 2:
        raise ValidationError(reason=msg.PBO_TRIALS)
    if s < 2 or s % 2:
        raise ValidationError(reason=msg.PBO_PARTITIONS)
    if metric not in ("sharpe", "mean"):
        raise ValidationError(reason=msg.PBO_METRIC.format(metric=metric))
    rows = (m.shape[0] // s) * s
    if rows < s * (2 if metric == "sharpe" else 1) or not np.isfinite(m).all():
        raise ValidationError(reason=msg.PBO_PERIODS)
    blocks = m[m.shape[0] - rows:].reshape(s, rows // s, m.shape[1])
    block_sums, block_squares = blocks.sum(axis=1), (blocks**2).sum(axis=1)
    half, per_block, n_trials = s // 2, rows // s, m.shape[1]
    total_sums, total_squares = block_sums.sum(axis=0), block_squares.sum(axis=0)
    logits = []
    for chosen in itertools.combinations(range(s), half):
        idx = list(chosen)
        in_sums, in_squares = block_sums[idx].sum(axis=0), block_squares[idx].sum(axis=0)
        n = half * per_block
        perf_in = _performance(in_sums, in_squares, n, metric)
        perf_out = _performance(total_sums - in_sums, total_squares - in_squares, n, metric)
        best = int(np.argmax(perf_in))
        w = _ranks(perf_out, best) / (n_trials + 1.0)
        logits.append(math.log(w / (1.0 - w)))
    pbo = sum(1 for x in logits if x <= 0) / len(logits)
    return PBOResult(pbo, tuple(logits), s, n_trials)


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def verdict(dsr: float | None, pbo: float | None, n_trials: int, *,
            flagged: bool = False) -> str:
    """Return a plain French verdict on a sweep's best result."""
    parts: list[str] = []
    if flagged:
        parts.append(msg.GUARD_FLAGGED)
    if dsr is None and pbo is None:
        parts.append(msg.GUARD_NO_DATA)
        return " ".join(parts)
    if pbo is not None:
        if pbo > 0.5:
            parts.append(msg.GUARD_PBO_HIGH.format(pbo=_pct(pbo)))
        else:
            parts.append(msg.GUARD_PBO.format(pbo=_pct(pbo)))
    if dsr is not None:
        if dsr >= 0.95:
            parts.append(msg.GUARD_DSR_OK.format(trials=n_trials, dsr=_pct(dsr)))
        else:
            parts.append(msg.GUARD_DSR_LOW.format(trials=n_trials, dsr=_pct(dsr)))
    robust = (dsr is not None and dsr >= 0.95) and (pbo is None or pbo <= 0.5) and not flagged
    parts.append(msg.GUARD_ROBUST if robust else msg.GUARD_CAUTION)
    return " ".join(parts)

"""DSR and PBO against values worked out by hand on small examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aristobot.errors import ValidationError
from aristobot.optimize import (
    deflated_sharpe_ratio,
    dsr_of_trials,
    expected_max_sharpe,
    probability_of_backtest_overfitting,
    sharpe_moments,
    verdict,
)


def test_expected_max_sharpe_by_hand() -> None:
    # N = 10, V = 0.01: Z^-1(0.9) = 1.2815516, Z^-1(1 - 1/(10 e)) = Z^-1(0.9632121) = 1.7892418
    # SR0 = 0.1 * (0.4227843 * 1.2815516 + 0.5772157 * 1.7892418) = 0.1 * 1.5745983
    assert expected_max_sharpe(10, 0.01) == pytest.approx(0.15745983, abs=1e-7)
    assert expected_max_sharpe(1, 0.01) == 0.0  # one trial: nothing to deflate


def test_deflated_sharpe_ratio_by_hand() -> None:
    # SR 0.1 over T = 250 normal returns (skew 0, kurt 3), best of 10 trials, V = 0.01:
    # z = (0.1 - 0.1574598) * sqrt(249) / sqrt(1 + 0.5 * 0.01) = -0.9044425 -> Z(z) = 0.1828804
    assert deflated_sharpe_ratio(0.1, 10, 0.01, 250) == pytest.approx(0.1828804, abs=1e-6)
    # One trial (the PSR against 0), T = 101, skew -0.5, kurt 5:
    # denominator 1 + 0.05 + 0.01 = 1.06; z = 0.1 * 10 / sqrt(1.06) = 0.9712859 -> 0.8342970
    assert deflated_sharpe_ratio(0.1, 1, 0.0, 101, -0.5, 5.0) == pytest.approx(0.834297, abs=1e-6)
    assert deflated_sharpe_ratio(0.1, 10, 0.01, 1) is None
    # A negative variance term (huge positive skew) is undefined, not a number.
    assert deflated_sharpe_ratio(2.0, 3, 0.01, 50, skew=5.0) is None


def test_sharpe_moments_by_hand() -> None:
    # mean 0.02; deviations -0.01, 0.01, -0.03, 0.03; sd (ddof 1) = sqrt(20e-4 / 3) = 0.0258199
    sr, skew, kurt = sharpe_moments(np.array([0.01, 0.03, -0.01, 0.05]))
    assert sr == pytest.approx(0.02 / math.sqrt(20e-4 / 3))
    assert skew == pytest.approx(0.0, abs=1e-12)
    assert kurt == pytest.approx(41e-8 / 25e-8)  # m4 / m2^2 = (164e-8 / 4) / (5e-4)^2
    assert sharpe_moments(np.zeros(5)) == (0.0, 0.0, 3.0)


def test_dsr_of_trials_deflates_by_every_trial() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.normal(0.0, 0.01, (400, 30))
    matrix[:, 7] += 0.004  # one real edge among noise
    alone = dsr_of_trials(matrix[:, [7]], 0)
    among = dsr_of_trials(matrix, 7)
    assert alone is not None and among is not None
    assert among < alone  # more trials, more luck to discount


# Columns A, B, C over 4 periods, one period per block (S = 4), metric = mean:
#   C(4, 2) = 6 in-sample choices; by hand (IS best -> its OOS rank of 3 -> logit):
#   {0,1}: A (3) best -> OOS A -1 lowest -> w 1/4 -> ln(1/3)
#   {0,2},{0,3},{1,2},{1,3}: B (1.5) best -> OOS B 1.5 highest -> w 3/4 -> ln 3
#   {2,3}: B (2) best -> OOS B 1 lowest -> ln(1/3)        PBO = 2 / 6
HAND = np.array([[3.0, 1.0, 2.0], [3.0, 1.0, 2.0], [-1.0, 2.0, 0.0], [-1.0, 2.0, 0.0]])


def test_pbo_by_hand() -> None:
    result = probability_of_backtest_overfitting(HAND, n_partitions=4, metric="mean")
    third, three = math.log(1 / 3), math.log(3)
    assert result.logits == pytest.approx((third, three, three, three, three, third))
    assert result.pbo == pytest.approx(1 / 3)


def test_pbo_extremes_with_sharpe() -> None:
    # Two blocks of two periods. A: 1, 3 in each block (Sharpe 2 / 1.414 = 1.414);
    # B: 0, 4 (Sharpe 2 / 2.828 = 0.707): A is best in and out of sample -> PBO 0.
    steady = np.array([[1.0, 0.0], [3.0, 4.0], [1.0, 0.0], [3.0, 4.0]])
    assert probability_of_backtest_overfitting(steady, 2).pbo == 0.0
    # The in-sample winner always loses out of sample -> PBO 1.
    flip = np.array([[1.0, 0.0], [2.0, 0.5], [0.0, 1.0], [0.5, 2.0]])
    assert probability_of_backtest_overfitting(flip, 2).pbo == 1.0


@pytest.mark.parametrize("matrix, s", [(np.zeros((8, 1)), 2), (np.zeros((8, 3)), 3),
                                       (np.zeros((3, 3)), 4), (np.full((8, 2), np.nan), 2)])
def test_pbo_refuses_unusable_input(matrix: np.ndarray, s: int) -> None:
    with pytest.raises(ValidationError):
        probability_of_backtest_overfitting(matrix, s)


def test_verdict_texts() -> None:
    assert "robuste" in verdict(0.99, 0.1, 50)
    assert "Sur-apprentissage probable" in verdict(0.99, 0.8, 50)
    text = verdict(0.5, 0.2, 100)
    assert "chance" in text and "100 essais" in text and "prudence" in text
    assert "anticipation" in verdict(0.99, 0.1, 50, flagged=True)
    assert "robuste" not in verdict(0.99, 0.1, 50, flagged=True)
    assert "Pas assez" in verdict(None, None, 1)

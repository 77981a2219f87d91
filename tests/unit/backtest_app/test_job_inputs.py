from __future__ import annotations

import pandas as pd
import pytest

from aristobot.backtest.job import check_candles, make_params
from aristobot.backtest.synthetic import synthetic_candles
from aristobot.errors import ValidationError


def test_params_from_dict_and_defaults() -> None:
    p = make_params({"initial_amount": 500.0, "mode": "exact"})
    assert p.initial_amount == 500.0 and p.mode == "exact" and p.fee_rate == 0.001


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ({"initial_amount": 0.0}, "montant de départ"),
        ({"fee_rate": -0.1}, "frais"),
        ({"slippage": 0.5}, "slippage"),
        ({"mode": "turbo"}, "mode inconnu"),
        ({"window": 0}, "fenêtre"),
        ({"bogus": 1}, "paramètres inconnus"),
    ],
)
def test_bad_params_are_refused_in_french(values: dict[str, object], text: str) -> None:
    with pytest.raises(ValidationError) as e:
        make_params(values)
    assert text in e.value.user_message()


def test_candles_checks() -> None:
    good = synthetic_candles(20)
    assert check_candles(good) is good
    with pytest.raises(ValidationError):
        check_candles(good.drop(columns=["volume"]))
    with pytest.raises(ValidationError):
        check_candles(good.iloc[:0])
    with pytest.raises(ValidationError):
        check_candles(good.tz_localize(None))
    with pytest.raises(ValidationError):
        check_candles(pd.concat([good, good.iloc[:1]]))
    bad = good.copy()
    bad.iloc[3, 0] = float("nan")
    with pytest.raises(ValidationError) as e:
        check_candles(bad)
    assert "manquantes" in e.value.user_message()

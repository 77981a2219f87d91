"""The order process's settings, and the environment a child service process gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from aristobot.config import Secret, Settings, child_env
from aristobot.errors import ConfigError
from aristobot.webhooks.orders import OrderSettings


def test_child_reads_exactly_the_parent_settings(tmp_path: Path) -> None:
    parent = Settings(var_dir=tmp_path, database_url="postgresql+psycopg://u@db:5432/a",
                      redis_url="redis://r:6379/1", bus_namespace="ns:",
                      secret_key=Secret("k" * 24), old_secret_keys=(Secret("o" * 24),),
                      exchange_url_overrides={"binance": "http://127.0.0.1:9001"},
                      extra={"ARISTOBOT_WEBHOOK_POLL_S": "0.5"})
    child = Settings.from_env(child_env(parent), root=tmp_path)
    for name in ("var_dir", "database_url", "redis_url", "bus_namespace", "secret_key",
                 "old_secret_keys", "exchange_url_overrides", "binance_rest_url",
                 "paper_starting_capital"):
        assert getattr(child, name) == getattr(parent, name), name
    assert OrderSettings.from_extra(child.extra).poll_s == 0.5


def test_order_settings_defaults_bounds_and_errors() -> None:
    assert OrderSettings.from_extra({}) == OrderSettings(4, 1.0, 120.0, 120.0)
    low = OrderSettings.from_extra({"ARISTOBOT_WEBHOOK_ORDER_SLOTS": "0",
                                    "ARISTOBOT_WEBHOOK_CLAIM_LEASE_S": "1"})
    assert low.slots == 1 and low.lease_s == 5
    with pytest.raises(ConfigError) as e:
        OrderSettings.from_extra({"ARISTOBOT_WEBHOOK_POLL_S": "vite"})
    assert "ARISTOBOT_WEBHOOK_POLL_S" in e.value.user_message()

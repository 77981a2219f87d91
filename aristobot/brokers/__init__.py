"""Brokers: a user's exchange accounts (keys encrypted, never shown in clear).

Live key checks live in ``aristobot.brokers.verification`` (it imports the exchange layer).
"""

from aristobot.brokers.repository import (
    Broker,
    BrokerConfig,
    BrokerDraft,
    active_exchanges,
    broker_config,
    create_broker,
    default_broker,
    delete_broker,
    ensure_default_paper_broker,
    get_broker,
    list_brokers,
    set_default_broker,
    testnet_in_use,
    update_broker,
    validate_draft,
)

__all__ = [
    "Broker", "BrokerConfig", "BrokerDraft", "active_exchanges", "broker_config",
    "create_broker", "default_broker", "delete_broker", "ensure_default_paper_broker",
    "get_broker", "list_brokers", "set_default_broker", "testnet_in_use", "update_broker",
    "validate_draft",
]

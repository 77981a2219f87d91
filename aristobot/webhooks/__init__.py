"""TradingView webhooks: sources, the receiver (store first, answer fast) and the processor."""

from aristobot.webhooks.payload import Alert, alert_message_template, parse_alert, parse_body
from aristobot.webhooks.receiver import IncomingRequest, Outcome, Receiver
from aristobot.webhooks.sources import (
    TRADINGVIEW_IPS,
    Source,
    create_source,
    delete_source,
    get_source,
    list_sources,
    rotate_source,
    update_source,
)

__all__ = [
    "TRADINGVIEW_IPS", "Alert", "IncomingRequest", "Outcome", "Receiver", "Source",
    "alert_message_template", "create_source", "delete_source", "get_source", "list_sources",
    "parse_alert", "parse_body", "rotate_source", "update_source",
]
